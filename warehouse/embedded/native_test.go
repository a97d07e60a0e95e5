package embedded

import (
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// describe renders a parsed type back, tuple element names as "name:".
func describe(t *chType) string {
	if t.inner == nil {
		if t.args == nil {
			return t.name
		}
		return t.name + "[" + strings.Join(t.args, "|") + "]"
	}
	parts := make([]string, len(t.inner))
	for i, it := range t.inner {
		parts[i] = describe(it)
		if i < len(t.names) && t.names[i] != "" {
			parts[i] = t.names[i] + ":" + parts[i]
		}
	}
	return t.name + "(" + strings.Join(parts, ", ") + ")"
}

func TestParseType(t *testing.T) {
	cases := []struct{ in, want string }{
		{"UInt64", "UInt64"},
		{"  String ", "String"},
		{"Nullable(String)", "Nullable(String)"},
		{"LowCardinality(Nullable(String))", "LowCardinality(Nullable(String))"},
		{"Array(Array(UInt8))", "Array(Array(UInt8))"},
		{"Map(LowCardinality(String), Array(Nullable(UInt64)))", "Map(LowCardinality(String), Array(Nullable(UInt64)))"},
		{"DateTime64(3, 'UTC')", "DateTime64[3|'UTC']"},
		{"DateTime('Europe/Berlin')", "DateTime['Europe/Berlin']"},
		{"FixedString(16)", "FixedString[16]"},
		{"Tuple(UInt8, String)", "Tuple(UInt8, String)"},
		{"Tuple(a UInt8, b Nullable(String))", "Tuple(a:UInt8, b:Nullable(String))"},
		{"Tuple(a Tuple(b Tuple(c UInt8, d String)), e Array(Tuple(f Date, g Map(String, UInt8))))",
			"Tuple(a:Tuple(b:Tuple(c:UInt8, d:String)), e:Array(Tuple(f:Date, g:Map(String, UInt8))))"},
		{"Tuple(UInt8, Tuple(String, Array(UInt32)))", "Tuple(UInt8, Tuple(String, Array(UInt32)))"},
		{"Tuple(`a b` UInt8, `c,d` String, `e``f` Date, `g\\`h` Int8, `(i)` Bool)", "Tuple(a b:UInt8, c,d:String, e`f:Date, g`h:Int8, (i):Bool)"},
		{"Tuple(DateTime64(3, 'UTC'), Enum8('a b' = 1, 'c,d' = 2))", "Tuple(DateTime64[3|'UTC'], Enum8['a b' = 1|'c,d' = 2])"},
		{"Tuple(x Enum8('it\\'s, (ok)' = 1, 'b' = 2), y LowCardinality(String))", "Tuple(x:Enum8['it\\'s, (ok)' = 1|'b' = 2], y:LowCardinality(String))"},
		{"Enum8('a' = 1, 'it\\'s, ok' = -2, 'x=y' = 3, '' = 4)", "Enum8['a' = 1|'it\\'s, ok' = -2|'x=y' = 3|'' = 4]"},
		{"Enum16('(' = 1000, ')' = -1000)", "Enum16['(' = 1000|')' = -1000]"},
		{"Decimal(18, 4)", "Decimal[18|4]"},
		{"Decimal32(3)", "Decimal32[3]"},
		{"SimpleAggregateFunction(sum, UInt64)", "SimpleAggregateFunction[sum|UInt64]"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			ct, err := parseType(tc.in)
			if err != nil {
				t.Fatalf("parseType: %v", err)
			}
			if got := describe(ct); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "Nullable(String", "Map(String)", "Array()", "Nullable(String, UInt8)", "Array(Nullable(String)"} {
		if ct, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q) = %s, want an error", bad, describe(ct))
		}
	}
}

func TestDecimalArgs(t *testing.T) {
	cases := []struct {
		in          string
		prec, scale int
	}{
		{"Decimal(9, 2)", 9, 2},
		{"Decimal(18, 4)", 18, 4},
		{"Decimal(38, 10)", 38, 10},
		{"Decimal(76, 20)", 76, 20},
		{"Decimal(10)", 10, 0},
		{"Decimal32(3)", 9, 3},
		{"Decimal64(4)", 18, 4},
		{"Decimal128(10)", 38, 10},
		{"Decimal256(20)", 76, 20},
	}
	for _, tc := range cases {
		ct, err := parseType(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if p, s := decimalArgs(ct); p != tc.prec || s != tc.scale {
			t.Errorf("decimalArgs(%s) = %d, %d; want %d, %d", tc.in, p, s, tc.prec, tc.scale)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"UInt8", []string{"UInt8"}},
		{"a, b ,c", []string{"a", "b", "c"}},
		{"Map(String, UInt8), Tuple(a Int8, b Int8)", []string{"Map(String, UInt8)", "Tuple(a Int8, b Int8)"}},
		{"'a,b' = 1, 'c' = 2", []string{"'a,b' = 1", "'c' = 2"}},
		{"'it\\'s, x' = 1, 'y' = 2", []string{"'it\\'s, x' = 1", "'y' = 2"}},
		{"'(' = 1, ')' = 2", []string{"'(' = 1", "')' = 2"}},
		{"'a\\\\' = 1, 'b' = 2", []string{"'a\\\\' = 1", "'b' = 2"}},
		{"`x,y` UInt8, `z(` String", []string{"`x,y` UInt8", "`z(` String"}},
		{"3, 'Europe/Berlin'", []string{"3", "'Europe/Berlin'"}},
	}
	for _, tc := range cases {
		if got := splitArgs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEnumNames(t *testing.T) {
	ct, err := parseType("Enum8('a' = 1, 'it\\'s, ok' = -2, 'x=y' = 3, '' = 4, 'back\\\\slash' = 5, 'q''q' = 6)")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{1: "a", -2: "it's, ok", 3: "x=y", 4: "", 5: `back\slash`, 6: "q'q"}
	if got := enumNames(ct.args); !reflect.DeepEqual(got, want) {
		t.Fatalf("enumNames = %v, want %v", got, want)
	}
}

// nb writes Native blocks.
type nb struct{ b []byte }

func (w *nb) uvarint(v uint64) *nb { w.b = binary.AppendUvarint(w.b, v); return w }
func (w *nb) str(s string) *nb     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...); return w }
func (w *nb) raw(p ...byte) *nb    { w.b = append(w.b, p...); return w }
func (w *nb) u16(v uint16) *nb     { w.b = binary.LittleEndian.AppendUint16(w.b, v); return w }
func (w *nb) u32(v uint32) *nb     { w.b = binary.LittleEndian.AppendUint32(w.b, v); return w }
func (w *nb) u64(v uint64) *nb     { w.b = binary.LittleEndian.AppendUint64(w.b, v); return w }
func (w *nb) col(name, typ string) *nb {
	return w.str(name).str(typ)
}

// lc writes one LowCardinality chunk with UInt8 indexes and its own
// dictionary of String keys (the key version went with the prefix).
func (w *nb) lc(keys []string, idx ...byte) *nb {
	w.u64(1 << 9) // UInt8 indexes, additional keys
	w.u64(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
	}
	w.u64(uint64(len(idx)))
	return w.raw(idx...)
}

func TestDecodeNative(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		name string
		buf  []byte
		want *warehouse.Result
	}{
		{
			// The LowCardinality key version is part of the column's prefix,
			// ahead of the array offsets.
			name: "ArrayLowCardinality",
			buf: (&nb{}).uvarint(1).uvarint(2).col("a", "Array(LowCardinality(String))").
				u64(1).        // prefix: key version
				u64(2).u64(3). // offsets
				lc([]string{"x", "y"}, 0, 1, 1).b,
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "a", Type: "Array(LowCardinality(String))"}},
				Rows: [][]any{{[]string{"x", "y"}}, {[]string{"y"}}}},
		},
		{
			name: "TupleLowCardinalityNullableSecond",
			buf: (&nb{}).uvarint(1).uvarint(2).col("t", "Tuple(UInt8, LowCardinality(Nullable(String)))").
				u64(1).    // prefix of the second element
				raw(7, 8). // UInt8 element
				lc([]string{"", "v"}, 1, 0).b,
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "t", Type: "Tuple(UInt8, LowCardinality(Nullable(String)))"}},
				Rows: [][]any{{[]any{uint64(7), "v"}}, {[]any{uint64(8), nil}}}},
		},
		{
			name: "MapLowCardinalityKey",
			buf: (&nb{}).uvarint(1).uvarint(1).col("m", "Map(LowCardinality(String), UInt64)").
				u64(1).
				u64(2).
				lc([]string{"k", "l"}, 0, 1).
				u64(10).u64(20).b,
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "m", Type: "Map(LowCardinality(String), UInt64)"}},
				Rows: [][]any{{map[string]any{"k": uint64(10), "l": uint64(20)}}}},
		},
		{
			// A LowCardinality column in two chunks.
			name: "LowCardinalityChunks",
			buf: (&nb{}).uvarint(1).uvarint(3).col("c", "LowCardinality(String)").
				u64(1).
				lc([]string{"a"}, 0, 0).
				lc([]string{"b"}, 0).b,
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "c", Type: "LowCardinality(String)"}},
				Rows: [][]any{{"a"}, {"a"}, {"b"}}},
		},
		{
			// A block without rows has no column data at all.
			name: "EmptyBlockThenRows",
			buf: (&nb{}).uvarint(2).uvarint(0).col("lc", "LowCardinality(String)").col("n", "UInt8").
				uvarint(2).uvarint(1).col("lc", "LowCardinality(String)").u64(1).lc([]string{"z"}, 0).
				col("n", "UInt8").raw(5).b,
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "lc", Type: "LowCardinality(String)"}, {Name: "n", Type: "UInt8"}},
				Rows: [][]any{{"z", uint64(5)}}},
		},
		{
			name: "EmptyArrayOfLowCardinality",
			buf: (&nb{}).uvarint(1).uvarint(2).col("a", "Array(LowCardinality(String))").
				u64(1).u64(0).u64(0).b, // no elements: no chunk
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "a", Type: "Array(LowCardinality(String))"}},
				Rows: [][]any{{[]string{}}, {[]string{}}}},
		},
		{
			name: "Scalars",
			buf: (&nb{}).uvarint(9).uvarint(1).
				col("d32", "Date32").u32(math.MaxUint32).                // -1: 1969-12-31
				col("dt64", "DateTime64(3, 'UTC')").u64(math.MaxUint64). // -1 ms
				col("dt64us", "DateTime64(6)").u64(1_500_000).
				col("u", "UUID").u64(0x0f8fad5bd9cb469f).u64(0xa16570867728950e).
				col("dec32", "Decimal(9, 2)").u32(uint32(0xFFFFFF9C)).                                   // -100
				col("dec128", "Decimal(38, 3)").raw(append([]byte{0x18, 0xFC}, repeat(0xFF, 14)...)...). // -1000
				col("dec256", "Decimal(76, 1)").raw(append([]byte{25}, make([]byte, 31)...)...).
				col("e", "Enum8('it\\'s' = -1, 'b' = 2)").raw(0xFF).
				col("fs", "FixedString(4)").raw('a', 'b', 0, 0).b,
			want: &warehouse.Result{
				Columns: []warehouse.Column{{Name: "d32", Type: "Date32"}, {Name: "dt64", Type: "DateTime64(3, 'UTC')"}, {Name: "dt64us", Type: "DateTime64(6)"},
					{Name: "u", Type: "UUID"}, {Name: "dec32", Type: "Decimal(9, 2)"}, {Name: "dec128", Type: "Decimal(38, 3)"}, {Name: "dec256", Type: "Decimal(76, 1)"},
					{Name: "e", Type: "Enum8('it\\'s' = -1, 'b' = 2)"}, {Name: "fs", Type: "FixedString(4)"}},
				Rows: [][]any{{day(1969, 12, 31), time.UnixMilli(-1).UTC(), time.Unix(1, 500_000_000).UTC(),
					"0f8fad5b-d9cb-469f-a165-70867728950e", -1.0, -1.0, 2.5, "it's", "ab"}},
			},
		},
		{
			name: "NullableAndNothing",
			buf: (&nb{}).uvarint(2).uvarint(2).
				col("s", "Nullable(String)").raw(1, 0).str("").str("x").
				col("n", "Nullable(Nothing)").raw(1, 1).raw(0, 0).b,
			want: &warehouse.Result{Columns: []warehouse.Column{{Name: "s", Type: "Nullable(String)"}, {Name: "n", Type: "Nullable(Nothing)"}},
				Rows: [][]any{{nil, nil}, {"x", nil}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := &warehouse.Result{}
			if err := decodeNative(tc.buf, res); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(res.Columns, tc.want.Columns) {
				t.Fatalf("columns %+v\nwant    %+v", res.Columns, tc.want.Columns)
			}
			if !reflect.DeepEqual(res.Rows, tc.want.Rows) {
				t.Fatalf("rows %#v\nwant %#v", res.Rows, tc.want.Rows)
			}
			// A truncated buffer is an error, or whole blocks with fewer
			// rows when it ends between blocks; never a panic.
			for n := range len(tc.buf) {
				short := &warehouse.Result{}
				if err := decodeNative(tc.buf[:n], short); err == nil && len(short.Rows) >= len(tc.want.Rows) {
					t.Fatalf("truncated to %d of %d bytes: no error and all %d rows", n, len(tc.buf), len(short.Rows))
				}
			}
		})
	}
}

func repeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func TestDecodeNativeCorrupt(t *testing.T) {
	cases := map[string][]byte{
		"HugeArray": (&nb{}).uvarint(1).uvarint(1).col("a", "Array(UInt8)").u64(1 << 60).b,
		"OffsetsBackwards": (&nb{}).uvarint(1).uvarint(2).col("a", "Array(UInt8)").
			u64(2).u64(1).raw(1, 2).b,
		"LowCardinalityVersion": (&nb{}).uvarint(1).uvarint(1).col("c", "LowCardinality(String)").u64(2).lc([]string{"a"}, 0).b,
		"LowCardinalityIndex":   (&nb{}).uvarint(1).uvarint(1).col("c", "LowCardinality(String)").u64(1).lc([]string{"a"}, 3).b,
		"LowCardinalityRows":    (&nb{}).uvarint(1).uvarint(1).col("c", "LowCardinality(String)").u64(1).lc([]string{"a"}, 0, 0).b,
		"LowCardinalityShared": (&nb{}).uvarint(1).uvarint(1).col("c", "LowCardinality(String)").u64(1).
			u64(1<<8 | 1<<9).u64(0).u64(1).raw(0).b,
		"UnknownType":     (&nb{}).uvarint(1).uvarint(1).col("c", "Object('json')").raw(0).b,
		"FixedStringSize": (&nb{}).uvarint(1).uvarint(1).col("c", "FixedString(0)").b,
		"BadTypeName":     (&nb{}).uvarint(1).uvarint(1).col("c", "Array(UInt8").b,
	}
	for name, buf := range cases {
		t.Run(name, func(t *testing.T) {
			if err := decodeNative(buf, &warehouse.Result{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// FuzzDecodeNative: no input makes the decoder panic or allocate without
// bound.
func FuzzDecodeNative(f *testing.F) {
	f.Add((&nb{}).uvarint(1).uvarint(2).col("a", "Array(LowCardinality(String))").u64(1).u64(2).u64(3).lc([]string{"x", "y"}, 0, 1, 1).b)
	f.Add((&nb{}).uvarint(1).uvarint(1).col("m", "Map(LowCardinality(String), UInt64)").u64(1).u64(2).lc([]string{"k", "l"}, 0, 1).u64(10).u64(20).b)
	f.Add((&nb{}).uvarint(2).uvarint(2).col("s", "Nullable(String)").raw(1, 0).str("").str("x").col("t", "Tuple(UInt8, Decimal(38, 2))").raw(1, 2).raw(make([]byte, 32)...).b)
	f.Fuzz(func(t *testing.T, buf []byte) {
		_ = decodeNative(buf, &warehouse.Result{})
	})
}
