package ingest

import (
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/warehouse"
)

// BenchmarkParseAndDecode is the per-event CPU cost of the hot path:
// envelope parse, contract checks, RowBinary encoding.
func BenchmarkParseAndDecode(b *testing.B) {
	reg := NewRegistry("flexhub.")
	ev := userEvent("cl-1", 42)
	typ, _ := reg.Type(TypeUserObserved)
	batch := warehouse.MustBatch(typ.Table, typ.Columns)
	dec := reg.NewDecoder()
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e, err := dec.Decode(ev)
		if err != nil {
			b.Fatal(err)
		}
		e.Encode(batch)
		if batch.Rows() >= 10000 {
			batch.Reset()
		}
	}
}

// BenchmarkDecodeDemoMix is the hot path over the demo world's real mix of
// user, device and sync events.
func BenchmarkDecodeDemoMix(b *testing.B) {
	var evs [][]byte
	benchEvents(20_000, func(chunk []kafka.Message) {
		for _, m := range chunk {
			evs = append(evs, m.Value)
		}
	})
	reg := NewRegistry("flexhub.")
	dec := reg.NewDecoder()
	batches := map[string]*warehouse.Batch{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := dec.Decode(evs[i%len(evs)])
		if err != nil {
			b.Fatal(err)
		}
		bt := batches[e.Type.Table]
		if bt == nil {
			bt = warehouse.MustBatch(e.Type.Table, e.Type.Columns)
			batches[e.Type.Table] = bt
		}
		e.Encode(bt)
		if bt.Rows() >= 10000 {
			bt.Reset()
		}
	}
}
