package rollup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// overview writes partner-overview rows the way ingest does; days are
// offsets from base (today, by the real clock: ingested_at is the
// engine's clock, and the worker looks for what arrived up to its now).
type overview struct {
	t    *testing.T
	w    warehouse.Warehouse
	base time.Time
	// ingestedAt stamps the rows as ingest would; rows stamped well before
	// the worker's watermark are not seen as new again.
	ingestedAt               time.Time
	customers, subs, assigns *warehouse.Batch
	activity, signIns        *warehouse.Batch
}

func newOverview(t *testing.T, w warehouse.Warehouse) *overview {
	col := func(name, typ string) warehouse.Column { return warehouse.Column{Name: name, Type: typ} }
	s, ts := "String", "DateTime64(3)"
	return &overview{t: t, w: w, base: time.Now().UTC().Truncate(24 * time.Hour), ingestedAt: time.Now().Add(-10 * time.Minute),
		customers: warehouse.MustBatch("customer_versions", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("name", s), col("managed_by", s), col("products", "Array(String)"), col("added_at", ts), col("updated_at", ts), col("ingested_at", ts)}),
		subs: warehouse.MustBatch("subscription_versions", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("subscription_id", s), col("product", s), col("trial", "Bool"), col("status", s), col("start_date", "Date"),
			col("end_date", "Nullable(Date)"), col("auto_renew", "Bool"), col("licenses", "Map(String, UInt32)"), col("changed_at", ts), col("ingested_at", ts)}),
		assigns: warehouse.MustBatch("license_assignment_events", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("subscription_id", s), col("product", s), col("user_id", s), col("action", s), col("changed_at", ts), col("ingested_at", ts)}),
		activity: warehouse.MustBatch("usage_activity", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("user_id", s), col("product", s), col("day", "Date"), col("ingested_at", ts)}),
		signIns: warehouse.MustBatch("admin_sign_ins", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("admin_id", s), col("signed_in_at", ts), col("ingested_at", ts)}),
	}
}

func (o *overview) day(offset int) time.Time { return o.base.AddDate(0, 0, offset) }

func (o *overview) must(err error) {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
}

func (o *overview) customer(partner, id string, added int) {
	at := o.day(added).Add(9 * time.Hour)
	o.must(o.customers.Append(partner, id, "Customer "+id, "partner", []string{"meetings"}, at, at, o.ingestedAt))
}

func (o *overview) sub(partner, customer, id, status string, start, end int, total uint32, changed int) {
	o.must(o.subs.Append(partner, customer, id, "meetings", false, status, o.day(start), o.day(end), false,
		map[string]uint32{"USER": total}, o.day(changed).Add(9*time.Hour), o.ingestedAt))
}

func (o *overview) assign(partner, customer, sub, user, action string, on int) {
	o.must(o.assigns.Append(partner, customer, sub, "meetings", user, action, o.day(on).Add(10*time.Hour), o.ingestedAt))
}

func (o *overview) active(partner, customer, user string, on int) {
	o.must(o.activity.Append(partner, customer, user, "meetings", o.day(on), o.ingestedAt))
}

func (o *overview) flush() {
	o.t.Helper()
	for _, b := range []*warehouse.Batch{o.customers, o.subs, o.assigns, o.activity, o.signIns} {
		if b.Rows() > 0 {
			o.must(o.w.Insert(context.Background(), b, ""))
			b.Reset()
		}
	}
}

// figures reads subscription figures by "day-offset subscription".
func (o *overview) figures() map[string]string {
	o.t.Helper()
	res, err := o.w.Query(context.Background(), `SELECT day, subscription_id, live, total, assigned, assigned_week_ago, used, used_week_ago, used_3m,
		in_recently_added, in_expiring, in_over_limit
		FROM {db:Identifier}.partner_subscription_daily FINAL ORDER BY day, subscription_id`, nil)
	o.must(err)
	out := map[string]string{}
	for _, r := range res.Rows {
		d := int(warehouse.Time(r[0]).Sub(o.base).Hours() / 24)
		out[fmt.Sprintf("%d %s", d, r[1])] = fmt.Sprintf("live=%v total=%d assigned=%d/%d used=%d/%d 3m=%d recent=%v expiring=%v over=%v",
			r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11])
	}
	return out
}

func (o *overview) count(sql string) int64 {
	o.t.Helper()
	res, err := o.w.Query(context.Background(), sql, nil)
	o.must(err)
	return warehouse.Int(res.Rows[0][0])
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The worker computes every day from the first data on, recomputes only
// the days and partners that late data touches, computes a new day for
// every partner when the date moves on, and changes nothing when run again.
func TestPartnerOverviewRollupIsIncrementalAndIdempotent(t *testing.T) {
	w := whtest.Database(t)
	o := newOverview(t, w)
	ctx := context.Background()
	// p1/c1: S1 from day -40 to +100 (10 licenses); u1, u2 assigned on day
	// -30; u1 active yesterday. p2/c2: S2 from day -3 (5 licenses).
	o.customer("p1", "c1", -40)
	o.sub("p1", "c1", "S1", "active", -40, 100, 10, -40)
	o.assign("p1", "c1", "S1", "u1", "assigned", -30)
	o.assign("p1", "c1", "S1", "u2", "assigned", -30)
	o.active("p1", "c1", "u1", -1)
	o.customer("p2", "c2", -3)
	o.sub("p2", "c2", "S2", "active", -3, 30, 5, -3)
	o.flush()

	wk := NewWorker(w, time.Minute, nil, quiet())
	wk.now = func() time.Time { return time.Now().Add(time.Second) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	f := o.figures()
	// Day -40 .. 0 for S1 (41 days), -3 .. 0 for S2.
	if n := o.count("SELECT count() FROM {db:Identifier}.partner_subscription_daily FINAL"); n != 41+4 {
		t.Errorf("%d subscription-days, want 45", n)
	}
	for key, want := range map[string]string{
		"-40 S1": "live=true total=10 assigned=0/0 used=0/0 3m=0 recent=true expiring=false over=false",
		"-30 S1": "live=true total=10 assigned=2/0 used=0/0 3m=0 recent=true expiring=false over=false",
		"-23 S1": "live=true total=10 assigned=2/2 used=0/0 3m=0 recent=true expiring=false over=false",
		"0 S1":   "live=true total=10 assigned=2/2 used=1/0 3m=1 recent=true expiring=false over=false",
		"-3 S2":  "live=true total=5 assigned=0/0 used=0/0 3m=0 recent=true expiring=true over=false",
	} {
		if f[key] != want {
			t.Errorf("%s: %s\n   want %s", key, f[key], want)
		}
	}
	if n := o.count("SELECT count() FROM {db:Identifier}.partner_customer_daily FINAL"); n != 41+4 {
		t.Errorf("%d customer-days, want 45", n)
	}

	// Running again with nothing new changes nothing.
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	checkSame(t, o.figures(), f)
	// Recomputing days by hand gives the same figures.
	if err := wk.PartnerOverviewDays(ctx, o.day(-40), o.day(0)); err != nil {
		t.Fatal(err)
	}
	checkSame(t, o.figures(), f)

	// Late data (arriving now, after the watermark): u3 was assigned on day -20 and S1 was cancelled on day -5
	// (both arriving now): p1's days from -20 on are recomputed, p2's not.
	o.ingestedAt = time.Now()
	o.assign("p1", "c1", "S1", "u3", "assigned", -20)
	o.sub("p1", "c1", "S1", "cancelled", -40, 100, 10, -5)
	o.flush()
	p2Computed := "SELECT toUnixTimestamp64Milli(max(computed_at)) FROM {db:Identifier}.partner_subscription_daily WHERE partner_id = 'p2'"
	p2Before := o.count(p2Computed)
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	f = o.figures()
	for key, want := range map[string]string{
		"-21 S1": "live=true total=10 assigned=2/2 used=0/0 3m=0 recent=true expiring=false over=false",
		"-20 S1": "live=true total=10 assigned=3/2 used=0/0 3m=0 recent=true expiring=false over=false",
		"-6 S1":  "live=true total=10 assigned=3/3 used=0/0 3m=0 recent=true expiring=false over=false",
		// Cancelled from day -5: still a row (no stale set membership), not live.
		"-5 S1": "live=false total=10 assigned=3/3 used=0/0 3m=0 recent=false expiring=false over=false",
		"0 S1":  "live=false total=10 assigned=3/3 used=1/0 3m=1 recent=false expiring=false over=false",
	} {
		if f[key] != want {
			t.Errorf("after late data, %s: %s\n   want %s", key, f[key], want)
		}
	}
	if after := o.count(p2Computed); after != p2Before {
		t.Error("late data of p1 recomputed p2")
	}
	var status string
	res, err := w.Query(ctx, "SELECT status FROM {db:Identifier}.partner_customer_daily FINAL WHERE customer_id = 'c1' AND day = {d:Date}",
		warehouse.P("d", warehouse.Date(o.day(0))))
	o.must(err)
	if status = warehouse.Str(res.Rows[0][0]); status != "expired" {
		t.Errorf("c1 with its only subscription cancelled: %s, want expired", status)
	}

	// The date moves on: tomorrow is computed for every partner without any
	// new event.
	wk.now = func() time.Time { return time.Now().Add(24 * time.Hour) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	f = o.figures()
	if f["1 S1"] == "" || f["1 S2"] == "" {
		t.Errorf("tomorrow: S1 %q, S2 %q; want both computed", f["1 S1"], f["1 S2"])
	}
}

func checkSame(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

// The thresholds are configurable: expiring soon, no recent activity, and
// the low-allocation ratio.
func TestPartnerOverviewConfig(t *testing.T) {
	w := whtest.Database(t)
	o := newOverview(t, w)
	ctx := context.Background()
	// c1: S1 ends in 20 days; its admins last signed in 10 days ago.
	o.customer("p1", "c1", -100)
	o.sub("p1", "c1", "S1", "active", -100, 20, 10, -100)
	o.must(o.signIns.Append("p1", "c1", "adm", o.day(-10).Add(8*time.Hour), o.ingestedAt))
	o.flush()
	status := func() string {
		res, err := w.Query(ctx, "SELECT statuses FROM {db:Identifier}.partner_customer_daily FINAL WHERE day = {d:Date}",
			warehouse.P("d", warehouse.Date(o.day(0))))
		o.must(err)
		return fmt.Sprint(res.Rows[0][0])
	}
	for _, tc := range []struct {
		expiring, inactive int
		want               string
	}{
		{14, 30, "[subscription]"},                                  // the defaults: 20 days left, 10 days quiet
		{20, 30, "[expiring_soon subscription]"},                    // 20 days is within 20
		{30, 10, "[expiring_soon no_recent_activity subscription]"}, // quiet for 10 days: no sign-in in the last 10
		{19, 11, "[subscription]"},
	} {
		wk := NewWorker(w, time.Minute, nil, quiet())
		c := DefaultPartnerOverviewConfig()
		c.ExpiringSoonDays, c.NoRecentActivityDays = tc.expiring, tc.inactive
		if err := wk.SetPartnerOverviewConfig(c); err != nil {
			t.Fatal(err)
		}
		o.must(wk.PartnerOverviewDays(ctx, o.day(0), o.day(0)))
		if got := status(); got != tc.want {
			t.Errorf("expiring soon %d, no recent activity %d days: %s, want %s", tc.expiring, tc.inactive, got, tc.want)
		}
	}
	for _, bad := range []func(*PartnerOverviewConfig){
		func(c *PartnerOverviewConfig) { c.ExpiringSoonDays = -1 },
		func(c *PartnerOverviewConfig) { c.NoRecentActivityDays = 0 },
		func(c *PartnerOverviewConfig) { c.LowAllocationRatio = 0 },
		func(c *PartnerOverviewConfig) { c.LowAllocationRatio = 1.5 },
		func(c *PartnerOverviewConfig) { c.LowAllocationMinPeers = 0 },
		func(c *PartnerOverviewConfig) { c.LowAllocationSizeBands = []int{50, 10} },
		func(c *PartnerOverviewConfig) { c.BackfillDays = -1 },
	} {
		c := DefaultPartnerOverviewConfig()
		bad(&c)
		if err := NewWorker(w, time.Minute, nil, quiet()).SetPartnerOverviewConfig(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// Low allocation compares a subscription with the median of its size band
// (at least MinPeers subscriptions), else of the partner's whole product.
func TestPartnerOverviewLowAllocationPeers(t *testing.T) {
	w := whtest.Database(t)
	o := newOverview(t, w)
	ctx := context.Background()
	// Six subscriptions of 20 licenses (one band) assigned 2, 8, 10, 10, 12,
	// 20: shares .1 .4 .5 .5 .6 1 → median .5; below .25 (ratio .5): S-2.
	// One of 300 licenses (its own band) with 60 assigned (.2): the band is
	// too small, the product median of all seven (.5) applies → low.
	assigned := map[string]int{"S-2": 2, "S-8": 8, "S-10a": 10, "S-10b": 10, "S-12": 12, "S-20": 20}
	for id, n := range assigned {
		o.customer("p1", "c"+id, -200)
		o.sub("p1", "c"+id, id, "active", -200, 200, 20, -200)
		for u := range n {
			o.assign("p1", "c"+id, id, fmt.Sprintf("u%d", u), "assigned", -100)
		}
	}
	o.customer("p1", "cBig", -200)
	o.sub("p1", "cBig", "S-big", "active", -200, 200, 300, -200)
	for u := range 60 {
		o.assign("p1", "cBig", "S-big", fmt.Sprintf("u%d", u), "assigned", -100)
	}
	o.flush()
	low := func(c PartnerOverviewConfig) string {
		wk := NewWorker(w, time.Minute, nil, quiet())
		o.must(wk.SetPartnerOverviewConfig(c))
		o.must(wk.PartnerOverviewDays(ctx, o.day(0), o.day(0)))
		res, err := w.Query(ctx, `SELECT groupArray(subscription_id) FROM (SELECT subscription_id FROM {db:Identifier}.partner_subscription_daily FINAL
			WHERE in_low_allocation ORDER BY subscription_id)`, nil)
		o.must(err)
		return fmt.Sprint(res.Rows[0][0])
	}
	c := DefaultPartnerOverviewConfig()
	if got := low(c); got != "[S-2 S-big]" {
		t.Errorf("defaults: %s, want [S-2 S-big]", got)
	}
	// A stricter ratio (.3 × .5 = .15) leaves only S-2 (.1).
	c.LowAllocationRatio = 0.3
	if got := low(c); got != "[S-2]" {
		t.Errorf("ratio .3: %s, want [S-2]", got)
	}
	// Eight peers needed: neither the band (6) nor the product (7) has
	// enough, so nothing is compared.
	c = DefaultPartnerOverviewConfig()
	c.LowAllocationMinPeers = 8
	if got := low(c); got != "[]" {
		t.Errorf("min peers 8: %s, want []", got)
	}
}
