package rollup

import (
	"fmt"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse/whtest"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dayAt(day string, hour int) time.Time { return d(day).Add(time.Duration(hour) * time.Hour) }

// kwUsers is n users with voicemail (KW under Flex 2.0, rule U1).
func kwUsers(prefix string, n int) []fxUser {
	var out []fxUser
	for i := 0; i < n; i++ {
		out = append(out, fxUser{id: fmt.Sprintf("%s%d", prefix, i), vm: true})
	}
	return out
}

// caDevices is n unassociated analog adapters (CA under Flex 2.0, rule D2).
func caDevices(prefix string, n int) []fxDevice {
	var out []fxDevice
	for i := 0; i < n; i++ {
		out = append(out, fxDevice{id: fmt.Sprintf("%s%d", prefix, i), typ: "analog_adapter"})
	}
	return out
}

// usageSince is flex_usage_daily from a day on.
func usageSince(t *testing.T, f *flexWorld, day string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range usageRows(t, f.w) {
		if k[:10] >= day {
			out[k] = v
		}
	}
	return out
}

// The rollup figures against a hand-computed fixture (today 2026-11-23, a
// Monday; weeks start on Sunday 2026-11-15 and 2026-11-22):
//
// c1, Flex 2.0 subscription S1: KW 3, CA 1, TP 0 from 2026-01-01; a new
// version changed 2026-11-20 15:00 buys KW 5, CA 1, TP 1 (in force from
// 2026-11-20, the day of the change).
//
//	cluster A  11-18 A-1: KW 4 CA 1
//	           11-19 no sync: A-1 carried
//	           11-20 A-2 08:00: KW 2 CA 1; A-3 18:00: KW 6 CA 2 — A-3 arrives
//	                 late (second run) and replaces A-2 on 11-20 and 11-21
//	           11-21 no sync: carried (A-2, then A-3)
//	           11-22 A-4: KW 3 TP 1 — re-sent in the second run, counted once
//	           11-23 A-5: KW 3 CA 1
//	cluster B  11-14 B-1: KW 1 CA 1, never again: carried 7 days, through
//	           11-21; gone from 11-22
//
//	day    A        B      c1 consumed    purchased   overage
//	11-17  -        1/1/0  KW1 CA1 TP0    3/1/0       0/0/0
//	11-18  4/1/0    1/1/0  KW5 CA2 TP0    3/1/0       KW2 CA1
//	11-19  4/1/0    1/1/0  KW5 CA2 TP0    3/1/0       KW2 CA1
//	11-20  6/2/0    1/1/0  KW7 CA3 TP0    5/1/1       KW2 CA2   (before A-3: KW3 CA2, overage CA1)
//	11-21  6/2/0    1/1/0  KW7 CA3 TP0    5/1/1       KW2 CA2
//	11-22  3/0/1    -      KW3 CA0 TP1    5/1/1       0
//	11-23  3/1/0    -      KW3 CA1 TP0    5/1/1       0
//
// c2, Flex 3.0 EA subscription S2 from 2026-11-01: KW 800 (under the 1000
// minimum), CA 5, ACC 1, TP 0. Cluster E 11-23: two users with voicemail
// (KW), one with only a directory number (ACC), one analog adapter (CA).
//
// c3, Flex 2.0 subscription S3 from 2026-11-01 with KW 10; cancelled by a
// version changed 2026-11-21 10:00 that arrives in the second run: its rows
// from 11-21 on are withdrawn. No inventory.
//
// c4 has inventory (11-23: one KW user) and no subscription.
func TestFlexRollupFigures(t *testing.T) {
	w := whtest.Database(t)
	f := newFlexWorld(t, w)
	ctx := t.Context()

	// First run: everything but A-3, the A-4 re-send and S3's cancellation.
	f.ingested = dayAt("2026-11-23", 19)
	f.subscription("p1", "c1", "S1", "flex2", "active", d("2026-01-01"), time.Time{},
		map[string]uint32{"KW": 3, "CA": 1, "TP": 0}, dayAt("2026-01-01", 9))
	f.subscription("p1", "c1", "S1", "flex2", "active", d("2026-01-01"), time.Time{},
		map[string]uint32{"KW": 5, "CA": 1, "TP": 1}, dayAt("2026-11-20", 15))
	f.sync("p1", "c1", "B", "B-1", dayAt("2026-11-14", 9), kwUsers("b", 1), caDevices("BATA", 1))
	f.sync("p1", "c1", "A", "A-1", dayAt("2026-11-18", 9), kwUsers("a", 4), caDevices("ATA", 1))
	f.sync("p1", "c1", "A", "A-2", dayAt("2026-11-20", 8), kwUsers("a", 2), caDevices("ATA", 1))
	f.sync("p1", "c1", "A", "A-4", dayAt("2026-11-22", 9), kwUsers("a", 3), []fxDevice{{id: "TP1", typ: "telepresence", tp: true}})
	f.sync("p1", "c1", "A", "A-5", dayAt("2026-11-23", 9), kwUsers("a", 3), caDevices("ATA", 1))
	f.subscription("p1", "c2", "S2", "flex3_ea", "active", d("2026-11-01"), time.Time{},
		map[string]uint32{"KW": 800, "CA": 5, "ACC": 1, "TP": 0}, dayAt("2026-11-01", 9))
	f.sync("p1", "c2", "E", "E-1", dayAt("2026-11-23", 7),
		[]fxUser{{id: "e1", vm: true}, {id: "e2", vm: true}, {id: "e3", dn: "+31"}}, caDevices("EATA", 1))
	f.subscription("p1", "c3", "S3", "flex2", "active", d("2026-11-01"), time.Time{},
		map[string]uint32{"KW": 10}, dayAt("2026-11-01", 9))
	f.sync("p2", "c4", "F", "F-1", dayAt("2026-11-23", 7), kwUsers("f", 1), nil)
	f.flush()
	wk := quietWorker(w, dayAt("2026-11-23", 20))
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"2026-11-17 c1 S1 KW": "3/1/0", "2026-11-17 c1 S1 CA": "1/1/0", "2026-11-17 c1 S1 TP": "0/0/0",
		"2026-11-18 c1 S1 KW": "3/5/2", "2026-11-18 c1 S1 CA": "1/2/1", "2026-11-18 c1 S1 TP": "0/0/0",
		"2026-11-19 c1 S1 KW": "3/5/2", "2026-11-19 c1 S1 CA": "1/2/1", "2026-11-19 c1 S1 TP": "0/0/0",
		"2026-11-20 c1 S1 KW": "5/3/0", "2026-11-20 c1 S1 CA": "1/2/1", "2026-11-20 c1 S1 TP": "1/0/0",
		"2026-11-21 c1 S1 KW": "5/3/0", "2026-11-21 c1 S1 CA": "1/2/1", "2026-11-21 c1 S1 TP": "1/0/0",
		"2026-11-22 c1 S1 KW": "5/3/0", "2026-11-22 c1 S1 CA": "1/0/0", "2026-11-22 c1 S1 TP": "1/1/0",
		"2026-11-23 c1 S1 KW": "5/3/0", "2026-11-23 c1 S1 CA": "1/1/0", "2026-11-23 c1 S1 TP": "1/0/0",
	}
	for _, day := range []string{"2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"} {
		// S2 in force with nothing consumed before its cluster's first sync.
		for k, v := range map[string]string{"KW": "800/0/0", "CA": "5/0/0", "ACC": "1/0/0", "TP": "0/0/0"} {
			want[day+" c2 S2 "+k] = v
		}
		want[day+" c3 S3 KW"] = "10/0/0"
		want[day+" c3 S3 CA"] = "0/0/0"
		want[day+" c3 S3 TP"] = "0/0/0"
	}
	for k, v := range map[string]string{"KW": "800/2/0", "CA": "5/1/0", "ACC": "1/1/0", "TP": "0/0/0"} {
		want["2026-11-23 c2 S2 "+k] = v
	}
	for k, v := range map[string]string{"KW": "10/0/0", "CA": "0/0/0", "TP": "0/0/0"} {
		want["2026-11-23 c3 S3 "+k] = v
	}
	for k, v := range map[string]string{"KW": "0/1/1", "CA": "0/0/0", "TP": "0/0/0"} {
		want["2026-11-23 c4 - "+k] = v
	}
	checkRows(t, "first run", usageSince(t, f, "2026-11-17"), want)

	// Second run: the late sent again, S3 cancelled.
	f.ingested = dayAt("2026-11-23", 21)
	f.sync("p1", "c1", "A", "A-3", dayAt("2026-11-20", 18), kwUsers("a", 6), caDevices("ATA", 2))
	f.sync("p1", "c1", "A", "A-4", dayAt("2026-11-22", 9), kwUsers("a", 3), []fxDevice{{id: "TP1", typ: "telepresence", tp: true}})
	f.subscription("p1", "c3", "S3", "flex2", "cancelled", d("2026-11-01"), time.Time{},
		map[string]uint32{"KW": 10}, dayAt("2026-11-21", 10))
	f.flush()
	wk.now = func() time.Time { return dayAt("2026-11-23", 22) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"2026-11-20 c1 S1 KW": "5/7/2", "2026-11-20 c1 S1 CA": "1/3/2",
		"2026-11-21 c1 S1 KW": "5/7/2", "2026-11-21 c1 S1 CA": "1/3/2",
	} {
		want[k] = v
	}
	for _, day := range []string{"2026-11-21", "2026-11-22", "2026-11-23"} {
		for _, lt := range []string{"KW", "CA", "TP"} {
			delete(want, day+" c3 S3 "+lt)
		}
	}
	checkRows(t, "after late data", usageSince(t, f, "2026-11-17"), want)

	subs := func() map[string]string {
		return dump(t, w, `SELECT day, customer_id, if(subscription_id = '', '-', subscription_id),
			concat(toString(purchased), '/', toString(consumed), '/', toString(overage), ' ',
			       arrayStringConcat(overage_types, ','), ' ', if(ea_below_minimum, 'ea<1000 ', ''), status)
			FROM {db:Identifier}.flex_subscription_daily FINAL WHERE day >= '2026-11-20' ORDER BY ALL`)
	}
	wantSubs := map[string]string{
		"2026-11-20 c1 S1": "7/10/4 CA,KW overage", "2026-11-21 c1 S1": "7/10/4 CA,KW overage",
		"2026-11-22 c1 S1": "7/4/0  compliant", "2026-11-23 c1 S1": "7/4/0  compliant",
		"2026-11-20 c2 S2": "806/0/0  ea<1000 below_minimum", "2026-11-21 c2 S2": "806/0/0  ea<1000 below_minimum",
		"2026-11-22 c2 S2": "806/0/0  ea<1000 below_minimum", "2026-11-23 c2 S2": "806/4/0  ea<1000 below_minimum",
		"2026-11-20 c3 S3": "10/0/0  compliant",
		"2026-11-23 c4 -":  "0/1/1 KW no_subscription",
	}
	checkRows(t, "compliance", subs(), wantSubs)

	weeks := func() map[string]string {
		return dump(t, w, `SELECT week, customer_id, subscription_id, license_type,
			concat(toString(days), 'd peak ', toString(consumed_peak), ' latest ', toString(consumed_latest),
			       ' purchased ', toString(purchased), ' overage ', toString(overage_peak), ' in ', toString(overage_days), 'd')
			FROM {db:Identifier}.flex_usage_weekly FINAL WHERE customer_id = 'c1' AND week >= '2026-11-15' ORDER BY ALL`)
	}
	wantWeeks := map[string]string{
		// 11-15 and 11-16: B-1 carried (KW 1, CA 1); the peak 7 on 11-20.
		"2026-11-15 c1 S1 KW": "7d peak 7 latest 7 purchased 5 overage 2 in 4d",
		"2026-11-15 c1 S1 CA": "7d peak 3 latest 3 purchased 1 overage 2 in 4d",
		"2026-11-15 c1 S1 TP": "7d peak 0 latest 0 purchased 1 overage 0 in 0d",
		"2026-11-22 c1 S1 KW": "2d peak 3 latest 3 purchased 5 overage 0 in 0d",
		"2026-11-22 c1 S1 CA": "2d peak 1 latest 1 purchased 1 overage 0 in 0d",
		"2026-11-22 c1 S1 TP": "2d peak 1 latest 0 purchased 1 overage 0 in 0d",
	}
	checkRows(t, "weeks", weeks(), wantWeeks)

	// The report's windows as of 11-23 (S1 totals per day: 11-23 purchased
	// 7, consumed 4; 11-22 consumed 4; 11-21 consumed 10, overage 4). S3's
	// last row is 11-20: it has windows from 4 days on. c4 is over but has
	// no subscription.
	windows := func() map[string]string {
		return dump(t, w, `SELECT as_of, days, customer_id, if(subscription_id = '', '-', subscription_id),
			concat(toString(purchased), '/', toString(consumed), '/', toString(overage), ' ', status)
			FROM {db:Identifier}.flex_subscription_window FINAL WHERE days IN (1, 2, 3, 4, 7, 90) ORDER BY ALL`)
	}
	checkRows(t, "windows", windows(), map[string]string{
		"2026-11-23 1 c1 S1": "7/4/0 compliant", "2026-11-23 2 c1 S1": "7/4/0 compliant",
		"2026-11-23 3 c1 S1": "7/10/4 overage", "2026-11-23 4 c1 S1": "7/10/4 overage",
		"2026-11-23 7 c1 S1": "7/10/4 overage", "2026-11-23 90 c1 S1": "7/10/4 overage",
		"2026-11-23 1 c2 S2": "806/4/0 below_minimum", "2026-11-23 2 c2 S2": "806/4/0 below_minimum",
		"2026-11-23 3 c2 S2": "806/4/0 below_minimum", "2026-11-23 4 c2 S2": "806/4/0 below_minimum",
		"2026-11-23 7 c2 S2": "806/4/0 below_minimum", "2026-11-23 90 c2 S2": "806/4/0 below_minimum",
		"2026-11-23 4 c3 S3": "10/0/0 compliant", "2026-11-23 7 c3 S3": "10/0/0 compliant", "2026-11-23 90 c3 S3": "10/0/0 compliant",
		"2026-11-23 1 c4 -": "0/1/1 no_subscription", "2026-11-23 2 c4 -": "0/1/1 no_subscription",
		"2026-11-23 3 c4 -": "0/1/1 no_subscription", "2026-11-23 4 c4 -": "0/1/1 no_subscription",
		"2026-11-23 7 c4 -": "0/1/1 no_subscription", "2026-11-23 90 c4 -": "0/1/1 no_subscription",
	})

	// Idempotent: another run with nothing new, and a forced recompute of
	// the whole fortnight, change no figure.
	all := func() map[string]string {
		out := usageRows(t, w)
		for k, v := range subs() {
			out["sub "+k] = v
		}
		for k, v := range weeks() {
			out["week "+k] = v
		}
		for k, v := range windows() {
			out["window "+k] = v
		}
		return out
	}
	before := all()
	wk.now = func() time.Time { return dayAt("2026-11-23", 22).Add(30 * time.Second) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// Twice with the same clock: each pass is its own version.
	wk.now = func() time.Time { return dayAt("2026-11-23", 23) }
	for i := 0; i < 2; i++ {
		if err := wk.LicenseUsageDays(ctx, d("2026-11-10"), d("2026-11-23")); err != nil {
			t.Fatal(err)
		}
	}
	checkRows(t, "rerun", all(), before)

	// A new day: the last snapshots carry into 2026-11-24 without a sync.
	wk.now = func() time.Time { return dayAt("2026-11-24", 0).Add(10 * time.Minute) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := usageSince(t, f, "2026-11-24")
	checkRows(t, "carried into a new day", got, map[string]string{
		"2026-11-24 c1 S1 KW": "5/3/0", "2026-11-24 c1 S1 CA": "1/1/0", "2026-11-24 c1 S1 TP": "1/0/0",
		"2026-11-24 c2 S2 KW": "800/2/0", "2026-11-24 c2 S2 CA": "5/1/0", "2026-11-24 c2 S2 ACC": "1/1/0", "2026-11-24 c2 S2 TP": "0/0/0",
		"2026-11-24 c4 - KW": "0/1/1", "2026-11-24 c4 - CA": "0/0/0", "2026-11-24 c4 - TP": "0/0/0",
	})
}

// A customer with two Flex subscriptions in force (a move from Flex 2.0 to
// Flex 3.0 NU): the clusters count against the one that started last,
// classified under its model; the other shows its purchased quantities.
func TestFlexConsumptionGoesToTheNewestSubscription(t *testing.T) {
	w := whtest.Database(t)
	f := newFlexWorld(t, w)
	f.ingested = dayAt("2026-11-23", 1)
	f.subscription("p1", "c1", "OLD", "flex2", "active", d("2025-01-01"), d("2026-12-31"),
		map[string]uint32{"KW": 4, "CA": 1, "TP": 0}, dayAt("2025-01-01", 9))
	f.subscription("p1", "c1", "NEW", "flex3_nu", "active", d("2026-11-23"), time.Time{},
		map[string]uint32{"PRO": 1, "ENH": 1, "ACC": 1, "TP": 0}, dayAt("2026-11-20", 9))
	// A user with voicemail (U1), one with a desk phone (U2), an analog
	// adapter in a hallway (D2): Flex 2.0 KW 2 CA 1; NU PRO 1, ENH 1, ACC 1.
	f.sync("p1", "c1", "A", "A-1", dayAt("2026-11-22", 9), []fxUser{{id: "u1", vm: true}, {id: "u2"}},
		[]fxDevice{{id: "SEP", typ: "desk_phone", owner: "u2"}, {id: "ATA", typ: "analog_adapter"}})
	f.flush()
	wk := quietWorker(w, dayAt("2026-11-23", 2))
	if err := wk.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "usage", usageSince(t, f, "2026-11-22"), map[string]string{
		"2026-11-22 c1 OLD KW": "4/2/0", "2026-11-22 c1 OLD CA": "1/1/0", "2026-11-22 c1 OLD TP": "0/0/0",
		// NEW starts on 11-23: from then on it takes the consumption.
		"2026-11-23 c1 OLD KW": "4/0/0", "2026-11-23 c1 OLD CA": "1/0/0", "2026-11-23 c1 OLD TP": "0/0/0",
		"2026-11-23 c1 NEW PRO": "1/1/0", "2026-11-23 c1 NEW ENH": "1/1/0", "2026-11-23 c1 NEW ACC": "1/1/0", "2026-11-23 c1 NEW TP": "0/0/0",
	})
}
