package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// flexFixture is a small Flex world (API today 2026-11-23):
//
// Partner p1:
//
//	c1 "Bakker Logistiek B.V.", Flex 2.0 S1: KW 3, CA 1, TP 0 since 2026-01-01
//	   cluster A (eu-west-ams, AMS-UCM-01): day -2 KW 4 CA 1; day 0 KW 2 CA 1 TP 1
//	   cluster B (eu-central-fra, FRA-UCM-01): day -10 KW 1 only (carried to day -3)
//	   c1 per day: -9…-3 KW 1; -2, -1 KW 4 CA 1; 0 KW 2 CA 1 TP 1
//	c2 "De Boer Zorggroep", Flex 3.0 NU S2: PRO 5, ENH 5, ACC 5, TP 1 since 2026-06-01
//	   cluster C (eu-west-ams): day 0 two users with voicemail → PRO 2
//	c3 "Visser Techniek", Flex 3.0 EA S3: KW 900, CA 10, ACC 0, TP 0 since 2026-06-01,
//	   no inventory: below the EA minimum
//
// Partner p2: c9 "Bakker Bouw", Flex 2.0 S9: KW 1; cluster Z day 0 KW 5.
//
// The rollup is forced over days -10…0, as of the API's today.
type flexFixture struct {
	w warehouse.Warehouse
}

func newFlexFixture(t *testing.T) *flexFixture {
	t.Helper()
	w := whtest.Database(t)
	ctx := context.Background()
	ref := []warehouse.Column{{Name: "partner_id", Type: "String"}, {Name: "customer_id", Type: "String"},
		{Name: "cluster_id", Type: "String"}, {Name: "sync_id", Type: "String"}, {Name: "synced_at", Type: "DateTime64(3)"}}
	// Rows carry an ingested_at of the fixture's past, so the forced
	// recompute below is all the rollup does, whatever the real clock says.
	ingested := warehouse.Column{Name: "ingested_at", Type: "DateTime64(3)"}
	with := func(extra ...warehouse.Column) []warehouse.Column {
		return append(append(append([]warehouse.Column{}, ref...), extra...), ingested)
	}
	syncs := warehouse.MustBatch("ucm_cluster_syncs", with(warehouse.Column{Name: "cluster_name", Type: "String"},
		warehouse.Column{Name: "region", Type: "String"}, warehouse.Column{Name: "version", Type: "String"},
		warehouse.Column{Name: "publisher", Type: "String"}))
	users := warehouse.MustBatch("ucm_users", with(warehouse.Column{Name: "user_id", Type: "String"}, warehouse.Column{Name: "voicemail", Type: "Bool"}))
	devices := warehouse.MustBatch("ucm_devices", with(warehouse.Column{Name: "device_id", Type: "String"},
		warehouse.Column{Name: "device_type", Type: "String"}, warehouse.Column{Name: "telepresence", Type: "Bool"}))
	customers := warehouse.MustBatch("customer_versions", []warehouse.Column{{Name: "partner_id", Type: "String"},
		{Name: "customer_id", Type: "String"}, {Name: "name", Type: "String"}, {Name: "managed_by", Type: "String"},
		{Name: "added_at", Type: "DateTime64(3)"}, {Name: "updated_at", Type: "DateTime64(3)"}, ingested})
	subs := warehouse.MustBatch("subscription_versions", []warehouse.Column{{Name: "partner_id", Type: "String"},
		{Name: "customer_id", Type: "String"}, {Name: "subscription_id", Type: "String"}, {Name: "order_id", Type: "String"},
		{Name: "product", Type: "String"}, {Name: "flex_model", Type: "String"}, {Name: "status", Type: "String"},
		{Name: "start_date", Type: "Date"}, {Name: "licenses", Type: "Map(String, UInt32)"}, {Name: "changed_at", Type: "DateTime64(3)"},
		ingested})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	past := day(-1)
	sync := func(partner, customer, cluster, name, region string, at time.Time, kw, ca, tp int) {
		id := fmt.Sprintf("%s@%d", cluster, at.Unix())
		for i := 0; i < kw; i++ {
			must(users.Append(partner, customer, cluster, id, at, fmt.Sprintf("u%d", i), true, past))
		}
		for i := 0; i < ca; i++ {
			must(devices.Append(partner, customer, cluster, id, at, fmt.Sprintf("ATA%d", i), "analog_adapter", false, past))
		}
		for i := 0; i < tp; i++ {
			must(devices.Append(partner, customer, cluster, id, at, fmt.Sprintf("TP%d", i), "telepresence", true, past))
		}
		must(syncs.Append(partner, customer, cluster, id, at, name, region, "15.0.1", "pub."+cluster+".example", past))
	}
	customer := func(partner, id, name string) {
		must(customers.Append(partner, id, name, "partner", day(-400), day(-400), past))
	}
	sub := func(partner, customer, id, model, start string, licenses map[string]uint32) {
		s, _ := time.Parse(time.DateOnly, start)
		must(subs.Append(partner, customer, id, "CCW-"+id, "ucm_flex", model, "active", s, licenses, s.Add(9*time.Hour), past))
	}
	customer("p1", "c1", "Bakker Logistiek B.V.")
	customer("p1", "c2", "De Boer Zorggroep")
	customer("p1", "c3", "Visser Techniek")
	customer("p2", "c9", "Bakker Bouw")
	sub("p1", "c1", "S1", "flex2", "2026-01-01", map[string]uint32{"KW": 3, "CA": 1, "TP": 0})
	sub("p1", "c2", "S2", "flex3_nu", "2026-06-01", map[string]uint32{"PRO": 5, "ENH": 5, "ACC": 5, "TP": 1})
	sub("p1", "c3", "S3", "flex3_ea", "2026-06-01", map[string]uint32{"KW": 900, "CA": 10, "ACC": 0, "TP": 0})
	sub("p2", "c9", "S9", "flex2", "2026-01-01", map[string]uint32{"KW": 1})
	sync("p1", "c1", "A", "AMS-UCM-01", "eu-west-ams", day(-2).Add(9*time.Hour), 4, 1, 0)
	sync("p1", "c1", "A", "AMS-UCM-01", "eu-west-ams", day(0).Add(9*time.Hour), 2, 1, 1)
	sync("p1", "c1", "B", "FRA-UCM-01", "eu-central-fra", day(-10).Add(9*time.Hour), 1, 0, 0)
	sync("p1", "c2", "C", "AMS-UCM-02", "eu-west-ams", day(0).Add(8*time.Hour), 2, 0, 0)
	sync("p2", "c9", "Z", "LON-UCM-01", "eu-west-lon", day(0).Add(8*time.Hour), 5, 0, 0)
	for _, b := range []*warehouse.Batch{users, devices, syncs, customers, subs} {
		must(w.Insert(ctx, b, ""))
	}
	wk := rollup.NewWorker(w, time.Minute, nil, quietLog())
	wk.SetNow(func() time.Time { return today }) // the API's today: the report's windows are ready
	must(wk.LicenseUsageDays(ctx, day(-10), day(0)))
	return &flexFixture{w: w}
}

// api returns a client authenticated as p (nil: the operator).
func (f *flexFixture) api(t *testing.T, p *query.Principal) *apitest.Client {
	t.Helper()
	deps := query.Deps{Warehouse: f.w}
	if p != nil {
		deps.Auth = asPrincipal(*p)
	}
	srv, err := query.NewServer(query.Config{Now: func() time.Time { return today }, Logger: quietLog()}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return &apitest.Client{Handler: srv.Handler()}
}
