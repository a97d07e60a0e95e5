package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// The demo world, written into a real warehouse and rolled up, shows every
// customer status, and every section of the overview for Meetings and for
// Calling, for every partner; the license trend moves over the weeks.
func TestDemoOverviewShowsEveryStatusAndSection(t *testing.T) {
	w := Generate(Config{Seed: 5, Partners: 2, CustomersPerPartner: 24, MaxClusters: 2, MinUsers: 5, MaxUsers: 40})
	rng := rand.New(rand.NewPCG(5, 6))
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	const history = 30
	p := &producer{prefix: "flexhub."}
	for _, s := range streams {
		if s.name != "inventory" && s.seed != nil {
			s.seed(w, rng, today, history, p)
		}
	}
	for d := 0; d < history; d++ {
		for _, s := range streams {
			if s.name != "inventory" && s.day != nil {
				s.day(w, rng, d, today.AddDate(0, 0, d-history+1), p)
			}
		}
	}
	wh := whtest.Database(t)
	ctx := context.Background()
	values := make([][]byte, len(p.buf))
	for i, m := range p.buf {
		values[i] = m.Value
	}
	if err := ingest.WriteEvents(ctx, wh, ingest.NewRegistry("flexhub."), values); err != nil {
		t.Fatal(err)
	}
	wk := rollup.NewWorker(wh, time.Minute, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, d := range []int{-21, -14, -7, 0} {
		if err := wk.PartnerOverviewDays(ctx, today.AddDate(0, 0, d), today.AddDate(0, 0, d)); err != nil {
			t.Fatal(err)
		}
	}
	query := func(sql string) [][]any {
		t.Helper()
		res, err := wh.Query(ctx, sql, warehouse.P("day", warehouse.Date(today)))
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows
	}

	for _, r := range query(`SELECT partner_id, arraySort(groupUniqArrayArray(statuses)) FROM {db:Identifier}.partner_customer_daily FINAL
		WHERE day = {day:Date} GROUP BY partner_id ORDER BY partner_id`) {
		got := fmt.Sprint(r[1])
		for _, st := range []string{"suspended", "expired", "license_overage", "expiring_soon", "ready_for_order_setup",
			"no_recent_activity", "trial", "subscription"} {
			if !slices.Contains(r[1].([]string), st) {
				t.Errorf("%s: no customer is %s (statuses seen: %s)", r[0], st, got)
			}
		}
	}
	rows := query(`SELECT partner_id, product, countIf(in_recently_added), countIf(in_expiring), countIf(in_renewing),
		countIf(in_low_allocation), countIf(in_over_limit), countIf(live)
		FROM {db:Identifier}.partner_subscription_daily FINAL
		WHERE day = {day:Date} AND product IN ('meetings', 'calling') GROUP BY partner_id, product ORDER BY partner_id, product`)
	if len(rows) != 2*len(w.Partners) {
		t.Fatalf("%d partner × product groups, want %d", len(rows), 2*len(w.Partners))
	}
	for _, r := range rows {
		for i, set := range []string{"recently added", "expiring", "renewing", "low allocation", "over the limit"} {
			if warehouse.Int(r[2+i]) == 0 {
				t.Errorf("%s %s: no subscription %s (of %d live)", r[0], r[1], set, warehouse.Int(r[7]))
			}
		}
	}
	// The trend: assigned and used licenses differ from week to week.
	trend := query(`SELECT day, sum(assigned), sum(used) FROM {db:Identifier}.partner_subscription_daily FINAL
		WHERE live AND product = 'meetings' GROUP BY day ORDER BY day`)
	if len(trend) != 4 {
		t.Fatalf("trend has %d weeks, want 4", len(trend))
	}
	for i := 1; i < len(trend); i++ {
		if warehouse.Int(trend[i][1]) == warehouse.Int(trend[i-1][1]) || warehouse.Int(trend[i][2]) == 0 {
			t.Errorf("trend flat or unused: %v", trend)
		}
	}
	// Partner admins are assigned to customers.
	if n := warehouse.Int(query(`SELECT uniqExact(customer_id) FROM {db:Identifier}.partner_admin_assignments`)[0][0]); n != int64(len(w.Customers)) {
		t.Errorf("partner admins for %d customers, want all %d", n, len(w.Customers))
	}
}
