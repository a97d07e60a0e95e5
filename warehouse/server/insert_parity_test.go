package server

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// TestInsertParityWithEmbedded checks what Insert sends: the batch's rows,
// as DecodeRows gives them, appended to the driver's block for the table's
// columns (which is all batch.Append does) and encoded by the driver. The
// embedded engine reads that encoding back (INSERT … FROM INFILE … FORMAT
// Native) next to the same batch inserted through its own RowBinary path,
// and both tables must hold the same rows.
func TestInsertParityWithEmbedded(t *testing.T) {
	e := whtest.Engine(t)
	ctx := context.Background()
	db := fmt.Sprintf("server_insert_parity_%d", time.Now().UnixNano())
	w := warehouse.InDatabase(e, db)
	if err := w.Exec(ctx, "CREATE DATABASE {db:Identifier}", nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Exec(context.Background(), "DROP DATABASE IF EXISTS {db:Identifier} SYNC", nil) })

	cols := []warehouse.Column{
		{Name: "id", Type: "UInt32"}, {Name: "s", Type: "String"}, {Name: "lc", Type: "LowCardinality(String)"},
		{Name: "u8", Type: "UInt8"}, {Name: "u16", Type: "UInt16"}, {Name: "u64", Type: "UInt64"},
		{Name: "i8", Type: "Int8"}, {Name: "i16", Type: "Int16"}, {Name: "i32", Type: "Int32"}, {Name: "i64", Type: "Int64"},
		{Name: "f32", Type: "Float32"}, {Name: "f64", Type: "Float64"}, {Name: "b", Type: "Bool"},
		{Name: "d", Type: "Date"}, {Name: "dt", Type: "DateTime('UTC')"}, {Name: "dt64", Type: "DateTime64(3, 'UTC')"},
		{Name: "arr", Type: "Array(String)"}, {Name: "arrlc", Type: "Array(LowCardinality(String))"},
	}
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = "`" + c.Name + "` " + c.Type
	}
	for _, table := range []string{"via_rowbinary", "via_driver"} {
		if err := w.Exec(ctx, "CREATE TABLE {db:Identifier}."+table+" ("+strings.Join(defs, ", ")+") ENGINE = MergeTree ORDER BY id", nil); err != nil {
			t.Fatal(err)
		}
	}
	b := warehouse.MustBatch("via_rowbinary", cols)
	ms := time.Date(2024, 2, 29, 13, 14, 15, 123_000_000, time.UTC)
	rows := [][]any{
		{1, "a\x00b\n\nc", "x", 0, 0, 0, 0, 0, 0, 0, float32(0), 0.0, false, time.Unix(0, 0), time.Unix(0, 0), time.UnixMilli(-1), []string{}, []string{}},
		{2, "", "", 255, 65535, uint64(math.MaxUint64), -128, -32768, math.MinInt32, int64(math.MinInt64), float32(-1.5), math.Inf(-1), true,
			time.Date(2149, 6, 6, 0, 0, 0, 0, time.UTC), time.Date(2106, 2, 7, 6, 28, 15, 0, time.UTC), ms, []string{"a", "", "it's"}, []string{"x", "x"}},
		{3, "ü", "y", 1, 2, 3, 127, 32767, math.MaxInt32, int64(math.MaxInt64), float32(0.1), 1e-300, true, ms, ms.Truncate(time.Second), ms, []string{"\x00"}, []string{"z"}},
	}
	for i, r := range rows {
		if err := b.Append(r...); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if err := w.Insert(ctx, b, ""); err != nil {
		t.Fatalf("embedded insert: %v", err)
	}

	block := proto.NewBlock()
	block.ServerContext.Timezone = time.UTC
	for _, c := range cols {
		if err := block.AddColumn(c.Name, column.Type(c.Type)); err != nil {
			t.Fatalf("driver column %s %s: %v", c.Name, c.Type, err)
		}
	}
	if err := b.DecodeRows(func(row []any) error { return block.Append(row...) }); err != nil {
		t.Fatalf("driver append: %v", err)
	}
	var buf chproto.Buffer
	if err := block.Encode(&buf, 0); err != nil {
		t.Fatalf("driver encode: %v", err)
	}
	path := filepath.Join(t.TempDir(), "batch.native")
	if err := os.WriteFile(path, buf.Buf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, "INSERT INTO {db:Identifier}.via_driver FROM INFILE '"+path+"' FORMAT Native", nil); err != nil {
		t.Fatalf("embedded reading the driver's encoding: %v", err)
	}

	want, err := w.Query(ctx, "SELECT * FROM {db:Identifier}.via_rowbinary ORDER BY id", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Query(ctx, "SELECT * FROM {db:Identifier}.via_driver ORDER BY id", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Rows) != len(rows) || len(got.Rows) != len(rows) {
		t.Fatalf("rows: %d via RowBinary, %d via the driver, want %d", len(want.Rows), len(got.Rows), len(rows))
	}
	for r := range want.Rows {
		for c := range cols {
			if !identical(got.Rows[r][c], want.Rows[r][c]) {
				t.Errorf("row %d column %s: driver %#v, RowBinary %#v", r, cols[c].Name, got.Rows[r][c], want.Rows[r][c])
			}
		}
	}
	if !reflect.DeepEqual(got.Columns, want.Columns) {
		t.Errorf("columns differ: %+v vs %+v", got.Columns, want.Columns)
	}
}
