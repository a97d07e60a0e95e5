package query_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/xuri/excelize/v2"

	"github.com/flexhub/flexhub/query"
)

// The fixture's period 2026-11-21…23 (days -2…0): three subscriptions of
// p1 with figures on three days each.
const reportPeriod = "from=2026-11-21&to=2026-11-23"

func TestCustomReportAsXLSXReadsBack(t *testing.T) {
	f := newFlexFixture(t)
	resp := f.api(t, nil).Get(t, "/api/v1/partners/p1/license-usage/report?"+reportPeriod)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.openxmlformats") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `flex-usage-p1-20261121-20261123.xlsx`) {
		t.Errorf("headers %v", resp.Header)
	}
	x, err := excelize.OpenReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(x.GetSheetList(), ","); got != "Summary,Daily detail,Definitions" {
		t.Errorf("sheets %s", got)
	}
	summary, err := x.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	// Header + c1 KW, CA, TP + c2 PRO, ENH, ACC, TP + c3 KW, CA, ACC, TP.
	if len(summary) != 12 {
		t.Fatalf("%d summary rows: %v", len(summary), summary)
	}
	if h := strings.Join(summary[0], "|"); h != "Customer name|Customer ID|Subscription ID|Flex license model|License type|Purchased|Peak consumption|Peak date|Latest consumption|Overage|Days in overage|Compliance status|EA below minimum" {
		t.Errorf("summary header %s", h)
	}
	// c1 KW over 11-21…23: purchased 3, peak 4 first on 11-21, latest 2,
	// worst overage 1 on two days; overage (TP on day 0).
	if r := strings.Join(summary[1], "|"); r != "Bakker Logistiek B.V.|c1|S1|Flex 2.0|KW|3|4|2026-11-21|2|1|2|Overage|FALSE" {
		t.Errorf("c1 KW row %s", r)
	}
	if r := strings.Join(summary[8], "|"); r != "Visser Techniek|c3|S3|Flex 3.0 Enterprise Agreement|KW|900|0|2026-11-21|0|0|0|Below minimum|TRUE" {
		t.Errorf("c3 KW row %s", r)
	}
	daily, err := x.GetRows("Daily detail")
	if err != nil {
		t.Fatal(err)
	}
	if len(daily) != 10 || len(daily[0]) != 24 {
		t.Fatalf("%d daily rows of %d columns, want 10 of 24", len(daily), len(daily[0]))
	}
	// c1 on 11-23: KW 3/2/0, CA 1/1/0, PRO…ACC empty, TP 0/1/1.
	if r := strings.Join(daily[3], "|"); r != "2026-11-23|Bakker Logistiek B.V.|c1|S1|Flex 2.0|Overage|3|2|0|1|1|0||||||||||0|1|1" {
		t.Errorf("c1 11-23 row %s", r)
	}
	defs, _ := x.GetRows("Definitions")
	// Header, 13 summary columns, 24 daily columns.
	if len(defs) != 1+13+24 || defs[1][0] != "Summary" || defs[1][1] != "Customer name" || defs[1][2] == "" {
		t.Errorf("definitions: %d rows, first %v", len(defs), defs[1])
	}
}

func TestCustomReportInDutchForWholeMonthsAndASetOfCustomers(t *testing.T) {
	f := newFlexFixture(t)
	resp := f.api(t, nil).Get(t, "/api/v1/partners/p1/license-usage/report?lang=nl&month=2026-11&customer_id=c2&customer_id=c3")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(x.GetSheetList(), ","); got != "Overzicht,Dagelijks detail,Definities" {
		t.Errorf("sheets %s", got)
	}
	summary, _ := x.GetRows("Overzicht")
	if summary[0][0] != "Klantnaam" || summary[0][11] != "Nalevingsstatus" {
		t.Errorf("header %v", summary[0])
	}
	// c2 (4 types) and c3 (4 types); the month's days with figures are the
	// fixture's -10…0 (11-13…11-23).
	if len(summary) != 9 || summary[1][2] != "S2" || summary[1][3] != "Flex 3.0 Benoemde gebruiker" || summary[5][11] != "Onder minimum" {
		t.Errorf("summary %v", summary)
	}
	daily, _ := x.GetRows("Dagelijks detail")
	if len(daily) != 1+2*11 || daily[1][0] != "2026-11-13" {
		t.Errorf("%d daily rows, first %v", len(daily), daily[1])
	}
}

func TestCustomReportAsParquetReadsBackWithArrow(t *testing.T) {
	f := newFlexFixture(t)
	resp := f.api(t, nil).Get(t, "/api/v1/partners/p1/license-usage/report?format=parquet&"+reportPeriod)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 9 || tbl.NumCols() != 24 {
		t.Fatalf("%d rows × %d columns, want 9 × 24", tbl.NumRows(), tbl.NumCols())
	}
	col := func(name string) arrow.Array {
		for i := 0; i < int(tbl.NumCols()); i++ {
			if tbl.Schema().Field(i).Name == name {
				return tbl.Column(i).Data().Chunk(0)
			}
		}
		t.Fatalf("no column %q in %v", name, tbl.Schema())
		return nil
	}
	dates, subs := col("Date").(*array.Date32), col("Subscription ID").(*array.String)
	kw, pro, status := col("KW consumed").(*array.Int64), col("PRO consumed").(*array.Int64), col("Compliance status").(*array.String)
	// Rows by customer, subscription, day: c1 11-21, 11-22, 11-23, c2 …
	if dates.Value(0).FormattedString() != "2026-11-21" || subs.Value(0) != "S1" || kw.Value(0) != 4 || !pro.IsNull(0) {
		t.Errorf("row 0: %s %s KW %d PRO null %v", dates.Value(0).FormattedString(), subs.Value(0), kw.Value(0), pro.IsNull(0))
	}
	if kw.Value(2) != 2 || status.Value(2) != "overage" {
		t.Errorf("c1 11-23: KW %d %s, want 2 overage", kw.Value(2), status.Value(2))
	}
	if subs.Value(5) != "S2" || pro.Value(5) != 2 || !kw.IsNull(5) || status.Value(5) != "compliant" {
		t.Errorf("c2 11-23: %s PRO %d KW null %v %s", subs.Value(5), pro.Value(5), kw.IsNull(5), status.Value(5))
	}
	if key, _ := tbl.Schema().Field(0).Metadata.GetValue("flexhub.key"); key != "date" {
		t.Errorf("field metadata key %q", key)
	}
}

func TestCustomReportAsCSV(t *testing.T) {
	f := newFlexFixture(t)
	api := f.api(t, nil)
	resp := api.Get(t, "/api/v1/customers/c1/license-usage/report?format=csv&table=summary&lang=nl&"+reportPeriod)
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	rows, err := csv.NewReader(bytes.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "Klantnaam" ||
		strings.Join(rows[3], "|") != "Bakker Logistiek B.V.|c1|S1|flex2|TP|0|1|2026-11-23|1|1|1|overage|false" {
		t.Errorf("csv %v", rows)
	}
	resp = api.Get(t, "/api/v1/customers/c2/license-usage/report?format=csv&"+reportPeriod)
	rows, _ = csv.NewReader(bytes.NewReader(resp.Body)).ReadAll()
	if len(rows) != 4 || rows[0][6] != "KW purchased" || rows[3][0] != "2026-11-23" || rows[3][12] != "5" || rows[3][13] != "2" {
		t.Errorf("daily csv %v", rows)
	}
}

func TestCustomReportNeedsTheExportPermissionAndGoodParameters(t *testing.T) {
	f := newFlexFixture(t)
	for _, tc := range []struct {
		name   string
		p      *query.Principal
		path   string
		status int
		param  string
	}{
		{"read-only admin may not export", &query.Principal{Role: query.ReadOnlyAdmin, PartnerID: "p1"},
			"/api/v1/partners/p1/license-usage/report", 403, ""},
		{"read-only admin may not export a customer", &query.Principal{Role: query.ReadOnlyAdmin, PartnerID: "p1"},
			"/api/v1/customers/c1/license-usage/report", 403, ""},
		{"a customer admin exports its own", &query.Principal{Role: query.CustomerAdmin, PartnerID: "p1", CustomerIDs: []string{"c1"}},
			"/api/v1/customers/c1/license-usage/report?format=csv", 200, ""},
		{"but not another customer", &query.Principal{Role: query.CustomerAdmin, PartnerID: "p1", CustomerIDs: []string{"c1"}},
			"/api/v1/customers/c2/license-usage/report?format=csv", 404, ""},
		{"another partner", &query.Principal{Role: query.FullAdmin, PartnerID: "p2"},
			"/api/v1/partners/p1/license-usage/report", 404, ""},
		{"format", nil, "/api/v1/partners/p1/license-usage/report?format=pdf", 400, "format"},
		{"lang", nil, "/api/v1/partners/p1/license-usage/report?lang=de", 400, "lang"},
		{"month", nil, "/api/v1/partners/p1/license-usage/report?month=2026-13", 400, "month"},
		{"month and from", nil, "/api/v1/partners/p1/license-usage/report?month=2026-11&from=2026-11-01", 400, "month"},
		{"table with xlsx", nil, "/api/v1/partners/p1/license-usage/report?table=summary", 400, "table"},
		{"to before from", nil, "/api/v1/partners/p1/license-usage/report?from=2026-11-10&to=2026-11-01", 400, "to"},
		{"period too long", nil, "/api/v1/partners/p1/license-usage/report?from=2020-01-01&to=2026-11-01", 400, "to"},
		{"customer id", nil, "/api/v1/partners/p1/license-usage/report?customer_id=c1'", 400, "customer_id"},
		{"customer_id on the customer route", nil, "/api/v1/customers/c1/license-usage/report?customer_id=c2", 400, "customer_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.api(t, tc.p).Get(t, tc.path)
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.Status, tc.status, resp.Body)
			}
			if tc.param != "" {
				var p query.Problem
				resp.JSON(t, &p)
				if len(p.Errors) == 0 || p.Errors[0].Parameter != tc.param {
					t.Errorf("problem names %+v, want %s", p.Errors, tc.param)
				}
			}
		})
	}
}
