package query_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// The expected figures below are computed by hand from overviewWorld
// (partner_fixture_test.go); today is day 0, 2026-11-23.

// overviewAPI is the fixture world rolled up for today, 7, 14, 21 and 30
// days ago, served to principal p (the operator when zero).
func overviewAPI(t *testing.T, w warehouse.Warehouse, p query.Principal) *apitest.Client {
	t.Helper()
	if p.Role == "" {
		p = query.Principal{Subject: "operator", Role: query.Operator}
	}
	srv, err := query.NewServer(query.Config{Now: func() time.Time { return today }, Logger: quietLog()},
		query.Deps{Warehouse: w, Auth: asPrincipal(p)})
	if err != nil {
		t.Fatal(err)
	}
	return &apitest.Client{Handler: srv.Handler()}
}

func rolledUpWorld(t *testing.T) warehouse.Warehouse {
	t.Helper()
	w := whtest.Database(t)
	overviewWorld(t, w).rollUp(0, -7, -14, -21, -30)
	return w
}

func getJSON(t *testing.T, api *apitest.Client, path string, v any) {
	t.Helper()
	resp := api.Get(t, path)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.Status, resp.Body)
	}
	resp.JSON(t, v)
}

func pct(v float64) *float64 { return &v }

func i64(v int64) *int64 { return &v }

func TestOverviewKPIsPerProduct(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	meetings, calling := "meetings", "calling"
	for _, tc := range []struct {
		query string
		want  query.OverviewKPIs
	}{
		// Meetings: the eight customers with Meetings (India has only
		// Messaging); expiring A-MTG (alfa), C-MTG (charlie), D-TRIAL
		// (delta); renewing G-MTG (golf), E-MTG (echo); low B-MTG, C-MTG,
		// H-MTG; over the limit E-MTG, G-MTG.
		{"?product=meetings", query.OverviewKPIs{Product: &meetings, TotalCustomers: 8, NearlyExpired: 3, NearlyRenewed: 2,
			LowLicenseAllocation: 3, OverLicenseLimit: 2}},
		// Calling: alfa and foxtrot; A-CALL ends in 91 days (not expiring),
		// is alone in its product (no peers: not low) and is over its limit
		// (6 of 5); F-CALL is cancelled.
		{"?product=calling", query.OverviewKPIs{Product: &calling, TotalCustomers: 2, NearlyExpired: 0, NearlyRenewed: 0,
			LowLicenseAllocation: 0, OverLicenseLimit: 1}},
		// Both: over the limit adds alfa (A-CALL).
		{"", query.OverviewKPIs{TotalCustomers: 8, NearlyExpired: 3, NearlyRenewed: 2, LowLicenseAllocation: 3, OverLicenseLimit: 3}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var got query.OverviewKPIs
			getJSON(t, api, "/api/v1/partners/p1/overview/kpis"+tc.query, &got)
			tc.want.PartnerID, tc.want.AsOf = "p1", "2026-11-23"
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// section decodes a section answer with its own KPI and row types.
func section[K, R any](t *testing.T, api *apitest.Client, path string) (K, []R, query.Page) {
	t.Helper()
	var raw struct {
		Section string          `json:"section"`
		KPIs    json.RawMessage `json:"kpis"`
		Page    query.Page      `json:"page"`
		Rows    json.RawMessage `json:"rows"`
	}
	getJSON(t, api, path, &raw)
	var k K
	var rows []R
	if err := json.Unmarshal(raw.KPIs, &k); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw.Rows, &rows); err != nil {
		t.Fatal(err)
	}
	return k, rows, raw.Page
}

func cust(id, name string) query.CustomerRef { return query.CustomerRef{CustomerID: id, Name: name} }

func split(used, assigned, available int64) query.LicenseSplit {
	return query.LicenseSplit{Used: used, Assigned: assigned, Available: available}
}

func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, gj, wj)
	}
}

func TestOverviewRecentlyAdded(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	// Added 0..90 days ago: A-MTG2 (5 days), D-TRIAL (10), B-MTG (90, the
	// boundary); C-MTG (91 days) is out. New customers alfa, delta, bravo;
	// their licenses are those of every live Meetings subscription they
	// have: alfa 10 (A-MTG) + 6 (A-MTG2), delta 25, bravo 20 = 61.
	k, rows, page := section[query.RecentlyAddedKPIs, query.RecentlyAddedRow](t, api, "/api/v1/partners/p1/overview/recently-added?product=meetings")
	check(t, "kpis", k, query.RecentlyAddedKPIs{NewCustomers: 3, TotalLicenses: 61})
	check(t, "page", page, query.Page{Total: 3, Limit: 50, Offset: 0})
	check(t, "rows", rows, []query.RecentlyAddedRow{
		// x1-x3 assigned 4 days ago (none a week ago): +3; x1 active
		// yesterday (nobody the week before): +1.
		{Customer: cust("c-alfa", "Alfa Bouw"), SubscriptionID: "A-MTG2", DaysSinceAdded: 5, TotalLicenses: 6,
			UsedAssignedAvailable: split(1, 3, 3), WeeklyAssignmentChange: 3, WeeklyUsageChange: 1},
		// d1-d10 held since day -9 (also a week ago): 0; d1-d6 active on
		// day -2, d1-d2 on day -8 (the week before): 6 - 2 = +4.
		{Customer: cust("c-delta", "Delta Media"), SubscriptionID: "D-TRIAL", DaysSinceAdded: 10, TotalLicenses: 25,
			UsedAssignedAvailable: split(6, 10, 15), WeeklyAssignmentChange: 0, WeeklyUsageChange: 4},
		// b3 assigned 3 days ago: 3 - 2 = +1; b1 active today (used 1), the
		// week before b1 (day -8) and b2 (day -9): 1 - 2 = -1.
		{Customer: cust("c-bravo", "Bravo Logistiek"), SubscriptionID: "B-MTG", DaysSinceAdded: 90, TotalLicenses: 20,
			UsedAssignedAvailable: split(1, 3, 17), WeeklyAssignmentChange: 1, WeeklyUsageChange: -1},
	})

	// Paging: the second row alone, the total still 3.
	_, rows, page = section[query.RecentlyAddedKPIs, query.RecentlyAddedRow](t, api, "/api/v1/partners/p1/overview/recently-added?product=meetings&limit=1&offset=1")
	if len(rows) != 1 || rows[0].SubscriptionID != "D-TRIAL" || page.Total != 3 {
		t.Errorf("page 2 of 1 = %+v %+v, want D-TRIAL of 3", rows, page)
	}
	_, rows, page = section[query.RecentlyAddedKPIs, query.RecentlyAddedRow](t, api, "/api/v1/partners/p1/overview/recently-added?product=meetings&offset=3")
	if len(rows) != 0 || page.Total != 3 {
		t.Errorf("past the end = %+v %+v, want no rows of 3", rows, page)
	}
}

func TestOverviewExpiring(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	// Ending 0..90 days from today without auto-renewal: C-MTG (today, day
	// 0), D-TRIAL (a trial, 20), A-MTG (90). A-MTG2 ends in 360; B, E, G, H
	// renew automatically; F-MTG ended yesterday; A-CALL (Calling) ends in
	// 91. Totals 8 + 25 + 10 = 43; assigned 0 + 10 + 4 = 14 (32.6%); used
	// 0 + 6 + 1 = 7 (16.3%).
	k, rows, _ := section[query.ExpiringKPIs, query.ExpiringRow](t, api, "/api/v1/partners/p1/overview/expiring?product=meetings")
	check(t, "kpis", k, query.ExpiringKPIs{ExpiringCustomers: 3, LicenseAssignmentPct: pct(32.6), LicenseUsagePct: pct(16.3)})
	check(t, "rows", rows, []query.ExpiringRow{
		// Charlie: a customer with no assignments.
		{Customer: cust("c-charlie", "Charlie Zorg"), SubscriptionID: "C-MTG", DaysToExpiry: 0, TotalLicenses: 8,
			UsedAssignedAvailable: split(0, 0, 8), UsageLast3Months: 0},
		{Customer: cust("c-delta", "Delta Media"), SubscriptionID: "D-TRIAL", DaysToExpiry: 20, TotalLicenses: 25,
			UsedAssignedAvailable: split(6, 10, 15), UsageLast3Months: 6},
		// a1 (day -1), a2 (-10) and a3 (-60) were active in the last 3
		// months; only a1 in the last 7 days.
		{Customer: cust("c-alfa", "Alfa Bouw"), SubscriptionID: "A-MTG", DaysToExpiry: 90, TotalLicenses: 10,
			UsedAssignedAvailable: split(1, 4, 6), UsageLast3Months: 3},
	})
	// Calling: A-CALL ends in 91 days, one past the set.
	k, rows, _ = section[query.ExpiringKPIs, query.ExpiringRow](t, api, "/api/v1/partners/p1/overview/expiring?product=calling")
	check(t, "calling kpis", k, query.ExpiringKPIs{ExpiringCustomers: 0})
	check(t, "calling rows", rows, []query.ExpiringRow{})
}

func TestOverviewRenewing(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	// Renewing automatically 0..90 days from today: G-MTG (today: its term
	// ended yesterday and it renews today), E-MTG (90; suspended but still
	// live). B-MTG renews in 276 days, H-MTG in 91. Totals 40 + 10 = 50;
	// assigned 44 + 12 = 56 (112.0%); used 30 + 3 = 33 (66.0%).
	k, rows, _ := section[query.RenewingKPIs, query.RenewingRow](t, api, "/api/v1/partners/p1/overview/renewing?product=meetings")
	check(t, "kpis", k, query.RenewingKPIs{RenewingCustomers: 2, LicenseAssignmentPct: pct(112), LicenseUsagePct: pct(66)})
	check(t, "rows", rows, []query.RenewingRow{
		{Customer: cust("c-golf", "Golf Techniek"), SubscriptionID: "G-MTG", DaysToRenewal: 0, TotalLicenses: 40,
			UsedAssignedAvailable: split(30, 44, 0), UsageLast3Months: 30},
		{Customer: cust("c-echo", "Echo Retail"), SubscriptionID: "E-MTG", DaysToRenewal: 90, TotalLicenses: 10,
			UsedAssignedAvailable: split(3, 12, 0), UsageLast3Months: 3},
	})
}

func TestOverviewLowAllocation(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	// Live Meetings subscriptions and their assigned shares, by size band
	// (defaults: bands from 10, 50, 250, 1000 licenses; at least 5 peers;
	// low below half the peers' median):
	//   band 1-9:   A-MTG2 3/6 = .5, C-MTG 0/8 = 0      → 2 peers: use the product
	//   band 10-49: A-MTG .4, B-MTG 3/20 = .15, D-TRIAL .4, E-MTG 1.2, G-MTG 1.1
	//               → median .4: B-MTG (.15 < .2) is low
	//   band 50-249: H-MTG 0/50 = 0                    → 1 peer: use the product
	//   product: 0, 0, .15, .4, .4, .5, 1.1, 1.2 → median .4: C-MTG and H-MTG
	//            (0 < .2) are low, A-MTG2 (.5) is not
	// Totals 20 + 8 + 50 = 78; assigned 3 (3.8%); used 1 (1.3%); unassigned
	// 17 + 8 + 50 = 75.
	k, rows, _ := section[query.LowAllocationKPIs, query.LowAllocationRow](t, api, "/api/v1/partners/p1/overview/low-allocation?product=meetings")
	check(t, "kpis", k, query.LowAllocationKPIs{LowAllocationCustomers: 3, LicenseAssignmentPct: pct(3.8),
		LicenseUsageWhenAssignedPct: pct(1.3), TotalUnassignedLicenses: 75})
	check(t, "rows", rows, []query.LowAllocationRow{
		// Added 2026-08-24: 2 whole months to 2026-11-23.
		{Customer: cust("c-charlie", "Charlie Zorg"), SubscriptionID: "C-MTG", MonthsSinceAdded: 2,
			AssignedLicenses: query.CountShare{Count: 0, Percent: pct(0)}, TotalLicenses: 8,
			UsedAssignedAvailable: split(0, 0, 8), WeeklyAssignmentChange: 0},
		// Added 2026-01-27: 9 whole months.
		{Customer: cust("c-hotel", "Hotel Transport"), SubscriptionID: "H-MTG", MonthsSinceAdded: 9,
			AssignedLicenses: query.CountShare{Count: 0, Percent: pct(0)}, TotalLicenses: 50,
			UsedAssignedAvailable: split(0, 0, 50), WeeklyAssignmentChange: 0},
		// Added 2026-08-25: 2 whole months.
		{Customer: cust("c-bravo", "Bravo Logistiek"), SubscriptionID: "B-MTG", MonthsSinceAdded: 2,
			AssignedLicenses: query.CountShare{Count: 3, Percent: pct(15)}, TotalLicenses: 20,
			UsedAssignedAvailable: split(1, 3, 17), WeeklyAssignmentChange: 1},
	})
	// Calling has one subscription: no peers, nothing flagged.
	k, _, _ = section[query.LowAllocationKPIs, query.LowAllocationRow](t, api, "/api/v1/partners/p1/overview/low-allocation?product=calling")
	check(t, "calling kpis", k, query.LowAllocationKPIs{})
}

func TestOverviewOverLimit(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	// G-MTG 44 of 40 (4 over), E-MTG 12 of 10 (2 over): 6 licenses over
	// the limit, 3.0 per customer.
	k, rows, _ := section[query.OverLimitKPIs, query.OverLimitRow](t, api, "/api/v1/partners/p1/overview/over-limit?product=meetings")
	check(t, "kpis", k, query.OverLimitKPIs{CustomersWithOverage: 2, TotalLicensesInOverage: 6, AverageOverage: pct(3)})
	check(t, "rows", rows, []query.OverLimitRow{
		// G-MTG's term ended yesterday (it renews today): 0 months left.
		{Customer: cust("c-golf", "Golf Techniek"), SubscriptionID: "G-MTG", RemainingMonths: i64(0), AutoRenew: true,
			TotalLicenses: 40, AssignedLicenses: query.CountShare{Count: 44, Percent: pct(110)},
			UsedLicenses: query.CountShare{Count: 30, Percent: pct(75)}},
		// E-MTG ends 2027-02-20: 2 whole months.
		{Customer: cust("c-echo", "Echo Retail"), SubscriptionID: "E-MTG", RemainingMonths: i64(2), AutoRenew: true,
			TotalLicenses: 10, AssignedLicenses: query.CountShare{Count: 12, Percent: pct(120)},
			UsedLicenses: query.CountShare{Count: 3, Percent: pct(30)}},
	})
	// Calling: A-CALL 6 of 5, ends 2027-02-22 (2 months), no auto-renewal;
	// u1-u6 all active two days ago.
	k, rows, _ = section[query.OverLimitKPIs, query.OverLimitRow](t, api, "/api/v1/partners/p1/overview/over-limit?product=calling")
	check(t, "calling kpis", k, query.OverLimitKPIs{CustomersWithOverage: 1, TotalLicensesInOverage: 1, AverageOverage: pct(1)})
	check(t, "calling rows", rows, []query.OverLimitRow{
		{Customer: cust("c-alfa", "Alfa Bouw"), SubscriptionID: "A-CALL", RemainingMonths: i64(2), AutoRenew: false,
			TotalLicenses: 5, AssignedLicenses: query.CountShare{Count: 6, Percent: pct(120)},
			UsedLicenses: query.CountShare{Count: 6, Percent: pct(120)}},
	})
	// Both products: three customers, 7 licenses over, 2.3 each.
	k, _, _ = section[query.OverLimitKPIs, query.OverLimitRow](t, api, "/api/v1/partners/p1/overview/over-limit")
	check(t, "both kpis", k, query.OverLimitKPIs{CustomersWithOverage: 3, TotalLicensesInOverage: 7, AverageOverage: pct(2.3)})
}

func TestOverviewLicenseTrend(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	// Calling is A-CALL alone (F-CALL is cancelled):
	//   week to day -21: 4 licenses (the second order came on day -10),
	//                    u1-u4 assigned, nobody active
	//   week to day -14: the same
	//   week to day -7:  5 licenses, u1-u6 assigned (u5-u6 on day -12),
	//                    u1-u3 active on day -9
	//   week to today:   5, 6 assigned, u1-u6 active on day -2
	var got query.LicenseTrend
	getJSON(t, api, "/api/v1/partners/p1/overview/license-trend?product=calling&weeks=4", &got)
	check(t, "calling weeks", got.Weeks, []query.TrendWeek{
		{WeekStart: "2026-10-27", WeekEnd: "2026-11-02", Total: 4, Assigned: 4, Used: 0},
		{WeekStart: "2026-11-03", WeekEnd: "2026-11-09", Total: 4, Assigned: 4, Used: 0},
		{WeekStart: "2026-11-10", WeekEnd: "2026-11-16", Total: 5, Assigned: 6, Used: 3},
		{WeekStart: "2026-11-17", WeekEnd: "2026-11-23", Total: 5, Assigned: 6, Used: 6},
	})
	// Meetings this week: the live subscriptions A 10/4/1, A2 6/3/1, B
	// 20/3/1, C 8/0/0, D 25/10/6, E 10/12/3, G 40/44/30, H 50/0/0
	// (total/assigned/used) = 169/76/42. Default: 12 weeks, the earlier
	// ones (not rolled up here) empty.
	getJSON(t, api, "/api/v1/partners/p1/overview/license-trend?product=meetings", &got)
	if len(got.Weeks) != 12 {
		t.Fatalf("%d weeks, want 12", len(got.Weeks))
	}
	check(t, "meetings this week", got.Weeks[11], query.TrendWeek{WeekStart: "2026-11-17", WeekEnd: "2026-11-23", Total: 169, Assigned: 76, Used: 42})
	check(t, "meetings 11 weeks ago", got.Weeks[0], query.TrendWeek{WeekStart: "2026-09-01", WeekEnd: "2026-09-07"})
}

// A past day is reproduced from what was known then: 30 days ago A-MTG2
// and D-TRIAL did not exist, Delta was not a customer yet, and B-MTG (60
// days) and C-MTG (61 days) were recently added.
func TestOverviewAsOfAPastDay(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	k, rows, _ := section[query.RecentlyAddedKPIs, query.RecentlyAddedRow](t, api, "/api/v1/partners/p1/overview/recently-added?product=meetings&as_of=2026-10-24")
	check(t, "kpis", k, query.RecentlyAddedKPIs{NewCustomers: 2, TotalLicenses: 28})
	check(t, "rows", rows, []query.RecentlyAddedRow{
		// b1, b2 held since day -90; nobody active in the week.
		{Customer: cust("c-bravo", "Bravo Logistiek"), SubscriptionID: "B-MTG", DaysSinceAdded: 60, TotalLicenses: 20,
			UsedAssignedAvailable: split(0, 2, 18)},
		{Customer: cust("c-charlie", "Charlie Zorg"), SubscriptionID: "C-MTG", DaysSinceAdded: 61, TotalLicenses: 8,
			UsedAssignedAvailable: split(0, 0, 8)},
	})
	var kpis query.OverviewKPIs
	getJSON(t, api, "/api/v1/partners/p1/overview/kpis?product=meetings&as_of=2026-10-24", &kpis)
	if kpis.TotalCustomers != 7 || kpis.AsOf != "2026-10-24" {
		t.Errorf("kpis 30 days ago = %+v, want 7 customers (no Delta yet)", kpis)
	}
	// E-MTG was active 30 days ago (suspended on day -20): Echo's status then.
	var list query.CustomerList
	getJSON(t, api, "/api/v1/partners/p1/customers?as_of=2026-10-24&q=echo", &list)
	if len(list.Customers) != 1 || list.Customers[0].Status != "license_overage" {
		t.Errorf("echo 30 days ago = %+v, want license_overage (not yet suspended)", list.Customers)
	}
}

func names(list query.CustomerList) []string {
	out := []string{}
	for _, c := range list.Customers {
		out = append(out, strings.Fields(c.Name)[0])
	}
	return out
}

func TestOverviewCustomerList(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	var list query.CustomerList
	getJSON(t, api, "/api/v1/partners/p1/customers", &list)
	// Statuses (precedence order; the first is the status):
	want := map[string][]string{
		"c-alfa":    {"license_overage", "subscription"},             // A-CALL 6 of 5
		"c-bravo":   {"subscription"},                                //
		"c-charlie": {"expiring_soon", "subscription"},               // C-MTG ends today; signed in 29 days ago
		"c-delta":   {"trial"},                                       // ends in 20 days (> 14); added 10 days ago
		"c-echo":    {"suspended", "license_overage"},                // E-MTG unpaid, 12 of 10
		"c-foxtrot": {"expired"},                                     // F-MTG ended yesterday, F-CALL cancelled
		"c-golf":    {"license_overage", "subscription"},             // G-MTG 44 of 40
		"c-hotel":   {"ready_for_order_setup", "no_recent_activity"}, // last sign-in 30 days ago
		"c-india":   {"expired", "no_recent_activity"},               // no subscription, never signed in
	}
	if list.Page.Total != 9 || len(list.Customers) != 9 {
		t.Fatalf("page %+v, %d customers; want the 9 of p1", list.Page, len(list.Customers))
	}
	for _, c := range list.Customers {
		if !reflect.DeepEqual(c.Statuses, want[c.CustomerID]) || c.Status != want[c.CustomerID][0] {
			t.Errorf("%s: status %s %v, want %v", c.CustomerID, c.Status, c.Statuses, want[c.CustomerID])
		}
	}
	alfa := list.Customers[0]
	if alfa.ManagedBy != "partner" || !reflect.DeepEqual(alfa.Products, []string{"meetings", "calling"}) ||
		alfa.AddedAt != "2025-10-19" || alfa.LastAdminSignIn == nil || *alfa.LastAdminSignIn != "2026-11-21T08:00:00Z" {
		t.Errorf("alfa = %+v", alfa)
	}
	if list.Customers[8].LastAdminSignIn != nil {
		t.Errorf("india signed in: %v", *list.Customers[8].LastAdminSignIn)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Alfa", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India"}},
		{"?managed_by=external", []string{"Bravo"}},
		{"?product=calling", []string{"Alfa", "Foxtrot"}},
		{"?product=calling&product=messaging", []string{"Alfa", "Foxtrot", "India"}},
		{"?status=license_overage", []string{"Alfa", "Echo", "Golf"}},
		{"?status=expired&status=suspended", []string{"Echo", "Foxtrot", "India"}},
		{"?subscription_type=trial", []string{"Delta"}},
		{"?subscription_type=subscription", []string{"Alfa", "Bravo", "Charlie", "Golf"}},
		{"?q=TECH", []string{"Golf"}},
		{"?q=o&managed_by=partner&status=expired", []string{"Foxtrot", "India"}},
		{"?sort=status", []string{"Echo", "Foxtrot", "India", "Alfa", "Golf", "Charlie", "Hotel", "Delta", "Bravo"}},
		{"?sort=-status", []string{"Bravo", "Delta", "Hotel", "Charlie", "Alfa", "Golf", "Foxtrot", "India", "Echo"}},
		{"?sort=-name", []string{"India", "Hotel", "Golf", "Foxtrot", "Echo", "Delta", "Charlie", "Bravo", "Alfa"}},
		{"?sort=added_at", []string{"Foxtrot", "Echo", "Alfa", "India", "Golf", "Hotel", "Charlie", "Bravo", "Delta"}},
		{"?sort=managed_by", []string{"Bravo", "Alfa", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India"}},
		{"?limit=2&offset=2", []string{"Charlie", "Delta"}},
		{"?offset=20", []string{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var got query.CustomerList
			getJSON(t, api, "/api/v1/partners/p1/customers"+tc.query, &got)
			check(t, "customers", names(got), tc.want)
			if strings.Contains(tc.query, "offset") && got.Page.Total != 9 {
				t.Errorf("total %d, want 9 on every page", got.Page.Total)
			}
		})
	}
}

func TestOverviewCustomerDetail(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	var d query.CustomerDetail
	getJSON(t, api, "/api/v1/customers/c-alfa/detail", &d)
	if d.PartnerID != "p1" || d.Name != "Alfa Bouw" || d.Status == nil || *d.Status != "license_overage" {
		t.Errorf("alfa = %+v", d)
	}
	if len(d.Subscriptions) != 3 || len(d.Trials) != 0 {
		t.Fatalf("alfa has %d subscriptions and %d trials, want 3 and 0", len(d.Subscriptions), len(d.Trials))
	}
	end := "2027-02-22"
	check(t, "A-CALL", d.Subscriptions[0], query.CustomerSubscription{
		SubscriptionID: "A-CALL", Product: "calling", Status: "active", StartDate: "2025-10-19", EndDate: &end,
		Licenses: map[string]int64{"USER": 5}, InvoiceRef: "INV-CCW-A-CALL-2",
		Figures: &query.LicenseFigures{Total: 5, Used: 6, Assigned: 6, Available: 0},
		OrderHistory: []query.OrderHistoryEntry{
			{OrderID: "CCW-A-CALL-2", ChangedAt: "2026-11-13T11:00:00Z", Status: "active", StartDate: "2025-10-19", EndDate: &end,
				Licenses: map[string]int64{"USER": 5}, InvoiceRef: "INV-CCW-A-CALL-2"},
			{OrderID: "CCW-A-CALL-1", ChangedAt: "2025-10-19T09:00:00Z", Status: "active", StartDate: "2025-10-19", EndDate: &end,
				Licenses: map[string]int64{"USER": 4}, InvoiceRef: "INV-CCW-A-CALL-1"},
		},
	})
	if d.Subscriptions[1].SubscriptionID != "A-MTG" || d.Subscriptions[2].SubscriptionID != "A-MTG2" {
		t.Errorf("subscriptions out of order: %s, %s", d.Subscriptions[1].SubscriptionID, d.Subscriptions[2].SubscriptionID)
	}
	// pa-2 was unassigned yesterday.
	check(t, "admins", d.PartnerAdmins, []query.PartnerAdmin{
		{AdminID: "pa-1", Name: "Piet Admin", Email: "pa-1@partner.example", Role: "full_admin", AssignedSince: "2026-08-15T14:00:00Z"}})
	getJSON(t, api, "/api/v1/customers/c-alfa/detail?as_of=2026-11-18", &d)
	if len(d.PartnerAdmins) != 2 || d.Status != nil || len(d.Subscriptions) != 3 {
		t.Errorf("alfa 5 days ago: %d admins, status %v, %d subscriptions; want both admins, no status (not rolled up), A-MTG2 just known",
			len(d.PartnerAdmins), d.Status, len(d.Subscriptions))
	}
	// Delta has a trial and nothing else.
	getJSON(t, api, "/api/v1/customers/c-delta/detail", &d)
	trialEnd := "2026-12-13"
	check(t, "delta trials", d.Trials, []query.CustomerTrial{{TrialID: "D-TRIAL", Product: "meetings", Status: "active",
		StartDate: "2026-11-13", EndDate: &trialEnd, DaysLeft: i64(20), Ongoing: true, Licenses: map[string]int64{"USER": 25},
		Figures: &query.LicenseFigures{Total: 25, Used: 6, Assigned: 10, Available: 15}}})
	if len(d.Subscriptions) != 0 {
		t.Errorf("delta subscriptions = %+v", d.Subscriptions)
	}
	// Delta was added 10 days ago: unknown 11 days ago.
	if resp := api.Get(t, "/api/v1/customers/c-delta/detail?as_of=2026-11-12"); resp.Status != http.StatusNotFound {
		t.Errorf("delta before it was added: %d", resp.Status)
	}
}

func TestOverviewTags(t *testing.T) {
	w := rolledUpWorld(t)
	api := overviewAPI(t, w, query.Principal{Subject: "anne@p1", Role: query.FullAdmin, PartnerID: "p1"})
	create := func(name string, status int) query.Tag {
		t.Helper()
		resp := api.Post(t, "/api/v1/partners/p1/tags", []byte(`{"name":`+jsonString(name)+`}`))
		if resp.Status != status {
			t.Fatalf("create %q: %d %s", name, resp.Status, resp.Body)
		}
		var tag query.Tag
		if status == http.StatusCreated {
			resp.JSON(t, &tag)
		}
		return tag
	}
	do := func(method, path, body string, status int) {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		resp := api.Do(t, method, path, b, http.Header{"Content-Type": {"application/json"}})
		if resp.Status != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.Status, status, resp.Body)
		}
	}
	vip := create("VIP", http.StatusCreated)
	if vip.Name != "VIP" || vip.Customers != 0 || !strings.HasPrefix(vip.TagID, "tag-") {
		t.Errorf("created %+v", vip)
	}
	create(" vip ", http.StatusConflict)
	renew := create("  Renewal 2027 ", http.StatusCreated)
	if renew.Name != "Renewal 2027" {
		t.Errorf("name not trimmed: %q", renew.Name)
	}
	do(http.MethodPatch, "/api/v1/partners/p1/tags/"+renew.TagID, `{"name":"Renew 2027"}`, http.StatusOK)
	do(http.MethodPatch, "/api/v1/partners/p1/tags/"+renew.TagID, `{"name":"VIP"}`, http.StatusConflict)
	do(http.MethodPatch, "/api/v1/partners/p1/tags/tag-nope", `{"name":"X"}`, http.StatusNotFound)
	for _, body := range []string{`{"name":""}`, `{"nam":"x"}`, `[1]`, `{"name":"` + strings.Repeat("x", 65) + `"}`, `{"name":"a\u0007b"}`} {
		do(http.MethodPost, "/api/v1/partners/p1/tags", body, http.StatusBadRequest)
	}
	do(http.MethodPut, "/api/v1/customers/c-alfa/tags/"+vip.TagID, "", http.StatusNoContent)
	do(http.MethodPut, "/api/v1/customers/c-golf/tags/"+vip.TagID, "", http.StatusNoContent)
	do(http.MethodPut, "/api/v1/customers/c-golf/tags/"+vip.TagID, "", http.StatusNoContent) // idempotent
	do(http.MethodPut, "/api/v1/customers/c-golf/tags/"+renew.TagID, "", http.StatusNoContent)
	do(http.MethodPut, "/api/v1/customers/c-zulu/tags/"+vip.TagID, "", http.StatusNotFound) // p2's customer
	do(http.MethodPut, "/api/v1/customers/c-alfa/tags/tag-nope", "", http.StatusNotFound)

	var list query.CustomerList
	getJSON(t, api, "/api/v1/partners/p1/customers?tag="+vip.TagID, &list)
	check(t, "tagged VIP", names(list), []string{"Alfa", "Golf"})
	check(t, "golf's tags", list.Customers[1].Tags, []query.TagRef{{TagID: renew.TagID, Name: "Renew 2027"}, {TagID: vip.TagID, Name: "VIP"}})
	getJSON(t, api, "/api/v1/partners/p1/customers?tag="+vip.TagID+"&tag="+renew.TagID, &list)
	check(t, "tagged both", names(list), []string{"Golf"})
	var tags query.TagList
	getJSON(t, api, "/api/v1/partners/p1/tags", &tags)
	if len(tags.Tags) != 2 || tags.Tags[0].Name != "Renew 2027" || tags.Tags[0].Customers != 1 || tags.Tags[1].Customers != 2 {
		t.Errorf("tags = %+v", tags.Tags)
	}

	do(http.MethodDelete, "/api/v1/customers/c-golf/tags/"+vip.TagID, "", http.StatusNoContent)
	getJSON(t, api, "/api/v1/partners/p1/customers?tag="+vip.TagID, &list)
	check(t, "after detaching golf", names(list), []string{"Alfa"})
	do(http.MethodDelete, "/api/v1/partners/p1/tags/"+renew.TagID, "", http.StatusNoContent)
	do(http.MethodDelete, "/api/v1/partners/p1/tags/"+renew.TagID, "", http.StatusNotFound)
	getJSON(t, api, "/api/v1/partners/p1/customers?q=golf", &list)
	if len(list.Customers) != 1 || len(list.Customers[0].Tags) != 0 {
		t.Errorf("golf after its tag was deleted: %+v", list.Customers)
	}
	var d query.CustomerDetail
	getJSON(t, api, "/api/v1/customers/c-alfa/detail", &d)
	check(t, "alfa's tags", d.Tags, []query.TagRef{{TagID: vip.TagID, Name: "VIP"}})
	// Yesterday there were no tags.
	getJSON(t, api, "/api/v1/partners/p1/tags?as_of=2026-11-22", &tags)
	if len(tags.Tags) != 0 {
		t.Errorf("tags yesterday = %+v", tags.Tags)
	}
	// Every change is kept with who made it.
	res, err := w.Query(t.Context(), "SELECT count(), uniqExact(changed_by), any(changed_by) FROM {db:Identifier}.customer_tag_changes", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := warehouse.Int(res.Rows[0][0]); n != 5 || warehouse.Str(res.Rows[0][2]) != "anne@p1" {
		t.Errorf("%d attachment changes by %v, want 5 by anne@p1", n, res.Rows[0])
	}
	// And audited (refused changes are not): 2 creates, 1 rename, 4
	// attaches, 1 detach, 1 delete.
	res, err = w.Query(t.Context(), `SELECT arrayStringConcat(groupArray(a), ' ') FROM (SELECT action || '=' || toString(count()) AS a
		FROM {db:Identifier}.audit_log WHERE subject = 'anne@p1' AND partner_id = 'p1' GROUP BY action ORDER BY action)`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := warehouse.Str(res.Rows[0][0]); got != "tag.attach=4 tag.create=2 tag.delete=1 tag.detach=1 tag.rename=1" {
		t.Errorf("audit log: %s", got)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Editing tags needs EditTags: full admins and full sales admins (and the
// operator); every admin of the partner may see them. Another partner's
// tags do not exist for a caller.
func TestOverviewTagEditingIsLimited(t *testing.T) {
	w := rolledUpWorld(t)
	for _, tc := range []struct {
		p          query.Principal
		view, edit int
	}{
		{query.Principal{Role: query.FullAdmin, PartnerID: "p1"}, 200, 201},
		{query.Principal{Role: query.FullSalesAdmin, PartnerID: "p1"}, 200, 201},
		{query.Principal{Role: query.SalesAdmin, PartnerID: "p1", CustomerIDs: []string{"c-alfa"}}, 200, 403},
		{query.Principal{Role: query.ReadOnlyAdmin, PartnerID: "p1"}, 200, 403},
		{query.Principal{Role: query.CustomerAdmin, PartnerID: "p1", CustomerIDs: []string{"c-alfa"}}, 403, 403},
		{query.Principal{Role: query.FullAdmin, PartnerID: "p2"}, 404, 404},
	} {
		t.Run(string(tc.p.Role)+"/"+tc.p.PartnerID, func(t *testing.T) {
			api := overviewAPI(t, w, tc.p)
			if resp := api.Get(t, "/api/v1/partners/p1/tags"); resp.Status != tc.view {
				t.Errorf("view: %d, want %d", resp.Status, tc.view)
			}
			if resp := api.Post(t, "/api/v1/partners/p1/tags", []byte(`{"name":"T `+string(tc.p.Role)+`"}`)); resp.Status != tc.edit {
				t.Errorf("create: %d, want %d: %s", resp.Status, tc.edit, resp.Body)
			}
		})
	}
}

// A sales admin's figures cover their assigned customers only; a foreign
// partner's caller finds nothing.
func TestOverviewIsConfinedToTheCallersScope(t *testing.T) {
	w := rolledUpWorld(t)
	sales := overviewAPI(t, w, query.Principal{Role: query.SalesAdmin, PartnerID: "p1", CustomerIDs: []string{"c-alfa", "c-golf"}})
	var kpis query.OverviewKPIs
	getJSON(t, sales, "/api/v1/partners/p1/overview/kpis?product=meetings", &kpis)
	// Alfa (A-MTG expiring) and Golf (G-MTG renewing, over the limit).
	if kpis.TotalCustomers != 2 || kpis.NearlyExpired != 1 || kpis.NearlyRenewed != 1 || kpis.LowLicenseAllocation != 0 || kpis.OverLicenseLimit != 1 {
		t.Errorf("sales admin's KPIs = %+v", kpis)
	}
	var list query.CustomerList
	getJSON(t, sales, "/api/v1/partners/p1/customers", &list)
	check(t, "sales admin's customers", names(list), []string{"Alfa", "Golf"})
	if resp := sales.Get(t, "/api/v1/customers/c-bravo/detail"); resp.Status != http.StatusNotFound {
		t.Errorf("unassigned customer's detail: %d", resp.Status)
	}
	foreign := overviewAPI(t, w, query.Principal{Role: query.FullAdmin, PartnerID: "p2"})
	for _, path := range []string{"/api/v1/partners/p1/customers", "/api/v1/partners/p1/overview/kpis",
		"/api/v1/partners/p1/overview/expiring", "/api/v1/partners/p1/overview/license-trend",
		"/api/v1/customers/c-alfa/detail"} {
		resp := foreign.Get(t, path)
		if resp.Status != http.StatusNotFound || strings.Contains(string(resp.Body), "Alfa") {
			t.Errorf("%s for p2: %d %s", path, resp.Status, resp.Body)
		}
	}
	// p2's own view holds only Zulu.
	getJSON(t, foreign, "/api/v1/partners/p2/customers", &list)
	check(t, "p2's customers", names(list), []string{"Zulu"})
}

func TestOverviewRefusesBadRequests(t *testing.T) {
	api := overviewAPI(t, rolledUpWorld(t), query.Principal{})
	for _, tc := range []struct {
		path   string
		status int
		param  string
	}{
		{"/api/v1/partners/p9/overview/kpis", 404, ""},
		{"/api/v1/partners/p1'--/overview/kpis", 400, "partner_id"},
		{"/api/v1/partners/p1/overview/kpis?as_of=2026-11-24", 400, "as_of"},
		{"/api/v1/partners/p1/overview/kpis?as_of=yesterday", 400, "as_of"},
		{"/api/v1/partners/p1/overview/kpis?product=messaging", 400, "product"},
		{"/api/v1/partners/p1/overview/kpis?product=", 400, "product"},
		{"/api/v1/partners/p1/overview/kpis?prodct=meetings", 400, "prodct"},
		{"/api/v1/partners/p1/overview/license-trend?weeks=0", 400, "weeks"},
		{"/api/v1/partners/p1/overview/license-trend?weeks=53", 400, "weeks"},
		{"/api/v1/partners/p1/overview/expiring?limit=0", 400, "limit"},
		{"/api/v1/partners/p1/overview/expiring?offset=-1", 400, "offset"},
		{"/api/v1/partners/p1/customers?status=late", 400, "status"},
		{"/api/v1/partners/p1/customers?sort=size", 400, "sort"},
		{"/api/v1/partners/p1/customers?managed_by=nobody", 400, "managed_by"},
		{"/api/v1/partners/p1/customers?subscription_type=free", 400, "subscription_type"},
		{"/api/v1/partners/p1/customers?tag=a%20b", 400, "tag"},
		{"/api/v1/partners/p1/customers?product=fax", 400, "product"},
		{"/api/v1/customers/nobody/detail", 404, ""},
		{"/api/v1/customers/c-alfa/detail?as_of=2027-01-01", 400, "as_of"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := api.Get(t, tc.path)
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			var p query.Problem
			resp.JSON(t, &p)
			if tc.param != "" && (len(p.Errors) == 0 || p.Errors[0].Parameter != tc.param) {
				t.Errorf("problem names %+v, want parameter %q", p.Errors, tc.param)
			}
		})
	}
}
