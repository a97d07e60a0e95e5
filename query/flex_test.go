package query_test

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/warehouse"
)

func TestCustomerFlexViewShowsSubscriptionsAndCompliance(t *testing.T) {
	f := newFlexFixture(t)
	api := f.api(t, nil)
	var got query.LicenseUsage
	resp := api.Get(t, "/api/v1/customers/c1/license-usage?window=7d")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	resp.JSON(t, &got)
	if got.CustomerName != "Bakker Logistiek B.V." || strings.Join(got.LicenseTypes, ",") != "KW,CA,TP" {
		t.Errorf("name %q, types %v", got.CustomerName, got.LicenseTypes)
	}
	// Days -6…0 (11-17…11-23): KW 1 (B carried) on -6…-3, KW 4 CA 1 on -2
	// and -1 (A, carried on -1), KW 2 CA 1 TP 1 on day 0.
	if len(got.Daily) != 7 {
		t.Fatalf("daily = %+v, want 7 days", got.Daily)
	}
	for i, want := range []map[string]int64{
		{"KW": 1}, {"KW": 1}, {"KW": 1}, {"KW": 1}, {"KW": 4, "CA": 1}, {"KW": 4, "CA": 1}, {"KW": 2, "CA": 1, "TP": 1},
	} {
		for _, lt := range []string{"KW", "CA", "TP"} {
			if got.Daily[i].Usage[lt] != want[lt] {
				t.Errorf("%s %s = %d, want %d", got.Daily[i].Date, lt, got.Daily[i].Usage[lt], want[lt])
			}
		}
	}
	if p := got.Peak["KW"]; p.Consumed != 4 || p.Date != "2026-11-21" {
		t.Errorf("peak KW = %+v, want 4 on 2026-11-21", p)
	}
	if d := got.Daily[5]; d.Purchased["KW"] != 3 || d.Overage["KW"] != 1 {
		t.Errorf("11-22 KW purchased %d overage %d, want 3 and 1", d.Purchased["KW"], d.Overage["KW"])
	}
	// S1 as of day 0: KW 3/2/0, CA 1/1/0, TP 0/1/1 → overage (TP).
	if len(got.Subscriptions) != 1 {
		t.Fatalf("subscriptions = %+v", got.Subscriptions)
	}
	s := got.Subscriptions[0]
	if s.SubscriptionID != "S1" || s.FlexModel != "flex2" || s.AsOf != "2026-11-23" || s.Status != "overage" ||
		s.TotalPurchased != 4 || s.TotalConsumed != 4 || s.TotalOverage != 1 || !s.CarriesUsage || len(s.Licenses) != 3 {
		t.Errorf("S1 = %+v", s)
	}
	if l := s.Licenses[0]; l.LicenseType != "KW" || l.Purchased != 3 || l.Consumed != 2 || l.Peak.Consumed != 4 ||
		l.OveragePeak != 1 || l.Compliance != "compliant" {
		t.Errorf("S1 KW = %+v", l)
	}
	if l := s.Licenses[2]; l.LicenseType != "TP" || l.Overage != 1 || l.Compliance != "overage" {
		t.Errorf("S1 TP = %+v", l)
	}
	// Weeks from Sunday: 11-15 (days 11-17…11-21 in the window) and 11-22.
	if len(got.Weekly) != 2 || got.Weekly[0].Week != "2026-11-15" || got.Weekly[0].Peak["KW"] != 4 ||
		got.Weekly[1].Week != "2026-11-22" || got.Weekly[1].Peak["KW"] != 4 || got.Weekly[1].OverageDays["TP"] != 1 {
		t.Errorf("weekly = %+v", got.Weekly)
	}

	// The EA under its minimum, with no inventory: in force, nothing used.
	resp = api.Get(t, "/api/v1/customers/c3/license-usage?window=today")
	resp.JSON(t, &got)
	if len(got.Subscriptions) != 1 || got.Subscriptions[0].Status != "below_minimum" || !got.Subscriptions[0].EABelowMinimum ||
		got.Subscriptions[0].TotalPurchased != 910 || got.Subscriptions[0].TotalConsumed != 0 {
		t.Errorf("c3 = %+v", got.Subscriptions)
	}
}

func TestCustomerClustersShowUsagePerLicenseType(t *testing.T) {
	f := newFlexFixture(t)
	api := f.api(t, nil)
	var got query.FlexClusters
	for _, tc := range []struct {
		path   string
		model  string
		expect []string // cluster: status and usage
	}{
		// Today: A synced (KW 2 CA 1 TP 1); B last synced day -10: stale.
		{"/api/v1/customers/c1/clusters", "flex2", []string{"B stale KW0 CA0 TP0", "A current KW2 CA1 TP1"}},
		// Day -1: A carried from day -2.
		{"/api/v1/customers/c1/clusters?date=2026-11-22", "flex2", []string{"B stale KW0 CA0 TP0", "A carried KW4 CA1 TP0"}},
		// Day -5: B carried; A not seen yet, so not listed.
		{"/api/v1/customers/c1/clusters?date=2026-11-18", "flex2", []string{"B carried KW1 CA0 TP0"}},
		// Flex 3.0 NU: two users with voicemail are Professional.
		{"/api/v1/customers/c2/clusters", "flex3_nu", []string{"C current PRO2 ENH0 ACC0 TP0"}},
	} {
		resp := api.Get(t, tc.path)
		if resp.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.path, resp.Status, resp.Body)
		}
		resp.JSON(t, &got)
		var have []string
		for _, c := range got.Clusters {
			s := c.ClusterID + " " + c.Status
			for _, lt := range got.LicenseTypes {
				s += " " + lt + itoa(c.Usage[lt])
			}
			have = append(have, s)
		}
		if got.FlexModel != tc.model || strings.Join(have, "; ") != strings.Join(tc.expect, "; ") {
			t.Errorf("%s: %s %v, want %s %v", tc.path, got.FlexModel, have, tc.model, tc.expect)
		}
	}
	if resp := api.Get(t, "/api/v1/customers/c1/clusters?date=yesterday"); resp.Status != http.StatusBadRequest {
		t.Errorf("bad date: %d", resp.Status)
	}
	if resp := api.Get(t, "/api/v1/customers/nobody/clusters"); resp.Status != http.StatusNotFound {
		t.Errorf("unknown customer: %d", resp.Status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func reportRows(got query.PartnerLicenseUsage) []string {
	var out []string
	for _, it := range got.Items {
		out = append(out, it.CustomerID+"/"+it.SubscriptionID)
	}
	return out
}

func TestPartnerLicenseUsageReport(t *testing.T) {
	f := newFlexFixture(t)
	api := f.api(t, nil)
	var got query.PartnerLicenseUsage
	resp := api.Get(t, "/api/v1/partners/p1/license-usage?window=7d")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	resp.JSON(t, &got)
	if got.Total != 3 || strings.Join(reportRows(got), " ") != "c1/S1 c2/S2 c3/S3" {
		t.Fatalf("rows %v (total %d), want c1 c2 c3 by name", reportRows(got), got.Total)
	}
	// c1 over days -6…0: KW purchased 3, peak 4, latest 2, worst overage
	// 1 on 2 days; CA 1/1/1/0; TP 0/1/1/1 on 1 day. Subscription totals:
	// purchased 4 on the last day; daily totals consumed 1 (-6…-3), 5 (-2,
	// -1), 4 (0): peak 5; daily total overage 1 on -2, -1 and 0: worst 1.
	c1 := got.Items[0]
	if c1.CustomerName != "Bakker Logistiek B.V." || c1.Status != "overage" || c1.Purchased != 4 || c1.Consumed != 5 || c1.Overage != 1 {
		t.Errorf("c1 = %+v", c1)
	}
	wantLic := []query.ReportLicense{
		{LicenseType: "KW", Purchased: 3, Consumed: 4, ConsumedLatest: 2, Overage: 1, OverageDays: 2},
		{LicenseType: "CA", Purchased: 1, Consumed: 1, ConsumedLatest: 1},
		{LicenseType: "TP", Purchased: 0, Consumed: 1, ConsumedLatest: 1, Overage: 1, OverageDays: 1},
	}
	if len(c1.Licenses) != 3 {
		t.Fatalf("c1 licenses %+v", c1.Licenses)
	}
	for i, w := range wantLic {
		if c1.Licenses[i] != w {
			t.Errorf("c1 %s = %+v, want %+v", w.LicenseType, c1.Licenses[i], w)
		}
	}
	if c2 := got.Items[1]; c2.Status != "compliant" || c2.FlexModel != "flex3_nu" || c2.Purchased != 16 || c2.Consumed != 2 {
		t.Errorf("c2 = %+v", c2)
	}
	if c3 := got.Items[2]; c3.Status != "below_minimum" || !c3.EABelowMinimum || c3.Purchased != 910 {
		t.Errorf("c3 = %+v", c3)
	}

	for _, tc := range []struct {
		query string
		rows  string
		total int64
	}{
		{"q=bakker", "c1/S1", 1}, // p2's "Bakker Bouw" is another partner's
		{"q=BOER", "c2/S2", 1},
		{"overage=true", "c1/S1", 1},
		{"model=flex3_nu", "c2/S2", 1},
		{"sort=purchased&order=desc", "c3/S3 c2/S2 c1/S1", 3},
		{"sort=overage&order=desc&limit=1", "c1/S1", 3},
		{"limit=2&offset=2", "c3/S3", 3},
		{"offset=10", "", 3},
		{"window=today", "c1/S1 c2/S2 c3/S3", 3},
		{"from=2026-11-01&to=2026-11-10&overage=true", "", 0},
	} {
		resp := api.Get(t, "/api/v1/partners/p1/license-usage?"+tc.query)
		if resp.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.query, resp.Status, resp.Body)
		}
		resp.JSON(t, &got)
		if strings.Join(reportRows(got), " ") != tc.rows || got.Total != tc.total {
			t.Errorf("%s: %v (total %d), want %s (total %d)", tc.query, reportRows(got), got.Total, tc.rows, tc.total)
		}
	}
	// Today alone: c1 has TP 1 over, KW 2 of 3.
	resp = api.Get(t, "/api/v1/partners/p1/license-usage")
	resp.JSON(t, &got)
	if got.Window.Days != 1 || got.Items[0].Licenses[0].Consumed != 2 || got.Items[0].Overage != 1 {
		t.Errorf("today: %+v", got)
	}
}

func TestPartnerReportRefusesBadRequestsAndForeignCallers(t *testing.T) {
	f := newFlexFixture(t)
	api := f.api(t, nil)
	for _, tc := range []struct {
		path   string
		status int
		param  string
	}{
		{"/api/v1/partners/p1/license-usage?window=6d", 400, "window"},
		{"/api/v1/partners/p1/license-usage?window=91d", 400, "window"},
		{"/api/v1/partners/p1/license-usage?sort=name", 400, "sort"},
		{"/api/v1/partners/p1/license-usage?order=up", 400, "order"},
		{"/api/v1/partners/p1/license-usage?limit=0", 400, "limit"},
		{"/api/v1/partners/p1/license-usage?limit=501", 400, "limit"},
		{"/api/v1/partners/p1/license-usage?overage=yes", 400, "overage"},
		{"/api/v1/partners/p1/license-usage?model=flex4", 400, "model"},
		{"/api/v1/partners/p1/license-usage?customer=c1", 400, "customer"},
		{"/api/v1/partners/nobody/license-usage", 404, ""},
	} {
		resp := api.Get(t, tc.path)
		if resp.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.path, resp.Status, tc.status, resp.Body)
			continue
		}
		var p query.Problem
		resp.JSON(t, &p)
		if tc.param != "" && (len(p.Errors) == 0 || p.Errors[0].Parameter != tc.param) {
			t.Errorf("%s: problem names %+v, want %s", tc.path, p.Errors, tc.param)
		}
	}
	for _, tc := range []struct {
		name   string
		p      query.Principal
		status int
		rows   int
	}{
		{"read-only partner admin", query.Principal{Role: query.ReadOnlyAdmin, PartnerID: "p1"}, 200, 3},
		{"sales admin sees assigned customers only", query.Principal{Role: query.SalesAdmin, PartnerID: "p1", CustomerIDs: []string{"c2"}}, 200, 1},
		{"another partner", query.Principal{Role: query.FullAdmin, PartnerID: "p2"}, 404, 0},
		{"customer admin (no partner view)", query.Principal{Role: query.CustomerAdmin, PartnerID: "p1", CustomerIDs: []string{"c1"}}, 403, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.api(t, &tc.p).Get(t, "/api/v1/partners/p1/license-usage?window=7d")
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			if tc.status == 200 {
				var got query.PartnerLicenseUsage
				resp.JSON(t, &got)
				if len(got.Items) != tc.rows {
					t.Errorf("%d rows, want %d", len(got.Items), tc.rows)
				}
			}
		})
	}
}

// A window ending today is read from the windows the rollup keeps ready;
// the same period given as from/to is computed from the daily figures.
// Both give the same answer.
func TestPartnerReportWindowsAgreeWithTheDailyFigures(t *testing.T) {
	f := newFlexFixture(t)
	res, err := f.w.Query(t.Context(), "SELECT count() FROM {db:Identifier}.flex_subscription_window FINAL WHERE as_of = '2026-11-23'", nil)
	if err != nil || warehouse.Int(res.Rows[0][0]) == 0 {
		t.Fatalf("no windows as of today (%v): the fast path would not be taken", err)
	}
	api := f.api(t, nil)
	for _, tc := range []struct{ window, period string }{
		{"window=today", "from=2026-11-23&to=2026-11-23"},
		{"window=7d", "from=2026-11-17&to=2026-11-23"},
		{"window=7d&overage=true&sort=consumed&order=desc", "from=2026-11-17&to=2026-11-23&overage=true&sort=consumed&order=desc"},
		{"window=90d&q=e&sort=status&limit=2", "from=2026-08-26&to=2026-11-23&q=e&sort=status&limit=2"},
		{"window=30d&model=flex3_ea", "from=2026-10-25&to=2026-11-23&model=flex3_ea"},
	} {
		var a, b query.PartnerLicenseUsage
		api.Get(t, "/api/v1/partners/p1/license-usage?"+tc.window).JSON(t, &a)
		api.Get(t, "/api/v1/partners/p1/license-usage?"+tc.period).JSON(t, &b)
		if len(a.Items) == 0 && !strings.Contains(tc.window, "ea") {
			t.Errorf("%s: no rows", tc.window)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s and %s differ:\n%+v\n%+v", tc.window, tc.period, a, b)
		}
	}
}
