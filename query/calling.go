package query

import (
	_ "embed"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/flexhub/flexhub/warehouse"
)

// The calling sections of the partner overview: usage, call quality,
// feature use and call-queue insights, each partner-wide
// (/partners/{partner_id}/calling/…) and for one customer
// (/customers/{customer_id}/calling/…). Figures cover one completed week,
// Sunday 00:00:00 UTC to Saturday 23:59:59.999 UTC, chosen with
// week=YYYY-MM-DD (its Sunday); the default is the last completed week.
// The rollup (rollup/calling.go) computes them; a customer's figures are
// the rows of the generation its calling_customer_weekly row names.

var (
	//go:embed sql/calling_partner_known.sql
	callingPartnerKnownSQL string
	//go:embed sql/calling_customer_known.sql
	callingCustomerKnownSQL string
	//go:embed sql/calling_usage_trend.sql
	callingUsageTrendSQL string
	//go:embed sql/calling_quality_totals.sql
	callingQualityTotalsSQL string
	//go:embed sql/calling_queue_totals.sql
	callingQueueTotalsSQL string
	//go:embed sql/calling_usage.sql
	callingUsageSQL string
	//go:embed sql/calling_quality.sql
	callingQualitySQL string
	//go:embed sql/calling_poor_calls.sql
	callingPoorCallsSQL string
	//go:embed sql/calling_features.sql
	callingFeaturesSQL string
	//go:embed sql/calling_queues.sql
	callingQueuesSQL string
	//go:embed sql/calling_queues_by_queue.sql
	callingQueuesByQueueSQL string
)

const (
	callingTrendWeeks = 8
	defaultPageLimit  = 100
	maxPageLimit      = 1000
)

// CallingWeek is the week figures cover: Sunday to Saturday, UTC.
type CallingWeek struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func callingWeekJSON(week time.Time) CallingWeek {
	return CallingWeek{Start: week.Format(time.DateOnly), End: week.AddDate(0, 0, 6).Format(time.DateOnly)}
}

// weekOf is the Sunday 00:00:00 UTC starting the week that holds t.
func weekOf(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -int(d.Weekday()))
}

// earliestWeek keeps the oldest week of a trend (seven weeks before the
// selected one) a valid ClickHouse Date.
var earliestWeek = time.Date(1970, 2, 22, 0, 0, 0, 0, time.UTC)

// parseWeek reads week=YYYY-MM-DD, a Sunday of a completed week; without
// it, the last completed week.
func parseWeek(r *http.Request, now time.Time, errs *paramErrors) time.Time {
	last := weekOf(now).AddDate(0, 0, -7)
	v := r.URL.Query().Get("week")
	if v == "" {
		return last
	}
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil:
		errs.add("week", "want the Sunday starting a week, YYYY-MM-DD, got "+strconv.Quote(v))
	case d.Weekday() != time.Sunday:
		errs.add("week", v+" is a "+d.Weekday().String()+"; a week starts on a Sunday (that week: "+
			weekOf(d).Format(time.DateOnly)+")")
	case d.After(last):
		errs.add("week", "the week of "+v+" has not completed yet; the last completed week starts "+last.Format(time.DateOnly))
	case d.Before(earliestWeek):
		errs.add("week", "weeks start from "+earliestWeek.Format(time.DateOnly))
	}
	return d
}

// page is one page of a customer table: limit (1-1000), offset, and the
// sort column, descending when the sort parameter starts with "-".
type page struct {
	limit, offset int
	sort          string
	descending    bool
}

// parsePage reads limit, offset and sort (one of sorts, "-" in front for
// descending); defaultSort applies without sort.
func parseCallingPage(r *http.Request, errs *paramErrors, defaultSort string, sorts []string) page {
	q := r.URL.Query()
	p := page{limit: intParam(r, "limit", defaultPageLimit, 1, maxPageLimit, errs), offset: intParam(r, "offset", 0, 0, 10_000_000, errs)}
	sort := defaultSort
	if v := q.Get("sort"); v != "" {
		if !slices.Contains(sorts, strings.TrimPrefix(v, "-")) {
			errs.add("sort", "want one of "+strings.Join(sorts, ", ")+" (- in front: descending), got "+strconv.Quote(v))
		}
		sort = v
	}
	p.sort, p.descending = strings.TrimPrefix(sort, "-"), strings.HasPrefix(sort, "-")
	return p
}

func (p page) params() []any {
	return []any{"sort", p.sort, "descending", p.descending, "limit", p.limit, "offset", p.offset}
}

// Page is one page of a table: total rows, and the slice shown.
type TablePage[T any] struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Items  []T `json:"items"`
}

// callingScope is whose figures a request asks for: a partner's customers
// or one customer.
type callingScope struct {
	partnerID, customerID string
	customerName          *string
	week                  time.Time
}

func (c callingScope) params(kv ...any) warehouse.Params {
	return warehouse.P(append([]any{"partner_id", c.partnerID, "customer_id", c.customerID,
		"week", warehouse.Date(c.week)}, kv...)...)
}

// callingRequest checks the path id, the week and the route's other
// parameters, and for a customer that the caller may see it (a partner is
// checked only when it has no figures: see callingPartnerKnown). It answers the
// problem itself and returns false when the request cannot go on.
func (s *Server) callingRequest(w http.ResponseWriter, r *http.Request, perCustomer bool, extra func(*paramErrors), known ...string) (callingScope, bool) {
	var errs paramErrors
	var c callingScope
	if perCustomer {
		c.customerID = chi.URLParam(r, "customer_id")
		checkID("customer_id", c.customerID, &errs)
	} else {
		c.partnerID = chi.URLParam(r, "partner_id")
		checkID("partner_id", c.partnerID, &errs)
	}
	checkKnownParams(r, &errs, append([]string{"week"}, known...)...)
	c.week = parseWeek(r, s.cfg.Now(), &errs)
	if extra != nil {
		extra(&errs)
	}
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return c, false
	}
	if !perCustomer {
		return c, true
	}
	res, err := s.store(r).Query(r.Context(), callingCustomerKnownSQL, warehouse.P("customer_id", c.customerID))
	if err != nil {
		s.writeCallingError(w, r, err)
		return c, false
	}
	if len(res.Rows) == 0 || !truthy(res.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no customer "+c.customerID))
		return c, false
	}
	c.partnerID = warehouse.Str(cell(res, res.Rows[0], "partner_id"))
	c.customerName = nonEmpty(warehouse.Str(cell(res, res.Rows[0], "name")))
	return c, true
}

// callingPartnerKnown answers 404 (and returns false) when the caller may see no
// customer of the partner; handlers ask only when they found no figures,
// so a partner with figures costs no extra statement.
func (s *Server) callingPartnerKnown(w http.ResponseWriter, r *http.Request, c callingScope) bool {
	res, err := s.store(r).Query(r.Context(), callingPartnerKnownSQL, warehouse.P("partner_id", c.partnerID))
	if err != nil {
		s.writeCallingError(w, r, err)
		return false
	}
	if len(res.Rows) == 0 || !truthy(res.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no partner "+c.partnerID))
		return false
	}
	return true
}

// tablePage runs a table statement (one page, with its totals beside every
// row). When the page is past the end, it reads the first row instead for
// the totals, and the page stays empty.
func (s *Server) tablePage(r *http.Request, sql string, c callingScope, p page, kv ...any) (rows, totals *warehouse.Result, err error) {
	res, err := s.store(r).Query(r.Context(), sql, c.params(append(p.params(), kv...)...))
	if err != nil || len(res.Rows) > 0 || p.offset == 0 {
		return res, res, err
	}
	first := p
	first.limit, first.offset = 1, 0
	totals, err = s.store(r).Query(r.Context(), sql, c.params(append(first.params(), kv...)...))
	return res, totals, err
}

// cell reads a named column of a row.
func cell(res *warehouse.Result, row []any, name string) any { return row[res.Index(name)] }

// callingUsageWeek is one week of calling_usage_trend.sql.
type callingUsageWeek struct {
	week       time.Time
	customers  int64
	usage      CallingUsageFigures
	computedAt *string
}

// callingUsageTrend reads the eight weeks ending with the scope's week,
// oldest first, one per week (zeros where there are no figures).
func (s *Server) callingUsageTrend(r *http.Request, c callingScope) ([]callingUsageWeek, error) {
	res, err := s.store(r).Query(r.Context(), callingUsageTrendSQL, c.params())
	if err != nil {
		return nil, err
	}
	byWeek := map[time.Time]callingUsageWeek{}
	for _, row := range res.Rows {
		n := func(name string) int64 { return warehouse.Int(cell(res, row, name)) }
		t := callingUsageWeek{week: warehouse.Time(cell(res, row, "week")), customers: n("customers"),
			usage: usageFigures(n), computedAt: computedAt(cell(res, row, "last_computed_at"))}
		byWeek[t.week] = t
	}
	out := make([]callingUsageWeek, callingTrendWeeks)
	for i := range out {
		w := trendWeek(c.week, i)
		t, ok := byWeek[w]
		if !ok {
			t = callingUsageWeek{week: w}
		}
		out[i] = t
	}
	return out, nil
}

// trendWeek is the i-th week (0: the oldest) of the trend ending with week.
func trendWeek(week time.Time, i int) time.Time {
	return week.AddDate(0, 0, -7*(callingTrendWeeks-1-i))
}

// computedAt renders a computation time, nil when there was none (an
// aggregate over no rows gives the epoch).
func computedAt(v any) *string {
	t := warehouse.Time(v)
	if t.Unix() <= 0 {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// counts reads a Map(String, UInt64) cell.
func counts(v any) map[string]int64 {
	out := map[string]int64{}
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			out[k] = warehouse.Int(x)
		}
	}
	return out
}

// tuple reads a tuple cell's members as floats.
func tuple(v any) []float64 {
	xs, _ := v.([]any)
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = warehouse.Float(x)
	}
	return out
}

// pct is part/whole in percent, rounded to two decimals; nil without a
// whole.
func pct(part, whole int64) *float64 {
	if whole <= 0 {
		return nil
	}
	v := math.Round(float64(part)/float64(whole)*10_000) / 100
	return &v
}

// ratio is a/b rounded to decimals; nil when b is 0.
func ratio(a, b float64, decimals int) *float64 {
	if b == 0 {
		return nil
	}
	f := math.Pow(10, float64(decimals))
	v := math.Round(a/b*f) / f
	return &v
}

func fptr(v float64) *float64 { return &v }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeCallingError answers a failed statement.
func (s *Server) writeCallingError(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, r, s.warehouseProblem(r, err))
}
