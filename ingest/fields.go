package ingest

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/flexhub/flexhub/warehouse"
)

// Each event type is a table of fields; one generic decoder walks an event
// once, checks every member against its field (as the JSON Schema under
// schemas/events does — a conformance test holds the two together) and
// encodes the table row. A JSON Schema validator would cost several times
// more per event than the ingest rate allows.

// FieldKind says how a data member is checked and stored.
type FieldKind uint8

const (
	FieldString   FieldKind = iota // string of 0..Max characters (1.. if Required) → String
	FieldID                        // identifier ^[A-Za-z0-9][A-Za-z0-9._:@-]*$, up to 128 characters → String
	FieldTime                      // RFC 3339 timestamp → DateTime64(3)
	FieldBool                      // JSON boolean, false when absent → Bool
	FieldCount                     // integer 0..Max (Max 0: 10 000 000) → UInt32
	FieldEnum                      // one of Enum → String
	FieldVersion                   // dotted digits, e.g. 12.5.1 → String
	FieldDate                      // YYYY-MM-DD, 1970-01-01..2148-12-31 → Date, or Nullable(Date) (NULL when absent) unless Required
	FieldFloat                     // JSON number in [MinFloat, MaxFloat] → Float64
	FieldEnumList                  // array of distinct values of Enum, at most Max (0: 64) → Array(LowCardinality(String))
	FieldCountMap                  // object: keys from Enum, values integers 0..10 000 000 → Map(LowCardinality(String), UInt32)
	FieldObjects                   // array of objects with the Sub fields, at most Max (0: 32) → one Array column per sub-field, named name.sub
)

const (
	defaultMaxCount = 10_000_000
	defaultMaxList  = 64
	defaultMaxObjs  = 32
	maxDateDays     = 65_378 // 2148-12-31, within Date's range (to 2149-06-06)
)

// Field is one member of an event's data.
type Field struct {
	Name     string
	Kind     FieldKind
	Required bool
	// Max: FieldString maximum length in characters; FieldCount maximum
	// value; FieldEnumList and FieldObjects maximum number of items.
	Max                int
	MinFloat, MaxFloat float64  // FieldFloat bounds (inclusive)
	Enum               []string // FieldEnum, FieldEnumList, FieldCountMap keys ("" allowed only if listed)
	// Sub are the members of each object of a FieldObjects (scalar kinds
	// only: String, ID, Enum, Count, Float).
	Sub  []Field
	enum map[string]bool
}

func (f *Field) maxCount() int64 {
	if f.Max > 0 {
		return int64(f.Max)
	}
	return defaultMaxCount
}

func (f *Field) maxItems(def int) int {
	if f.Max > 0 {
		return f.Max
	}
	return def
}

// columnType is the ClickHouse type a scalar field is stored as.
func (f *Field) columnType() string {
	switch f.Kind {
	case FieldTime:
		return "DateTime64(3)"
	case FieldBool:
		return "Bool"
	case FieldCount:
		return "UInt32"
	case FieldDate:
		if f.Required {
			return "Date"
		}
		return "Nullable(Date)"
	case FieldFloat:
		return "Float64"
	case FieldEnumList:
		return "Array(LowCardinality(String))"
	case FieldCountMap:
		return "Map(LowCardinality(String), UInt32)"
	}
	return "String"
}

// subColumnType is the Array type one sub-field of a FieldObjects is
// stored as.
func (f *Field) subColumnType() string {
	switch f.Kind {
	case FieldFloat:
		return "Array(Float32)"
	case FieldCount:
		return "Array(UInt32)"
	}
	return "Array(String)"
}

func (f *Field) init() {
	if len(f.Enum) > 0 {
		f.enum = map[string]bool{}
		for _, v := range f.Enum {
			f.enum[v] = true
		}
	}
	for i := range f.Sub {
		f.Sub[i].init()
	}
}

// EventType is one contract: its fields, and the table its rows go to.
type EventType struct {
	Name     string // CloudEvents type, e.g. com.flexhub.ucm.user.observed
	Family   string // event family; one topic per family
	Table    string // target table (unqualified)
	Fields   []Field
	KeyField string // the data member that keys the Kafka message
	// Check, if set, enforces rules between fields (the JSON Schema's
	// if/then) once every field has passed its own checks.
	Check func(e *Event) error
	// Columns are the table columns a row fills: the fields (a
	// FieldObjects expands to one column per sub-field), then event_id.
	Columns []warehouse.Column
	keyIdx  int
}

func (t *EventType) init() {
	t.Columns = make([]warehouse.Column, 0, len(t.Fields)+1)
	t.keyIdx = -1
	for i := range t.Fields {
		f := &t.Fields[i]
		f.init()
		if f.Name == t.KeyField {
			t.keyIdx = i
		}
		if f.Kind == FieldObjects {
			for _, sf := range f.Sub {
				t.Columns = append(t.Columns, warehouse.Column{Name: f.Name + "." + sf.Name, Type: sf.subColumnType()})
			}
			continue
		}
		t.Columns = append(t.Columns, warehouse.Column{Name: f.Name, Type: f.columnType()})
	}
	t.Columns = append(t.Columns, warehouse.Column{Name: "event_id", Type: "String"})
}

// Event is a decoded, valid event. Its values live in the decoder's
// buffers: encode or copy them before the decoder's next Decode.
type Event struct {
	Type *EventType
	vals []fieldValue // one per field of Type
	id   []byte
}

// fieldValue is one checked data member, unboxed; s, arr and obj point
// into the parser's memory.
type fieldValue struct {
	s     []byte
	n     int64 // count, days for a date, milliseconds since the epoch for a time
	f     float64
	b     bool
	valid bool // a date was given
	arr   []*fastjson.Value
	obj   *fastjson.Object
}

type mapEntry struct {
	key []byte
	n   uint32
}

// Str is the value of a string-like field by name ("" when absent), for
// Check rules.
func (e *Event) Str(field string) string {
	if i := fieldIndex(e.Type.Fields, []byte(field)); i >= 0 {
		return string(e.vals[i].s)
	}
	return ""
}

// MapKeys are the keys of a FieldCountMap by name, for Check rules.
func (e *Event) MapKeys(field string) []string {
	var out []string
	if i := fieldIndex(e.Type.Fields, []byte(field)); i >= 0 && e.vals[i].obj != nil {
		e.vals[i].obj.Visit(func(k []byte, _ *fastjson.Value) { out = append(out, string(k)) })
	}
	return out
}

// ID is the event's CloudEvents id.
func (e *Event) ID() string { return string(e.id) }

// Key is the Kafka key of the event (its KeyField), nil if it has none.
func (e *Event) Key() []byte {
	if e.Type.keyIdx < 0 {
		return nil
	}
	return append([]byte(nil), e.vals[e.Type.keyIdx].s...)
}

// Encode appends the event as one row of its table: the fields in order,
// then event_id. b must be a batch of Type.Columns.
func (e *Event) Encode(b *warehouse.Batch) {
	for i := range e.Type.Fields {
		f, v := &e.Type.Fields[i], &e.vals[i]
		switch f.Kind {
		case FieldTime:
			b.PutDateTime64ms(v.n)
		case FieldBool:
			b.PutBool(v.b)
		case FieldCount:
			b.PutUInt32(uint32(v.n))
		case FieldDate:
			if f.Required {
				b.PutDate(uint16(v.n))
			} else {
				b.PutNullableDate(uint16(v.n), v.valid)
			}
		case FieldFloat:
			b.PutFloat64(v.f)
		case FieldEnumList:
			b.PutLen(len(v.arr))
			for _, x := range v.arr {
				b.PutString(x.GetStringBytes())
			}
		case FieldCountMap:
			if v.obj == nil {
				b.PutLen(0)
				continue
			}
			// In key order, as Batch.Append writes a map: the same map
			// always encodes to the same bytes.
			var keys [32]mapEntry
			entries := keys[:0]
			v.obj.Visit(func(k []byte, x *fastjson.Value) {
				n, _ := x.Int64()
				e := mapEntry{k, uint32(n)}
				i := len(entries)
				entries = append(entries, e)
				for ; i > 0 && string(entries[i-1].key) > string(e.key); i-- {
					entries[i] = entries[i-1]
				}
				entries[i] = e
			})
			b.PutLen(len(entries))
			for _, e := range entries {
				b.PutString(e.key)
				b.PutUInt32(e.n)
			}
		case FieldObjects:
			for j := range f.Sub {
				sf := &f.Sub[j]
				b.PutLen(len(v.arr))
				for _, o := range v.arr {
					x := o.Get(sf.Name)
					switch sf.Kind {
					case FieldFloat:
						var fl float64
						if x != nil {
							fl, _ = x.Float64()
						}
						b.PutFloat32(float32(fl))
					case FieldCount:
						var n int64
						if x != nil {
							n, _ = x.Int64()
						}
						b.PutUInt32(uint32(n))
					default:
						var s []byte
						if x != nil {
							s, _ = x.StringBytes()
						}
						b.PutString(s)
					}
				}
			}
		default:
			b.PutString(v.s)
		}
	}
	b.PutString(e.id)
	b.EndRow()
}

// Values returns the row as Go values (Type.Columns order), for the paths
// where an allocation per value does not matter.
func (e *Event) Values() []any {
	out := make([]any, 0, len(e.Type.Columns))
	for i := range e.Type.Fields {
		f, v := &e.Type.Fields[i], &e.vals[i]
		switch f.Kind {
		case FieldTime:
			out = append(out, time.UnixMilli(v.n).UTC())
		case FieldBool:
			out = append(out, v.b)
		case FieldCount:
			out = append(out, uint32(v.n))
		case FieldDate:
			d := time.Unix(v.n*86400, 0).UTC()
			if f.Required || v.valid {
				out = append(out, d)
			} else {
				out = append(out, nil)
			}
		case FieldFloat:
			out = append(out, v.f)
		case FieldEnumList:
			ss := make([]string, len(v.arr))
			for j, x := range v.arr {
				ss[j] = string(x.GetStringBytes())
			}
			out = append(out, ss)
		case FieldCountMap:
			m := map[string]uint32{}
			if v.obj != nil {
				v.obj.Visit(func(k []byte, x *fastjson.Value) {
					n, _ := x.Int64()
					m[string(k)] = uint32(n)
				})
			}
			out = append(out, m)
		case FieldObjects:
			for j := range f.Sub {
				sf := &f.Sub[j]
				switch sf.Kind {
				case FieldFloat:
					fs := make([]float32, len(v.arr))
					for k, o := range v.arr {
						fs[k] = float32(o.GetFloat64(sf.Name))
					}
					out = append(out, fs)
				case FieldCount:
					ns := make([]uint32, len(v.arr))
					for k, o := range v.arr {
						ns[k] = uint32(o.GetInt64(sf.Name))
					}
					out = append(out, ns)
				default:
					ss := make([]string, len(v.arr))
					for k, o := range v.arr {
						ss[k] = string(o.GetStringBytes(sf.Name))
					}
					out = append(out, ss)
				}
			}
		default:
			out = append(out, string(v.s))
		}
	}
	return append(out, string(e.id))
}

func (d *Decoder) decodeData(t *EventType, data *fastjson.Value) error {
	n := len(t.Fields)
	if cap(d.vals) < n {
		d.vals = make([]fieldValue, n)
		d.seen = make([]bool, n)
	}
	d.vals, d.seen = d.vals[:n], d.seen[:n]
	clear(d.seen)
	obj, _ := data.Object()
	if err := checkMembers(t.Fields, obj, d.vals, d.seen, ""); err != nil {
		return err
	}
	for i := range t.Fields {
		if !d.seen[i] {
			d.vals[i] = fieldValue{} // "", false, 0, NULL, empty, or the epoch for a time
		}
	}
	return nil
}

// checkMembers checks the members of obj against fields, storing each in
// vals and marking it in seen; path prefixes member names in reasons.
func checkMembers(fields []Field, obj *fastjson.Object, vals []fieldValue, seen []bool, path string) error {
	var err error
	obj.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		i := fieldIndex(fields, k)
		if i < 0 {
			err = invalid("data", "unknown member %q (the contract allows none besides its fields)", path+string(k))
			return
		}
		if seen[i] {
			err = invalid("data", "member %q appears twice", path+string(k))
			return
		}
		seen[i] = true
		err = checkField(&fields[i], v, &vals[i], path)
	})
	if err != nil {
		return err
	}
	for i := range fields {
		if !seen[i] && fields[i].Required {
			return invalid("data", "%s%s is required", path, fields[i].Name)
		}
	}
	return nil
}

func fieldIndex(fields []Field, k []byte) int {
	for i := range fields {
		if fields[i].Name == string(k) {
			return i
		}
	}
	return -1
}

// checkField checks one member against its field and stores it in out.
func checkField(f *Field, v *fastjson.Value, out *fieldValue, path string) error {
	name := path + f.Name
	switch f.Kind {
	case FieldBool:
		if v.Type() != fastjson.TypeTrue && v.Type() != fastjson.TypeFalse {
			return invalid("data", "%s must be a boolean, got JSON %s", name, v.Type())
		}
		out.b = v.Type() == fastjson.TypeTrue
		return nil
	case FieldCount:
		n, err := checkCount(name, v, f.maxCount())
		out.n = n
		return err
	case FieldFloat:
		if v.Type() != fastjson.TypeNumber {
			return invalid("data", "%s must be a number, got JSON %s", name, v.Type())
		}
		x, err := v.Float64()
		if err != nil || math.IsInf(x, 0) {
			return invalid("data", "%s must be a number, got %s", name, v)
		}
		if x < f.MinFloat || x > f.MaxFloat {
			return invalid("data", "%s %v is outside %v-%v", name, x, f.MinFloat, f.MaxFloat)
		}
		out.f = x
		return nil
	case FieldEnumList:
		arr, err := v.Array()
		if err != nil {
			return invalid("data", "%s must be an array, got JSON %s", name, v.Type())
		}
		if max := f.maxItems(defaultMaxList); len(arr) > max {
			return invalid("data", "%s has %d items, at most %d are allowed", name, len(arr), max)
		}
		for i, x := range arr {
			s, err := x.StringBytes()
			if err != nil || !f.enum[string(s)] {
				return invalid("data", "%s[%d] must be one of %v, got %s", name, i, f.Enum, x)
			}
			for _, y := range arr[:i] {
				if string(y.GetStringBytes()) == string(s) {
					return invalid("data", "%s lists %q twice", name, s)
				}
			}
		}
		out.arr = arr
		return nil
	case FieldCountMap:
		obj, err := v.Object()
		if err != nil {
			return invalid("data", "%s must be an object, got JSON %s", name, v.Type())
		}
		var cerr error
		obj.Visit(func(k []byte, x *fastjson.Value) {
			if cerr != nil {
				return
			}
			if !f.enum[string(k)] {
				cerr = invalid("data", "%s has key %q; keys are %v", name, k, f.Enum)
				return
			}
			_, cerr = checkCount(name+"."+string(k), x, defaultMaxCount)
		})
		out.obj = obj
		return cerr
	case FieldObjects:
		arr, err := v.Array()
		if err != nil {
			return invalid("data", "%s must be an array, got JSON %s", name, v.Type())
		}
		if max := f.maxItems(defaultMaxObjs); len(arr) > max {
			return invalid("data", "%s has %d items, at most %d are allowed", name, len(arr), max)
		}
		var vals [16]fieldValue
		var seen [16]bool
		for i, x := range arr {
			o, err := x.Object()
			if err != nil {
				return invalid("data", "%s[%d] must be an object, got JSON %s", name, i, x.Type())
			}
			clear(seen[:])
			if err := checkMembers(f.Sub, o, vals[:len(f.Sub)], seen[:len(f.Sub)], fmt.Sprintf("%s[%d].", name, i)); err != nil {
				return err
			}
		}
		out.arr = arr
		return nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return invalid("data", "%s must be a string, got JSON %s", name, v.Type())
	}
	out.s = b
	switch f.Kind {
	case FieldID:
		if len(b) == 0 && !f.Required {
			return nil
		}
		return checkID(name, b)
	case FieldTime:
		ts, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return invalid("data", "%s %q is not an RFC 3339 timestamp", name, b)
		}
		out.n = ts.UnixMilli()
		return nil
	case FieldDate:
		d, err := time.Parse(time.DateOnly, string(b))
		days := d.Unix() / 86400
		if err != nil || len(b) != 10 {
			return invalid("data", "%s %q is not a date YYYY-MM-DD", name, b)
		}
		if d.Unix() < 0 || days > maxDateDays {
			return invalid("data", "%s %s is outside 1970-01-01..2148-12-31", name, b)
		}
		out.n, out.valid = days, true
		return nil
	case FieldEnum:
		if !f.enum[string(b)] {
			return invalid("data", "%s %q is not one of %v", name, b, f.Enum)
		}
		return nil
	case FieldVersion:
		return checkVersion(b)
	}
	if f.Required && len(b) == 0 {
		return invalid("data", "%s is required", name)
	}
	if utf8.RuneCount(b) > f.Max {
		return invalid("data", "%s is longer than %d characters", name, f.Max)
	}
	return nil
}

func checkCount(name string, v *fastjson.Value, max int64) (int64, error) {
	if v.Type() != fastjson.TypeNumber {
		return 0, invalid("data", "%s must be an integer, got JSON %s", name, v.Type())
	}
	n, err := v.Int64() // refuses 1.5 and 1e3
	if err != nil {
		return 0, invalid("data", "%s must be an integer, got %s", name, v)
	}
	if n < 0 || n > max {
		return 0, invalid("data", "%s %d is outside 0-%d", name, n, max)
	}
	return n, nil
}

// checkID enforces the id pattern of defs.schema.json:
// ^[A-Za-z0-9][A-Za-z0-9._:@-]*$, 1-128 characters.
func checkID(field string, v []byte) error {
	if len(v) == 0 {
		return invalid("data", "%s is required", field)
	}
	if len(v) > 128 {
		return invalid("data", "%s is longer than 128 characters", field)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum || i > 0 && (c == '.' || c == '_' || c == ':' || c == '@' || c == '-') {
			continue
		}
		return invalid("data", "%s %q has a character outside [A-Za-z0-9._:@-] (or does not start with a letter or digit)", field, v)
	}
	return nil
}

func checkVersion(v []byte) error {
	if len(v) == 0 {
		return invalid("data", "version is required")
	}
	if len(v) > 32 {
		return invalid("data", "version is longer than 32 characters")
	}
	prevDot := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			prevDot = false
		case c == '.' && !prevDot:
			prevDot = true
		default:
			return invalid("data", "version %q is not dotted digits like 12.5.1", v)
		}
	}
	if prevDot {
		return invalid("data", "version %q is not dotted digits like 12.5.1", v)
	}
	return nil
}
