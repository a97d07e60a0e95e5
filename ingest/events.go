// Package ingest consumes events from Kafka, validates them against their
// contracts, batches them and writes them to ClickHouse exactly once. Events
// that break their contract go to the dead-letter topic with the reason.
package ingest

import (
	"fmt"
	"sort"
	"time"

	"github.com/valyala/fastjson"
)

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

// contracts lists every event family with its types; each family is one
// topic (the prefix plus the family name).
var contracts = []struct {
	family string
	types  func() []*EventType
}{
	{FamilyInventory, inventoryTypes},
	{FamilyCommerce, commerceTypes},
	{FamilyPartner, partnerTypes},
	{FamilyCalling, callingTypes},
}

// NewRegistry registers the event types of every family.
func NewRegistry(topicPrefix string) *Registry {
	r := &Registry{types: map[string]*EventType{}, families: map[string]Family{}}
	for _, c := range contracts {
		r.families[c.family] = Family{Name: c.family, Topic: topicPrefix + c.family}
		for _, t := range c.types() {
			if t.Family != c.family {
				panic("ingest: " + t.Name + " is registered under family " + c.family + " but says " + t.Family)
			}
			t.init()
			r.types[t.Name] = t
		}
	}
	return r
}

// Type returns the contract of a CloudEvents type.
func (r *Registry) Type(name string) (*EventType, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Families lists the families and their topics, by family name.
func (r *Registry) Families() []Family {
	out := make([]Family, 0, len(r.families))
	for _, f := range r.families {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Topic returns the topic of a family.
func (r *Registry) Topic(family string) string { return r.families[family].Topic }

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
	if t.Check != nil {
		if err := t.Check(&d.ev); err != nil {
			return nil, err
		}
	}
	return &d.ev, nil
}
