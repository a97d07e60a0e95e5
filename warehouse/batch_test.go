package warehouse

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewBatchTypes(t *testing.T) {
	ok := []string{
		"String", "LowCardinality(String)", " UInt8 ", "UInt16", "UInt32", "UInt64",
		"Int8", "Int16", "Int32", "Int64", "Float32", "Float64", "Bool", "Date",
		"DateTime", "DateTime('UTC')", "DateTime64(3)", "DateTime64(3, 'Europe/Berlin')",
		"Array(String)", "Array(LowCardinality(String))", "Nullable(Date)", "Array(Float32)", "Array(UInt32)",
		"Map(String, UInt32)", "Map(LowCardinality(String), UInt32)",
	}
	for _, typ := range ok {
		if _, err := NewBatch("t", []Column{{Name: "c", Type: typ}}); err != nil {
			t.Errorf("NewBatch with %q: %v", typ, err)
		}
	}
	bad := []string{
		"", "Nullable(String)", "LowCardinality(Nullable(String))", "Date32", "DateTime64(6)",
		"DateTime64(3", "Decimal(18, 4)", "UUID", "Array(UInt64)", "Map(String, UInt64)", "Nullable(DateTime)",
		"Tuple(String)", "FixedString(4)", "Enum8('a' = 1)", "string", "Int128",
	}
	for _, typ := range bad {
		if _, err := NewBatch("t", []Column{{Name: "c", Type: typ}}); err == nil {
			t.Errorf("NewBatch with %q: no error", typ)
		} else if !strings.Contains(err.Error(), "column c") {
			t.Errorf("NewBatch with %q: error %q does not name the column", typ, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustBatch with a bad type did not panic")
		}
	}()
	MustBatch("t", []Column{{Name: "c", Type: "UUID"}})
}

func TestAppendRejects(t *testing.T) {
	cases := []struct {
		typ   string
		value any
	}{
		{"String", []byte("bytes")},
		{"String", 1},
		{"String", nil},
		{"LowCardinality(String)", 'x'},
		{"UInt8", 256},
		{"UInt8", -1},
		{"UInt8", "1"},
		{"UInt8", 1.0},
		{"UInt8", true},
		{"UInt16", 65536},
		{"UInt32", int64(math.MaxUint32 + 1)},
		{"UInt32", uint64(math.MaxUint32 + 1)},
		{"UInt64", -1},
		{"UInt64", int64(math.MinInt64)},
		{"UInt64", nil},
		{"Int8", 128},
		{"Int8", -129},
		{"Int8", uint8(200)},
		{"Int16", 40000},
		{"Int32", int64(math.MaxInt32 + 1)},
		{"Int64", uint64(math.MaxInt64 + 1)},
		{"Int64", uint(math.MaxUint64)},
		{"Float32", 1},
		{"Float64", "1.5"},
		{"Float64", int64(2)},
		{"Bool", 1},
		{"Bool", "true"},
		{"Date", "2024-01-01"},
		{"Date", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"Date", time.Date(2149, 6, 7, 0, 0, 0, 0, time.UTC)},
		{"DateTime", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"DateTime", time.Date(2106, 2, 7, 6, 28, 16, 0, time.UTC)},
		{"DateTime('UTC')", time.Now().Unix()},
		{"DateTime64(3)", "2024-01-01 00:00:00.000"},
		{"DateTime64(3)", &time.Time{}},
		{"Array(String)", []any{"a"}},
		{"Array(String)", "a"},
		{"Array(LowCardinality(String))", [1]string{"a"}},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s/%T", tc.typ, tc.value)
		t.Run(name, func(t *testing.T) {
			// A good column before the bad one: its bytes must go too.
			b := MustBatch("db.t", []Column{{Name: "ok", Type: "String"}, {Name: "bad", Type: tc.typ}})
			if err := b.Append("first", zeroOf(t, tc.typ)); err != nil {
				t.Fatalf("valid row: %v", err)
			}
			before := bytes.Clone(b.Bytes())
			err := b.Append("second", tc.value)
			if err == nil {
				t.Fatalf("Append(%#v) to %s: no error", tc.value, tc.typ)
			}
			if !strings.Contains(err.Error(), "db.t.bad") {
				t.Errorf("error %q does not name the column", err)
			}
			if b.Rows() != 1 || !bytes.Equal(b.Bytes(), before) {
				t.Fatalf("batch changed by a rejected row: %d rows, %d bytes (was 1 row, %d bytes)", b.Rows(), len(b.Bytes()), len(before))
			}
		})
	}
}

// zeroOf is a valid value for a column type.
func zeroOf(t *testing.T, typ string) any {
	k, err := kindOf(typ)
	if err != nil {
		t.Fatal(err)
	}
	switch k {
	case kString:
		return ""
	case kFloat32, kFloat64:
		return 0.0
	case kBool:
		return false
	case kDate, kDateTime, kDateTime64ms:
		return time.Unix(0, 0)
	case kArrayString:
		return []string{}
	}
	return 0
}

func TestAppendArity(t *testing.T) {
	b := MustBatch("t", []Column{{Name: "a", Type: "String"}, {Name: "b", Type: "UInt8"}})
	for _, values := range [][]any{nil, {"x"}, {"x", 1, 2}} {
		if err := b.Append(values...); err == nil {
			t.Errorf("Append of %d values to 2 columns: no error", len(values))
		}
	}
	if b.Rows() != 0 || len(b.Bytes()) != 0 {
		t.Fatal("batch changed")
	}
}

func TestBatchRoundTrip(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	ms := time.Date(2024, 2, 29, 13, 14, 15, 123_000_000, time.UTC)
	cases := []struct {
		typ  string
		in   []any // appended
		want []any // from DecodeRows: the column's exact Go type
	}{
		{"String", []any{"", "a\x00b", "\n\n", "ü日本🚀", strings.Repeat("x", 300)}, []any{"", "a\x00b", "\n\n", "ü日本🚀", strings.Repeat("x", 300)}},
		{"LowCardinality(String)", []any{"lc", ""}, []any{"lc", ""}},
		{"UInt8", []any{0, uint8(255), int64(7)}, []any{uint8(0), uint8(255), uint8(7)}},
		{"UInt16", []any{uint16(65535), 1}, []any{uint16(65535), uint16(1)}},
		{"UInt32", []any{uint32(math.MaxUint32), int64(5)}, []any{uint32(math.MaxUint32), uint32(5)}},
		{"UInt64", []any{uint64(math.MaxUint64), 0, uint(9)}, []any{uint64(math.MaxUint64), uint64(0), uint64(9)}},
		{"Int8", []any{-128, int8(127), uint8(5)}, []any{int8(-128), int8(127), int8(5)}},
		{"Int16", []any{-32768, int16(32767)}, []any{int16(-32768), int16(32767)}},
		{"Int32", []any{math.MinInt32, int32(math.MaxInt32)}, []any{int32(math.MinInt32), int32(math.MaxInt32)}},
		{"Int64", []any{int64(math.MinInt64), math.MaxInt64, uint64(math.MaxInt64)}, []any{int64(math.MinInt64), int64(math.MaxInt64), int64(math.MaxInt64)}},
		{"Float32", []any{float32(1.5), 0.1, float32(math.Inf(-1))}, []any{float32(1.5), float32(0.1), float32(math.Inf(-1))}},
		{"Float64", []any{math.Pi, float32(0.5), math.Copysign(0, -1), math.MaxFloat64}, []any{math.Pi, 0.5, math.Copysign(0, -1), math.MaxFloat64}},
		{"Bool", []any{true, false}, []any{true, false}},
		{"Date", []any{time.Unix(0, 0), time.Date(2149, 6, 6, 23, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 30, 0, 0, berlin)},
			[]any{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2149, 6, 6, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}},
		{"DateTime('UTC')", []any{time.Unix(0, 0), time.Date(2106, 2, 7, 6, 28, 15, 999, time.UTC), ms.In(berlin)},
			[]any{time.Unix(0, 0).UTC(), time.Date(2106, 2, 7, 6, 28, 15, 0, time.UTC), ms.Truncate(time.Second)}},
		{"DateTime64(3, 'UTC')", []any{ms, time.UnixMilli(-1), ms.Add(999 * time.Microsecond)},
			[]any{ms, time.UnixMilli(-1).UTC(), ms}},
		{"Array(String)", []any{[]string{}, []string(nil), []string{"a", "", "b\x00"}}, []any{[]string{}, []string{}, []string{"a", "", "b\x00"}}},
		{"Array(LowCardinality(String))", []any{[]string{"x", "x"}}, []any{[]string{"x", "x"}}},
		{"Nullable(Date)", []any{nil, time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)}, []any{(*time.Time)(nil), ptr(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))}},
		{"Array(Float32)", []any{[]float32{}, []float32{4.5, -1}}, []any{[]float32{}, []float32{4.5, -1}}},
		{"Array(UInt32)", []any{[]uint32{math.MaxUint32, 0}}, []any{[]uint32{math.MaxUint32, 0}}},
		{"Map(LowCardinality(String), UInt32)", []any{map[string]uint32{}, map[string]uint32{"KW": 7, "CA": 0}},
			[]any{map[string]uint32{}, map[string]uint32{"KW": 7, "CA": 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			// Around a String column, so that sizes must be right for the
			// next value to decode.
			b := MustBatch("t", []Column{{Name: "pre", Type: "String"}, {Name: "v", Type: tc.typ}, {Name: "post", Type: "String"}})
			for i, v := range tc.in {
				if err := b.Append("pre", v, "post"+strings.Repeat("!", i)); err != nil {
					t.Fatalf("Append(%#v): %v", v, err)
				}
			}
			if b.Rows() != len(tc.in) {
				t.Fatalf("Rows() = %d, want %d", b.Rows(), len(tc.in))
			}
			var got []any
			err := b.DecodeRows(func(row []any) error {
				if row[0] != "pre" || row[2] != "post"+strings.Repeat("!", len(got)) {
					t.Fatalf("neighbours of row %d: %#v", len(got), row)
				}
				got = append(got, row[1])
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("decoded %d rows, want %d", len(got), len(tc.want))
			}
			for i := range tc.want {
				if !sameDecoded(got[i], tc.want[i]) {
					t.Errorf("row %d: got %#v (%T), want %#v (%T)", i, got[i], got[i], tc.want[i], tc.want[i])
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func sameDecoded(got, want any) bool {
	if w, ok := want.(time.Time); ok {
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location() == time.UTC
	}
	if w, ok := want.(float64); ok {
		g, ok := got.(float64)
		return ok && math.Float64bits(g) == math.Float64bits(w)
	}
	if w, ok := want.([]string); ok {
		g, ok := got.([]string)
		return ok && g != nil && len(g) == len(w) && (len(w) == 0 || reflect.DeepEqual(g, w))
	}
	return reflect.DeepEqual(got, want)
}

func TestBatchResetAndColumnList(t *testing.T) {
	b := MustBatch("db.t", []Column{{Name: "a", Type: "String"}, {Name: "b c", Type: "UInt8"}})
	if got, want := b.ColumnList(), "(`a`, `b c`)"; got != want {
		t.Errorf("ColumnList() = %s, want %s", got, want)
	}
	if err := b.Append("x", 1); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if b.Rows() != 0 || len(b.Bytes()) != 0 {
		t.Fatalf("after Reset: %d rows, %d bytes", b.Rows(), len(b.Bytes()))
	}
	if err := b.Append("y", 2); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	_ = b.DecodeRows(func(row []any) error {
		rows = append(rows, append([]any(nil), row...))
		return nil
	})
	if !reflect.DeepEqual(rows, [][]any{{"y", uint8(2)}}) {
		t.Fatalf("after Reset and Append: %#v", rows)
	}
}

func TestDecodeRowsStopsOnError(t *testing.T) {
	b := MustBatch("t", []Column{{Name: "a", Type: "UInt8"}})
	for i := range 5 {
		if err := b.Append(i); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := b.DecodeRows(func([]any) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("got %v after %d calls, want stop after 2", err, calls)
	}
}
