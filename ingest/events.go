// Package ingest consumes events from Kafka, validates them against their
// contracts, batches them and writes them to ClickHouse exactly once. Events
// that break their contract go to the dead-letter topic with the reason.
package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// Envelope is a CloudEvents 1.0 event in structured JSON mode.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Time            string          `json:"time"`
	Subject         string          `json:"subject,omitempty"`
	DataContentType string          `json:"datacontenttype,omitempty"`
	DataSchema      string          `json:"dataschema,omitempty"`
	Data            json.RawMessage `json:"data"`
}

// EventType is one contract: how to decode and check its data, and which
// table row it becomes.
type EventType struct {
	Name   string // CloudEvents type, e.g. com.flexhub.ucm.user.observed
	Family string // event family; one topic per family
	Table  string // target table (unqualified)
	// Columns of the target table the row fills, in order.
	Columns []warehouse.Column
	// Decode checks data against the contract and appends one row to b.
	Decode func(env *Envelope, b *warehouse.Batch) error
	// Key extracts the Kafka key (ordering unit) from valid data.
	Key func(data json.RawMessage) []byte
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

// Tables lists each target table and its columns, once.
func (r *Registry) Tables(family string) map[string][]warehouse.Column {
	out := map[string][]warehouse.Column{}
	for _, t := range r.types {
		if t.Family == family {
			out[t.Table] = t.Columns
		}
	}
	return out
}

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

// Parse decodes and checks an envelope and returns its contract.
func (r *Registry) Parse(raw []byte) (*Envelope, *EventType, error) {
	if len(raw) > MaxEventBytes {
		return nil, nil, invalid("oversized", "event is %d bytes, the limit is %d", len(raw), MaxEventBytes)
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, nil, invalid("malformed", "not a JSON object: %v", jsonErr(err))
	}
	if err := checkEnvelope(&env); err != nil {
		return &env, nil, err
	}
	t, ok := r.types[env.Type]
	if !ok {
		return &env, nil, invalid("unknown_type", "unknown event type %q", env.Type)
	}
	return &env, t, nil
}

func checkEnvelope(e *Envelope) error {
	switch {
	case e.SpecVersion != "1.0":
		return invalid("envelope", "specversion must be \"1.0\", got %q", e.SpecVersion)
	case e.ID == "" || len(e.ID) > 256:
		return invalid("envelope", "id is required (1-256 characters)")
	case e.Source == "" || len(e.Source) > 1024:
		return invalid("envelope", "source is required (1-1024 characters)")
	case e.Type == "":
		return invalid("envelope", "type is required")
	case e.Time == "":
		return invalid("envelope", "time is required")
	case e.DataContentType != "" && e.DataContentType != "application/json":
		return invalid("envelope", "datacontenttype must be application/json, got %q", e.DataContentType)
	}
	if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
		return invalid("envelope", "time %q is not an RFC 3339 timestamp", e.Time)
	}
	d := bytes.TrimSpace(e.Data)
	if len(d) == 0 || d[0] != '{' {
		return invalid("envelope", "data must be a JSON object")
	}
	return nil
}

// decodeData decodes data strictly: unknown members are a contract
// violation (the schemas say additionalProperties: false).
func decodeData(data json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("data", "%v", jsonErr(err))
	}
	return nil
}

func jsonErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// checkID enforces the id pattern of defs.schema.json:
// ^[A-Za-z0-9][A-Za-z0-9._:@-]*$, 1-128 characters.
func checkID(field, v string) error {
	if v == "" {
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

func checkTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, invalid("data", "%s is required", field)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, invalid("data", "%s %q is not an RFC 3339 timestamp", field, v)
	}
	return t.UTC(), nil
}

func checkLen(field, v string, minLen, maxLen int) error {
	if len(v) < minLen {
		return invalid("data", "%s is required", field)
	}
	if len(v) > maxLen {
		return invalid("data", "%s is longer than %d characters", field, maxLen)
	}
	return nil
}

// keyField pulls one string member out of data for the Kafka key without a
// full decode.
func keyField(name string) func(json.RawMessage) []byte {
	return func(data json.RawMessage) []byte {
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return nil
		}
		var s string
		if json.Unmarshal(m[name], &s) != nil {
			return nil
		}
		return []byte(s)
	}
}

func scratchBatch(t *EventType) *warehouse.Batch {
	return warehouse.MustBatch(t.Table, t.Columns)
}

// jbool is a boolean that, like the schemas, refuses null.
type jbool bool

func (b *jbool) UnmarshalJSON(p []byte) error {
	switch string(p) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		// A type error, so that encoding/json names the field.
		return &json.UnmarshalTypeError{Value: string(p), Type: reflect.TypeFor[bool]()}
	}
	return nil
}
