package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/flexhub/flexhub/warehouse"
)

func TestUnavailable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"StatementError", &clickhouse.Exception{Code: 60, Name: "DB::Exception", Message: "Unknown table"}, false},
		{"SyntaxError", fmt.Errorf("wrapped: %w", &clickhouse.Exception{Code: 62}), false},
		{"TooManyQueries", &clickhouse.Exception{Code: 202}, true},
		{"ReplicaReadOnly", fmt.Errorf("insert: %w", &clickhouse.Exception{Code: 242}), true},
		{"AllConnectionTriesFailed", &clickhouse.Exception{Code: 279}, true},
		{"Refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{"Reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"EOF", fmt.Errorf("query processing: failed to read packet: %w", io.EOF), true},
		{"UnexpectedEOF", io.ErrUnexpectedEOF, true},
		{"Closed", net.ErrClosed, true},
		{"Timeout", os.ErrDeadlineExceeded, true},
		{"PoolTimeout", clickhouse.ErrAcquireConnTimeout, true},
		{"ConnectionClosed", clickhouse.ErrConnectionClosed, true},
		{"BadConn", driver.ErrBadConn, true},
		{"Canceled", context.Canceled, false},
		{"DeadlineExceeded", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"ClientSide", errors.New("clickhouse [Append]: converting string to UInt8 is unsupported"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := unavailable(tc.err); got != tc.want {
				t.Fatalf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestFail(t *testing.T) {
	s := &Server{addr: "h:9000"}
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	ex := &clickhouse.Exception{Code: 60, Message: "Unknown table"}

	err := s.fail(bg, "query", "SELECT *\n  FROM t", ex)
	var got *clickhouse.Exception
	if !errors.As(err, &got) || errors.Is(err, warehouse.ErrUnavailable) {
		t.Fatalf("statement error: %v; want the exception, not ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "SELECT * FROM t") {
		t.Errorf("error %q does not name the statement", err)
	}

	err = s.fail(bg, "exec", "SELECT 1", io.EOF)
	if !errors.Is(err, warehouse.ErrUnavailable) || !errors.Is(err, io.EOF) {
		t.Fatalf("network error: %v; want ErrUnavailable wrapping io.EOF", err)
	}

	err = s.fail(cancelled, "exec", "SELECT 1", io.EOF)
	if !errors.Is(err, context.Canceled) || errors.Is(err, warehouse.ErrUnavailable) {
		t.Fatalf("error after cancel: %v; want context.Canceled only", err)
	}
}

// deadAddr is a local address nothing listens on.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// hangUpAddr is a local address that accepts connections and closes them
// at once, as a dying server would.
func hangUpAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

func TestOpen(t *testing.T) {
	cases := []struct {
		name        string
		dsn         string
		unavailable bool
	}{
		{"Refused", "tcp://" + deadAddr(t) + "?dial_timeout=2s&username=u&password=s3cret", true},
		{"HangsUp", "clickhouse://u:s3cret@" + hangUpAddr(t) + "?dial_timeout=2s", true},
		{"HTTP", "http://127.0.0.1:8123", false},
		{"NoHost", "tcp://?password=s3cret", false},
		{"BadOption", "tcp://127.0.0.1:9000?dial_timeout=soon", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tc.dsn)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if errors.Is(err, warehouse.ErrUnavailable) != tc.unavailable {
				t.Fatalf("Open: %v; ErrUnavailable %v, want %v", err, !tc.unavailable, tc.unavailable)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

// unreachable is a Server whose address nothing listens on, built without
// Open's ping.
func unreachable(t *testing.T) *Server {
	opts, err := clickhouse.ParseDSN("tcp://" + deadAddr(t) + "?dial_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{conn: conn, addr: strings.Join(opts.Addr, ","), log: discardLogger()}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMethodsWhenUnreachable(t *testing.T) {
	s := unreachable(t)
	b := warehouse.MustBatch("db.t", []warehouse.Column{{Name: "id", Type: "UInt32"}})
	if err := b.Append(1); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(context.Context) error{
		"Exec": func(ctx context.Context) error { return s.Exec(ctx, "SELECT 1", nil) },
		"Query": func(ctx context.Context) error {
			_, err := s.Query(ctx, "SELECT {x:String}", warehouse.P("x", "y"))
			return err
		},
		"QueryStream": func(ctx context.Context) error {
			return s.QueryStream(ctx, "SELECT 1", nil, func(*warehouse.Result) error { return nil })
		},
		"Insert": func(ctx context.Context) error { return s.Insert(ctx, b, "tok-1") },
		"Ping":   func(ctx context.Context) error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := call(ctx); !errors.Is(err, warehouse.ErrUnavailable) {
				t.Fatalf("got %v, want ErrUnavailable", err)
			}
			cancel()
			start := time.Now()
			err := call(ctx)
			if !errors.Is(err, context.Canceled) || errors.Is(err, warehouse.ErrUnavailable) {
				t.Fatalf("with a cancelled context: %v; want context.Canceled only", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("with a cancelled context it took %v", d)
			}
		})
	}
}

func TestInsertChecksToken(t *testing.T) {
	s := unreachable(t)
	b := warehouse.MustBatch("db.t", []warehouse.Column{{Name: "id", Type: "UInt32"}})
	if err := b.Append(1); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"a b", "x'; DROP TABLE t; --", strings.Repeat("y", 201)} {
		err := s.Insert(context.Background(), b, token)
		if err == nil || errors.Is(err, warehouse.ErrUnavailable) {
			t.Errorf("token %.20q: %v; want a rejection before any network use", token, err)
		}
	}
	// An empty batch never reaches the server.
	if err := s.Insert(context.Background(), warehouse.MustBatch("db.t", b.Columns), "tok"); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func TestQueryID(t *testing.T) {
	a, b := queryID(), queryID()
	if a == b || !strings.HasPrefix(a, "flexhub-") || len(a) != len("flexhub-")+32 {
		t.Fatalf("query ids %q, %q", a, b)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
