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

// The partner overview (README: Partner overview): the KPIs, the license
// distribution trend and the five sections, for any past day (as_of).
// The rollup (rollup/partner.go) keeps one row per subscription and per
// customer and day with the set memberships; these handlers aggregate them
// within the caller's scope, so a sales admin's KPIs cover their customers.

//go:embed sql/partner_known.sql
var partnerKnownSQL string

//go:embed sql/partner_overview_kpis.sql
var partnerOverviewKPIsSQL string

//go:embed sql/partner_section_rows.sql
var partnerSectionRowsSQL string

//go:embed sql/partner_trend.sql
var partnerTrendSQL string

// overviewProducts are the products the overview's switch chooses from;
// without a product the KPIs cover both (the reference's KPIs above the
// switch: customers with Meetings or Calling).
var overviewProducts = []string{"meetings", "calling"}

// overviewRequest is what every partner-overview route reads.
type overviewRequest struct {
	partnerID string
	day       time.Time
	products  []string
	product   *string // as asked; nil: Meetings and Calling
}

// parseAsOf reads as_of=YYYY-MM-DD (default today, UTC); a day after today
// has no figures yet and is refused.
func parseAsOf(r *http.Request, now time.Time, errs *paramErrors) time.Time {
	today := now.UTC().Truncate(24 * time.Hour)
	v := r.URL.Query().Get("as_of")
	if v == "" {
		return today
	}
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil:
		errs.add("as_of", "want a date YYYY-MM-DD, got "+strconv.Quote(v))
	case d.After(today):
		errs.add("as_of", "as_of "+v+" is after today ("+today.Format(time.DateOnly)+")")
	case d.Year() < 1970:
		errs.add("as_of", "as_of must not be before 1970-01-01")
	}
	return d
}

// parseOverview reads the partner, as_of and product of an overview route.
func (s *Server) parseOverview(r *http.Request, errs *paramErrors) overviewRequest {
	o := overviewRequest{partnerID: chi.URLParam(r, "partner_id"), products: overviewProducts}
	checkID("partner_id", o.partnerID, errs)
	o.day = parseAsOf(r, s.cfg.Now(), errs)
	if v := r.URL.Query().Get("product"); v != "" {
		if !slices.Contains(overviewProducts, v) {
			errs.add("product", "want meetings or calling, got "+strconv.Quote(v))
		}
		o.products, o.product = []string{v}, &v
	} else if _, given := r.URL.Query()["product"]; given {
		errs.add("product", "want meetings or calling, got an empty value")
	}
	return o
}

// partnerKnown answers 404 (and false) for a partner the caller may not
// see or that does not exist.
func (s *Server) partnerKnown(w http.ResponseWriter, r *http.Request, partnerID string) bool {
	res, err := s.store(r).Query(r.Context(), partnerKnownSQL, warehouse.P("partner_id", partnerID))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return false
	}
	if len(res.Rows) == 0 || !truthy(res.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no partner "+partnerID))
		return false
	}
	return true
}

// overviewFigures is one row of partner_overview_kpis.sql.
type overviewFigures struct {
	totalCustomers                                int64
	recentCustomers, recentSubs, recentLicenses   int64
	expiringCustomers, expiringSubs               int64
	expiringTotal, expiringAssigned, expiringUsed int64
	renewingCustomers, renewingSubs               int64
	renewingTotal, renewingAssigned, renewingUsed int64
	lowCustomers, lowSubs, lowTotal, lowAssigned  int64
	lowUsed, lowUnassigned                        int64
	overCustomers, overSubs, overLicenses         int64
}

func (s *Server) overviewFigures(r *http.Request, o overviewRequest) (*overviewFigures, error) {
	res, err := s.store(r).Query(r.Context(), partnerOverviewKPIsSQL, warehouse.P(
		"partner_id", o.partnerID, "day", warehouse.Date(o.day), "products", o.products))
	if err != nil {
		return nil, err
	}
	f := &overviewFigures{}
	if len(res.Rows) == 0 {
		return f, nil
	}
	v := res.Rows[0]
	n := func(i int) int64 { return warehouse.Int(v[i]) }
	*f = overviewFigures{
		totalCustomers:  n(0),
		recentCustomers: n(1), recentSubs: n(2), recentLicenses: n(3),
		expiringCustomers: n(4), expiringSubs: n(5), expiringTotal: n(6), expiringAssigned: n(7), expiringUsed: n(8),
		renewingCustomers: n(9), renewingSubs: n(10), renewingTotal: n(11), renewingAssigned: n(12), renewingUsed: n(13),
		lowCustomers: n(14), lowSubs: n(15), lowTotal: n(16), lowAssigned: n(17), lowUsed: n(18), lowUnassigned: n(19),
		overCustomers: n(20), overSubs: n(21), overLicenses: n(22),
	}
	return f, nil
}

// percent is part/whole as a percentage with one decimal; nil when whole
// is zero (no licenses: no share to show).
func percent(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	p := math.Round(float64(part)*1000/float64(whole)) / 10
	return &p
}

// OverviewKPIs answers GET /partners/{partner_id}/overview/kpis.
type OverviewKPIs struct {
	PartnerID            string  `json:"partner_id"`
	AsOf                 string  `json:"as_of"`
	Product              *string `json:"product"`
	TotalCustomers       int64   `json:"total_customers"`
	NearlyExpired        int64   `json:"nearly_expired"`
	NearlyRenewed        int64   `json:"nearly_renewed"`
	LowLicenseAllocation int64   `json:"low_license_allocation"`
	OverLicenseLimit     int64   `json:"over_license_limit"`
}

func (s *Server) overviewKPIs(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs, "as_of", "product")
	o := s.parseOverview(r, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if !s.partnerKnown(w, r, o.partnerID) {
		return
	}
	f, err := s.overviewFigures(r, o)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	writeJSON(w, http.StatusOK, OverviewKPIs{PartnerID: o.partnerID, AsOf: o.day.Format(time.DateOnly), Product: o.product,
		TotalCustomers: f.totalCustomers, NearlyExpired: f.expiringCustomers, NearlyRenewed: f.renewingCustomers,
		LowLicenseAllocation: f.lowCustomers, OverLicenseLimit: f.overCustomers})
}

// TrendWeek is one week of the license distribution trend.
type TrendWeek struct {
	WeekStart string `json:"week_start"`
	WeekEnd   string `json:"week_end"`
	Total     int64  `json:"total"`
	Assigned  int64  `json:"assigned"`
	Used      int64  `json:"used"`
}

// LicenseTrend answers GET /partners/{partner_id}/overview/license-trend.
type LicenseTrend struct {
	PartnerID string      `json:"partner_id"`
	AsOf      string      `json:"as_of"`
	Product   *string     `json:"product"`
	Weeks     []TrendWeek `json:"weeks"`
}

const (
	defaultTrendWeeks = 12
	maxTrendWeeks     = 52
)

// licenseTrend: assigned vs used licenses per week, the last week ending on
// as_of. A week's figures are those of its last day: licenses assigned at
// its end, users active during it.
func (s *Server) licenseTrend(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs, "as_of", "product", "weeks")
	o := s.parseOverview(r, &errs)
	weeks := intParam(r, "weeks", defaultTrendWeeks, 1, maxTrendWeeks, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if !s.partnerKnown(w, r, o.partnerID) {
		return
	}
	days := make([]string, weeks)
	out := LicenseTrend{PartnerID: o.partnerID, AsOf: o.day.Format(time.DateOnly), Product: o.product, Weeks: make([]TrendWeek, weeks)}
	for i := range weeks {
		end := o.day.AddDate(0, 0, -7*(weeks-1-i))
		days[i] = end.Format(time.DateOnly)
		out.Weeks[i] = TrendWeek{WeekStart: end.AddDate(0, 0, -6).Format(time.DateOnly), WeekEnd: days[i]}
	}
	res, err := s.store(r).Query(r.Context(), partnerTrendSQL, warehouse.P(
		"partner_id", o.partnerID, "days", days, "products", o.products))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	for _, row := range res.Rows {
		day := warehouse.Time(row[0]).Format(time.DateOnly)
		if i := slices.Index(days, day); i >= 0 {
			out.Weeks[i].Total, out.Weeks[i].Assigned, out.Weeks[i].Used = warehouse.Int(row[1]), warehouse.Int(row[2]), warehouse.Int(row[3])
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// Page says which rows of a table an answer holds.
type Page struct {
	Total  int64 `json:"total"`
	Limit  int   `json:"limit"`
	Offset int   `json:"offset"`
}

const (
	defaultPageSize = 50
	maxPageSize     = 1000
	maxOffset       = 1_000_000
)

func parsePage(r *http.Request, errs *paramErrors) (limit, offset int) {
	return intParam(r, "limit", defaultPageSize, 1, maxPageSize, errs), intParam(r, "offset", 0, 0, maxOffset, errs)
}

// CustomerRef is the Customer column of a section: the organisation's
// name, and its id for the customer's own views.
type CustomerRef struct {
	CustomerID string `json:"customer_id"`
	Name       string `json:"name"`
}

// LicenseSplit is the used/assigned/available column.
type LicenseSplit struct {
	Used      int64 `json:"used"`
	Assigned  int64 `json:"assigned"`
	Available int64 `json:"available"`
}

// CountShare is a count with its percentage of the subscription's total
// licenses (nil when it has none).
type CountShare struct {
	Count   int64    `json:"count"`
	Percent *float64 `json:"percent"`
}

// sectionRow is one row of partner_section_rows.sql.
type sectionRow struct {
	customer                      CustomerRef
	subscriptionID                string
	autoRenew                     bool
	total, assigned, assignedWeek int64
	used, usedWeek, used3m        int64
	daysSinceAdded, monthsSince   int64
	daysToExpiry, daysToRenewal   *int64
	remainingMonths               *int64
}

func (row sectionRow) split() LicenseSplit {
	return LicenseSplit{Used: row.used, Assigned: row.assigned, Available: max(0, row.total-row.assigned)}
}

func optInt(v any) *int64 {
	if v == nil {
		return nil
	}
	n := warehouse.Int(v)
	return &n
}

// The five sections: each its KPIs and its table with exactly the columns
// of the reference, one JSON member per column.

// RecentlyAddedRow: Klant, Abonnement-id, Dagen sinds toegevoegd, Totaal
// aantal licenties, Gebruikte/toegewezen/beschikbare licenties, Wekelijkse
// toewijzingswijziging, Wijziging wekelijks gebruik.
type RecentlyAddedRow struct {
	Customer               CustomerRef  `json:"customer"`
	SubscriptionID         string       `json:"subscription_id"`
	DaysSinceAdded         int64        `json:"days_since_added"`
	TotalLicenses          int64        `json:"total_licenses"`
	UsedAssignedAvailable  LicenseSplit `json:"used_assigned_available"`
	WeeklyAssignmentChange int64        `json:"weekly_assignment_change"`
	WeeklyUsageChange      int64        `json:"weekly_usage_change"`
}

// ExpiringRow: Klant, Abonnement-id, Dagen tot vervaldatum, Totaal aantal
// licenties, Gebruikte/toegewezen/beschikbare licenties, Gebruik in de
// afgelopen 3 maanden.
type ExpiringRow struct {
	Customer              CustomerRef  `json:"customer"`
	SubscriptionID        string       `json:"subscription_id"`
	DaysToExpiry          int64        `json:"days_to_expiry"`
	TotalLicenses         int64        `json:"total_licenses"`
	UsedAssignedAvailable LicenseSplit `json:"used_assigned_available"`
	UsageLast3Months      int64        `json:"usage_last_3_months"`
}

// RenewingRow: as ExpiringRow with Dagen tot verlenging.
type RenewingRow struct {
	Customer              CustomerRef  `json:"customer"`
	SubscriptionID        string       `json:"subscription_id"`
	DaysToRenewal         int64        `json:"days_to_renewal"`
	TotalLicenses         int64        `json:"total_licenses"`
	UsedAssignedAvailable LicenseSplit `json:"used_assigned_available"`
	UsageLast3Months      int64        `json:"usage_last_3_months"`
}

// LowAllocationRow: Klant, Abonnement-id, Maanden sinds toegevoegd,
// Toegewezen licenties (%), Totaal aantal licenties,
// Gebruikte/toegewezen/beschikbare licenties, Wekelijkse
// toewijzingswijziging.
type LowAllocationRow struct {
	Customer               CustomerRef  `json:"customer"`
	SubscriptionID         string       `json:"subscription_id"`
	MonthsSinceAdded       int64        `json:"months_since_added"`
	AssignedLicenses       CountShare   `json:"assigned_licenses"`
	TotalLicenses          int64        `json:"total_licenses"`
	UsedAssignedAvailable  LicenseSplit `json:"used_assigned_available"`
	WeeklyAssignmentChange int64        `json:"weekly_assignment_change"`
}

// OverLimitRow: Klant, Abonnement-id, Resterende maanden, Automatisch
// verlengen?, Totaal aantal licenties, Toegewezen licenties (%), Gebruikte
// licenties (%).
type OverLimitRow struct {
	Customer         CustomerRef `json:"customer"`
	SubscriptionID   string      `json:"subscription_id"`
	RemainingMonths  *int64      `json:"remaining_months"`
	AutoRenew        bool        `json:"auto_renew"`
	TotalLicenses    int64       `json:"total_licenses"`
	AssignedLicenses CountShare  `json:"assigned_licenses"`
	UsedLicenses     CountShare  `json:"used_licenses"`
}

// Section is the answer of every section route; KPIs and Rows differ per
// section (the OpenAPI document names each).
type Section struct {
	PartnerID string  `json:"partner_id"`
	AsOf      string  `json:"as_of"`
	Product   *string `json:"product"`
	Section   string  `json:"section"`
	KPIs      any     `json:"kpis"`
	Page      Page    `json:"page"`
	Rows      any     `json:"rows"`
}

// RecentlyAddedKPIs: Nieuwe klanten, Totaal aantal licenties.
type RecentlyAddedKPIs struct {
	NewCustomers  int64 `json:"new_customers"`
	TotalLicenses int64 `json:"total_licenses"`
}

// ExpiringKPIs: Verlopen klanten, Licentietoewijzing, Licentiegebruik.
type ExpiringKPIs struct {
	ExpiringCustomers    int64    `json:"expiring_customers"`
	LicenseAssignmentPct *float64 `json:"license_assignment_pct"`
	LicenseUsagePct      *float64 `json:"license_usage_pct"`
}

// RenewingKPIs: Klanten vernieuwen, Licentietoewijzing, Licentiegebruik.
type RenewingKPIs struct {
	RenewingCustomers    int64    `json:"renewing_customers"`
	LicenseAssignmentPct *float64 `json:"license_assignment_pct"`
	LicenseUsagePct      *float64 `json:"license_usage_pct"`
}

// LowAllocationKPIs: Klanten met een lage toewijzing, Licentietoewijzing,
// Licentiegebruik wanneer toegewezen, Totaal aantal niet-toegewezen
// licenties.
type LowAllocationKPIs struct {
	LowAllocationCustomers      int64    `json:"low_allocation_customers"`
	LicenseAssignmentPct        *float64 `json:"license_assignment_pct"`
	LicenseUsageWhenAssignedPct *float64 `json:"license_usage_when_assigned_pct"`
	TotalUnassignedLicenses     int64    `json:"total_unassigned_licenses"`
}

// OverLimitKPIs: Klanten met een overschrijding, Totaal aantal licenties in
// overschrijding, Gemiddelde licentieoverschrijding.
type OverLimitKPIs struct {
	CustomersWithOverage   int64    `json:"customers_with_overage"`
	TotalLicensesInOverage int64    `json:"total_licenses_in_overage"`
	AverageOverage         *float64 `json:"average_overage"`
}

// sectionSpec ties a route to its set and its shapes.
type sectionSpec struct {
	name string // the set, as partner_section_rows.sql names it
	kpis func(f *overviewFigures) (any, int64)
	row  func(sectionRow) any
}

var sections = map[string]sectionSpec{
	"recently-added": {name: "recently_added",
		kpis: func(f *overviewFigures) (any, int64) {
			return RecentlyAddedKPIs{NewCustomers: f.recentCustomers, TotalLicenses: f.recentLicenses}, f.recentSubs
		},
		row: func(s sectionRow) any {
			return RecentlyAddedRow{Customer: s.customer, SubscriptionID: s.subscriptionID, DaysSinceAdded: s.daysSinceAdded,
				TotalLicenses: s.total, UsedAssignedAvailable: s.split(),
				WeeklyAssignmentChange: s.assigned - s.assignedWeek, WeeklyUsageChange: s.used - s.usedWeek}
		}},
	"expiring": {name: "expiring",
		kpis: func(f *overviewFigures) (any, int64) {
			return ExpiringKPIs{ExpiringCustomers: f.expiringCustomers,
				LicenseAssignmentPct: percent(f.expiringAssigned, f.expiringTotal),
				LicenseUsagePct:      percent(f.expiringUsed, f.expiringTotal)}, f.expiringSubs
		},
		row: func(s sectionRow) any {
			return ExpiringRow{Customer: s.customer, SubscriptionID: s.subscriptionID, DaysToExpiry: deref(s.daysToExpiry),
				TotalLicenses: s.total, UsedAssignedAvailable: s.split(), UsageLast3Months: s.used3m}
		}},
	"renewing": {name: "renewing",
		kpis: func(f *overviewFigures) (any, int64) {
			return RenewingKPIs{RenewingCustomers: f.renewingCustomers,
				LicenseAssignmentPct: percent(f.renewingAssigned, f.renewingTotal),
				LicenseUsagePct:      percent(f.renewingUsed, f.renewingTotal)}, f.renewingSubs
		},
		row: func(s sectionRow) any {
			return RenewingRow{Customer: s.customer, SubscriptionID: s.subscriptionID, DaysToRenewal: deref(s.daysToRenewal),
				TotalLicenses: s.total, UsedAssignedAvailable: s.split(), UsageLast3Months: s.used3m}
		}},
	"low-allocation": {name: "low_allocation",
		kpis: func(f *overviewFigures) (any, int64) {
			return LowAllocationKPIs{LowAllocationCustomers: f.lowCustomers,
				LicenseAssignmentPct:        percent(f.lowAssigned, f.lowTotal),
				LicenseUsageWhenAssignedPct: percent(f.lowUsed, f.lowTotal),
				TotalUnassignedLicenses:     f.lowUnassigned}, f.lowSubs
		},
		row: func(s sectionRow) any {
			return LowAllocationRow{Customer: s.customer, SubscriptionID: s.subscriptionID, MonthsSinceAdded: s.monthsSince,
				AssignedLicenses: CountShare{Count: s.assigned, Percent: percent(s.assigned, s.total)},
				TotalLicenses:    s.total, UsedAssignedAvailable: s.split(),
				WeeklyAssignmentChange: s.assigned - s.assignedWeek}
		}},
	"over-limit": {name: "over_limit",
		kpis: func(f *overviewFigures) (any, int64) {
			k := OverLimitKPIs{CustomersWithOverage: f.overCustomers, TotalLicensesInOverage: f.overLicenses}
			if f.overCustomers > 0 {
				avg := math.Round(float64(f.overLicenses)*10/float64(f.overCustomers)) / 10
				k.AverageOverage = &avg
			}
			return k, f.overSubs
		},
		row: func(s sectionRow) any {
			return OverLimitRow{Customer: s.customer, SubscriptionID: s.subscriptionID, RemainingMonths: s.remainingMonths,
				AutoRenew: s.autoRenew, TotalLicenses: s.total,
				AssignedLicenses: CountShare{Count: s.assigned, Percent: percent(s.assigned, s.total)},
				UsedLicenses:     CountShare{Count: s.used, Percent: percent(s.used, s.total)}}
		}},
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// section serves GET /partners/{partner_id}/overview/{section}.
func (s *Server) section(route string) http.HandlerFunc {
	spec, ok := sections[route]
	if !ok {
		panic("query: no section " + route)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var errs paramErrors
		checkKnownParams(r, &errs, "as_of", "product", "limit", "offset")
		o := s.parseOverview(r, &errs)
		limit, offset := parsePage(r, &errs)
		if p := errs.problem(); p != nil {
			writeProblem(w, r, p)
			return
		}
		if !s.partnerKnown(w, r, o.partnerID) {
			return
		}
		f, err := s.overviewFigures(r, o)
		if err != nil {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		kpis, total := spec.kpis(f)
		rows := []any{}
		if int64(offset) < total {
			res, err := s.store(r).Query(r.Context(), partnerSectionRowsSQL, warehouse.P(
				"partner_id", o.partnerID, "day", warehouse.Date(o.day), "products", o.products,
				"section", spec.name, "limit", limit, "offset", offset))
			if err != nil {
				writeProblem(w, r, s.warehouseProblem(r, err))
				return
			}
			for _, v := range res.Rows {
				rows = append(rows, spec.row(sectionRow{
					customer:       CustomerRef{CustomerID: warehouse.Str(v[0]), Name: warehouse.Str(v[1])},
					subscriptionID: warehouse.Str(v[2]), autoRenew: truthy(v[3]),
					total: warehouse.Int(v[4]), assigned: warehouse.Int(v[5]), assignedWeek: warehouse.Int(v[6]),
					used: warehouse.Int(v[7]), usedWeek: warehouse.Int(v[8]), used3m: warehouse.Int(v[9]),
					daysSinceAdded: warehouse.Int(v[10]), monthsSince: warehouse.Int(v[11]),
					daysToExpiry: optInt(v[12]), daysToRenewal: optInt(v[13]), remainingMonths: optInt(v[14]),
				}))
			}
		}
		writeJSON(w, http.StatusOK, Section{PartnerID: o.partnerID, AsOf: o.day.Format(time.DateOnly), Product: o.product,
			Section: spec.name, KPIs: kpis, Page: Page{Total: total, Limit: limit, Offset: offset}, Rows: rows})
	}
}

// queryList reads a repeatable parameter; each value must be one of
// allowed (nil: any identifier).
func queryList(r *http.Request, name string, allowed []string, errs *paramErrors) []string {
	vals := r.URL.Query()[name]
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		switch {
		case allowed != nil && !slices.Contains(allowed, v):
			errs.add(name, "want one of "+strings.Join(allowed, ", ")+", got "+strconv.Quote(v))
		case allowed == nil && !idRe.MatchString(v):
			errs.add(name, "not an identifier: "+strconv.Quote(v))
		case !slices.Contains(out, v):
			out = append(out, v)
		}
	}
	return out
}
