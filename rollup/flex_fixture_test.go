package rollup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// flexWorld writes raw inventory and subscription versions the way ingest
// would, with every column the classification reads.
type flexWorld struct {
	t                     *testing.T
	w                     warehouse.Warehouse
	syncs, users, devices *warehouse.Batch
	subs                  *warehouse.Batch
	// ingested is the ingested_at of what is written next (a late arrival
	// is a later one).
	ingested time.Time
}

func newFlexWorld(t *testing.T, w warehouse.Warehouse) *flexWorld {
	ref := []warehouse.Column{{Name: "partner_id", Type: "String"}, {Name: "customer_id", Type: "String"},
		{Name: "cluster_id", Type: "String"}, {Name: "sync_id", Type: "String"}, {Name: "synced_at", Type: "DateTime64(3)"}}
	with := func(extra ...string) []warehouse.Column {
		out := append([]warehouse.Column{}, ref...)
		for i := 0; i < len(extra); i += 2 {
			out = append(out, warehouse.Column{Name: extra[i], Type: extra[i+1]})
		}
		return append(out, warehouse.Column{Name: "ingested_at", Type: "DateTime64(3)"})
	}
	return &flexWorld{t: t, w: w,
		syncs: warehouse.MustBatch("ucm_cluster_syncs", with("cluster_name", "String", "region", "String")),
		users: warehouse.MustBatch("ucm_users", with("user_id", "String", "directory_number", "String",
			"enterprise_directory_profile", "Bool", "snr", "Bool", "extension_mobility", "Bool", "voicemail", "Bool",
			"mobile_uc_client", "Bool", "tablet_uc_client", "Bool")),
		devices: warehouse.MustBatch("ucm_devices", with("device_id", "String", "device_type", "String",
			"associated_user_id", "String", "telepresence", "Bool")),
		subs: warehouse.MustBatch("subscription_versions", []warehouse.Column{
			{Name: "partner_id", Type: "String"}, {Name: "customer_id", Type: "String"}, {Name: "subscription_id", Type: "String"},
			{Name: "order_id", Type: "String"}, {Name: "product", Type: "String"}, {Name: "flex_model", Type: "String"},
			{Name: "status", Type: "String"}, {Name: "start_date", Type: "Date"}, {Name: "end_date", Type: "Nullable(Date)"},
			{Name: "licenses", Type: "Map(String, UInt32)"}, {Name: "changed_at", Type: "DateTime64(3)"},
			{Name: "ingested_at", Type: "DateTime64(3)"}}),
		ingested: time.Now().UTC(),
	}
}

// fxUser is a user of a snapshot: dn (directory number), profile
// (enterprise directory profile), snr, em (extension mobility), vm
// (voicemail), mobile and tablet UC clients.
type fxUser struct {
	id, dn                               string
	profile, snr, em, vm, mobile, tablet bool
}

// fxDevice is a device; owner is its associated user id.
type fxDevice struct {
	id, typ, owner string
	tp             bool
}

func (f *flexWorld) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// sync records one completed snapshot of a cluster.
func (f *flexWorld) sync(partner, customer, cluster, syncID string, at time.Time, users []fxUser, devices []fxDevice) {
	f.t.Helper()
	for _, u := range users {
		f.must(f.users.Append(partner, customer, cluster, syncID, at, u.id, u.dn, u.profile, u.snr, u.em, u.vm, u.mobile, u.tablet, f.ingested))
	}
	for _, d := range devices {
		f.must(f.devices.Append(partner, customer, cluster, syncID, at, d.id, d.typ, d.owner, d.tp, f.ingested))
	}
	f.must(f.syncs.Append(partner, customer, cluster, syncID, at, "UCM-"+cluster, "eu-west-ams", f.ingested))
}

// subscription records one version of a Flex subscription; end zero is
// open-ended.
func (f *flexWorld) subscription(partner, customer, id, model, status string, start, end time.Time, licenses map[string]uint32, changed time.Time) {
	f.t.Helper()
	var e any
	if !end.IsZero() {
		e = end
	}
	f.must(f.subs.Append(partner, customer, id, "CCW-"+id, "ucm_flex", model, status, start, e, licenses, changed, f.ingested))
}

func (f *flexWorld) flush() {
	f.t.Helper()
	for _, b := range []*warehouse.Batch{f.users, f.devices, f.syncs, f.subs} {
		if b.Rows() == 0 {
			continue
		}
		f.must(f.w.Insert(context.Background(), b, ""))
		b.Reset()
	}
}

func quietWorker(w warehouse.Warehouse, now time.Time) *Worker {
	wk := NewWorker(w, time.Minute, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	wk.now = func() time.Time { return now }
	return wk
}

// dump reads a table FINAL as "key = value" lines, sorted.
func dump(t *testing.T, w warehouse.Warehouse, sql string) map[string]string {
	t.Helper()
	res, err := w.Query(context.Background(), sql, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range res.Rows {
		parts := make([]string, len(r))
		for i, v := range r {
			switch x := v.(type) {
			case time.Time:
				parts[i] = x.Format(time.DateOnly)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out[strings.Join(parts[:len(parts)-1], " ")] = parts[len(parts)-1]
	}
	return out
}

// usageRows is flex_usage_daily as "day customer subscription type" →
// "purchased/consumed/overage".
func usageRows(t *testing.T, w warehouse.Warehouse) map[string]string {
	return dump(t, w, `SELECT day, customer_id, if(subscription_id = '', '-', subscription_id), license_type,
		concat(toString(purchased), '/', toString(consumed), '/', toString(overage))
		FROM {db:Identifier}.flex_usage_daily FINAL ORDER BY ALL`)
}

func checkRows(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s %s = %q, want %q", what, k, got[k], want[k])
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s = %q", what, k, v)
		}
	}
}
