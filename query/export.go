package query

import (
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/flex_export_summary.sql
var flexExportSummarySQL string

//go:embed sql/flex_export_daily.sql
var flexExportDailySQL string

//go:embed sql/flex_export_names.sql
var flexExportNamesSQL string

// maxReportDays bounds a custom report's period (three years).
const maxReportDays = 1096

// maxReportCustomers bounds an explicit set of customers.
const maxReportCustomers = 1000

var monthRe = regexp.MustCompile(`^([0-9]{4}-[0-9]{2})(?:\.\.([0-9]{4}-[0-9]{2}))?$`)

// reportRequest is a parsed custom report request.
type reportRequest struct {
	period    Window
	format    string // xlsx, csv, parquet
	lang      string // en, nl
	table     string // csv and parquet: daily or summary
	partner   string
	customers []string
}

// parseReport reads format, lang, table, the period (from/to, or month=
// YYYY-MM or YYYY-MM..YYYY-MM for whole months; default the last 30 days)
// and, on the partner route, customer_id (repeatable; none: all).
func (s *Server) parseReport(r *http.Request, partnerRoute bool, errs *paramErrors) reportRequest {
	q := r.URL.Query()
	known := []string{"format", "lang", "table", "from", "to", "month"}
	if partnerRoute {
		known = append(known, "customer_id")
	}
	checkKnownParams(r, errs, known...)
	req := reportRequest{format: q.Get("format"), lang: q.Get("lang"), table: q.Get("table")}
	if req.format == "" {
		req.format = "xlsx"
	} else if !slices.Contains([]string{"xlsx", "csv", "parquet"}, req.format) {
		errs.add("format", "want xlsx, csv or parquet, got "+strconv.Quote(req.format))
	}
	if req.lang == "" {
		req.lang = "en"
	} else if req.lang != "en" && req.lang != "nl" {
		errs.add("lang", "want en or nl, got "+strconv.Quote(req.lang))
	}
	switch {
	case req.table == "":
		req.table = "daily"
	case req.format == "xlsx":
		errs.add("table", "an xlsx report holds every table; table is for csv and parquet")
	case req.table != "daily" && req.table != "summary":
		errs.add("table", "want daily or summary, got "+strconv.Quote(req.table))
	}
	today := s.cfg.Now().UTC().Truncate(24 * time.Hour)
	if m := q.Get("month"); m != "" {
		if q.Get("from") != "" || q.Get("to") != "" {
			errs.add("month", "give either month or from/to, not both")
		}
		parts := monthRe.FindStringSubmatch(m)
		var first, last time.Time
		var err1, err2 error
		if parts != nil {
			first, err1 = time.Parse("2006-01", parts[1])
			last, err2 = first, nil
			if parts[2] != "" {
				last, err2 = time.Parse("2006-01", parts[2])
			}
		}
		if parts == nil || err1 != nil || err2 != nil || last.Before(first) {
			errs.add("month", "want YYYY-MM or YYYY-MM..YYYY-MM (whole months), got "+strconv.Quote(m))
		} else {
			req.period = Window{From: first, To: last.AddDate(0, 1, -1)}
		}
	} else if q.Get("from") == "" && q.Get("to") == "" {
		req.period = Window{From: today.AddDate(0, 0, -29), To: today}
	} else {
		from, ferr := time.Parse(time.DateOnly, q.Get("from"))
		if ferr != nil {
			errs.add("from", "want a date YYYY-MM-DD, got "+strconv.Quote(q.Get("from")))
		}
		to := today
		if v := q.Get("to"); v != "" {
			var terr error
			if to, terr = time.Parse(time.DateOnly, v); terr != nil {
				errs.add("to", "want a date YYYY-MM-DD, got "+strconv.Quote(v))
			}
		}
		req.period = Window{From: from, To: to}
		if ferr == nil && to.Before(from) {
			errs.add("to", "to must not be before from")
		}
	}
	if !req.period.From.IsZero() && !req.period.To.Before(req.period.From) && req.period.Days() > maxReportDays {
		errs.add("to", "a custom report spans at most "+strconv.Itoa(maxReportDays)+" days")
	}
	ids := q["customer_id"]
	if len(ids) > maxReportCustomers {
		errs.add("customer_id", "at most "+strconv.Itoa(maxReportCustomers)+" customers; leave it out for all")
	}
	for _, id := range ids {
		checkID("customer_id", id, errs)
	}
	req.customers = ids
	return req
}

// partnerReport answers GET /partners/{partner_id}/license-usage/report:
// the custom report for all of the partner's customers or a set of them.
func (s *Server) partnerReport(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	partner := chi.URLParam(r, "partner_id")
	checkID("partner_id", partner, &errs)
	req := s.parseReport(r, true, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if ok, _ := s.knownPartner(w, r, partner); !ok {
		return
	}
	req.partner = partner
	s.writeReport(w, r, req, partner)
}

// customerReport answers GET /customers/{customer_id}/license-usage/report.
func (s *Server) customerReport(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	customer := chi.URLParam(r, "customer_id")
	checkID("customer_id", customer, &errs)
	req := s.parseReport(r, false, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if _, _, ok := s.knownCustomer(w, r, customer); !ok {
		return
	}
	req.customers = []string{customer}
	s.writeReport(w, r, req, customer)
}

var contentTypes = map[string]string{
	"xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"csv":     "text/csv; charset=utf-8",
	"parquet": "application/vnd.apache.parquet",
}

// writeReport streams the report: every statement goes through
// QueryStream, a block at a time, into a writer that keeps no more than a
// block (CSV, Parquet: a row group; xlsx: rows spill to a temporary file).
func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, req reportRequest, who string) {
	customers := req.customers
	if customers == nil {
		customers = []string{}
	}
	p := warehouse.P("partner_id", req.partner, "customers", customers,
		"from", warehouse.Date(req.period.From), "to", warehouse.Date(req.period.To),
		"type_order", licenseTypeOrder, "ea_minimum", rollup.EAMinimumKW)
	tables := []exportTable{summaryTable, dailyTable}
	if req.format != "xlsx" {
		tables = []exportTable{dailyTable}
		if req.table == "summary" {
			tables = []exportTable{summaryTable}
		}
	}
	w.Header().Set("Content-Type", contentTypes[req.format])
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="flex-usage-%s-%s-%s.%s"`,
		who, req.period.From.Format("20060102"), req.period.To.Format("20060102"), req.format))
	var tw reportWriter
	switch req.format {
	case "csv":
		tw = newReportCSV(w, req.lang)
	case "parquet":
		tw = newReportParquet(w, req.lang)
	default:
		x, err := newReportXLSX(w, req.lang)
		if err != nil {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		tw = x
	}
	started := false
	fail := func(err error) {
		if !started {
			w.Header().Del("Content-Disposition")
			if errors.Is(err, errSheetFull) {
				writeProblem(w, r, &Problem{Status: http.StatusUnprocessableEntity, Title: "Report too large for xlsx",
					Detail: fmt.Sprintf("the report has more than %d rows in a sheet, more than xlsx holds: choose a shorter period, fewer customers, or format=csv or parquet", xlsxMaxRows-1)})
				return
			}
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		// Part of the file is out: cut the connection so the client sees a
		// broken download rather than a short file that looks whole.
		s.log.Error("custom report failed mid-stream", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	names := map[string]string{}
	if slices.ContainsFunc(tables, func(t exportTable) bool { return t.Key == "daily" }) {
		res, err := s.store(r).Query(r.Context(), flexExportNamesSQL, p)
		if err != nil {
			fail(err)
			return
		}
		for _, row := range res.Rows {
			names[warehouse.Str(row[0])] = warehouse.Str(row[1])
		}
	}
	for _, t := range tables {
		sql := flexExportDailySQL
		if t.Key == "summary" {
			sql = flexExportSummarySQL
		}
		if err := tw.Begin(t); err != nil {
			fail(err)
			return
		}
		// xlsx writes nothing to the client before Close.
		started = started || req.format != "xlsx"
		vals := make([]any, len(t.Columns))
		err := s.store(r).QueryStream(r.Context(), sql, p, func(res *warehouse.Result) error {
			for _, row := range res.Rows {
				if t.Key == "summary" {
					summaryValues(row, vals)
				} else {
					dailyValues(row, vals, names)
				}
				if err := tw.Row(vals); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			err = tw.End()
		}
		if err != nil {
			fail(err)
			return
		}
	}
	started = true
	if err := tw.Close(tables); err != nil {
		fail(err)
	}
}

// summaryValues maps a summary statement row onto the summary columns.
func summaryValues(row []any, vals []any) {
	vals[0], vals[1], vals[2] = warehouse.Str(row[0]), warehouse.Str(row[1]), warehouse.Str(row[2])
	vals[3], vals[4] = warehouse.Str(row[3]), warehouse.Str(row[4])
	vals[5], vals[6] = warehouse.Int(row[5]), warehouse.Int(row[6])
	vals[7] = warehouse.Time(row[7])
	vals[8], vals[9], vals[10] = warehouse.Int(row[8]), warehouse.Int(row[9]), warehouse.Int(row[10])
	vals[11], vals[12] = warehouse.Str(row[11]), truthy(row[12])
}

// modelTypes says which license types each model has, for the daily
// table's empty cells.
var modelTypes = func() map[string][]string {
	out := map[string][]string{}
	for _, m := range rollup.FlexModels {
		out[m.ID] = m.LicenseTypes
	}
	return out
}()

// dailyValues maps a daily statement row onto the daily columns; license
// types the model lacks stay empty.
func dailyValues(row []any, vals []any, names map[string]string) {
	customer := warehouse.Str(row[1])
	vals[0], vals[1], vals[2], vals[3] = warehouse.Time(row[0]), names[customer], customer, warehouse.Str(row[2])
	model := warehouse.Str(row[3])
	vals[4], vals[5] = model, warehouse.Str(row[4])
	has := modelTypes[model]
	for i, lt := range dailyLicenseTypes {
		in := slices.Contains(has, lt)
		for j := 0; j < 3; j++ {
			if in {
				vals[6+i*3+j] = warehouse.Int(row[5+i*3+j])
			} else {
				vals[6+i*3+j] = nil
			}
		}
	}
}
