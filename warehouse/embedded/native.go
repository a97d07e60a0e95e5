package embedded

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// The embedded engine answers in ClickHouse's Native format: columnar, every
// block carries its column names and ClickHouse types (a Date stays a Date,
// which ArrowStream would flatten to UInt16), and a streamed chunk is a whole
// block.

type nativeReader struct {
	buf []byte
	off int
	err error
}

func (r *nativeReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("native decode: "+format, args...)
	}
}

func (r *nativeReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		r.fail("bad varint at %d", r.off)
		return 0
	}
	r.off += n
	return v
}

func (r *nativeReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.off+n > len(r.buf) {
		r.fail("truncated block: need %d bytes at %d of %d", n, r.off, len(r.buf))
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *nativeReader) str() string {
	n := r.uvarint()
	return string(r.take(int(n)))
}

// decodeNative decodes every block in buf and appends rows to res.
func decodeNative(buf []byte, res *warehouse.Result) error {
	r := &nativeReader{buf: buf}
	for r.off < len(r.buf) && r.err == nil {
		if err := decodeBlock(r, res); err != nil {
			return err
		}
	}
	return r.err
}

func decodeBlock(r *nativeReader, res *warehouse.Result) error {
	ncols := r.uvarint()
	nrows := r.uvarint()
	if r.err != nil {
		return r.err
	}
	// Counts come from the data: a corrupt one must fail, not allocate.
	// Every column header takes two bytes at least.
	if left := uint64(len(r.buf) - r.off); ncols > left/2 || nrows > math.MaxInt32 {
		return fmt.Errorf("native decode: block of %d columns and %d rows in %d bytes", ncols, nrows, left)
	}
	cols := make([]warehouse.Column, ncols)
	data := make([][]any, ncols)
	for c := range cols {
		cols[c].Name = r.str()
		cols[c].Type = r.str()
		if r.err != nil {
			return r.err
		}
		t, err := parseType(cols[c].Type)
		if err != nil {
			return err
		}
		if size := minRowSize(t); size > 0 && nrows > uint64(len(r.buf)-r.off)/uint64(size) {
			return fmt.Errorf("native decode: column %s: %d rows in %d bytes", cols[c].Name, nrows, len(r.buf)-r.off)
		}
		// A block without rows carries no column data at all, not even the
		// serialization prefix.
		if nrows > 0 {
			readPrefix(r, t)
			data[c] = readColumn(r, t, int(nrows))
		}
		if r.err != nil {
			return fmt.Errorf("column %s %s: %w", cols[c].Name, cols[c].Type, r.err)
		}
	}
	if res.Columns == nil {
		res.Columns = cols
	}
	for i := range int(nrows) {
		row := make([]any, ncols)
		for c := range data {
			row[c] = data[c][i]
		}
		res.Rows = append(res.Rows, row)
	}
	return nil
}

// minRowSize is a lower bound of the bytes a value of type t takes in a
// block: a byte for every type but an empty tuple, whose values take none.
func minRowSize(t *chType) int {
	switch t.name {
	case "Tuple":
		n := 0
		for _, it := range t.inner {
			n += minRowSize(it)
		}
		return n
	case "Nullable":
		return 1 + minRowSize(t.inner[0])
	case "Array", "Map":
		return 8
	}
	return 1
}

// chType is a parsed ClickHouse type.
type chType struct {
	name  string    // outer name: "Nullable", "Array", "UInt64", "DateTime64", …
	args  []string  // raw arguments
	inner []*chType // parsed type arguments (Nullable, Array, Tuple, Map, LowCardinality)
	names []string  // Tuple element names, "" for an unnamed element
}

func parseType(s string) (*chType, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if s == "" {
			return nil, fmt.Errorf("native decode: empty type")
		}
		return &chType{name: s}, nil
	}
	if !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("native decode: cannot parse type %q", s)
	}
	t := &chType{name: strings.TrimSpace(s[:open]), args: splitArgs(s[open+1 : len(s)-1])}
	switch t.name {
	case "Nullable", "Array", "LowCardinality", "Map":
		want := 1
		if t.name == "Map" {
			want = 2
		}
		if len(t.args) != want {
			return nil, fmt.Errorf("native decode: cannot parse type %q: %d type arguments", s, len(t.args))
		}
		for _, a := range t.args {
			it, err := parseType(a)
			if err != nil {
				return nil, err
			}
			t.inner = append(t.inner, it)
		}
	case "Tuple":
		for _, a := range t.args {
			name, typ := tupleElement(a)
			it, err := parseType(typ)
			if err != nil {
				return nil, err
			}
			t.inner = append(t.inner, it)
			t.names = append(t.names, name)
		}
	}
	return t, nil
}

// tupleElement splits a Tuple argument into its optional name and its type:
// "a UInt8", "`a b` String" (a quoted name) or just "UInt8".
func tupleElement(a string) (name, typ string) {
	a = strings.TrimSpace(a)
	if strings.HasPrefix(a, "`") {
		for i := 1; i < len(a); i++ {
			switch a[i] {
			case '\\':
				i++
			case '`':
				if i+1 < len(a) && a[i+1] == '`' { // a doubled backquote
					i++
					continue
				}
				return unquote(a[:i+1]), strings.TrimSpace(a[i+1:])
			}
		}
		return "", a
	}
	// A bare name is a word followed by a space before any parenthesis or
	// quote; "Enum8('a b' = 1)" and "DateTime64(3, 'UTC')" are types.
	sp := strings.IndexByte(a, ' ')
	if sp <= 0 || strings.ContainsAny(a[:sp], "('") {
		return "", a
	}
	return a[:sp], strings.TrimSpace(a[sp+1:])
}

// unquote strips the quotes of a '…' or `…` literal and resolves its
// backslash escapes and doubled quotes.
func unquote(s string) string {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '`') || s[len(s)-1] != s[0] {
		return s
	}
	q, body := s[0], s[1:len(s)-1]
	if !strings.ContainsAny(body, "\\"+string(q)) {
		return body
	}
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			i++
			switch e := body[i]; e {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case 'r':
				sb.WriteByte('\r')
			case '0':
				sb.WriteByte(0)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			default:
				sb.WriteByte(e)
			}
		case c == q && i+1 < len(body) && body[i+1] == q:
			sb.WriteByte(q)
			i++
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// splitArgs splits on commas at nesting depth zero, outside '…' and `…`
// quotes. An empty argument list gives no arguments.
func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	depth, start := 0, 0
	var quote byte // the open quote, or 0
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

// readPrefix consumes the serialization state prefixes that Native writes
// for a whole column, nested types included, before any of its data. Only
// LowCardinality has one (its key version), so an Array(LowCardinality(…))
// has the version ahead of the array offsets.
func readPrefix(r *nativeReader, t *chType) {
	switch t.name {
	case "LowCardinality":
		const sharedDictionariesWithAdditionalKeys = 1
		if b := r.take(8); b != nil && binary.LittleEndian.Uint64(b) != sharedDictionariesWithAdditionalKeys {
			r.fail("LowCardinality: unsupported key version %d", binary.LittleEndian.Uint64(b))
		}
	case "Nullable", "Array", "Tuple", "Map":
		for _, it := range t.inner {
			readPrefix(r, it)
		}
	}
}

// readColumn reads n values of type t; readPrefix has consumed the
// column's prefix.
func readColumn(r *nativeReader, t *chType, n int) []any {
	out := make([]any, n)
	if n == 0 {
		// Nothing is written for an empty (nested) column.
		return out
	}
	le := binary.LittleEndian
	fixed := func(size int, conv func([]byte) any) {
		b := r.take(size * n)
		if b == nil {
			return
		}
		for i := 0; i < n; i++ {
			out[i] = conv(b[i*size : (i+1)*size])
		}
	}
	switch t.name {
	case "UInt8":
		fixed(1, func(b []byte) any { return uint64(b[0]) })
	case "UInt16":
		fixed(2, func(b []byte) any { return uint64(le.Uint16(b)) })
	case "UInt32":
		fixed(4, func(b []byte) any { return uint64(le.Uint32(b)) })
	case "UInt64":
		fixed(8, func(b []byte) any { return le.Uint64(b) })
	case "Int8":
		fixed(1, func(b []byte) any { return int64(int8(b[0])) })
	case "Int16":
		fixed(2, func(b []byte) any { return int64(int16(le.Uint16(b))) })
	case "Int32":
		fixed(4, func(b []byte) any { return int64(int32(le.Uint32(b))) })
	case "Int64":
		fixed(8, func(b []byte) any { return int64(le.Uint64(b)) })
	case "Float32":
		fixed(4, func(b []byte) any { return float64(math.Float32frombits(le.Uint32(b))) })
	case "Float64":
		fixed(8, func(b []byte) any { return math.Float64frombits(le.Uint64(b)) })
	case "Bool":
		fixed(1, func(b []byte) any { return b[0] != 0 })
	case "Date":
		fixed(2, func(b []byte) any { return time.Unix(int64(le.Uint16(b))*86400, 0).UTC() })
	case "Date32":
		fixed(4, func(b []byte) any { return time.Unix(int64(int32(le.Uint32(b)))*86400, 0).UTC() })
	case "DateTime":
		fixed(4, func(b []byte) any { return time.Unix(int64(le.Uint32(b)), 0).UTC() })
	case "DateTime64":
		prec := 3
		if len(t.args) > 0 {
			prec, _ = strconv.Atoi(t.args[0])
		}
		scale := int64(math.Pow10(prec))
		fixed(8, func(b []byte) any {
			v := int64(le.Uint64(b))
			sec, frac := v/scale, v%scale
			if frac < 0 {
				sec--
				frac += scale
			}
			return time.Unix(sec, frac*(1_000_000_000/scale)).UTC()
		})
	case "UUID":
		fixed(16, func(b []byte) any {
			hi, lo := le.Uint64(b[0:8]), le.Uint64(b[8:16])
			s := fmt.Sprintf("%016x%016x", hi, lo)
			return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
		})
	case "Decimal", "Decimal32", "Decimal64", "Decimal128", "Decimal256":
		if len(t.args) == 0 {
			r.fail("type %s without precision", t.name)
			break
		}
		prec, scale := decimalArgs(t)
		size := 4
		switch {
		case prec > 38:
			size = 32
		case prec > 18:
			size = 16
		case prec > 9:
			size = 8
		}
		div := math.Pow10(scale)
		fixed(size, func(b []byte) any {
			switch size {
			case 4:
				return float64(int32(le.Uint32(b))) / div
			case 8:
				return float64(int64(le.Uint64(b))) / div
			}
			f, _ := new(big.Float).SetInt(leSigned(b)).Float64()
			return f / div
		})
	case "Enum8", "Enum16":
		names := enumNames(t.args)
		if t.name == "Enum8" {
			fixed(1, func(b []byte) any { return names[int64(int8(b[0]))] })
		} else {
			fixed(2, func(b []byte) any { return names[int64(int16(le.Uint16(b)))] })
		}
	case "String":
		for i := 0; i < n && r.err == nil; i++ {
			out[i] = r.str()
		}
	case "FixedString":
		size := 0
		if len(t.args) == 1 {
			size, _ = strconv.Atoi(t.args[0])
		}
		if size <= 0 {
			r.fail("type FixedString without a size")
			break
		}
		fixed(size, func(b []byte) any { return strings.TrimRight(string(b), "\x00") })
	case "Nothing":
		fixed(1, func([]byte) any { return nil })
	case "Nullable":
		nulls := r.take(n)
		vals := readColumn(r, t.inner[0], n)
		if r.err == nil {
			for i := 0; i < n; i++ {
				if nulls[i] != 0 {
					out[i] = nil
				} else {
					out[i] = vals[i]
				}
			}
		}
	case "LowCardinality":
		readLowCardinality(r, t.inner[0], n, out)
	case "Array":
		offsets := make([]uint64, n)
		b := r.take(8 * n)
		if b == nil {
			return out
		}
		var prev uint64
		for i := range offsets {
			offsets[i] = le.Uint64(b[i*8:])
			if offsets[i] < prev {
				r.fail("array offsets out of order at row %d", i)
				return out
			}
			prev = offsets[i]
		}
		// Elements take at least a byte each (bar empty tuples): a larger
		// count is a corrupt block, not a reason to allocate.
		if prev > uint64(len(r.buf)-r.off) {
			r.fail("array of %d elements in %d bytes", prev, len(r.buf)-r.off)
			return out
		}
		vals := readColumn(r, t.inner[0], int(offsets[n-1]))
		if r.err != nil {
			return out
		}
		prev = 0
		// Array(String) is []string whether or not the strings are
		// dictionary-encoded, as the server backend returns it.
		elem := t.inner[0]
		if elem.name == "LowCardinality" {
			elem = elem.inner[0]
		}
		allStrings := elem.name == "String"
		for i := 0; i < n; i++ {
			part := vals[prev:offsets[i]]
			if allStrings {
				ss := make([]string, len(part))
				for j, v := range part {
					ss[j], _ = v.(string)
				}
				out[i] = ss
			} else {
				out[i] = append([]any(nil), part...)
			}
			prev = offsets[i]
		}
	case "Tuple":
		elems := make([][]any, len(t.inner))
		for j, it := range t.inner {
			elems[j] = readColumn(r, it, n)
		}
		for i := 0; i < n && r.err == nil; i++ {
			tup := make([]any, len(elems))
			for j := range elems {
				tup[j] = elems[j][i]
			}
			out[i] = tup
		}
	case "Map":
		inner := &chType{name: "Array", inner: []*chType{{name: "Tuple", inner: t.inner}}}
		arrs := readColumn(r, inner, n)
		for i := 0; i < n && r.err == nil; i++ {
			m := map[string]any{}
			for _, kv := range arrs[i].([]any) {
				pair := kv.([]any)
				m[fmt.Sprint(pair[0])] = pair[1]
			}
			out[i] = m
		}
	default:
		r.fail("type %s is not supported by the embedded result decoder", t.name)
	}
	return out
}

func decimalArgs(t *chType) (prec, scale int) {
	switch t.name {
	case "Decimal":
		prec, _ = strconv.Atoi(t.args[0])
		if len(t.args) > 1 {
			scale, _ = strconv.Atoi(t.args[1])
		}
		return prec, scale
	case "Decimal32":
		prec = 9
	case "Decimal64":
		prec = 18
	case "Decimal128":
		prec = 38
	default:
		prec = 76
	}
	scale, _ = strconv.Atoi(t.args[0])
	return prec, scale
}

func leSigned(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// enumNames maps an Enum's values to its names: "'a' = 1, 'it\\'s' = 2".
func enumNames(args []string) map[int64]string {
	m := make(map[int64]string, len(args))
	for _, a := range args {
		// The value is an integer, so the last '=' ends the quoted name.
		eq := strings.LastIndex(a, "=")
		if eq < 0 {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(a[eq+1:]), 10, 64)
		if err != nil {
			continue
		}
		m[v] = unquote(strings.TrimSpace(a[:eq]))
	}
	return m
}

// readLowCardinality decodes a dictionary-encoded column (its key version
// went with the prefix): chunks of a flags word, the chunk's dictionary
// (keys in the plain type, without Nullable; key 0 is NULL for a nullable
// column) and one index per row, until n rows are read.
func readLowCardinality(r *nativeReader, inner *chType, n int, out []any) {
	le := binary.LittleEndian
	u64 := func() uint64 {
		if b := r.take(8); b != nil {
			return le.Uint64(b)
		}
		return 0
	}
	nullable := inner.name == "Nullable"
	keyType := inner
	if nullable {
		keyType = inner.inner[0]
	}
	var keys []any
	for done := 0; done < n && r.err == nil; {
		flags := u64()
		const needGlobalDictionary, hasAdditionalKeys = 1 << 8, 1 << 9
		if flags&needGlobalDictionary != 0 || flags&hasAdditionalKeys == 0 {
			r.fail("LowCardinality: shared dictionaries are not supported")
			return
		}
		if flags&0xff > 3 {
			r.fail("LowCardinality: index type %d", flags&0xff)
			return
		}
		size := 1 << (flags & 0xff) // UInt8, UInt16, UInt32, UInt64
		nkeys := u64()
		if nkeys > uint64(len(r.buf)-r.off) {
			r.fail("LowCardinality: %d keys in %d bytes", nkeys, len(r.buf)-r.off)
			return
		}
		keys = readColumn(r, keyType, int(nkeys))
		rows := u64()
		if rows == 0 || rows > uint64(n-done) {
			r.fail("LowCardinality: chunk of %d rows with %d of %d rows left", rows, n-done, n)
			return
		}
		idx := r.take(int(rows) * size)
		if idx == nil {
			return
		}
		for i := 0; i < int(rows); i++ {
			var k uint64
			switch size {
			case 1:
				k = uint64(idx[i])
			case 2:
				k = uint64(le.Uint16(idx[i*2:]))
			case 4:
				k = uint64(le.Uint32(idx[i*4:]))
			default:
				k = le.Uint64(idx[i*8:])
			}
			if k >= uint64(len(keys)) {
				r.fail("LowCardinality: index %d outside dictionary of %d", k, len(keys))
				return
			}
			if nullable && k == 0 {
				out[done+i] = nil
			} else {
				out[done+i] = keys[k]
			}
		}
		done += int(rows)
	}
}
