package server

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"

	chdriver "github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"github.com/flexhub/flexhub/warehouse"
)

// The driver scans each ClickHouse type into a Go type of its own choosing
// (uint8 for UInt8, decimal.Decimal, uuid.UUID, time.Time in the server's
// zone, map[string]any for a named tuple, …). normalise turns those into
// the values the embedded engine's Native decoder returns, so that callers
// see the same Result from either backend.

// scanner scans the rows of one result.
type scanner struct {
	columns []warehouse.Column
	types   []*chType
	scans   []reflect.Type // what to scan into; nil for a column that is always NULL
}

func newScanner(cts []chdriver.ColumnType) (*scanner, error) {
	sc := &scanner{
		columns: make([]warehouse.Column, len(cts)),
		types:   make([]*chType, len(cts)),
		scans:   make([]reflect.Type, len(cts)),
	}
	for i, ct := range cts {
		sc.columns[i] = warehouse.Column{Name: ct.Name(), Type: columnTypeName(ct.DatabaseTypeName())}
		t, err := parseType(ct.DatabaseTypeName())
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", ct.Name(), err)
		}
		sc.types[i] = t
		if !t.unwrap().is("Nothing") {
			sc.scans[i] = ct.ScanType()
		}
	}
	return sc, nil
}

// columnTypeName is the type name a Result reports. ClickHouse's Native
// format, which the embedded engine reads, names a DateTime column with a
// time zone plain "DateTime" (its writer does so for every client older than
// time zone parameters, and a format has no client); the same is done here
// so that both backends name columns alike. Values are UTC instants anyway.
func columnTypeName(t string) string {
	if strings.HasPrefix(t, "DateTime(") {
		return "DateTime"
	}
	return t
}

// scan reads one row through the driver's Scan (rows.Scan) into fresh
// destinations, so that no value shares memory with another row's.
func (sc *scanner) scan(scan func(dest ...any) error) ([]any, error) {
	dest := make([]any, len(sc.scans))
	for i, st := range sc.scans {
		if st == nil {
			dest[i] = new(any)
		} else {
			dest[i] = reflect.New(st).Interface()
		}
	}
	if err := scan(dest...); err != nil {
		return nil, err
	}
	row := make([]any, len(dest))
	for i, d := range dest {
		if sc.scans[i] != nil {
			row[i] = normalise(d, sc.types[i])
		}
	}
	return row, nil
}

// normalise turns a value the driver scanned for ClickHouse type t into the
// Go value warehouse.Result documents. Pointers are followed, a nil one is
// NULL.
func normalise(v any, t *chType) any {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) {
		if rv.IsNil() {
			return nil
		}
		// *big.Int is a value in its own right, not an optional one.
		if _, ok := rv.Interface().(*big.Int); ok {
			break
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	if t == nil {
		return scalar(rv)
	}
	switch t.name {
	case "Nullable", "LowCardinality":
		return normalise(rv.Interface(), t.inner[0])
	case "SimpleAggregateFunction":
		// The value is of the last argument's type.
		return normalise(rv.Interface(), t.inner[len(t.inner)-1])
	case "Nothing":
		return nil
	case "Date", "Date32":
		// The calendar day, which the driver gives as midnight in the
		// server's zone: converting that instant to UTC could change the day.
		if tm, ok := rv.Interface().(time.Time); ok {
			y, m, d := tm.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	case "FixedString":
		// NUL padding is not part of the value, as in the embedded decoder.
		if rv.Kind() == reflect.String {
			return strings.TrimRight(rv.String(), "\x00")
		}
		if b, ok := rv.Interface().([]byte); ok {
			return strings.TrimRight(string(b), "\x00")
		}
	case "Array":
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			break
		}
		elem := t.inner[0]
		if elem.is("LowCardinality") {
			elem = elem.inner[0]
		}
		if elem.is("String") {
			ss := make([]string, rv.Len())
			for i := range ss {
				ss[i], _ = normalise(rv.Index(i).Interface(), elem).(string)
			}
			return ss
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalise(rv.Index(i).Interface(), t.inner[0])
		}
		return out
	case "Tuple":
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			out := make([]any, rv.Len())
			for i := range out {
				out[i] = normalise(rv.Index(i).Interface(), t.elem(i))
			}
			return out
		case reflect.Map:
			// A named tuple scans into a map; its elements go back in the
			// order of the type.
			out := make([]any, len(t.inner))
			for i, name := range t.names {
				if mv := rv.MapIndex(reflect.ValueOf(name)); mv.IsValid() {
					out[i] = normalise(mv.Interface(), t.inner[i])
				}
			}
			return out
		}
	case "Map":
		if rv.Kind() != reflect.Map {
			break
		}
		// Keys become their text, as in the embedded decoder.
		m := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := normalise(it.Key().Interface(), t.inner[0])
			m[fmt.Sprint(k)] = normalise(it.Value().Interface(), t.inner[1])
		}
		return m
	}
	return scalar(rv)
}

// scalar normalises a value by its Go type alone.
func scalar(rv reflect.Value) any {
	switch x := rv.Interface().(type) {
	case time.Time:
		return x.UTC()
	case decimal.Decimal:
		return x.InexactFloat64()
	case *big.Int:
		return x
	case big.Int:
		return &x
	case []byte:
		return string(x)
	case fmt.Stringer: // uuid.UUID, net.IP, …
		return x.String()
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint()
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalise(rv.Index(i).Interface(), nil)
		}
		return out
	case reflect.Map:
		m := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			m[fmt.Sprint(normalise(it.Key().Interface(), nil))] = normalise(it.Value().Interface(), nil)
		}
		return m
	}
	return rv.Interface()
}

// chType is a parsed ClickHouse type name, as far as normalise needs it.
type chType struct {
	name  string    // "Nullable", "Array", "UInt64", …
	inner []*chType // type arguments of Nullable, LowCardinality, Array, Tuple, Map, SimpleAggregateFunction
	names []string  // Tuple element names, "" when unnamed
}

func (t *chType) is(name string) bool { return t != nil && t.name == name }

// unwrap strips Nullable and LowCardinality.
func (t *chType) unwrap() *chType {
	for t != nil && (t.name == "Nullable" || t.name == "LowCardinality") && len(t.inner) == 1 {
		t = t.inner[0]
	}
	return t
}

// elem is the type of a tuple's i-th element, nil when unknown.
func (t *chType) elem(i int) *chType {
	if i < len(t.inner) {
		return t.inner[i]
	}
	return nil
}

func parseType(s string) (*chType, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if s == "" {
			return nil, fmt.Errorf("server: empty column type")
		}
		return &chType{name: s}, nil
	}
	if !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("server: cannot parse column type %q", s)
	}
	t := &chType{name: strings.TrimSpace(s[:open])}
	args := splitArgs(s[open+1 : len(s)-1])
	switch t.name {
	case "Nullable", "LowCardinality", "Array", "Map", "Tuple":
		for _, a := range args {
			name := ""
			if t.name == "Tuple" {
				name, a = tupleElement(a)
			}
			it, err := parseType(a)
			if err != nil {
				return nil, err
			}
			t.inner = append(t.inner, it)
			t.names = append(t.names, name)
		}
		want := map[string]int{"Nullable": 1, "LowCardinality": 1, "Array": 1, "Map": 2}[t.name]
		if want > 0 && len(t.inner) != want {
			return nil, fmt.Errorf("server: cannot parse column type %q", s)
		}
	case "SimpleAggregateFunction":
		if len(args) < 2 {
			return nil, fmt.Errorf("server: cannot parse column type %q", s)
		}
		it, err := parseType(args[len(args)-1])
		if err != nil {
			return nil, err
		}
		t.inner = []*chType{it}
	}
	return t, nil
}

// tupleElement splits a Tuple argument into its optional name and its type:
// "a UInt8", "`a b` String" or just "UInt8".
func tupleElement(a string) (name, typ string) {
	a = strings.TrimSpace(a)
	if strings.HasPrefix(a, "`") {
		for i := 1; i < len(a); i++ {
			switch a[i] {
			case '\\':
				i++
			case '`':
				if i+1 < len(a) && a[i+1] == '`' {
					i++
					continue
				}
				return unquoteName(a[1:i]), strings.TrimSpace(a[i+1:])
			}
		}
		return "", a
	}
	sp := strings.IndexByte(a, ' ')
	if sp <= 0 || strings.ContainsAny(a[:sp], "('") {
		return "", a
	}
	return a[:sp], strings.TrimSpace(a[sp+1:])
}

// unquoteName resolves the escapes of a backquoted name's body.
func unquoteName(s string) string {
	if !strings.ContainsAny(s, "\\`") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			sb.WriteByte(s[i])
		case s[i] == '`' && i+1 < len(s) && s[i+1] == '`':
			i++
			sb.WriteByte('`')
		default:
			sb.WriteByte(s[i])
		}
	}
	return sb.String()
}

// splitArgs splits on commas at nesting depth zero, outside quotes.
func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '`':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}
