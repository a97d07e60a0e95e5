package query

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// errSheetFull: the report has more rows than an xlsx sheet holds.
var errSheetFull = errors.New("more rows than an xlsx sheet holds")

// xlsxMaxRows is the rows of a sheet, the header included (a variable so a
// test can reach it).
var xlsxMaxRows = excelize.TotalRows

// reportWriter writes report tables in one format. Values handed to Row
// are string, int64, bool, time.Time (a day) or nil (empty).
type reportWriter interface {
	Begin(t exportTable) error
	Row(vals []any) error
	End() error
	// Close finishes the file; definitions are every column of the tables
	// written.
	Close(defs []exportTable) error
}

// reportCSV writes one table as CSV, straight to the response.
type reportCSV struct {
	buf  *bufio.Writer
	w    *csv.Writer
	lang string
	rec  []string
}

func newReportCSV(out io.Writer, lang string) *reportCSV {
	buf := bufio.NewWriterSize(out, 64<<10)
	return &reportCSV{buf: buf, w: csv.NewWriter(buf), lang: lang}
}

func (c *reportCSV) Begin(t exportTable) error {
	c.rec = make([]string, len(t.Columns))
	for i, col := range t.Columns {
		c.rec[i] = col.header(c.lang)
	}
	return c.w.Write(c.rec)
}

func (c *reportCSV) Row(vals []any) error {
	for i, v := range vals {
		switch x := v.(type) {
		case nil:
			c.rec[i] = ""
		case string:
			c.rec[i] = x
		case int64:
			c.rec[i] = strconv.FormatInt(x, 10)
		case bool:
			c.rec[i] = strconv.FormatBool(x)
		case time.Time:
			c.rec[i] = x.Format(time.DateOnly)
		default:
			c.rec[i] = fmt.Sprint(x)
		}
	}
	return c.w.Write(c.rec)
}

func (c *reportCSV) End() error { c.w.Flush(); return c.w.Error() }

func (c *reportCSV) Close([]exportTable) error { return c.buf.Flush() }

// reportParquet writes one table as Parquet with arrow, a record batch (and
// row group) per parquetBatch rows, so memory stays bounded.
type reportParquet struct {
	out    io.Writer
	lang   string
	fw     *pqarrow.FileWriter
	rb     *array.RecordBuilder
	kinds  []colKind
	rows   int
	schema *arrow.Schema
}

const parquetBatch = 64 << 10

func newReportParquet(out io.Writer, lang string) *reportParquet {
	return &reportParquet{out: out, lang: lang}
}

func (p *reportParquet) Begin(t exportTable) error {
	fields := make([]arrow.Field, len(t.Columns))
	p.kinds = make([]colKind, len(t.Columns))
	for i, c := range t.Columns {
		var typ arrow.DataType
		switch c.Kind {
		case colInt:
			typ = arrow.PrimitiveTypes.Int64
		case colDate:
			typ = arrow.FixedWidthTypes.Date32
		case colBool:
			typ = arrow.FixedWidthTypes.Boolean
		default:
			typ = arrow.BinaryTypes.String
		}
		// The header follows lang; the stable key rides in the metadata.
		fields[i] = arrow.Field{Name: c.header(p.lang), Type: typ, Nullable: true,
			Metadata: arrow.NewMetadata([]string{"flexhub.key"}, []string{c.Key})}
		p.kinds[i] = c.Kind
	}
	p.schema = arrow.NewSchema(fields, nil)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(parquetBatch))
	fw, err := pqarrow.NewFileWriter(p.schema, p.out, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	p.fw = fw
	p.rb = array.NewRecordBuilder(memory.DefaultAllocator, p.schema)
	return nil
}

func (p *reportParquet) Row(vals []any) error {
	for i, v := range vals {
		b := p.rb.Field(i)
		if v == nil {
			b.AppendNull()
			continue
		}
		switch x := v.(type) {
		case int64:
			b.(*array.Int64Builder).Append(x)
		case bool:
			b.(*array.BooleanBuilder).Append(x)
		case time.Time:
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(x))
		case string:
			b.(*array.StringBuilder).Append(x)
		default:
			return fmt.Errorf("parquet: column %d: unexpected %T", i, v)
		}
	}
	p.rows++
	if p.rows >= parquetBatch {
		return p.flush()
	}
	return nil
}

func (p *reportParquet) flush() error {
	if p.rows == 0 {
		return nil
	}
	rec := p.rb.NewRecord()
	defer rec.Release()
	p.rows = 0
	if err := p.fw.Write(rec); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}

func (p *reportParquet) End() error {
	if err := p.flush(); err != nil {
		return err
	}
	p.rb.Release()
	return p.fw.Close()
}

func (p *reportParquet) Close([]exportTable) error { return nil }

// reportXLSX writes every table as a sheet with excelize's stream writer
// (rows spill to a temporary file, not memory), then a sheet defining
// every column, then the workbook to out.
type reportXLSX struct {
	out      io.Writer
	lang     string
	f        *excelize.File
	sw       *excelize.StreamWriter
	row      int
	cells    []any
	date     int
	header   int
	first    bool
	colTypes []exportColumn
}

func newReportXLSX(out io.Writer, lang string) (*reportXLSX, error) {
	f := excelize.NewFile()
	// Deflate at its fastest level: a few percent larger, several times
	// faster on a large daily sheet.
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	x := &reportXLSX{out: out, lang: lang, f: f, first: true}
	var err error
	if x.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: strPtr("yyyy-mm-dd")}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if x.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return x, nil
}

func strPtr(s string) *string { return &s }

func (x *reportXLSX) Begin(t exportTable) error {
	name := t.name(x.lang)
	if x.first {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		x.first = false
	} else if _, err := x.f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	x.sw, x.colTypes = sw, t.Columns
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	head := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = excelize.Cell{StyleID: x.header, Value: c.header(x.lang)}
	}
	// One width for all columns: excelize looks every cell's column up in
	// the width ranges, so one range keeps a large sheet fast.
	if err := sw.SetColWidth(1, len(t.Columns), 18); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	x.row = 1
	x.cells = make([]any, len(t.Columns))
	return x.setRow(head)
}

func (x *reportXLSX) setRow(vals []any) error {
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	if err := x.sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("xlsx: row %d: %w", x.row, err)
	}
	return nil
}

func (x *reportXLSX) Row(vals []any) error {
	x.row++
	if x.row > xlsxMaxRows {
		return errSheetFull
	}
	for i, v := range vals {
		switch c := x.colTypes[i]; {
		case v == nil:
			x.cells[i] = nil
		case c.Kind == colDate:
			x.cells[i] = excelize.Cell{StyleID: x.date, Value: v}
		case c.Key == "flex_model":
			x.cells[i] = displayModel(v.(string), x.lang)
		case c.Key == "compliance":
			x.cells[i] = displayStatus(v.(string), x.lang)
		default:
			x.cells[i] = v
		}
	}
	return x.setRow(x.cells)
}

func (x *reportXLSX) End() error {
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// Close adds the definitions sheet (sheet, column, definition) and writes
// the workbook.
func (x *reportXLSX) Close(defs []exportTable) error {
	name := "Definitions"
	head := []string{"Sheet", "Column", "Definition"}
	if x.lang == "nl" {
		name, head = "Definities", []string{"Werkblad", "Kolom", "Definitie"}
	}
	if _, err := x.f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	_ = sw.SetColWidth(1, 2, 24)
	_ = sw.SetColWidth(3, 3, 100)
	hrow := make([]any, len(head))
	for i, h := range head {
		hrow[i] = excelize.Cell{StyleID: x.header, Value: h}
	}
	if err := sw.SetRow("A1", hrow); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	r := 2
	for _, t := range defs {
		for _, c := range t.Columns {
			cell, _ := excelize.CoordinatesToCellName(1, r)
			if err := sw.SetRow(cell, []any{t.name(x.lang), c.header(x.lang), c.definition(x.lang)}); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			r++
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := x.f.WriteTo(x.out); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return x.f.Close()
}
