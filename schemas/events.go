package schemas

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaBase = "https://flexhub.dev/schemas/events/"

// EventValidator checks whole CloudEvents against the JSON Schemas: the
// envelope schema, then the data schema of the event's type. It is the
// reference the hot-path validators in ingest are tested against.
type EventValidator struct {
	envelope *jsonschema.Schema
	data     map[string]*jsonschema.Schema // by CloudEvents type
}

// NewEventValidator compiles every schema under schemas/events.
func NewEventValidator() (*EventValidator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	entries, err := fs.ReadDir(EventSchemas, "events")
	if err != nil {
		return nil, err
	}
	var types []string
	for _, e := range entries {
		b, err := EventSchemas.ReadFile("events/" + e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", e.Name(), err)
		}
		if err := c.AddResource(schemaBase+e.Name(), doc); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", e.Name(), err)
		}
		if name := strings.TrimSuffix(e.Name(), ".schema.json"); strings.HasPrefix(name, "com.") {
			types = append(types, name)
		}
	}
	v := &EventValidator{data: map[string]*jsonschema.Schema{}}
	if v.envelope, err = c.Compile(schemaBase + "cloudevent.schema.json"); err != nil {
		return nil, fmt.Errorf("schemas: envelope: %w", err)
	}
	for _, t := range types {
		if v.data[t], err = c.Compile(schemaBase + t + ".schema.json"); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", t, err)
		}
	}
	return v, nil
}

// Types lists the CloudEvents types that have a data schema.
func (v *EventValidator) Types() []string {
	out := make([]string, 0, len(v.data))
	for t := range v.data {
		out = append(out, t)
	}
	return out
}

// Validate checks one event; the error says what is wrong.
func (v *EventValidator) Validate(event []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := v.envelope.Validate(doc); err != nil {
		return err
	}
	obj := doc.(map[string]any)
	t, _ := obj["type"].(string)
	ds, ok := v.data[t]
	if !ok {
		return fmt.Errorf("unknown event type %q", t)
	}
	return ds.Validate(obj["data"])
}
