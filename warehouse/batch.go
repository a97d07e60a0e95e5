package warehouse

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Batch is a set of rows for one table, encoded as RowBinary as they are
// appended. RowBinary is what the embedded engine's streaming insert takes
// without a copy; the server backend decodes it column by column.
type Batch struct {
	Table   string // database-qualified, e.g. "flexhub.inventory_users"
	Columns []Column
	kinds   []kind
	buf     []byte
	rows    int
}

type kind uint8

const (
	kString kind = iota
	kUInt8
	kUInt16
	kUInt32
	kUInt64
	kInt8
	kInt16
	kInt32
	kInt64
	kFloat32
	kFloat64
	kBool
	kDate
	kDateTime
	kDateTime64ms
	kArrayString
	kNullableDate
	kArrayFloat32
	kArrayUInt32
	kMapStringUInt32
)

func kindOf(t string) (kind, error) {
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "LowCardinality(") && strings.HasSuffix(t, ")") {
		t = t[len("LowCardinality(") : len(t)-1]
	}
	switch {
	case t == "String":
		return kString, nil
	case t == "UInt8":
		return kUInt8, nil
	case t == "UInt16":
		return kUInt16, nil
	case t == "UInt32":
		return kUInt32, nil
	case t == "UInt64":
		return kUInt64, nil
	case t == "Int8":
		return kInt8, nil
	case t == "Int16":
		return kInt16, nil
	case t == "Int32":
		return kInt32, nil
	case t == "Int64":
		return kInt64, nil
	case t == "Float32":
		return kFloat32, nil
	case t == "Float64":
		return kFloat64, nil
	case t == "Bool":
		return kBool, nil
	case t == "Date":
		return kDate, nil
	case t == "DateTime" || strings.HasPrefix(t, "DateTime('"):
		return kDateTime, nil
	case t == "DateTime64(3)" || strings.HasPrefix(t, "DateTime64(3,"):
		return kDateTime64ms, nil
	case t == "Array(String)" || t == "Array(LowCardinality(String))":
		return kArrayString, nil
	case t == "Nullable(Date)":
		return kNullableDate, nil
	case t == "Array(Float32)":
		return kArrayFloat32, nil
	case t == "Array(UInt32)":
		return kArrayUInt32, nil
	case t == "Map(String, UInt32)" || t == "Map(LowCardinality(String), UInt32)":
		return kMapStringUInt32, nil
	}
	return 0, fmt.Errorf("warehouse: column type %q is not supported in batches", t)
}

// NewBatch starts a batch for table with the given columns.
func NewBatch(table string, columns []Column) (*Batch, error) {
	b := &Batch{Table: table, Columns: columns, kinds: make([]kind, len(columns))}
	for i, c := range columns {
		k, err := kindOf(c.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		b.kinds[i] = k
	}
	return b, nil
}

// MustBatch is NewBatch for column lists fixed at compile time.
func MustBatch(table string, columns []Column) *Batch {
	b, err := NewBatch(table, columns)
	if err != nil {
		panic(err)
	}
	return b
}

// Rows is the number of rows appended.
func (b *Batch) Rows() int { return b.rows }

// Bytes is the RowBinary encoding of the rows appended so far.
func (b *Batch) Bytes() []byte { return b.buf }

// Reset empties the batch, keeping its buffer.
func (b *Batch) Reset() { b.buf = b.buf[:0]; b.rows = 0 }

// ColumnList renders "(a, b, c)" for an INSERT statement.
func (b *Batch) ColumnList() string {
	names := make([]string, len(b.Columns))
	for i, c := range b.Columns {
		names[i] = "`" + c.Name + "`"
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// Append adds one row. Values must match the column types: string for
// String, any Go integer whose value fits the column's integer type,
// float64 or float32 for the float types, bool, time.Time for
// Date/DateTime/DateTime64(3) within the type's range, nil or time.Time for
// Nullable(Date), []string for Array(String), []float32 for
// Array(Float32), []uint32 for Array(UInt32), map[string]uint32 for
// Map(String, UInt32). A mismatch is an error and leaves the batch as it
// was.
func (b *Batch) Append(values ...any) error {
	if len(values) != len(b.kinds) {
		return fmt.Errorf("warehouse: %s: %d values for %d columns", b.Table, len(values), len(b.kinds))
	}
	mark := len(b.buf)
	for i, v := range values {
		if err := b.put(b.kinds[i], v); err != nil {
			b.buf = b.buf[:mark]
			return fmt.Errorf("warehouse: %s.%s: %w", b.Table, b.Columns[i].Name, err)
		}
	}
	b.rows++
	return nil
}

// The Put methods append one value of the next column without boxing it:
// the hot path of ingest encodes events straight into RowBinary. The caller
// writes every column of a row in order, with the Put method of its type,
// then calls EndRow; Append is the checked way for everything else.

// PutString appends a String value.
func (b *Batch) PutString(s []byte) {
	b.buf = binary.AppendUvarint(b.buf, uint64(len(s)))
	b.buf = append(b.buf, s...)
}

// PutBool appends a Bool value.
func (b *Batch) PutBool(v bool) {
	if v {
		b.buf = append(b.buf, 1)
	} else {
		b.buf = append(b.buf, 0)
	}
}

// PutUInt32 appends a UInt32 value.
func (b *Batch) PutUInt32(v uint32) { b.buf = binary.LittleEndian.AppendUint32(b.buf, v) }

// PutFloat64 appends a Float64 value.
func (b *Batch) PutFloat64(v float64) {
	b.buf = binary.LittleEndian.AppendUint64(b.buf, math.Float64bits(v))
}

// PutDateTime64ms appends a DateTime64(3) value: milliseconds since the
// epoch.
func (b *Batch) PutDateTime64ms(ms int64) {
	b.buf = binary.LittleEndian.AppendUint64(b.buf, uint64(ms))
}

// PutDate appends a Date value: days since the epoch.
func (b *Batch) PutDate(days uint16) { b.buf = binary.LittleEndian.AppendUint16(b.buf, days) }

// PutNullableDate appends a Nullable(Date) value; valid false is NULL.
func (b *Batch) PutNullableDate(days uint16, valid bool) {
	if !valid {
		b.buf = append(b.buf, 1)
		return
	}
	b.buf = append(b.buf, 0)
	b.buf = binary.LittleEndian.AppendUint16(b.buf, days)
}

// PutFloat32 appends a Float32 value (also an element of Array(Float32)).
func (b *Batch) PutFloat32(v float32) {
	b.buf = binary.LittleEndian.AppendUint32(b.buf, math.Float32bits(v))
}

// PutLen starts an Array of n elements or a Map of n entries; the elements
// (or key, value pairs) follow with their Put methods.
func (b *Batch) PutLen(n int) { b.buf = binary.AppendUvarint(b.buf, uint64(n)) }

// EndRow counts the row whose values were just put.
func (b *Batch) EndRow() { b.rows++ }

func (b *Batch) put(k kind, v any) error {
	switch k {
	case kString:
		s, ok := v.(string)
		if !ok {
			return typeErr("string", v)
		}
		b.buf = binary.AppendUvarint(b.buf, uint64(len(s)))
		b.buf = append(b.buf, s...)
	case kUInt8, kUInt16, kUInt32, kUInt64, kInt8, kInt16, kInt32, kInt64:
		n, err := fitInt(k, v)
		if err != nil {
			return err
		}
		switch k {
		case kUInt8, kInt8:
			b.buf = append(b.buf, byte(n))
		case kUInt16, kInt16:
			b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(n))
		case kUInt32, kInt32:
			b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(n))
		default:
			b.buf = binary.LittleEndian.AppendUint64(b.buf, n)
		}
	case kFloat32, kFloat64:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		default:
			return typeErr("float64", v)
		}
		if k == kFloat32 {
			b.buf = binary.LittleEndian.AppendUint32(b.buf, math.Float32bits(float32(f)))
		} else {
			b.buf = binary.LittleEndian.AppendUint64(b.buf, math.Float64bits(f))
		}
	case kBool:
		x, ok := v.(bool)
		if !ok {
			return typeErr("bool", v)
		}
		if x {
			b.buf = append(b.buf, 1)
		} else {
			b.buf = append(b.buf, 0)
		}
	case kDate, kDateTime, kDateTime64ms:
		t, ok := v.(time.Time)
		if !ok {
			return typeErr("time.Time", v)
		}
		switch k {
		case kDate:
			days := t.UTC().Unix() / 86400
			if t.UTC().Unix() < 0 || days > math.MaxUint16 {
				return fmt.Errorf("date %s out of range", t.Format(time.DateOnly))
			}
			b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(days))
		case kDateTime:
			// DateTime is seconds in a UInt32; outside it the value would wrap
			// to another instant.
			if sec := t.Unix(); sec < 0 || sec > math.MaxUint32 {
				return fmt.Errorf("date-time %s out of range", t.UTC().Format(time.DateTime))
			}
			b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(t.Unix()))
		default:
			b.buf = binary.LittleEndian.AppendUint64(b.buf, uint64(t.UnixMilli()))
		}
	case kArrayString:
		ss, ok := v.([]string)
		if !ok {
			return typeErr("[]string", v)
		}
		b.buf = binary.AppendUvarint(b.buf, uint64(len(ss)))
		for _, s := range ss {
			b.buf = binary.AppendUvarint(b.buf, uint64(len(s)))
			b.buf = append(b.buf, s...)
		}
	case kNullableDate:
		if v == nil {
			b.buf = append(b.buf, 1)
			return nil
		}
		t, ok := v.(time.Time)
		if !ok {
			return typeErr("time.Time or nil", v)
		}
		days := t.UTC().Unix() / 86400
		if t.UTC().Unix() < 0 || days > math.MaxUint16 {
			return fmt.Errorf("date %s out of range", t.Format(time.DateOnly))
		}
		b.buf = append(b.buf, 0)
		b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(days))
	case kArrayFloat32:
		fs, ok := v.([]float32)
		if !ok {
			return typeErr("[]float32", v)
		}
		b.PutLen(len(fs))
		for _, f := range fs {
			b.PutFloat32(f)
		}
	case kArrayUInt32:
		ns, ok := v.([]uint32)
		if !ok {
			return typeErr("[]uint32", v)
		}
		b.PutLen(len(ns))
		for _, n := range ns {
			b.PutUInt32(n)
		}
	case kMapStringUInt32:
		m, ok := v.(map[string]uint32)
		if !ok {
			return typeErr("map[string]uint32", v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same map always encodes to the same bytes
		b.PutLen(len(keys))
		for _, k := range keys {
			b.PutString([]byte(k))
			b.PutUInt32(m[k])
		}
	}
	return nil
}

// fitInt checks that v is a Go integer whose value fits the column's
// integer type, so that a negative or oversized value is refused rather
// than stored truncated, and returns its two's complement bits.
func fitInt(k kind, v any) (uint64, error) {
	var (
		n      int64 // v when signed
		u      uint64
		signed bool
	)
	switch x := v.(type) {
	case int:
		n, signed = int64(x), true
	case int8:
		n, signed = int64(x), true
	case int16:
		n, signed = int64(x), true
	case int32:
		n, signed = int64(x), true
	case int64:
		n, signed = x, true
	case uint:
		u = uint64(x)
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	default:
		return 0, typeErr("integer", v)
	}
	var lo int64
	var hi uint64
	switch k {
	case kUInt8:
		hi = math.MaxUint8
	case kUInt16:
		hi = math.MaxUint16
	case kUInt32:
		hi = math.MaxUint32
	case kUInt64:
		hi = math.MaxUint64
	case kInt8:
		lo, hi = math.MinInt8, math.MaxInt8
	case kInt16:
		lo, hi = math.MinInt16, math.MaxInt16
	case kInt32:
		lo, hi = math.MinInt32, math.MaxInt32
	case kInt64:
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if signed {
		if n < lo || (n > 0 && uint64(n) > hi) {
			return 0, fmt.Errorf("%d out of range", n)
		}
		return uint64(n), nil
	}
	if u > hi {
		return 0, fmt.Errorf("%d out of range", u)
	}
	return u, nil
}

func typeErr(want string, got any) error {
	return fmt.Errorf("want %s, got %T", want, got)
}

// DecodeRows turns the batch back into Go values of the exact Go type of
// each column (uint8 for UInt8, int16 for Int16, float32 for Float32,
// time.Time, []string, …), which is what the native-protocol driver appends
// without conversion. The server backend uses it. fn gets the same slice
// for every row and must not keep it.
func (b *Batch) DecodeRows(fn func(row []any) error) error {
	buf := b.buf
	row := make([]any, len(b.kinds))
	for r := 0; r < b.rows; r++ {
		for i, k := range b.kinds {
			var v any
			var n int
			switch k {
			case kString:
				l, w := binary.Uvarint(buf)
				v, n = string(buf[w:w+int(l)]), w+int(l)
			case kUInt8:
				v, n = buf[0], 1
			case kInt8:
				v, n = int8(buf[0]), 1
			case kUInt16:
				v, n = binary.LittleEndian.Uint16(buf), 2
			case kInt16:
				v, n = int16(binary.LittleEndian.Uint16(buf)), 2
			case kUInt32:
				v, n = binary.LittleEndian.Uint32(buf), 4
			case kInt32:
				v, n = int32(binary.LittleEndian.Uint32(buf)), 4
			case kUInt64:
				v, n = binary.LittleEndian.Uint64(buf), 8
			case kInt64:
				v, n = int64(binary.LittleEndian.Uint64(buf)), 8
			case kFloat32:
				v, n = math.Float32frombits(binary.LittleEndian.Uint32(buf)), 4
			case kFloat64:
				v, n = math.Float64frombits(binary.LittleEndian.Uint64(buf)), 8
			case kBool:
				v, n = buf[0] == 1, 1
			case kDate:
				v, n = time.Unix(int64(binary.LittleEndian.Uint16(buf))*86400, 0).UTC(), 2
			case kDateTime:
				v, n = time.Unix(int64(binary.LittleEndian.Uint32(buf)), 0).UTC(), 4
			case kDateTime64ms:
				v, n = time.UnixMilli(int64(binary.LittleEndian.Uint64(buf))).UTC(), 8
			case kArrayString:
				cnt, w := binary.Uvarint(buf)
				ss := make([]string, cnt)
				off := w
				for j := range ss {
					l, w2 := binary.Uvarint(buf[off:])
					ss[j] = string(buf[off+w2 : off+w2+int(l)])
					off += w2 + int(l)
				}
				v, n = ss, off
			case kNullableDate:
				if buf[0] == 1 {
					v, n = (*time.Time)(nil), 1
				} else {
					t := time.Unix(int64(binary.LittleEndian.Uint16(buf[1:]))*86400, 0).UTC()
					v, n = &t, 3
				}
			case kArrayFloat32:
				cnt, w := binary.Uvarint(buf)
				fs := make([]float32, cnt)
				for j := range fs {
					fs[j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[w+4*j:]))
				}
				v, n = fs, w+4*int(cnt)
			case kArrayUInt32:
				cnt, w := binary.Uvarint(buf)
				ns := make([]uint32, cnt)
				for j := range ns {
					ns[j] = binary.LittleEndian.Uint32(buf[w+4*j:])
				}
				v, n = ns, w+4*int(cnt)
			case kMapStringUInt32:
				cnt, w := binary.Uvarint(buf)
				m := make(map[string]uint32, cnt)
				off := w
				for j := 0; j < int(cnt); j++ {
					l, w2 := binary.Uvarint(buf[off:])
					key := string(buf[off+w2 : off+w2+int(l)])
					off += w2 + int(l)
					m[key] = binary.LittleEndian.Uint32(buf[off:])
					off += 4
				}
				v, n = m, off
			}
			row[i] = v
			buf = buf[n:]
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}
