package ingest

import (
	"context"
	"fmt"
	"sort"

	"github.com/flexhub/flexhub/warehouse"
)

// WriteEvents validates events and writes them straight into their tables,
// without Kafka: for tests, benchmarks and loading a fixture. Invalid
// events are an error naming the first of them. Production ingest goes
// through the consumer (exactly once, dead letters).
func WriteEvents(ctx context.Context, w warehouse.Warehouse, reg *Registry, events [][]byte) error {
	dec := reg.NewDecoder()
	batches := map[string]*warehouse.Batch{}
	for i, raw := range events {
		ev, err := dec.Decode(raw)
		if err != nil {
			return fmt.Errorf("ingest: event %d: %w", i, err)
		}
		b := batches[ev.Type.Table]
		if b == nil {
			b = warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
			batches[ev.Type.Table] = b
		}
		ev.Encode(b)
	}
	tables := make([]string, 0, len(batches))
	for t := range batches {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		if err := w.Insert(ctx, batches[t], ""); err != nil {
			return fmt.Errorf("ingest: write %s: %w", t, err)
		}
	}
	return nil
}
