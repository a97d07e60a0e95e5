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

// fixture writes raw inventory rows the way ingest would.
type fixture struct {
	t            *testing.T
	w            warehouse.Warehouse
	syncs, users *warehouse.Batch
	devices      *warehouse.Batch
}

func newFixture(t *testing.T, w warehouse.Warehouse) *fixture {
	ref := []warehouse.Column{{Name: "partner_id", Type: "String"}, {Name: "customer_id", Type: "String"},
		{Name: "cluster_id", Type: "String"}, {Name: "sync_id", Type: "String"}, {Name: "synced_at", Type: "DateTime64(3)"}}
	with := func(extra ...warehouse.Column) []warehouse.Column {
		return append(append([]warehouse.Column{}, ref...), extra...)
	}
	return &fixture{t: t, w: w,
		syncs: warehouse.MustBatch("ucm_cluster_syncs", with(
			warehouse.Column{Name: "cluster_name", Type: "String"}, warehouse.Column{Name: "region", Type: "String"})),
		users: warehouse.MustBatch("ucm_users", with(
			warehouse.Column{Name: "user_id", Type: "String"}, warehouse.Column{Name: "directory_number", Type: "String"},
			warehouse.Column{Name: "snr", Type: "Bool"}, warehouse.Column{Name: "extension_mobility", Type: "Bool"},
			warehouse.Column{Name: "voicemail", Type: "Bool"}, warehouse.Column{Name: "mobile_uc_client", Type: "Bool"})),
		devices: warehouse.MustBatch("ucm_devices", with(
			warehouse.Column{Name: "device_id", Type: "String"}, warehouse.Column{Name: "device_type", Type: "String"},
			warehouse.Column{Name: "associated_user_id", Type: "String"}, warehouse.Column{Name: "telepresence", Type: "Bool"})),
	}
}

type user struct {
	id, dn              string
	snr, em, vm, mobile bool
}

type device struct {
	id, typ, owner string
	tp             bool
}

func (f *fixture) sync(cluster, syncID string, at time.Time, users []user, devices []device) {
	f.t.Helper()
	must := func(err error) {
		if err != nil {
			f.t.Fatal(err)
		}
	}
	for _, u := range users {
		must(f.users.Append("p1", "c1", cluster, syncID, at, u.id, u.dn, u.snr, u.em, u.vm, u.mobile))
	}
	for _, d := range devices {
		must(f.devices.Append("p1", "c1", cluster, syncID, at, d.id, d.typ, d.owner, d.tp))
	}
	must(f.syncs.Append("p1", "c1", cluster, syncID, at, "UCM-"+cluster, "eu-west-ams"))
}

func (f *fixture) flush() {
	f.t.Helper()
	for _, b := range []*warehouse.Batch{f.users, f.devices, f.syncs} {
		if err := f.w.Insert(context.Background(), b, ""); err != nil {
			f.t.Fatal(err)
		}
		b.Reset()
	}
}

func usage(t *testing.T, w warehouse.Warehouse) map[string]int64 {
	t.Helper()
	res, err := w.Query(context.Background(), `SELECT toString(day), cluster_id, license_type, consumed
		FROM {db:Identifier}.license_usage_daily FINAL ORDER BY 1, 2, 3`, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range res.Rows {
		out[fmt.Sprintf("%s %s %s", r[0], r[1], r[2])] = warehouse.Int(r[3])
	}
	return out
}

var day1 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestLicenseUsageDailyFromLatestSyncOfEachDay(t *testing.T) {
	w := whtest.Database(t)
	f := newFixture(t, w)
	ctx := context.Background()

	// Cluster A, day 1, early sync: 1 user with a directory number. It is
	// superseded by the later sync of the same day and must not count.
	f.sync("A", "A-1", day1.Add(2*time.Hour), []user{{id: "u1", dn: "100"}}, nil)
	// Cluster A, day 1, later sync (the one that counts):
	//   u1 directory number                 → KW
	//   u2 only SNR                         → KW
	//   u3 nothing but owns a desk phone    → KW
	//   u4 nothing, no device               → not licensed
	//   d1 desk phone of u3                 → (owned, no CA)
	//   d2 analog adapter, no owner         → CA
	//   d3 conference phone, no owner       → CA
	//   d4 TelePresence with an owner       → TP
	//   d5 device_type telepresence, flag unset → TP
	// KW = 3, CA = 2, TP = 2.
	f.sync("A", "A-2", day1.Add(14*time.Hour), []user{
		{id: "u1", dn: "100"}, {id: "u2", snr: true}, {id: "u3"}, {id: "u4"},
	}, []device{
		{id: "d1", typ: "desk_phone", owner: "u3"}, {id: "d2", typ: "analog_adapter"},
		{id: "d3", typ: "conference_phone"}, {id: "d4", typ: "video_device", owner: "u1", tp: true},
		{id: "d5", typ: "telepresence"},
	})
	// Cluster B, day 1: one user with voicemail, sent twice under the same
	// sync id (a re-sent snapshot) — still KW = 1, CA = 0, TP = 0.
	for i := 0; i < 2; i++ {
		f.sync("B", "B-1", day1.Add(3*time.Hour), []user{{id: "v1", vm: true}}, nil)
	}
	// Cluster A, day 2: u1 left; u2 keeps SNR → KW = 1; d2 remains → CA = 1.
	f.sync("A", "A-3", day1.Add(26*time.Hour), []user{{id: "u2", snr: true}}, []device{{id: "d2", typ: "analog_adapter"}})
	f.flush()

	wk := NewWorker(w, time.Minute, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"2026-11-20 A KW": 3, "2026-11-20 A CA": 2, "2026-11-20 A TP": 2,
		"2026-11-20 B KW": 1, "2026-11-20 B CA": 0, "2026-11-20 B TP": 0,
		"2026-11-21 A KW": 1, "2026-11-21 A CA": 1, "2026-11-21 A TP": 0,
	}
	got := usage(t, w)
	checkUsage(t, got, want)

	// Idempotent: a second run (nothing new) and a forced recompute of the
	// same days change no figure.
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := wk.LicenseUsageDays(ctx, day1, day1.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	checkUsage(t, usage(t, w), want)

	// A late sync for day 1 on cluster B, later in the day than B-1: it
	// supersedes B-1 and corrects day 1 only. v1 plus v2 (mobile client) → KW 2.
	f.sync("B", "B-2", day1.Add(20*time.Hour), []user{{id: "v1", vm: true}, {id: "v2", mobile: true}}, nil)
	f.flush()
	wk.now = func() time.Time { return time.Now().Add(time.Second) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want["2026-11-20 B KW"] = 2
	checkUsage(t, usage(t, w), want)
}

func checkUsage(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
}
