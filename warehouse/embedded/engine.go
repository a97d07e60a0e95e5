package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"github.com/flexhub/flexhub/warehouse"
)

// Engine is the embedded ClickHouse. It implements warehouse.Warehouse.
type Engine struct {
	lib  *libchdb
	conn unsafe.Pointer // chdb_connection (the handle behind chdb_connect's pointer)
	ptr  unsafe.Pointer // chdb_connection*, for chdb_close_conn
	// sem serialises statements: the engine runs one at a time per
	// connection, and waiting callers give up when their context ends.
	sem    chan struct{}
	closed bool
}

// Config locates the library and the data.
type Config struct {
	LibPath string // path of libchdb.so
	DataDir string // where the engine keeps its databases
	// Settings are query-level settings applied to the connection, e.g.
	// {"max_threads": "2"}.
	Settings map[string]string
}

// DefaultLibPath is where scripts/fetch-libchdb.sh puts the library, unless
// FLEXHUB_LIBCHDB names another file.
func DefaultLibPath() string {
	if p := os.Getenv("FLEXHUB_LIBCHDB"); p != "" {
		return p
	}
	cache := os.Getenv("FLEXHUB_CACHE_DIR")
	if cache == "" {
		if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
			cache = filepath.Join(x, "flexhub")
		} else {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache", "flexhub")
		}
	}
	return filepath.Join(cache, "chdb-26.7.3-stable.1", "package", "libchdb.so")
}

var opened = make(chan struct{}, 1)

// Open loads the library and connects to the data directory. Only one
// Engine may be open per process at a time (the library boots one engine per
// process); a second Open fails until the first is closed.
func Open(cfg Config) (*Engine, error) {
	l, err := load(cfg.LibPath)
	if err != nil {
		return nil, err
	}
	select {
	case opened <- struct{}{}:
	default:
		return nil, errors.New("embedded: an engine is already open in this process")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		<-opened
		return nil, fmt.Errorf("embedded: data dir: %w", err)
	}
	abs, _ := filepath.Abs(cfg.DataDir)
	// The Go runtime owns signals; the engine must not install handlers.
	l.setSignalHandlersEnabled(0)
	// Every statement reads and writes times in UTC, whatever the process
	// TZ: parameters and dates are UTC by contract.
	args := []string{"flexhub", "--path=" + abs, "--session_timezone=UTC"}
	for k, v := range cfg.Settings {
		args = append(args, "--"+k+"="+v)
	}
	cargs := make([][]byte, len(args))
	argv := make([]*byte, len(args))
	for i, a := range args {
		cargs[i] = append([]byte(a), 0)
		argv[i] = &cargs[i][0]
	}
	ptr := l.connect(int32(len(argv)), unsafe.Pointer(&argv[0]))
	runtime.KeepAlive(cargs)
	runtime.KeepAlive(argv)
	if ptr == nil {
		<-opened
		return nil, fmt.Errorf("embedded: chdb_connect failed for %s", abs)
	}
	conn := *(*unsafe.Pointer)(ptr)
	e := &Engine{lib: l, conn: conn, ptr: ptr, sem: make(chan struct{}, 1)}
	return e, nil
}

// Kind implements warehouse.Warehouse.
func (e *Engine) Kind() string { return "embedded" }

// Version reports the engine's version string.
func (e *Engine) Version() string { return cstring(e.lib.version()) }

func (e *Engine) acquire(ctx context.Context) error {
	// select picks at random when both cases are ready, so a context that
	// has already ended is checked first: it must never start a statement.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("embedded: %w", ctx.Err())
	}
	if e.closed {
		<-e.sem
		return fmt.Errorf("embedded: engine closed: %w", warehouse.ErrUnavailable)
	}
	return nil
}

func (e *Engine) release() { <-e.sem }

// params lays names and values out as the C API wants them.
type cparams struct {
	names, values       []*byte
	nameLens, valueLens []uintptr
	keep                [][]byte
	np, nlp, vp, vlp    unsafe.Pointer
	count               uintptr
}

func makeParams(p warehouse.Params) *cparams {
	c := &cparams{}
	for k, v := range p {
		kb, vb := []byte(k), []byte(v)
		c.keep = append(c.keep, kb, vb)
		c.names = append(c.names, strPtr(kb))
		c.values = append(c.values, strPtr(vb))
		c.nameLens = append(c.nameLens, uintptr(len(kb)))
		c.valueLens = append(c.valueLens, uintptr(len(vb)))
	}
	c.count = uintptr(len(c.names))
	if c.count > 0 {
		c.np, c.nlp = unsafe.Pointer(&c.names[0]), unsafe.Pointer(&c.nameLens[0])
		c.vp, c.vlp = unsafe.Pointer(&c.values[0]), unsafe.Pointer(&c.valueLens[0])
	}
	return c
}

// run executes one statement and returns its output in format, copied into
// Go memory.
//
// The library cannot interrupt a statement (its cancel call waits for the
// statement to end), so when ctx ends first the caller gets its error at
// once and the statement runs to completion in the background, keeping the
// engine busy until then.
func (e *Engine) run(ctx context.Context, sql, format string, p warehouse.Params) ([]byte, error) {
	if err := e.acquire(ctx); err != nil {
		return nil, err
	}
	type outcome struct {
		out []byte
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer e.release()
		out, err := e.runLocked(sql, format, p)
		done <- outcome{out, err}
	}()
	select {
	case o := <-done:
		return o.out, o.err
	case <-ctx.Done():
		slog.Warn("embedded: context ended during a statement; it runs to completion in the background",
			"err", ctx.Err(), "sql", shortSQL(sql))
		return nil, fmt.Errorf("embedded: %w", ctx.Err())
	}
}

// runLocked executes one statement; the caller holds the engine.
func (e *Engine) runLocked(sql, format string, p warehouse.Params) ([]byte, error) {
	q, f := []byte(sql), []byte(format)
	cp := makeParams(p)
	res := e.lib.queryWithParamsN(e.conn, strPtr(q), uintptr(len(q)), strPtr(f), uintptr(len(f)),
		cp.np, cp.nlp, cp.vp, cp.vlp, cp.count)
	runtime.KeepAlive(q)
	runtime.KeepAlive(f)
	runtime.KeepAlive(cp)
	if res == nil {
		return nil, fmt.Errorf("embedded: no result for query: %w", warehouse.ErrUnavailable)
	}
	defer e.lib.destroyQueryResult(res)
	if msg := cstring(e.lib.resultError(res)); msg != "" {
		return nil, &QueryError{Message: strings.TrimSpace(msg), SQL: sql}
	}
	out := cbytes(e.lib.resultBuffer(res), e.lib.resultLength(res))
	return append([]byte(nil), out...), nil
}

// shortSQL is a statement on one line, cut for logs and errors.
func shortSQL(sql string) string {
	if len(sql) > 200 {
		sql = sql[:200] + "…"
	}
	return strings.Join(strings.Fields(sql), " ")
}

// QueryError is a statement the engine rejected.
type QueryError struct {
	Message string
	SQL     string
}

func (q *QueryError) Error() string {
	return fmt.Sprintf("clickhouse: %s (in: %s)", q.Message, shortSQL(q.SQL))
}

// Exec implements warehouse.Warehouse.
func (e *Engine) Exec(ctx context.Context, sql string, p warehouse.Params) error {
	_, err := e.run(ctx, sql, "Native", p)
	return err
}

// Query implements warehouse.Warehouse.
func (e *Engine) Query(ctx context.Context, sql string, p warehouse.Params) (*warehouse.Result, error) {
	buf, err := e.run(ctx, sql, "Native", p)
	if err != nil {
		return nil, err
	}
	res := &warehouse.Result{}
	if err := decodeNative(buf, res); err != nil {
		return nil, err
	}
	return res, nil
}

// QueryStream implements warehouse.Warehouse. The engine stays busy for
// the duration of the stream; fn should not call back into the warehouse.
//
// The engine is driven from a goroutine of its own that hands decoded
// blocks over, so that an ended context returns at once even while a fetch
// is blocked in the library; the stream is cancelled as soon as that fetch
// returns.
func (e *Engine) QueryStream(ctx context.Context, sql string, p warehouse.Params, fn func(*warehouse.Result) error) error {
	if err := e.acquire(ctx); err != nil {
		return err
	}
	blocks := make(chan *warehouse.Result)
	stop := make(chan struct{})
	// Closing stop on every way out, a panicking fn included, is what lets
	// the engine goroutine finish and release the engine.
	defer close(stop)
	errc := make(chan error, 1)
	go func() {
		defer e.release()
		errc <- e.streamLocked(sql, p, func(res *warehouse.Result) bool {
			select {
			case blocks <- res:
				return true
			case <-stop:
				return false
			}
		})
		close(blocks)
	}()
	for {
		select {
		case res, ok := <-blocks:
			if !ok {
				return <-errc
			}
			if err := fn(res); err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("embedded: %w", ctx.Err())
		}
	}
}

// errStopped ends a stream whose consumer has gone.
var errStopped = errors.New("embedded: stream stopped")

// streamLocked runs a streaming query and passes each non-empty block to
// emit until emit returns false; the caller holds the engine.
func (e *Engine) streamLocked(sql string, p warehouse.Params, emit func(*warehouse.Result) bool) error {
	q, f := []byte(sql), []byte("Native")
	cp := makeParams(p)
	stream := e.lib.streamQueryWithParamsN(e.conn, strPtr(q), uintptr(len(q)), strPtr(f), uintptr(len(f)),
		cp.np, cp.nlp, cp.vp, cp.vlp, cp.count)
	runtime.KeepAlive(q)
	runtime.KeepAlive(f)
	runtime.KeepAlive(cp)
	if stream == nil {
		return fmt.Errorf("embedded: no stream for query: %w", warehouse.ErrUnavailable)
	}
	defer e.lib.destroyQueryResult(stream)
	if msg := cstring(e.lib.resultError(stream)); msg != "" {
		return &QueryError{Message: strings.TrimSpace(msg), SQL: sql}
	}
	for {
		chunk := e.lib.streamFetchResult(e.conn, stream)
		if chunk == nil {
			return fmt.Errorf("embedded: stream fetch failed: %w", warehouse.ErrUnavailable)
		}
		if msg := cstring(e.lib.resultError(chunk)); msg != "" {
			e.lib.destroyQueryResult(chunk)
			return &QueryError{Message: strings.TrimSpace(msg), SQL: sql}
		}
		buf := cbytes(e.lib.resultBuffer(chunk), e.lib.resultLength(chunk))
		if len(buf) == 0 {
			e.lib.destroyQueryResult(chunk)
			return nil
		}
		res := &warehouse.Result{}
		err := decodeNative(buf, res)
		e.lib.destroyQueryResult(chunk)
		if err != nil {
			e.lib.streamCancelQuery(e.conn, stream)
			return err
		}
		if len(res.Rows) == 0 {
			continue
		}
		if !emit(res) {
			e.lib.streamCancelQuery(e.conn, stream)
			return errStopped
		}
	}
}

// Insert implements warehouse.Warehouse with the streaming insert API: the
// RowBinary bytes go to the engine as they are, binary-safe. The context is
// checked before the insert starts; a started insert is not interrupted, as
// blocks already flushed to the table would stay written.
func (e *Engine) Insert(ctx context.Context, b *warehouse.Batch, dedupToken string) error {
	if b.Rows() == 0 {
		return nil
	}
	stmt := "INSERT INTO " + b.Table + " " + b.ColumnList()
	if dedupToken != "" {
		// A setting, not a value: it cannot be a {name:Type} parameter, so
		// its alphabet is checked instead.
		if err := warehouse.CheckDedupToken(dedupToken); err != nil {
			return fmt.Errorf("embedded: %w", err)
		}
		stmt += " SETTINGS insert_deduplicate=1, insert_deduplication_token='" + dedupToken + "'"
	}
	if err := e.acquire(ctx); err != nil {
		return err
	}
	defer e.release()
	q, f := []byte(stmt), []byte("RowBinary")
	stream := e.lib.streamInsertN(e.conn, strPtr(q), uintptr(len(q)), strPtr(f), uintptr(len(f)))
	runtime.KeepAlive(q)
	runtime.KeepAlive(f)
	if stream == nil {
		return fmt.Errorf("embedded: insert stream not opened: %w", warehouse.ErrUnavailable)
	}
	defer e.lib.destroyInsertStream(stream)
	if msg := cstring(e.lib.streamInsertError(stream)); msg != "" {
		return &QueryError{Message: strings.TrimSpace(msg), SQL: stmt}
	}
	data := b.Bytes()
	const chunk = 4 << 20
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		part := data[off:end]
		if e.lib.streamAppend(stream, unsafe.Pointer(&part[0]), uintptr(len(part))) != 0 {
			runtime.KeepAlive(data)
			return &QueryError{Message: "append: " + cstring(e.lib.streamInsertError(stream)), SQL: stmt}
		}
	}
	runtime.KeepAlive(data)
	res := e.lib.streamDone(stream)
	if res == nil {
		return fmt.Errorf("embedded: insert not finalised: %w", warehouse.ErrUnavailable)
	}
	defer e.lib.destroyQueryResult(res)
	if msg := cstring(e.lib.resultError(res)); msg != "" {
		return &QueryError{Message: strings.TrimSpace(msg), SQL: stmt}
	}
	return nil
}

// Ping implements warehouse.Warehouse.
func (e *Engine) Ping(ctx context.Context) error {
	_, err := e.run(ctx, "SELECT 1", "Native", nil)
	return err
}

// Close implements warehouse.Warehouse. The library cannot boot a second
// engine in the same process after shutdown, so Close only closes the
// connection; a later Open in the same process reconnects to the running
// engine if the data directory is the same.
func (e *Engine) Close() error {
	e.sem <- struct{}{}
	defer func() { <-e.sem }()
	if e.closed {
		return nil
	}
	e.closed = true
	e.lib.closeConn(e.ptr)
	<-opened
	return nil
}
