// Package ingest consumes events from Kafka, validates them against their
// contracts, batches them and writes them to ClickHouse exactly once. Events
// that break their contract go to the dead-letter topic with the reason.
package ingest

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/flexhub/flexhub/warehouse"
)

// Each event type is a table of fields; one generic decoder walks an event
// once, checks every member against its field (as the JSON Schema under
// schemas/events does — a conformance test holds the two together) and
// yields the table row. A JSON Schema validator would cost several times
// more per event than the ingest rate allows.

// FieldKind says how a data member is checked and stored.
type FieldKind uint8

const (
	FieldString  FieldKind = iota // string of 0..Max characters (1.. if Required)
	FieldID                       // identifier ^[A-Za-z0-9][A-Za-z0-9._:@-]*$, up to 128 characters
	FieldTime                     // RFC 3339 timestamp → DateTime64(3)
	FieldBool                     // JSON boolean, false when absent
	FieldCount                    // integer 0..10 000 000
	FieldEnum                     // one of Enum
	FieldVersion                  // dotted digits, e.g. 12.5.1
)

// Field is one member of an event's data.
type Field struct {
	Name     string
	Kind     FieldKind
	Required bool
	Max      int      // FieldString: maximum length
	Enum     []string // FieldEnum: allowed values ("" allowed only if listed)
	enum     map[string]bool
}

// EventType is one contract: its fields, and the table its rows go to.
type EventType struct {
	Name     string // CloudEvents type, e.g. com.flexhub.ucm.user.observed
	Family   string // event family; one topic per family
	Table    string // target table (unqualified)
	Fields   []Field
	KeyField string // the data member that keys the Kafka message
	// Columns are the table columns a row fills: the fields, then event_id.
	Columns []warehouse.Column
	keyIdx  int
}

func (t *EventType) init() {
	t.Columns = make([]warehouse.Column, 0, len(t.Fields)+1)
	t.keyIdx = -1
	for i := range t.Fields {
		f := &t.Fields[i]
		var typ string
		switch f.Kind {
		case FieldTime:
			typ = "DateTime64(3)"
		case FieldBool:
			typ = "Bool"
		case FieldCount:
			typ = "UInt32"
		default:
			typ = "String"
		}
		if f.Kind == FieldEnum {
			f.enum = map[string]bool{}
			for _, v := range f.Enum {
				f.enum[v] = true
			}
		}
		if f.Name == t.KeyField {
			t.keyIdx = i
		}
		t.Columns = append(t.Columns, warehouse.Column{Name: f.Name, Type: typ})
	}
	t.Columns = append(t.Columns, warehouse.Column{Name: "event_id", Type: "String"})
}

// Family is an event family and its topic.
type Family struct {
	Name  string
	Topic string
}

// Registry knows every event type.
type Registry struct {
	types    map[string]*EventType
	families map[string]Family
}

// NewRegistry registers the event types of every family.
func NewRegistry(topicPrefix string) *Registry {
	r := &Registry{types: map[string]*EventType{}, families: map[string]Family{}}
	for _, f := range []string{FamilyInventory} {
		r.families[f] = Family{Name: f, Topic: topicPrefix + f}
	}
	for _, t := range inventoryTypes() {
		t.init()
		r.types[t.Name] = t
	}
	return r
}

// Type returns the contract of a CloudEvents type.
func (r *Registry) Type(name string) (*EventType, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Families lists the families and their topics.
func (r *Registry) Families() []Family {
	out := make([]Family, 0, len(r.families))
	for _, f := range r.families {
		out = append(out, f)
	}
	return out
}

// TopicOf returns the topic of an event type's family.
func (r *Registry) TopicOf(t *EventType) string { return r.families[t.Family].Topic }

// InvalidEvent is a contract violation; Reason is what goes into the
// dead-letter header and the API's per-event error.
type InvalidEvent struct {
	Kind   string // malformed, envelope, unknown_type, data, oversized
	Reason string
}

func (e *InvalidEvent) Error() string { return e.Kind + ": " + e.Reason }

func invalid(kind, format string, args ...any) *InvalidEvent {
	return &InvalidEvent{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// MaxEventBytes bounds one event; larger ones are dead-lettered. The
// largest contract (a cluster sync) is well under 2 KiB; the bound sits
// below Kafka's default message limit (1 MiB) so an oversized event can
// still be produced to, and dead-lettered from, a default broker.
const MaxEventBytes = 256 << 10

// Event is a decoded, valid event. Its values live in the decoder's
// buffers: encode or copy them before the decoder's next Decode.
type Event struct {
	Type *EventType
	vals []fieldValue // one per field of Type, then none for event_id
	id   []byte
}

// fieldValue is one checked data member, unboxed; s points into the
// parser's memory.
type fieldValue struct {
	s []byte
	n int64 // count, or milliseconds since the epoch for a time
	b bool
}

// ID is the event's CloudEvents id.
func (e *Event) ID() string { return string(e.id) }

// Encode appends the event as one row of its table: the fields in order,
// then event_id. b must be a batch of Type.Columns.
func (e *Event) Encode(b *warehouse.Batch) {
	for i := range e.Type.Fields {
		v := &e.vals[i]
		switch e.Type.Fields[i].Kind {
		case FieldTime:
			b.PutDateTime64ms(v.n)
		case FieldBool:
			b.PutBool(v.b)
		case FieldCount:
			b.PutUInt32(uint32(v.n))
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
	out := make([]any, 0, len(e.Type.Fields)+1)
	for i := range e.Type.Fields {
		v := &e.vals[i]
		switch e.Type.Fields[i].Kind {
		case FieldTime:
			out = append(out, time.UnixMilli(v.n).UTC())
		case FieldBool:
			out = append(out, v.b)
		case FieldCount:
			out = append(out, uint32(v.n))
		default:
			out = append(out, string(v.s))
		}
	}
	return append(out, string(e.id))
}

// Key is the Kafka key of the event (its KeyField), nil if it has none.
func (e *Event) Key() []byte {
	if e.Type.keyIdx < 0 {
		return nil
	}
	return append([]byte(nil), e.vals[e.Type.keyIdx].s...)
}

// Decoder decodes events; it keeps parse buffers between calls, so each
// goroutine needs its own.
type Decoder struct {
	reg    *Registry
	parser fastjson.Parser
	vals   []fieldValue
	seen   []bool
	ev     Event
}

// NewDecoder returns a decoder for the registry's contracts.
func (r *Registry) NewDecoder() *Decoder { return &Decoder{reg: r} }

// Decode parses and checks one CloudEvent (structured JSON mode).
func (d *Decoder) Decode(raw []byte) (*Event, error) {
	if len(raw) > MaxEventBytes {
		return nil, invalid("oversized", "event is %d bytes, the limit is %d", len(raw), MaxEventBytes)
	}
	v, err := d.parser.ParseBytes(raw)
	if err != nil {
		return nil, invalid("malformed", "not a JSON object: %v", err)
	}
	obj, err := v.Object()
	if err != nil {
		return nil, invalid("malformed", "not a JSON object: the event is a JSON %s", v.Type())
	}
	var env struct {
		spec, id, source, typ, time, contentType    []byte
		hasSpec, hasID, hasSource, hasType, hasTime bool
		data                                        *fastjson.Value
	}
	var envErr error
	str := func(name string, v *fastjson.Value) []byte {
		b, err := v.StringBytes()
		if err != nil && envErr == nil {
			envErr = invalid("envelope", "%s must be a string, got JSON %s", name, v.Type())
		}
		return b
	}
	obj.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "specversion":
			env.spec, env.hasSpec = str("specversion", v), true
		case "id":
			env.id, env.hasID = str("id", v), true
		case "source":
			env.source, env.hasSource = str("source", v), true
		case "type":
			env.typ, env.hasType = str("type", v), true
		case "time":
			env.time, env.hasTime = str("time", v), true
		case "subject", "dataschema":
			str(string(k), v)
		case "datacontenttype":
			env.contentType = str("datacontenttype", v)
			if envErr == nil && string(env.contentType) != "application/json" {
				envErr = invalid("envelope", "datacontenttype must be application/json, got %q", env.contentType)
			}
		case "data":
			env.data = v
		}
	})
	switch {
	case envErr != nil:
		return nil, envErr
	case !env.hasSpec || string(env.spec) != "1.0":
		return nil, invalid("envelope", "specversion must be \"1.0\", got %q", env.spec)
	case !env.hasID || len(env.id) == 0 || len(env.id) > 256:
		return nil, invalid("envelope", "id is required (1-256 characters)")
	case !env.hasSource || len(env.source) == 0 || len(env.source) > 1024:
		return nil, invalid("envelope", "source is required (1-1024 characters)")
	case !env.hasType || len(env.typ) == 0:
		return nil, invalid("envelope", "type is required")
	case !env.hasTime:
		return nil, invalid("envelope", "time is required")
	}
	if _, err := time.Parse(time.RFC3339Nano, string(env.time)); err != nil {
		return nil, invalid("envelope", "time %q is not an RFC 3339 timestamp", env.time)
	}
	if env.data == nil || env.data.Type() != fastjson.TypeObject {
		return nil, invalid("envelope", "data must be a JSON object")
	}
	t, ok := d.reg.types[string(env.typ)]
	if !ok {
		return nil, invalid("unknown_type", "unknown event type %q", env.typ)
	}
	if err := d.decodeData(t, env.data); err != nil {
		return nil, err
	}
	d.ev = Event{Type: t, vals: d.vals, id: env.id}
	return &d.ev, nil
}

func (d *Decoder) decodeData(t *EventType, data *fastjson.Value) error {
	n := len(t.Fields)
	if cap(d.vals) < n {
		d.vals = make([]fieldValue, n)
		d.seen = make([]bool, n)
	}
	d.vals, d.seen = d.vals[:n], d.seen[:n]
	clear(d.seen)
	var err error
	obj, _ := data.Object()
	obj.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		i := fieldIndex(t, k)
		if i < 0 {
			err = invalid("data", "unknown member %q (the contract allows none besides its fields)", k)
			return
		}
		d.seen[i] = true
		err = checkField(&t.Fields[i], v, &d.vals[i])
	})
	if err != nil {
		return err
	}
	for i := range t.Fields {
		if d.seen[i] {
			continue
		}
		f := &t.Fields[i]
		if f.Required {
			return invalid("data", "%s is required", f.Name)
		}
		d.vals[i] = fieldValue{} // "", false, 0, or the epoch for a time
	}
	return nil
}

func fieldIndex(t *EventType, k []byte) int {
	for i := range t.Fields {
		if t.Fields[i].Name == string(k) {
			return i
		}
	}
	return -1
}

// checkField checks one member against its field and stores it in out.
func checkField(f *Field, v *fastjson.Value, out *fieldValue) error {
	switch f.Kind {
	case FieldBool:
		if v.Type() != fastjson.TypeTrue && v.Type() != fastjson.TypeFalse {
			return invalid("data", "%s must be a boolean, got JSON %s", f.Name, v.Type())
		}
		out.b = v.Type() == fastjson.TypeTrue
		return nil
	case FieldCount:
		if v.Type() != fastjson.TypeNumber {
			return invalid("data", "%s must be an integer, got JSON %s", f.Name, v.Type())
		}
		n, err := v.Int64()
		if err != nil {
			return invalid("data", "%s must be an integer, got %s", f.Name, v)
		}
		if n < 0 || n > 10_000_000 {
			return invalid("data", "%s %d is outside 0-10000000", f.Name, n)
		}
		out.n = n
		return nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return invalid("data", "%s must be a string, got JSON %s", f.Name, v.Type())
	}
	out.s = b
	switch f.Kind {
	case FieldID:
		if len(b) == 0 && !f.Required {
			return nil
		}
		return checkID(f.Name, b)
	case FieldTime:
		ts, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return invalid("data", "%s %q is not an RFC 3339 timestamp", f.Name, b)
		}
		out.n = ts.UnixMilli()
		return nil
	case FieldEnum:
		if !f.enum[string(b)] {
			return invalid("data", "%s %q is not one of %v", f.Name, b, f.Enum)
		}
		return nil
	case FieldVersion:
		return checkVersion(b)
	}
	if f.Required && len(b) == 0 {
		return invalid("data", "%s is required", f.Name)
	}
	if utf8.RuneCount(b) > f.Max {
		return invalid("data", "%s is longer than %d characters", f.Name, f.Max)
	}
	return nil
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
