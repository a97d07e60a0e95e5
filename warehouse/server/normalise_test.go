package server

import (
	"math"
	"math/big"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func ptr[T any](v T) *T { return &v }

func mustType(t *testing.T, s string) *chType {
	t.Helper()
	ct, err := parseType(s)
	if err != nil {
		t.Fatalf("parseType(%q): %v", s, err)
	}
	return ct
}

func TestNormalise(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	cases := []struct {
		name string
		typ  string
		in   any // what the driver scanned, as the pointer Scan filled
		want any
	}{
		{"UInt8", "UInt8", ptr(uint8(255)), uint64(255)},
		{"UInt16", "UInt16", ptr(uint16(65535)), uint64(65535)},
		{"UInt32", "UInt32", ptr(uint32(4294967295)), uint64(4294967295)},
		{"UInt64", "UInt64", ptr(uint64(math.MaxUint64)), uint64(math.MaxUint64)},
		{"Int8", "Int8", ptr(int8(-128)), int64(-128)},
		{"Int16", "Int16", ptr(int16(-32768)), int64(-32768)},
		{"Int32", "Int32", ptr(int32(math.MinInt32)), int64(math.MinInt32)},
		{"Int64", "Int64", ptr(int64(math.MinInt64)), int64(math.MinInt64)},
		{"Float32", "Float32", ptr(float32(0.1)), float64(float32(0.1))},
		{"Float64", "Float64", ptr(-2.5), -2.5},
		{"Bool", "Bool", ptr(true), true},
		{"String", "String", ptr("a\x00b"), "a\x00b"},
		{"FixedStringPadded", "FixedString(4)", ptr("ab\x00\x00"), "ab"},
		{"FixedStringBytes", "FixedString(3)", ptr([]byte("x\x00\x00")), "x"},
		{"Enum8", "Enum8('a' = 1, 'b' = 2)", ptr("b"), "b"},
		{"UUID", "UUID", ptr(uuid.MustParse("0f8fad5b-d9cb-469f-a165-70867728950e")), "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"Decimal", "Decimal(18, 4)", ptr(decimal.RequireFromString("1234.5678")), 1234.5678},
		{"DecimalNegative", "Decimal(9, 2)", ptr(decimal.RequireFromString("-0.01")), -0.01},
		{"Date", "Date", ptr(time.Date(2024, 1, 2, 0, 0, 0, 0, tokyo)), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"Date32", "Date32", ptr(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"DateTime", "DateTime('Asia/Tokyo')", ptr(time.Date(2024, 1, 2, 9, 0, 0, 0, tokyo)), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"DateTime64", "DateTime64(3)", ptr(time.Date(2024, 1, 2, 9, 0, 0, 5_000_000, tokyo)), time.Date(2024, 1, 2, 0, 0, 0, 5_000_000, time.UTC)},
		{"NullableNull", "Nullable(String)", ptr((*string)(nil)), nil},
		{"NullableValue", "Nullable(String)", ptr(ptr("x")), "x"},
		{"NullableInt", "Nullable(Int32)", ptr(ptr(int32(-7))), int64(-7)},
		{"NullableDate", "Nullable(Date)", ptr(ptr(time.Date(2024, 5, 6, 0, 0, 0, 0, tokyo))), time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)},
		{"LowCardinality", "LowCardinality(String)", ptr("lc"), "lc"},
		{"LowCardinalityNullable", "LowCardinality(Nullable(String))", ptr((*string)(nil)), nil},
		{"Nothing", "Nullable(Nothing)", new(any), nil},
		{"ArrayString", "Array(String)", ptr([]string{"a", ""}), []string{"a", ""}},
		{"ArrayStringNil", "Array(String)", ptr([]string(nil)), []string{}},
		{"ArrayLowCardinality", "Array(LowCardinality(String))", ptr([]string{"x"}), []string{"x"}},
		{"ArrayUInt32", "Array(UInt32)", ptr([]uint32{1, 2}), []any{uint64(1), uint64(2)}},
		{"ArrayNullable", "Array(Nullable(String))", ptr([]*string{nil, ptr("a")}), []any{nil, "a"}},
		{"ArrayArray", "Array(Array(String))", ptr([][]string{{"a"}, {}}), []any{[]string{"a"}, []string{}}},
		{"ArrayFixedString", "Array(FixedString(2))", ptr([]string{"a\x00"}), []any{"a"}},
		{"ArrayDate", "Array(Date)", ptr([]time.Time{time.Date(2024, 1, 2, 0, 0, 0, 0, tokyo)}), []any{time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}},
		{"Tuple", "Tuple(UInt8, String)", ptr([]any{uint8(1), "a"}), []any{uint64(1), "a"}},
		{"TupleNamed", "Tuple(b String, a UInt8)", ptr(map[string]any{"a": uint8(1), "b": "x"}), []any{"x", uint64(1)}},
		{"TupleNested", "Tuple(UInt16, Tuple(String, Array(UInt32)))", ptr([]any{uint16(1), []any{"n", []uint32{2}}}), []any{uint64(1), []any{"n", []any{uint64(2)}}}},
		{"TupleNullable", "Tuple(Nullable(String), Decimal(9, 1))", ptr([]any{(*string)(nil), decimal.RequireFromString("2.5")}), []any{nil, 2.5}},
		{"Map", "Map(String, UInt64)", ptr(map[string]uint64{"k": 1}), map[string]any{"k": uint64(1)}},
		{"MapEmpty", "Map(String, UInt64)", ptr(map[string]uint64{}), map[string]any{}},
		{"MapUIntKey", "Map(UInt8, Array(String))", ptr(map[uint8][]string{7: {"x"}}), map[string]any{"7": []string{"x"}}},
		{"SimpleAggregateFunction", "SimpleAggregateFunction(sum, UInt64)", ptr(uint64(3)), uint64(3)},
		{"Int128", "Int128", ptr(*big.NewInt(-5)), big.NewInt(-5)},
		{"IPv4", "IPv4", ptr(net.ParseIP("10.0.0.1")), "10.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := normalise(tc.in, mustType(t, tc.typ))
			if !sameValue(got, tc.want) {
				t.Fatalf("normalise(%T as %s):\n got %#v (%T)\nwant %#v (%T)", tc.in, tc.typ, got, got, tc.want, tc.want)
			}
		})
	}
}

// sameValue compares normalised values; times must be UTC.
func sameValue(got, want any) bool {
	if w, ok := want.(time.Time); ok {
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location() == time.UTC
	}
	if w, ok := want.([]any); ok {
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !sameValue(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	if w, ok := want.(*big.Int); ok {
		g, ok := got.(*big.Int)
		return ok && g.Cmp(w) == 0
	}
	return reflect.DeepEqual(got, want)
}

func TestNormaliseDoesNotAlias(t *testing.T) {
	in := []string{"a", "b"}
	got := normalise(&in, mustType(t, "Array(String)")).([]string)
	in[0] = "changed"
	if got[0] != "a" {
		t.Fatal("the normalised slice shares the scanned one's memory")
	}
}

func TestParseType(t *testing.T) {
	cases := []struct {
		in    string
		name  string
		inner []string // names of the inner types
		names []string // tuple element names
	}{
		{"UInt64", "UInt64", nil, nil},
		{"Nullable(String)", "Nullable", []string{"String"}, nil},
		{"LowCardinality(Nullable(String))", "LowCardinality", []string{"Nullable"}, nil},
		{"Array(Array(UInt8))", "Array", []string{"Array"}, nil},
		{"Map(LowCardinality(String), UInt64)", "Map", []string{"LowCardinality", "UInt64"}, nil},
		{"Tuple(UInt8, String)", "Tuple", []string{"UInt8", "String"}, []string{"", ""}},
		{"Tuple(a UInt8, b Nullable(String))", "Tuple", []string{"UInt8", "Nullable"}, []string{"a", "b"}},
		{"Tuple(`a b` UInt8, `c,d` String, `e``f` Date)", "Tuple", []string{"UInt8", "String", "Date"}, []string{"a b", "c,d", "e`f"}},
		{"Tuple(DateTime64(3, 'UTC'), Enum8('a b' = 1, 'c,d' = 2))", "Tuple", []string{"DateTime64", "Enum8"}, []string{"", ""}},
		{"Tuple(t Tuple(u UInt8))", "Tuple", []string{"Tuple"}, []string{"t"}},
		{"SimpleAggregateFunction(anyLast, Nullable(String))", "SimpleAggregateFunction", []string{"Nullable"}, nil},
		{"Enum8('it\\'s, (x)' = 1)", "Enum8", nil, nil},
		{"Decimal(18, 4)", "Decimal", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			ct := mustType(t, tc.in)
			if ct.name != tc.name {
				t.Fatalf("name %q, want %q", ct.name, tc.name)
			}
			var inner []string
			for _, it := range ct.inner {
				inner = append(inner, it.name)
			}
			if !reflect.DeepEqual(inner, tc.inner) {
				t.Fatalf("inner %q, want %q", inner, tc.inner)
			}
			if tc.names != nil && !reflect.DeepEqual(ct.names, tc.names) {
				t.Fatalf("names %q, want %q", ct.names, tc.names)
			}
		})
	}
	for _, bad := range []string{"", "Nullable(String", "Map(String)", "Array(String, UInt8)", "Nullable()"} {
		if _, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q): no error", bad)
		}
	}
}

func TestColumnTypeName(t *testing.T) {
	for in, want := range map[string]string{
		"DateTime":                        "DateTime",
		"DateTime('UTC')":                 "DateTime",
		"DateTime64(3, 'UTC')":            "DateTime64(3, 'UTC')",
		"Nullable(DateTime('UTC'))":       "Nullable(DateTime('UTC'))",
		"LowCardinality(String)":          "LowCardinality(String)",
		"Enum8('DateTime(' = 1)":          "Enum8('DateTime(' = 1)",
		"Array(DateTime('Asia/Tokyo'))":   "Array(DateTime('Asia/Tokyo'))",
		"Tuple(a DateTime('Asia/Tokyo'))": "Tuple(a DateTime('Asia/Tokyo'))",
	} {
		if got := columnTypeName(in); got != want {
			t.Errorf("columnTypeName(%q) = %q, want %q", in, got, want)
		}
	}
}
