package query

import (
	"math"
	"net/http"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// CallingBucket is one usage-volume bucket: users who made or took between
// MinCalls and MaxCalls calls in the week (MaxCalls nil: no upper bound).
// no_calls holds licensed users without a call.
type CallingBucket struct {
	Name     string `json:"name"`
	MinCalls int    `json:"min_calls"`
	MaxCalls *int   `json:"max_calls"`
}

func intp(v int) *int { return &v }

// callingBuckets are the buckets of calling_customer_weekly.sql.
var callingBuckets = []CallingBucket{
	{"no_calls", 0, intp(0)}, {"low", 1, intp(5)}, {"medium", 6, intp(20)}, {"high", 21, nil},
}

// CallingUsersByBucket counts users per bucket.
type CallingUsersByBucket struct {
	NoCalls int64 `json:"no_calls"`
	Low     int64 `json:"low"`
	Medium  int64 `json:"medium"`
	High    int64 `json:"high"`
}

// CallingUsageFigures are a week's usage of a set of customers.
type CallingUsageFigures struct {
	LicensedUsers    int64                `json:"licensed_users"`
	ActiveUsers      int64                `json:"active_users"`
	Calls            int64                `json:"calls"`
	CallMinutes      float64              `json:"call_minutes"`
	CallsWithoutUser int64                `json:"calls_without_user"`
	UsersByBucket    CallingUsersByBucket `json:"users_by_bucket"`
}

func usageFigures(n func(string) int64) CallingUsageFigures {
	return CallingUsageFigures{
		LicensedUsers: n("licensed_users"), ActiveUsers: n("active_users"), Calls: n("calls"),
		CallMinutes: math.Round(float64(n("call_seconds"))/6) / 10, CallsWithoutUser: n("calls_without_user"),
		UsersByBucket: CallingUsersByBucket{NoCalls: n("users_no_calls"), Low: n("users_low"),
			Medium: n("users_medium"), High: n("users_high")},
	}
}

// CallingUsageCustomer is one customer's usage in the week, beside the
// week before.
type CallingUsageCustomer struct {
	CustomerID   string  `json:"customer_id"`
	CustomerName *string `json:"customer_name"`
	CallingUsageFigures
	CallsPerActiveUser *float64 `json:"calls_per_active_user"`
	CallsPreviousWeek  *int64   `json:"calls_previous_week"`
	CallsChangePct     *float64 `json:"calls_change_pct"`
}

// CallingUsageWeek is one week of the usage trend.
type CallingUsageWeek struct {
	Week      string `json:"week"`
	Customers int64  `json:"customers"`
	CallingUsageFigures
}

// CallingUsageSummary is the usage of every customer of the table.
type CallingUsageSummary struct {
	Customers int `json:"customers"`
	CallingUsageFigures
}

// PartnerCallingUsage answers GET /partners/{partner_id}/calling/usage.
type PartnerCallingUsage struct {
	PartnerID  string                           `json:"partner_id"`
	Week       CallingWeek                      `json:"week"`
	ComputedAt *string                          `json:"computed_at"`
	Buckets    []CallingBucket                  `json:"buckets"`
	Summary    CallingUsageSummary              `json:"summary"`
	Trend      []CallingUsageWeek               `json:"trend"`
	Customers  TablePage[*CallingUsageCustomer] `json:"customers"`
}

// CustomerCallingUsage answers GET /customers/{customer_id}/calling/usage.
type CustomerCallingUsage struct {
	Customer   *CallingUsageCustomer `json:"customer"`
	Week       CallingWeek           `json:"week"`
	ComputedAt *string               `json:"computed_at"`
	Buckets    []CallingBucket       `json:"buckets"`
	Trend      []CallingUsageWeek    `json:"trend"`
}

var usageSorts = []string{"customer_name", "calls", "call_minutes", "licensed_users", "active_users",
	"users_no_calls", "calls_per_active_user", "calls_change_pct"}

func (s *Server) partnerCallingUsage(w http.ResponseWriter, r *http.Request) {
	var pg page
	c, ok := s.callingRequest(w, r, false, func(e *paramErrors) { pg = parseCallingPage(r, e, "customer_name", usageSorts) },
		"limit", "offset", "sort")
	if !ok {
		return
	}
	rows, total, err := s.callingUsage(r, c, pg)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	if total == 0 && !s.callingPartnerKnown(w, r, c) {
		return
	}
	trend, err := s.callingUsageTrend(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	last := trend[len(trend)-1]
	// The table holds every customer with figures that week, so the
	// week's totals are the table's sums.
	writeJSON(w, http.StatusOK, PartnerCallingUsage{PartnerID: c.partnerID, Week: callingWeekJSON(c.week), ComputedAt: last.computedAt,
		Buckets: callingBuckets, Summary: CallingUsageSummary{Customers: total, CallingUsageFigures: last.usage},
		Trend: usageTrend(trend), Customers: TablePage[*CallingUsageCustomer]{Total: total, Limit: pg.limit, Offset: pg.offset, Items: rows}})
}

func (s *Server) customerCallingUsage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.callingRequest(w, r, true, nil)
	if !ok {
		return
	}
	rows, _, err := s.callingUsage(r, c, page{limit: 1, sort: "customer_name"})
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	trend, err := s.callingUsageTrend(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	row := &CallingUsageCustomer{CustomerID: c.customerID}
	if len(rows) > 0 {
		row = rows[0]
	}
	row.CustomerName = c.customerName
	writeJSON(w, http.StatusOK, CustomerCallingUsage{Customer: row, Week: callingWeekJSON(c.week),
		ComputedAt: trend[len(trend)-1].computedAt, Buckets: callingBuckets, Trend: usageTrend(trend)})
}

// callingUsage reads one page of the usage table and its total rows.
func (s *Server) callingUsage(r *http.Request, c callingScope, pg page) ([]*CallingUsageCustomer, int, error) {
	res, totals, err := s.tablePage(r, callingUsageSQL, c, pg)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	if len(totals.Rows) > 0 {
		total = int(warehouse.Int(cell(totals, totals.Rows[0], "total")))
	}
	rows := make([]*CallingUsageCustomer, 0, len(res.Rows))
	for _, row := range res.Rows {
		n := func(name string) int64 { return warehouse.Int(cell(res, row, name)) }
		u := &CallingUsageCustomer{CustomerID: warehouse.Str(cell(res, row, "customer_id")),
			CustomerName: nonEmpty(warehouse.Str(cell(res, row, "name"))), CallingUsageFigures: usageFigures(n)}
		u.CallsPerActiveUser = ratio(float64(u.Calls-u.CallsWithoutUser), float64(u.ActiveUsers), 1)
		if truthy(cell(res, row, "has_previous")) {
			prev := n("calls_previous_week")
			u.CallsPreviousWeek = &prev
			u.CallsChangePct = changePct(u.Calls, prev)
		}
		rows = append(rows, u)
	}
	return rows, total, nil
}

// changePct is the change from prev to cur in percent (nil from zero).
func changePct(cur, prev int64) *float64 {
	if prev == 0 {
		return nil
	}
	v := math.Round(float64(cur-prev)/float64(prev)*10_000) / 100
	return &v
}

func usageTrend(trend []callingUsageWeek) []CallingUsageWeek {
	out := make([]CallingUsageWeek, len(trend))
	for i, t := range trend {
		out[i] = CallingUsageWeek{Week: t.week.Format(time.DateOnly), Customers: t.customers, CallingUsageFigures: t.usage}
	}
	return out
}
