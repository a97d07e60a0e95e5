package query

import (
	"cmp"
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
	//go:embed sql/calling_trend.sql
	callingTrendSQL string
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

// page is one page of a customer table.
type page struct {
	limit, offset int
	sort          string
}

// parsePage reads limit (1-1000), offset and sort (a key of sorts, "-" in
// front for descending).
func parsePage(r *http.Request, errs *paramErrors, defaultSort string, sorts []string) page {
	q := r.URL.Query()
	p := page{limit: defaultPageLimit, sort: defaultSort}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageLimit {
			errs.add("limit", "want an integer from 1 to "+strconv.Itoa(maxPageLimit)+", got "+strconv.Quote(v))
		}
		p.limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10_000_000 {
			errs.add("offset", "want an integer of 0 or more, got "+strconv.Quote(v))
		}
		p.offset = n
	}
	if v := q.Get("sort"); v != "" {
		if !slices.Contains(sorts, strings.TrimPrefix(v, "-")) {
			errs.add("sort", "want one of "+strings.Join(sorts, ", ")+" (- in front: descending), got "+strconv.Quote(v))
		}
		p.sort = v
	}
	return p
}

// Page is one page of a table: total rows, and the slice shown.
type Page[T any] struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Items  []T `json:"items"`
}

// sortAndPage orders rows by the page's sort key (key gives a row's value;
// nil sorts last whatever the direction), then by name and id, and cuts
// the page.
func sortAndPage[T any](rows []T, p page, key func(T, string) *float64, name func(T) (string, string)) Page[T] {
	field, desc := strings.TrimPrefix(p.sort, "-"), strings.HasPrefix(p.sort, "-")
	slices.SortStableFunc(rows, func(a, b T) int {
		an, aid := name(a)
		bn, bid := name(b)
		if field != "customer_name" {
			av, bv := key(a, field), key(b, field)
			switch {
			case av == nil && bv != nil:
				return 1
			case av != nil && bv == nil:
				return -1
			case av != nil && bv != nil && *av != *bv:
				if desc {
					return cmp.Compare(*bv, *av)
				}
				return cmp.Compare(*av, *bv)
			}
			desc = false // ties by name, ascending
		}
		c := cmp.Or(strings.Compare(strings.ToLower(an), strings.ToLower(bn)), strings.Compare(aid, bid))
		if desc {
			return -c
		}
		return c
	})
	out := Page[T]{Total: len(rows), Limit: p.limit, Offset: p.offset, Items: []T{}}
	if p.offset < len(rows) {
		out.Items = rows[p.offset:min(len(rows), p.offset+p.limit)]
	}
	return out
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

// callingRequest checks the path id, week and the route's other
// parameters, and that the partner or customer exists for the caller; it
// answers the problem itself and returns false when not.
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
	ctx := r.Context()
	if perCustomer {
		res, err := s.store(r).Query(ctx, callingCustomerKnownSQL, warehouse.P("customer_id", c.customerID))
		if err != nil {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return c, false
		}
		if len(res.Rows) == 0 || !truthy(res.Rows[0][0]) {
			writeProblem(w, r, problemNotFound("no customer "+c.customerID))
			return c, false
		}
		if name := warehouse.Str(res.Rows[0][1]); name != "" {
			c.customerName = &name
		}
		return c, true
	}
	res, err := s.store(r).Query(ctx, callingPartnerKnownSQL, warehouse.P("partner_id", c.partnerID))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return c, false
	}
	if len(res.Rows) == 0 || !truthy(res.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no partner "+c.partnerID))
		return c, false
	}
	return c, true
}

// callingWeekTotals is one week of calling_trend.sql.
type callingWeekTotals struct {
	week       time.Time
	customers  int64
	usage      CallingUsageFigures
	poorCalls  int64
	rules      map[string]float64
	computedAt time.Time
}

// callingTotals reads the totals of the weeks ending with the scope's
// week (weeks of them), oldest first, one per week (zeros where there are
// no figures).
func (s *Server) callingTotals(r *http.Request, c callingScope, weeks int) ([]callingWeekTotals, error) {
	res, err := s.store(r).Query(r.Context(), callingTrendSQL, c.params("weeks", weeks))
	if err != nil {
		return nil, err
	}
	byWeek := map[time.Time]callingWeekTotals{}
	for _, row := range res.Rows {
		get := func(name string) any { return row[res.Index(name)] }
		n := func(name string) int64 { return warehouse.Int(get(name)) }
		t := callingWeekTotals{week: warehouse.Time(get("week")), customers: n("customers"), poorCalls: n("poor_calls"),
			computedAt: warehouse.Time(get("last_computed_at")), rules: map[string]float64{}}
		t.usage = usageFigures(n)
		for _, k := range []string{"rule_rtt_ms", "rule_packet_loss_pct", "rule_jitter_ms", "rule_mos_floor",
			"rule_service_level_s", "rule_short_abandon_s"} {
			t.rules[k] = warehouse.Float(get(k))
		}
		byWeek[t.week] = t
	}
	out := make([]callingWeekTotals, weeks)
	for i := range out {
		w := c.week.AddDate(0, 0, -7*(weeks-1-i))
		t, ok := byWeek[w]
		if !ok {
			t = callingWeekTotals{week: w}
		}
		out[i] = t
	}
	return out, nil
}

// computedAt is when the week's figures were computed, nil before.
func (t callingWeekTotals) computedAtJSON() *string {
	if t.computedAt.IsZero() {
		return nil
	}
	s := t.computedAt.UTC().Format(time.RFC3339Nano)
	return &s
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

// writeCallingError answers a failed statement.
func (s *Server) writeCallingError(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, r, s.warehouseProblem(r, err))
}
