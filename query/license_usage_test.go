package query_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// quietLog discards the API's logs unless FLEXHUB_TEST_LOG is set.
func quietLog() *slog.Logger {
	if os.Getenv("FLEXHUB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// today is the API's clock in these tests.
var today = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func day(offset int) time.Time { return today.Truncate(24*time.Hour).AddDate(0, 0, offset) }

// inventory writes raw cluster syncs the way ingest does.
type inventory struct {
	t                     *testing.T
	w                     warehouse.Warehouse
	syncs, users, devices *warehouse.Batch
}

func newInventory(t *testing.T, w warehouse.Warehouse) *inventory {
	ref := []warehouse.Column{{Name: "partner_id", Type: "String"}, {Name: "customer_id", Type: "String"},
		{Name: "cluster_id", Type: "String"}, {Name: "sync_id", Type: "String"}, {Name: "synced_at", Type: "DateTime64(3)"}}
	with := func(extra ...warehouse.Column) []warehouse.Column {
		return append(append([]warehouse.Column{}, ref...), extra...)
	}
	return &inventory{t: t, w: w,
		syncs:   warehouse.MustBatch("ucm_cluster_syncs", with(warehouse.Column{Name: "cluster_name", Type: "String"})),
		users:   warehouse.MustBatch("ucm_users", with(warehouse.Column{Name: "user_id", Type: "String"}, warehouse.Column{Name: "voicemail", Type: "Bool"})),
		devices: warehouse.MustBatch("ucm_devices", with(warehouse.Column{Name: "device_id", Type: "String"}, warehouse.Column{Name: "device_type", Type: "String"}, warehouse.Column{Name: "associated_user_id", Type: "String"})),
	}
}

// sync records one completed sync: kw users with voicemail (KW each) and
// ca unowned desk phones (CA each).
func (inv *inventory) sync(customer, cluster string, at time.Time, kw, ca int) {
	inv.t.Helper()
	id := cluster + "@" + at.Format(time.RFC3339)
	must := func(err error) {
		if err != nil {
			inv.t.Fatal(err)
		}
	}
	for i := 0; i < kw; i++ {
		must(inv.users.Append("p1", customer, cluster, id, at, "u"+string(rune('a'+i)), true))
	}
	for i := 0; i < ca; i++ {
		must(inv.devices.Append("p1", customer, cluster, id, at, "d"+string(rune('a'+i)), "desk_phone", ""))
	}
	must(inv.syncs.Append("p1", customer, cluster, id, at, "UCM-"+cluster))
}

func (inv *inventory) rollUp(from, to time.Time) {
	inv.t.Helper()
	ctx := context.Background()
	for _, b := range []*warehouse.Batch{inv.users, inv.devices, inv.syncs} {
		if err := inv.w.Insert(ctx, b, ""); err != nil {
			inv.t.Fatal(err)
		}
		b.Reset()
	}
	wk := rollup.NewWorker(inv.w, time.Minute, nil, quietLog())
	if err := wk.LicenseUsageDays(ctx, from, to); err != nil {
		inv.t.Fatal(err)
	}
}

func newAPI(t *testing.T, w warehouse.Warehouse, events query.EventPublisher) *apitest.Client {
	t.Helper()
	srv, err := query.NewServer(query.Config{Now: func() time.Time { return today }, Logger: quietLog()},
		query.Deps{Warehouse: w, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return &apitest.Client{Handler: srv.Handler()}
}

func TestCustomerLicenseUsageOverAWindow(t *testing.T) {
	w := whtest.Database(t)
	inv := newInventory(t, w)
	// Customer c1 has two clusters and no Flex subscription (so its
	// consumption is classified as Flex 2.0, subscription ""). A cluster
	// without a sync on a day counts with its latest snapshot of the 7 days
	// before.
	//   day -8: A KW 9                        (outside a 7-day window)
	//   day -7: A carried from -8: KW 9        (outside too)
	//   day -6: A KW 2 CA 1, B KW 1           → KW 3, CA 1
	//   day -5, -4: both carried from -6      → KW 3, CA 1
	//   day -3: A KW 4 CA 1 (morning), then A KW 5 CA 2 (evening; the day's
	//           latest sync counts), B KW 1   → KW 6, CA 2
	//   day -2, -1: carried from -3           → KW 6, CA 2
	//   day  0: A KW 2, B KW 2 CA 3           → KW 4, CA 3
	// 7-day window (days -6…0): peak KW 6 on day -3, peak CA 3 on day 0;
	// latest is day 0. No TelePresence anywhere: TP 0 every day. Nothing is
	// purchased, so everything consumed is overage.
	inv.sync("c1", "A", day(-8).Add(9*time.Hour), 9, 0)
	inv.sync("c1", "A", day(-6).Add(9*time.Hour), 2, 1)
	inv.sync("c1", "B", day(-6).Add(10*time.Hour), 1, 0)
	inv.sync("c1", "A", day(-3).Add(8*time.Hour), 4, 1)
	inv.sync("c1", "A", day(-3).Add(20*time.Hour), 5, 2)
	inv.sync("c1", "B", day(-3).Add(10*time.Hour), 1, 0)
	inv.sync("c1", "A", day(0).Add(6*time.Hour), 2, 0)
	inv.sync("c1", "B", day(0).Add(7*time.Hour), 2, 3)
	// Another customer's figures never mix in.
	inv.sync("c2", "C", day(0).Add(7*time.Hour), 50, 50)
	inv.rollUp(day(-10), day(0))
	api := newAPI(t, w, nil)

	var got query.LicenseUsage
	resp := api.Get(t, "/api/v1/customers/c1/license-usage?window=7d")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Status, resp.Body)
	}
	resp.JSON(t, &got)
	if got.Window.From != "2026-11-17" || got.Window.To != "2026-11-23" || got.Window.Days != 7 {
		t.Errorf("window = %+v, want 2026-11-17..2026-11-23 (7 days)", got.Window)
	}
	wantDaily := []struct {
		date       string
		kw, ca, tp int64
	}{
		{"2026-11-17", 3, 1, 0},
		{"2026-11-18", 3, 1, 0},
		{"2026-11-19", 3, 1, 0},
		{"2026-11-20", 6, 2, 0},
		{"2026-11-21", 6, 2, 0},
		{"2026-11-22", 6, 2, 0},
		{"2026-11-23", 4, 3, 0},
	}
	if len(got.Daily) != len(wantDaily) {
		t.Fatalf("daily = %+v, want %d days", got.Daily, len(wantDaily))
	}
	for i, wd := range wantDaily {
		d := got.Daily[i]
		if d.Date != wd.date || d.Usage["KW"] != wd.kw || d.Usage["CA"] != wd.ca || d.Usage["TP"] != wd.tp ||
			d.Overage["KW"] != wd.kw || d.Purchased["KW"] != 0 {
			t.Errorf("day %d = %+v, want %+v", i, d, wd)
		}
	}
	if len(got.Subscriptions) != 1 || got.Subscriptions[0].SubscriptionID != "" || got.Subscriptions[0].Status != "no_subscription" ||
		got.Subscriptions[0].TotalConsumed != 7 {
		t.Errorf("subscriptions = %+v, want the unsubscribed consumption (KW 4 + CA 3 on the last day)", got.Subscriptions)
	}
	if p := got.Peak["KW"]; p.Consumed != 6 || p.Date != "2026-11-20" {
		t.Errorf("peak KW = %+v, want 6 on 2026-11-20", p)
	}
	if p := got.Peak["CA"]; p.Consumed != 3 || p.Date != "2026-11-23" {
		t.Errorf("peak CA = %+v, want 3 on 2026-11-23", p)
	}
	if got.Latest == nil || got.Latest.Date != "2026-11-23" || got.Latest.Usage["KW"] != 4 {
		t.Errorf("latest = %+v, want 2026-11-23 with KW 4", got.Latest)
	}

	// An explicit period takes in day -8 and its carry into -7: KW 9 is now
	// the peak, first reached on day -8.
	resp = api.Get(t, "/api/v1/customers/c1/license-usage?from=2026-11-15&to=2026-11-17")
	resp.JSON(t, &got)
	if len(got.Daily) != 3 || got.Peak["KW"] != (query.Peak{Consumed: 9, Date: "2026-11-15"}) || got.Window.Days != 3 {
		t.Errorf("period 11-15..11-17 = %+v, want 3 days with peak KW 9 on 11-15", got)
	}

	// A known customer with nothing in the window: an empty series.
	resp = api.Get(t, "/api/v1/customers/c1/license-usage?from=2026-01-01&to=2026-01-31")
	resp.JSON(t, &got)
	if resp.Status != http.StatusOK || len(got.Daily) != 0 || got.Latest != nil {
		t.Errorf("empty period = %d %s", resp.Status, resp.Body)
	}
}

func TestCustomerLicenseUsageRefusesBadRequests(t *testing.T) {
	w := whtest.Database(t)
	inv := newInventory(t, w)
	inv.sync("c1", "A", day(0), 1, 0)
	inv.rollUp(day(0), day(0))
	api := newAPI(t, w, nil)
	for _, tc := range []struct {
		name, path string
		status     int
		param      string
	}{
		{"unknown customer", "/api/v1/customers/nobody/license-usage", 404, ""},
		{"window too short", "/api/v1/customers/c1/license-usage?window=6d", 400, "window"},
		{"window too long", "/api/v1/customers/c1/license-usage?window=91d", 400, "window"},
		{"window not days", "/api/v1/customers/c1/license-usage?window=2w", 400, "window"},
		{"window and from", "/api/v1/customers/c1/license-usage?window=7d&from=2026-11-01", 400, "window"},
		{"from not a date", "/api/v1/customers/c1/license-usage?from=yesterday", 400, "from"},
		{"to before from", "/api/v1/customers/c1/license-usage?from=2026-11-10&to=2026-11-01", 400, "to"},
		{"period too long", "/api/v1/customers/c1/license-usage?from=2024-01-01&to=2026-11-01", 400, "to"},
		{"unknown parameter", "/api/v1/customers/c1/license-usage?windw=7d", 400, "windw"},
		{"customer id with a quote", "/api/v1/customers/c1'%20OR%201=1/license-usage", 400, "customer_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
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

func TestWarehouseOutOfTimeIsA503(t *testing.T) {
	w := whtest.Database(t)
	srv, err := query.NewServer(query.Config{RequestTimeout: time.Nanosecond, Logger: quietLog()}, query.Deps{Warehouse: w})
	if err != nil {
		t.Fatal(err)
	}
	api := &apitest.Client{Handler: srv.Handler()}
	resp := api.Get(t, "/api/v1/customers/c1/license-usage")
	if resp.Status != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d (Retry-After %q), want 503 with Retry-After: %s", resp.Status, resp.Header.Get("Retry-After"), resp.Body)
	}
}

// asPrincipal authenticates every request as p.
type asPrincipal query.Principal

func (a asPrincipal) Authenticate(*http.Request) (query.Principal, *query.Problem) {
	return query.Principal(a), nil
}

// The scope confines what a caller sees: another partner's customer, or a
// customer outside a caller's assigned set, does not exist for it.
func TestLicenseUsageIsConfinedToTheCallersScope(t *testing.T) {
	w := whtest.Database(t)
	inv := newInventory(t, w)
	inv.sync("c1", "A", day(0), 3, 1) // partner p1 (the fixture's partner)
	inv.rollUp(day(0), day(0))
	for _, tc := range []struct {
		name   string
		p      query.Principal
		status int
	}{
		{"operator", query.Principal{Role: query.Operator}, 200},
		{"own partner", query.Principal{Role: "full_admin", PartnerID: "p1"}, 200},
		{"foreign partner", query.Principal{Role: "full_admin", PartnerID: "p2"}, 404},
		{"assigned customer", query.Principal{Role: "sales_admin", PartnerID: "p1", CustomerIDs: []string{"c1"}}, 200},
		{"unassigned customer", query.Principal{Role: "sales_admin", PartnerID: "p1", CustomerIDs: []string{"c9"}}, 404},
		{"no customers", query.Principal{Role: "sales_admin", PartnerID: "p1", CustomerIDs: []string{}}, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := query.NewServer(query.Config{Now: func() time.Time { return today }, Logger: quietLog()},
				query.Deps{Warehouse: w, Auth: asPrincipal(tc.p)})
			if err != nil {
				t.Fatal(err)
			}
			api := &apitest.Client{Handler: srv.Handler()}
			resp := api.Get(t, "/api/v1/customers/c1/license-usage?window=7d")
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			if tc.status == 404 && strings.Contains(string(resp.Body), `"KW"`) {
				t.Errorf("a 404 carries figures: %s", resp.Body)
			}
		})
	}
}

func TestRolesWithoutThePermissionGet403(t *testing.T) {
	w := whtest.Database(t)
	for _, tc := range []struct {
		role   query.Role
		method string
		path   string
		status int
	}{
		{query.CustomerAdmin, http.MethodPost, "/api/v1/events", 403},
		{query.FullAdmin, http.MethodPost, "/api/v1/events", 403},
		{query.ReadOnlyAdmin, http.MethodGet, "/api/v1/customers/c1/license-usage", 404}, // allowed, but no such customer
	} {
		srv, err := query.NewServer(query.Config{Logger: quietLog()},
			query.Deps{Warehouse: w, Auth: asPrincipal(query.Principal{Role: tc.role, PartnerID: "p1"})})
		if err != nil {
			t.Fatal(err)
		}
		api := &apitest.Client{Handler: srv.Handler()}
		resp := api.Do(t, tc.method, tc.path, []byte("[]"), http.Header{"Content-Type": {"application/json"}})
		if resp.Status != tc.status {
			t.Errorf("%s %s as %s: %d, want %d (%s)", tc.method, tc.path, tc.role, resp.Status, tc.status, resp.Body)
		}
	}
}
