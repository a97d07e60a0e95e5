package query

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/flexhub/flexhub/warehouse"
)

// TableFormat is an output format for rows: what ad-hoc SQL answers in.
type TableFormat string

const (
	FormatJSON    TableFormat = "json"
	FormatCSV     TableFormat = "csv"
	FormatParquet TableFormat = "parquet"
	FormatArrow   TableFormat = "arrow"
)

// ContentType is the media type of the format.
func (f TableFormat) ContentType() string {
	switch f {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatParquet:
		return "application/vnd.apache.parquet"
	case FormatArrow:
		return "application/vnd.apache.arrow.stream"
	}
	return "application/json"
}

// TableWriter writes result blocks as they stream in, so a result of any
// size takes the memory of one block. Columns come with the first block.
type TableWriter interface {
	Write(block *warehouse.Result) error
	// Close finishes the output (a JSON array's end, a Parquet footer) and
	// says how many rows were written.
	Close() (rows int64, err error)
}

// NewTableWriter writes format to w.
func NewTableWriter(format TableFormat, w io.Writer) TableWriter {
	switch format {
	case FormatCSV:
		return &csvWriter{w: csv.NewWriter(w)}
	case FormatParquet, FormatArrow:
		return &arrowWriter{out: w, parquet: format == FormatParquet}
	}
	return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// jsonWriter writes {"columns":[…],"rows":[[…],…],"row_count":n}: arrays of
// values in column order, dates as YYYY-MM-DD and timestamps RFC 3339.
type jsonWriter struct {
	w       *bufio.Writer
	started bool
	cols    []warehouse.Column
	rows    int64
}

func (j *jsonWriter) Write(b *warehouse.Result) error {
	if !j.started {
		j.cols = b.Columns
		if err := j.head(); err != nil {
			return err
		}
	}
	for _, row := range b.Rows {
		if j.rows > 0 {
			j.w.WriteByte(',')
		}
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = jsonValue(v, j.cols[i].Type)
		}
		enc, err := json.Marshal(vals)
		if err != nil {
			return err
		}
		j.w.Write(enc)
		j.rows++
	}
	return nil
}

func (j *jsonWriter) head() error {
	j.started = true
	cols := make([]map[string]string, len(j.cols))
	for i, c := range j.cols {
		cols[i] = map[string]string{"name": c.Name, "type": c.Type}
	}
	enc, err := json.Marshal(cols)
	if err != nil {
		return err
	}
	j.w.WriteString(`{"columns":`)
	j.w.Write(enc)
	j.w.WriteString(`,"rows":[`)
	return nil
}

func (j *jsonWriter) Close() (int64, error) {
	if !j.started {
		if err := j.head(); err != nil {
			return 0, err
		}
	}
	fmt.Fprintf(j.w, `],"row_count":%d}`+"\n", j.rows)
	return j.rows, j.w.Flush()
}

// jsonValue renders a cell for JSON: a Date as YYYY-MM-DD, a time as
// RFC 3339, a non-finite float as null.
func jsonValue(v any, typ string) any {
	switch x := v.(type) {
	case time.Time:
		if isDateType(typ) {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case []any:
		inner := elementType(typ)
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, inner)
		}
		return out
	}
	return v
}

// csvWriter writes a header of column names, then one line per row.
type csvWriter struct {
	w       *csv.Writer
	started bool
	cols    []warehouse.Column
	rows    int64
}

func (c *csvWriter) Write(b *warehouse.Result) error {
	if !c.started {
		c.started, c.cols = true, b.Columns
		names := make([]string, len(b.Columns))
		for i, col := range b.Columns {
			names[i] = col.Name
		}
		if err := c.w.Write(names); err != nil {
			return err
		}
	}
	rec := make([]string, len(c.cols))
	for _, row := range b.Rows {
		for i, v := range row {
			rec[i] = csvValue(v, c.cols[i].Type)
		}
		if err := c.w.Write(rec); err != nil {
			return err
		}
		c.rows++
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) Close() (int64, error) {
	c.w.Flush()
	return c.rows, c.w.Error()
}

func csvValue(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		if isDateType(typ) {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(jsonValue(v, typ))
	return string(b)
}

// arrowWriter turns each block into an Arrow record and writes it as an
// Arrow IPC stream or as a Parquet row group.
type arrowWriter struct {
	out     io.Writer
	parquet bool
	schema  *arrow.Schema
	kinds   []arrowKind
	ipc     *ipc.Writer
	pq      *pqarrow.FileWriter
	rows    int64
}

func (a *arrowWriter) start(cols []warehouse.Column) error {
	fields := make([]arrow.Field, len(cols))
	a.kinds = make([]arrowKind, len(cols))
	for i, c := range cols {
		k := arrowKindOf(c.Type)
		a.kinds[i] = k
		fields[i] = arrow.Field{Name: c.Name, Type: k.dataType(), Nullable: true,
			Metadata: arrow.NewMetadata([]string{"clickhouse_type"}, []string{c.Type})}
	}
	a.schema = arrow.NewSchema(fields, nil)
	if a.parquet {
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(true))
		// The Parquet writer closes a sink that can be closed; the caller
		// owns the sink, so it gets the writer only.
		w, err := pqarrow.NewFileWriter(a.schema, struct{ io.Writer }{a.out}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return err
		}
		a.pq = w
		return nil
	}
	a.ipc = ipc.NewWriter(a.out, ipc.WithSchema(a.schema))
	return nil
}

func (a *arrowWriter) Write(b *warehouse.Result) error {
	if a.schema == nil {
		if err := a.start(b.Columns); err != nil {
			return err
		}
	}
	if len(b.Rows) == 0 {
		return nil
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, a.schema)
	defer rb.Release()
	for _, row := range b.Rows {
		for i, v := range row {
			a.kinds[i].append(rb.Field(i), v)
		}
	}
	rec := rb.NewRecord()
	defer rec.Release()
	a.rows += rec.NumRows()
	if a.pq != nil {
		return a.pq.WriteBuffered(rec)
	}
	return a.ipc.Write(rec)
}

func (a *arrowWriter) Close() (int64, error) {
	if a.schema == nil {
		if err := a.start(nil); err != nil {
			return 0, err
		}
	}
	if a.pq != nil {
		return a.rows, a.pq.Close()
	}
	return a.rows, a.ipc.Close()
}

// arrowKind maps one ClickHouse type onto Arrow.
type arrowKind struct {
	base string // ClickHouse type without Nullable/LowCardinality
	elem *arrowKind
}

func arrowKindOf(typ string) arrowKind {
	t := unwrap(typ)
	if strings.HasPrefix(t, "Array(") {
		e := arrowKindOf(t[len("Array(") : len(t)-1])
		return arrowKind{base: "Array", elem: &e}
	}
	return arrowKind{base: t}
}

func unwrap(t string) string {
	for _, w := range []string{"Nullable(", "LowCardinality("} {
		if strings.HasPrefix(t, w) && strings.HasSuffix(t, ")") {
			t = unwrap(t[len(w) : len(t)-1])
		}
	}
	return t
}

func (k arrowKind) dataType() arrow.DataType {
	switch {
	case k.base == "Array":
		return arrow.ListOf(k.elem.dataType())
	case k.base == "UInt8" || k.base == "UInt16" || k.base == "UInt32" || k.base == "UInt64":
		return arrow.PrimitiveTypes.Uint64
	case k.base == "Int8" || k.base == "Int16" || k.base == "Int32" || k.base == "Int64":
		return arrow.PrimitiveTypes.Int64
	case k.base == "Float32" || k.base == "Float64" || strings.HasPrefix(k.base, "Decimal"):
		return arrow.PrimitiveTypes.Float64
	case k.base == "Bool":
		return arrow.FixedWidthTypes.Boolean
	case k.base == "Date" || k.base == "Date32":
		return arrow.FixedWidthTypes.Date32
	case strings.HasPrefix(k.base, "DateTime"):
		return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	}
	return arrow.BinaryTypes.String
}

func (k arrowKind) append(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.ListBuilder:
		bb.Append(true)
		switch xs := v.(type) {
		case []string:
			for _, x := range xs {
				k.elem.append(bb.ValueBuilder(), x)
			}
		case []any:
			for _, x := range xs {
				k.elem.append(bb.ValueBuilder(), x)
			}
		}
	case *array.Uint64Builder:
		if u, ok := v.(uint64); ok {
			bb.Append(u)
		} else {
			bb.Append(uint64(warehouse.Int(v)))
		}
	case *array.Int64Builder:
		bb.Append(warehouse.Int(v))
	case *array.Float64Builder:
		bb.Append(warehouse.Float(v))
	case *array.BooleanBuilder:
		x, _ := v.(bool)
		bb.Append(x)
	case *array.Date32Builder:
		bb.Append(arrow.Date32FromTime(warehouse.Time(v)))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(warehouse.Time(v).UnixMilli()))
	case *array.StringBuilder:
		switch x := v.(type) {
		case string:
			bb.Append(x)
		default:
			enc, _ := json.Marshal(jsonValue(v, k.base))
			bb.Append(string(enc))
		}
	}
}

func isDateType(typ string) bool {
	t := unwrap(typ)
	return t == "Date" || t == "Date32"
}

func elementType(typ string) string {
	t := unwrap(typ)
	if strings.HasPrefix(t, "Array(") {
		return t[len("Array(") : len(t)-1]
	}
	return t
}
