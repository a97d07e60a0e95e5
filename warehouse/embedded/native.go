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
	ncols := int(r.uvarint())
	nrows := int(r.uvarint())
	if r.err != nil {
		return r.err
	}
	cols := make([]warehouse.Column, ncols)
	data := make([][]any, ncols)
	for c := 0; c < ncols; c++ {
		cols[c].Name = r.str()
		cols[c].Type = r.str()
		t, err := parseType(cols[c].Type)
		if err != nil {
			return err
		}
		data[c] = readColumn(r, t, nrows)
		if r.err != nil {
			return fmt.Errorf("column %s %s: %w", cols[c].Name, cols[c].Type, r.err)
		}
	}
	if res.Columns == nil {
		res.Columns = cols
	}
	for i := 0; i < nrows; i++ {
		row := make([]any, ncols)
		for c := range data {
			row[c] = data[c][i]
		}
		res.Rows = append(res.Rows, row)
	}
	return nil
}

// chType is a parsed ClickHouse type.
type chType struct {
	name  string    // outer name: "Nullable", "Array", "UInt64", "DateTime64", …
	args  []string  // raw arguments
	inner []*chType // parsed type arguments (Nullable, Array, Tuple, Map, LowCardinality)
}

func parseType(s string) (*chType, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return &chType{name: s}, nil
	}
	if !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("native decode: cannot parse type %q", s)
	}
	t := &chType{name: s[:open], args: splitArgs(s[open+1 : len(s)-1])}
	switch t.name {
	case "Nullable", "Array", "LowCardinality", "Map":
		for _, a := range t.args {
			it, err := parseType(a)
			if err != nil {
				return nil, err
			}
			t.inner = append(t.inner, it)
		}
	case "Tuple":
		for _, a := range t.args {
			// Named tuple elements read "name Type".
			a = strings.TrimSpace(a)
			if sp := strings.IndexByte(a, ' '); sp > 0 && !strings.Contains(a[:sp], "(") {
				a = a[sp+1:]
			}
			it, err := parseType(a)
			if err != nil {
				return nil, err
			}
			t.inner = append(t.inner, it)
		}
	}
	return t, nil
}

// splitArgs splits on commas at nesting depth zero, outside quotes.
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
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

func readColumn(r *nativeReader, t *chType, n int) []any {
	out := make([]any, n)
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
		size, _ := strconv.Atoi(t.args[0])
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
		for i := range offsets {
			offsets[i] = le.Uint64(b[i*8:])
		}
		total := 0
		if n > 0 {
			total = int(offsets[n-1])
		}
		vals := readColumn(r, t.inner[0], total)
		if r.err != nil {
			return out
		}
		var prev uint64
		allStrings := t.inner[0].name == "String"
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

func enumNames(args []string) map[int64]string {
	m := make(map[int64]string, len(args))
	for _, a := range args {
		eq := strings.LastIndex(a, "=")
		if eq < 0 {
			continue
		}
		name := strings.TrimSpace(a[:eq])
		name = strings.TrimSuffix(strings.TrimPrefix(name, "'"), "'")
		v, _ := strconv.ParseInt(strings.TrimSpace(a[eq+1:]), 10, 64)
		m[v] = name
	}
	return m
}

// readLowCardinality decodes a dictionary-encoded column: a version
// prefix, then the dictionary (keys in the plain type, without Nullable;
// key 0 is NULL for a nullable column) and one index per row.
func readLowCardinality(r *nativeReader, inner *chType, n int, out []any) {
	le := binary.LittleEndian
	if b := r.take(8); b == nil || le.Uint64(b) != 1 {
		r.fail("LowCardinality: unsupported key version")
		return
	}
	if n == 0 {
		return
	}
	b := r.take(8)
	if b == nil {
		return
	}
	flags := le.Uint64(b)
	const needGlobalDictionary, hasAdditionalKeys = 1 << 8, 1 << 9
	if flags&needGlobalDictionary != 0 || flags&hasAdditionalKeys == 0 {
		r.fail("LowCardinality: shared dictionaries are not supported")
		return
	}
	nullable := inner.name == "Nullable"
	keyType := inner
	if nullable {
		keyType = inner.inner[0]
	}
	b = r.take(8)
	if b == nil {
		return
	}
	keys := readColumn(r, keyType, int(le.Uint64(b)))
	b = r.take(8)
	if b == nil {
		return
	}
	rows := int(le.Uint64(b))
	size := 1 << (flags & 0xff) // UInt8, UInt16, UInt32, UInt64
	idx := r.take(rows * size)
	if idx == nil {
		return
	}
	for i := 0; i < rows && i < n; i++ {
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
			out[i] = nil
		} else {
			out[i] = keys[k]
		}
	}
}
