package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	chdriver "github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// A server sends result blocks in ClickHouse's Native layout, the same
// layout the embedded engine's Native output has (less the block info of
// the protocol). TestParityWithEmbedded has the embedded engine write a
// result as a Native file, decodes that file with clickhouse-go's own block
// decoder, scans and normalises it as Query does, and checks the outcome
// against what the embedded backend returns for the same statement: both
// backends' decoding, without a server.

// blockColumn presents a decoded column as the driver's rows present it.
type blockColumn struct{ c column.Interface }

func (b blockColumn) Name() string             { return b.c.Name() }
func (b blockColumn) Nullable() bool           { _, ok := b.c.(*column.Nullable); return ok }
func (b blockColumn) ScanType() reflect.Type   { return b.c.ScanType() }
func (b blockColumn) DatabaseTypeName() string { return string(b.c.Type()) }

// decodeWithDriver reads a Native file as the driver reads a server's
// blocks, and scans every row through the server backend's scanner.
func decodeWithDriver(t *testing.T, native []byte) *warehouse.Result {
	t.Helper()
	r := chproto.NewReader(bytes.NewReader(native))
	res := &warehouse.Result{}
	for {
		block := proto.NewBlock()
		block.ServerContext.Timezone = time.UTC
		if err := block.Decode(r, 0); err != nil {
			if errors.Is(err, io.EOF) {
				return res
			}
			t.Fatalf("driver decode: %v", err)
		}
		cts := make([]chdriver.ColumnType, len(block.Columns))
		for i, c := range block.Columns {
			cts[i] = blockColumn{c}
		}
		sc, err := newScanner(cts)
		if err != nil {
			t.Fatalf("scanner: %v", err)
		}
		if res.Columns == nil {
			res.Columns = sc.columns
		}
		for row := 0; row < block.Rows(); row++ {
			// As the driver's rows.Scan does.
			values, err := sc.scan(func(dest ...any) error {
				for i, d := range dest {
					if err := block.Columns[i].ScanRow(d, row); err != nil {
						return fmt.Errorf("column %s: %w", block.ColumnsNames()[i], err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("row %d: %v", row, err)
			}
			res.Rows = append(res.Rows, values)
		}
	}
}

func TestParityWithEmbedded(t *testing.T) {
	e := whtest.Engine(t)
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct{ name, sql string }{
		{"Integers", "SELECT toUInt8(number * 100) AS u8, toUInt16(number * 30000) AS u16, toUInt32(number * 2000000000) AS u32, toUInt64(number) * 9223372036854775807 AS u64, toInt8(-number * 60) AS i8, toInt16(-number * 16000) AS i16, toInt32(-number * 1000000000) AS i32, toInt64(-number) * 4611686018427387904 AS i64 FROM numbers(3)"},
		{"Floats", "SELECT toFloat32(number / 3) AS f32, number / 7 AS f64, toFloat64(-inf) AS inf, -0.0 AS negzero FROM numbers(3)"},
		{"BoolString", "SELECT number % 2 = 1 AS b, CAST(number % 2 AS Bool) AS bb, repeat('ü\\0\\n', number) AS s, toFixedString(toString(number), 3) AS fs FROM numbers(3)"},
		{"Dates", "SELECT toDate('2024-02-29') + number AS d, toDate32('1900-01-01') + number AS d32, toDateTime('2024-02-29 13:14:15', 'UTC') + number AS dt, toDateTime('2024-02-29 13:14:15', 'Asia/Tokyo') AS dttz, toDateTime64('1969-12-31 23:59:59.999', 3, 'UTC') + number AS dt64, toDateTime64('2024-02-29 13:14:15.123456', 6, 'Asia/Tokyo') AS dt64tz FROM numbers(3)"},
		{"UUIDDecimalEnum", "SELECT toUUID(concat('0f8fad5b-d9cb-469f-a165-7086772895', leftPad(toString(number), 2, '0'))) AS u, toDecimal64(number / 3, 4) AS d64, toDecimal32(-1.5, 2) AS d32, toDecimal128('-123456789.123456789', 9) AS d128, CAST(['a', 'it''s, ok', 'a'][number + 1] AS Enum8('a' = -1, 'it''s, ok' = 2)) AS e8, CAST('b' AS Enum16('b' = 1000)) AS e16 FROM numbers(3)"},
		{"LowCardinality", "SELECT toLowCardinality(toString(number % 2)) AS lc, CAST(if(number = 1, NULL, 'v') AS LowCardinality(Nullable(String))) AS lcn, [toLowCardinality('x'), toLowCardinality(toString(number))] AS alc, map(toLowCardinality(toString(number)), number) AS mlc, tuple(number, toLowCardinality('t')) AS tlc FROM numbers(3)"},
		{"Nullable", "SELECT if(number = 1, NULL, number) AS n, if(number = 0, NULL, toString(number)) AS s, if(number = 2, NULL, toDate('2024-01-01')) AS d, NULL AS nothing FROM numbers(3)"},
		{"Arrays", "SELECT range(number) AS r, arrayMap(x -> toString(x), range(number)) AS rs, [NULL, toString(number)] AS an, [[number], []] AS aa, CAST([] AS Array(String)) AS empty, [toDate('2024-01-01')] AS ad FROM numbers(3)"},
		{"Tuples", "SELECT tuple(number, 'a') AS t, CAST((number, toString(number)) AS Tuple(a UInt64, b String)) AS nt, tuple(toUInt16(1), CAST(('n', [toUInt32(number)]) AS Tuple(s String, a Array(UInt32)))) AS nested, [tuple(number, 'x')] AS at FROM numbers(3)"},
		{"Maps", "SELECT map('k', number, 'l', number * 2) AS m, CAST(map() AS Map(String, UInt64)) AS me, map(number, [toString(number)]) AS mu FROM numbers(3)"},
		{"ManyBlocks", "SELECT number AS n, toString(number) AS s, toLowCardinality(toString(number % 7)) AS lc FROM numbers(200000)"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := e.Query(ctx, tc.sql, nil)
			if err != nil {
				t.Fatalf("embedded query: %v", err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%d.native", i))
			if err := e.Exec(ctx, tc.sql+" INTO OUTFILE '"+path+"' FORMAT Native", nil); err != nil {
				t.Fatalf("embedded export: %v", err)
			}
			native, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeWithDriver(t, native)
			if !reflect.DeepEqual(got.Columns, want.Columns) {
				t.Fatalf("columns:\nserver   %+v\nembedded %+v", got.Columns, want.Columns)
			}
			if len(got.Rows) != len(want.Rows) {
				t.Fatalf("server decoded %d rows, embedded %d", len(got.Rows), len(want.Rows))
			}
			for r := range want.Rows {
				for c := range want.Columns {
					if g, w := got.Rows[r][c], want.Rows[r][c]; !identical(g, w) {
						t.Fatalf("row %d column %s %s:\nserver   %#v (%T)\nembedded %#v (%T)",
							r, want.Columns[c].Name, want.Columns[c].Type, g, g, w, w)
					}
				}
			}
		})
	}
}

// identical is reflect.DeepEqual with times compared by instant and
// location name, and floats by bits (NaN and -0 included).
func identical(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location().String() == y.Location().String() && x.Location() == time.UTC
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !identical(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !identical(v, w) {
				return false
			}
		}
		return true
	case []string:
		y, ok := b.([]string)
		return ok && strings.Join(x, "\x00|") == strings.Join(y, "\x00|") && len(x) == len(y)
	}
	return reflect.DeepEqual(a, b)
}
