package ingest

import (
	"testing"

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
		if err := batch.Append(e.Row...); err != nil {
			b.Fatal(err)
		}
		if batch.Rows() >= 10000 {
			batch.Reset()
		}
	}
}
