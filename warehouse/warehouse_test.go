package warehouse

import (
	"context"
	"math"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFormatParam(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"String", "plain", "plain"},
		{"StringQuotes", `it's "x"`, `it's "x"`},
		{"StringBackslash", `a\b`, `a\\b`},
		{"StringEscapeLookalike", `\n\N`, `\\n\\N`},
		{"StringControl", "a\tb\nc\rd\x00e", `a\tb\nc\rd\0e`},
		{"StringUnicode", "ü日本🚀", "ü日本🚀"},
		{"Nil", nil, `\N`},
		{"Int", -42, "-42"},
		{"Uint64", uint64(math.MaxUint64), "18446744073709551615"},
		{"Float", 0.1, "0.1"},
		{"Bool", true, "1"},
		{"BoolFalse", false, "0"},
		{"TimeWholeSecond", time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC), "2024-02-29 13:14:15"},
		{"TimeMillis", time.Date(2024, 2, 29, 13, 14, 15, 120_000_000, time.UTC), "2024-02-29 13:14:15.120"},
		{"TimeSubMillis", time.Date(2024, 2, 29, 13, 14, 15, 999_999, time.UTC), "2024-02-29 13:14:15.000"},
		{"TimeOtherZone", time.Date(2024, 3, 1, 0, 30, 0, 0, cet), "2024-02-29 23:30:00"},
		{"TimeMidnight", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29 00:00:00"},
		{"Date", Date(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), "2024-02-29"},
		{"DateLocalMidnight", Date(time.Date(2024, 3, 1, 0, 0, 0, 0, cet)), "2024-03-01"},
		{"Strings", []string{"a", "it's", `b\c`, "d\ne"}, `['a','it\'s','b\\c','d` + "\n" + `e']`},
		{"StringsEmpty", []string{}, "[]"},
		{"Stringer", net.ParseIP("10.0.0.1"), "10.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatParam(tc.in); got != tc.want {
				t.Fatalf("FormatParam(%#v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestP(t *testing.T) {
	got := P("a", "x\ty", "b", 3, "c", nil)
	want := Params{"a": `x\ty`, "b": "3", "c": `\N`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("P = %#v, want %#v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("P with an odd number of arguments did not panic")
		}
	}()
	P("a")
}

func TestCheckDedupToken(t *testing.T) {
	for _, ok := range []string{"a", "topic/3:100-149", "A.b_c-d:e/f", strings.Repeat("x", 200)} {
		if err := CheckDedupToken(ok); err != nil {
			t.Errorf("CheckDedupToken(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a'b", `a\b`, "a;b", "ü", strings.Repeat("x", 201), "a\x00"} {
		if err := CheckDedupToken(bad); err == nil {
			t.Errorf("CheckDedupToken(%.20q): no error", bad)
		}
	}
}

// recorder is a Warehouse that records what reaches it.
type recorder struct {
	params Params
	table  string
	closed bool
}

func (r *recorder) Exec(_ context.Context, _ string, p Params) error { r.params = p; return nil }
func (r *recorder) Query(_ context.Context, _ string, p Params) (*Result, error) {
	r.params = p
	return &Result{}, nil
}
func (r *recorder) QueryStream(_ context.Context, _ string, p Params, _ func(*Result) error) error {
	r.params = p
	return nil
}
func (r *recorder) Insert(_ context.Context, b *Batch, _ string) error { r.table = b.Table; return nil }
func (r *recorder) Ping(context.Context) error                         { return nil }
func (r *recorder) Kind() string                                       { return "recorder" }
func (r *recorder) Close() error                                       { r.closed = true; return nil }

func TestInDatabase(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	w := InDatabase(r, "tenant_1")
	if got := Database(w); got != "tenant_1" {
		t.Fatalf("Database = %q", got)
	}
	if got := Database(r); got != "" {
		t.Fatalf("Database of an unscoped warehouse = %q", got)
	}

	in := Params{"x": "1"}
	_ = w.Exec(ctx, "", in)
	if !reflect.DeepEqual(r.params, Params{"x": "1", "db": "tenant_1"}) {
		t.Fatalf("Exec params %v", r.params)
	}
	if _, ok := in["db"]; ok {
		t.Fatal("the caller's Params were modified")
	}
	_, _ = w.Query(ctx, "", Params{"db": "other"})
	if r.params["db"] != "other" {
		t.Fatalf("an explicit db parameter was overridden: %v", r.params)
	}
	_ = w.QueryStream(ctx, "", nil, nil)
	if !reflect.DeepEqual(r.params, Params{"db": "tenant_1"}) {
		t.Fatalf("QueryStream params %v", r.params)
	}

	b := MustBatch("events", []Column{{Name: "a", Type: "String"}})
	_ = w.Insert(ctx, b, "")
	if r.table != "`tenant_1`.`events`" || b.Table != "events" {
		t.Fatalf("Insert table %q (batch now %q)", r.table, b.Table)
	}
	_ = w.Insert(ctx, MustBatch("other.events", b.Columns), "")
	if r.table != "other.events" {
		t.Fatalf("a qualified table was changed to %q", r.table)
	}
	if w.Kind() != "recorder" || w.Close() != nil || !r.closed {
		t.Fatal("Kind and Close go to the wrapped warehouse")
	}
}

func TestCellReaders(t *testing.T) {
	now := time.Now().UTC()
	if Int(uint64(7)) != 7 || Int(int64(-7)) != -7 || Int(2.9) != 2 || Int(true) != 1 || Int("x") != 0 {
		t.Error("Int")
	}
	if Float(int64(-2)) != -2 || Float(uint64(3)) != 3 || Float(1.5) != 1.5 || Float(nil) != 0 {
		t.Error("Float")
	}
	if Str("s") != "s" || Str(nil) != "" || !Time(now).Equal(now) || !Time(nil).IsZero() {
		t.Error("Str or Time")
	}
	r := &Result{Columns: []Column{{Name: "a"}, {Name: "b"}}, Rows: [][]any{{1, "x"}}}
	if r.Index("b") != 1 || r.Index("c") != -1 {
		t.Error("Index")
	}
	if m := r.Maps(); len(m) != 1 || m[0]["a"] != 1 || m[0]["b"] != "x" {
		t.Errorf("Maps = %v", m)
	}
}
