// Package server is the warehouse backend for a ClickHouse server or
// cluster, reached with clickhouse-go over the native protocol with LZ4
// compression. It runs the same SQL text as the embedded engine and returns
// the same Go values (see warehouse.Result).
package server

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	chdriver "github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/flexhub/flexhub/warehouse"
)

// StreamBlockRows is how many rows QueryStream hands to fn at a time.
const StreamBlockRows = 10_000

// Server is a ClickHouse server or cluster. It implements
// warehouse.Warehouse and is safe for concurrent use (the driver pools
// connections).
type Server struct {
	conn chdriver.Conn
	addr string // for errors and logs; never the credentials
	log  *slog.Logger
}

var _ warehouse.Warehouse = (*Server)(nil)

// Open connects to the server named by dsn, e.g.
// tcp://host:9000?username=u&password=p (any option clickhouse-go's DSN
// parser takes; more hosts as tcp://h1:9000,h2:9000). The native protocol is
// required and LZ4 compression is used unless the DSN picks another method.
// Open pings the server: an unreachable one is an error wrapping
// warehouse.ErrUnavailable.
func Open(ctx context.Context, dsn string) (*Server, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		// clickhouse-go redacts credentials from DSN parse errors.
		return nil, fmt.Errorf("server: dsn: %w", err)
	}
	addr := strings.Join(opts.Addr, ",")
	if opts.Protocol != clickhouse.Native {
		return nil, fmt.Errorf("server: %s: only the native protocol (tcp://host:9000) is supported", addr)
	}
	if opts.Compression == nil || opts.Compression.Method == clickhouse.CompressionNone {
		opts.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
	}
	// Every statement reads and writes times in UTC, whatever the server's
	// time zone: parameters and dates are UTC by contract.
	if opts.Settings == nil {
		opts.Settings = clickhouse.Settings{}
	}
	if _, ok := opts.Settings["session_timezone"]; !ok {
		opts.Settings["session_timezone"] = "UTC"
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("server: open %s: %w", addr, err)
	}
	s := &Server{conn: conn, addr: addr, log: slog.Default().With("warehouse", "server", "addr", addr)}
	if err := s.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return s, nil
}

// Kind implements warehouse.Warehouse.
func (s *Server) Kind() string { return "server" }

// Close implements warehouse.Warehouse.
func (s *Server) Close() error {
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("server: close %s: %w", s.addr, err)
	}
	return nil
}

// Ping implements warehouse.Warehouse. Any failure means the server did not
// answer, so it wraps warehouse.ErrUnavailable, unless ctx ended first.
func (s *Server) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("server: ping %s: %w", s.addr, err)
	}
	if err := s.conn.Ping(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("server: ping %s: %w", s.addr, ctx.Err())
		}
		var ex *clickhouse.Exception
		if errors.As(err, &ex) && !transient(ex.Code) {
			// Wrong credentials, for one: retrying will not help.
			return fmt.Errorf("server: ping %s: %w", s.addr, err)
		}
		return fmt.Errorf("server: ping %s: %w: %w", s.addr, warehouse.ErrUnavailable, err)
	}
	return nil
}

// withParams carries the statement's server-side parameters. The values
// are already ClickHouse's escaped text; the driver sends them as they are
// (quoting them for the wire), as the embedded engine receives them.
func withParams(ctx context.Context, p warehouse.Params, more ...clickhouse.QueryOption) context.Context {
	opts := more
	if len(p) > 0 {
		opts = append(opts, clickhouse.WithParameters(clickhouse.Parameters(p)))
	}
	if len(opts) == 0 {
		return ctx
	}
	return clickhouse.Context(ctx, opts...)
}

// Exec implements warehouse.Warehouse. An ended context cancels the
// statement on the server.
func (s *Server) Exec(ctx context.Context, sql string, p warehouse.Params) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("server: exec: %w", err)
	}
	if err := s.conn.Exec(withParams(ctx, p), sql); err != nil {
		return s.fail(ctx, "exec", sql, err)
	}
	return nil
}

// Query implements warehouse.Warehouse.
func (s *Server) Query(ctx context.Context, sql string, p warehouse.Params) (*warehouse.Result, error) {
	var res *warehouse.Result
	err := s.query(ctx, sql, p, 0, func(r *warehouse.Result) error {
		res = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// QueryStream implements warehouse.Warehouse, handing fn blocks of
// StreamBlockRows rows (the last one shorter).
func (s *Server) QueryStream(ctx context.Context, sql string, p warehouse.Params, fn func(*warehouse.Result) error) error {
	return s.query(ctx, sql, p, StreamBlockRows, fn)
}

// errStopped ends a read whose consumer has gone.
var errStopped = errors.New("server: query stopped")

// query runs a SELECT and hands fn its rows, blockRows at a time, or all of
// them in one Result (always one, if need be empty) when blockRows is 0.
//
// The driver reads a query's blocks from a goroutine of its own. If the
// query's context ends while that goroutine is sending a block, the driver
// closes the channel under it and the process panics (clickhouse-go PR
// #1677). So the driver gets a context that never ends, and an ended ctx,
// or an fn that fails, instead kills the query on the server by its id and
// leaves the rows to be drained and closed in the background; the caller
// returns at once either way.
func (s *Server) query(ctx context.Context, sql string, p warehouse.Params, blockRows int, fn func(*warehouse.Result) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("server: query: %w", err)
	}
	id := queryID()
	opts := []clickhouse.QueryOption{clickhouse.WithQueryID(id)}
	if deadline, ok := ctx.Deadline(); ok {
		// What the driver does for a context deadline, which the detached
		// context below no longer carries: the server gives up as well.
		if sec := time.Until(deadline).Seconds(); sec > 1 {
			opts = append(opts, clickhouse.WithSettings(clickhouse.Settings{"max_execution_time": int(sec + 5)}))
		}
	}
	qctx := withParams(context.WithoutCancel(ctx), p, opts...)

	blocks := make(chan *warehouse.Result)
	stop := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- s.read(qctx, sql, blockRows, func(r *warehouse.Result) bool {
			select {
			case blocks <- r:
				return true
			case <-stop:
				return false
			}
		})
		close(blocks)
	}()
	finished := false
	defer func() {
		close(stop)
		if !finished {
			go s.kill(id)
		}
	}()
	for {
		select {
		case r, ok := <-blocks:
			if !ok {
				finished = true
				if err := <-errc; err != nil {
					return s.fail(ctx, "query", sql, err)
				}
				return nil
			}
			if err := fn(r); err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("server: query %s: %w", shortSQL(sql), ctx.Err())
		}
	}
}

// read runs the query and passes emit its rows, blockRows at a time (all
// at once for 0), until emit returns false.
func (s *Server) read(ctx context.Context, sql string, blockRows int, emit func(*warehouse.Result) bool) error {
	rows, err := s.conn.Query(ctx, sql)
	if err != nil {
		return err
	}
	// Close drains what the server still sends; after a kill that is
	// little, and the connection goes back to the pool clean.
	defer rows.Close()
	sc, err := newScanner(rows.ColumnTypes())
	if err != nil {
		return err
	}
	res := &warehouse.Result{Columns: sc.columns}
	for rows.Next() {
		row, err := sc.scan(rows.Scan)
		if err != nil {
			return err
		}
		res.Rows = append(res.Rows, row)
		if blockRows > 0 && len(res.Rows) >= blockRows {
			if !emit(res) {
				return errStopped
			}
			res = &warehouse.Result{Columns: sc.columns}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if blockRows == 0 || len(res.Rows) > 0 {
		if !emit(res) {
			return errStopped
		}
	}
	return nil
}

// kill asks the server to stop a query nobody reads any more. It is best
// effort: on a cluster the kill may reach another replica than the one
// running the query, which then runs to its end, drained in the background.
func (s *Server) kill(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.conn.Exec(withParams(ctx, warehouse.Params{"id": id}),
		"KILL QUERY WHERE query_id = {id:String} ASYNC")
	if err != nil {
		s.log.Warn("could not kill an abandoned query", "query_id", id, "err", err)
	}
}

func queryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "flexhub-" + hex.EncodeToString(b[:])
}

// Insert implements warehouse.Warehouse: the batch's rows, decoded from
// RowBinary into Go values, go to the driver's native-protocol batch. A
// dedup token makes the insert idempotent, as on the embedded engine.
func (s *Server) Insert(ctx context.Context, b *warehouse.Batch, dedupToken string) error {
	if b.Rows() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("server: insert: %w", err)
	}
	stmt := "INSERT INTO " + b.Table + " " + b.ColumnList()
	if dedupToken != "" {
		if err := warehouse.CheckDedupToken(dedupToken); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
			"insert_deduplicate":         1,
			"insert_deduplication_token": dedupToken,
		}))
	}
	batch, err := s.conn.PrepareBatch(ctx, stmt)
	if err != nil {
		return s.fail(ctx, "insert", stmt, err)
	}
	defer batch.Close()
	if err := b.DecodeRows(func(row []any) error { return batch.Append(row...) }); err != nil {
		_ = batch.Abort()
		return s.fail(ctx, "insert", stmt, err)
	}
	if err := batch.Send(); err != nil {
		return s.fail(ctx, "insert", stmt, err)
	}
	return nil
}

// fail wraps a driver error with the operation and statement, as
// warehouse.ErrUnavailable when it is worth retrying elsewhere or later, and
// as the context's error when ctx ended (the driver then reports whatever
// the interrupted connection gave).
func (s *Server) fail(ctx context.Context, op, sql string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("server: %s %s: %w (%v)", op, shortSQL(sql), ctx.Err(), err)
	}
	if unavailable(err) {
		return fmt.Errorf("server: %s %s on %s: %w: %w", op, shortSQL(sql), s.addr, warehouse.ErrUnavailable, err)
	}
	return fmt.Errorf("server: %s %s: %w", op, shortSQL(sql), err)
}

// unavailable tells a failure to reach or keep the server (the network,
// the pool, a server or replica that cannot take the statement now) from a
// statement the server rejected.
func unavailable(err error) bool {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return transient(ex.Code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, clickhouse.ErrAcquireConnTimeout) ||
		errors.Is(err, clickhouse.ErrConnectionClosed) ||
		errors.Is(err, driver.ErrBadConn)
}

// transient tells the server error codes that say "not now" rather than
// "not this statement".
func transient(code int32) bool {
	switch code {
	case 202, // TOO_MANY_SIMULTANEOUS_QUERIES
		209, // SOCKET_TIMEOUT
		210, // NETWORK_ERROR
		225, // NO_ZOOKEEPER
		242, // TABLE_IS_READ_ONLY (a replica without Keeper)
		252, // TOO_MANY_PARTS
		279, // ALL_CONNECTION_TRIES_FAILED
		319, // UNKNOWN_STATUS_OF_INSERT
		999: // KEEPER_EXCEPTION
		return true
	}
	return false
}

// shortSQL is a statement on one line, cut for errors.
func shortSQL(sql string) string {
	if len(sql) > 200 {
		sql = sql[:200] + "…"
	}
	return strings.Join(strings.Fields(sql), " ")
}
