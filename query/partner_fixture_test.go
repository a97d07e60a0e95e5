package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
)

// overviewRows writes the partner overview's raw rows the way ingest does.
type overviewRows struct {
	t                                           testing.TB
	w                                           warehouse.Warehouse
	customers, subs, assigns, activity, signIns *warehouse.Batch
	admins                                      *warehouse.Batch
}

func newOverviewRows(t testing.TB, w warehouse.Warehouse) *overviewRows {
	col := func(name, typ string) warehouse.Column { return warehouse.Column{Name: name, Type: typ} }
	s, ts := "String", "DateTime64(3)"
	return &overviewRows{t: t, w: w,
		customers: warehouse.MustBatch("customer_versions", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("name", s), col("managed_by", s), col("products", "Array(String)"), col("provisioning_status", s),
			col("added_at", ts), col("updated_at", ts)}),
		subs: warehouse.MustBatch("subscription_versions", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("subscription_id", s), col("order_id", s), col("product", s), col("trial", "Bool"), col("status", s),
			col("start_date", "Date"), col("end_date", "Nullable(Date)"), col("renewal_date", "Nullable(Date)"),
			col("auto_renew", "Bool"), col("licenses", "Map(String, UInt32)"), col("invoice_ref", s), col("changed_at", ts)}),
		assigns: warehouse.MustBatch("license_assignment_events", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("subscription_id", s), col("product", s), col("user_id", s), col("action", s), col("changed_at", ts)}),
		activity: warehouse.MustBatch("usage_activity", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("user_id", s), col("product", s), col("day", "Date")}),
		signIns: warehouse.MustBatch("admin_sign_ins", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("admin_id", s), col("signed_in_at", ts)}),
		admins: warehouse.MustBatch("partner_admin_assignments", []warehouse.Column{col("partner_id", s), col("customer_id", s),
			col("admin_id", s), col("name", s), col("email", s), col("role", s), col("action", s), col("changed_at", ts)}),
	}
}

func (o *overviewRows) must(err error) {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
}

// customer: added (and known) on day added at 09:00.
func (o *overviewRows) customer(partner, id, name, managedBy string, products []string, added int) {
	o.t.Helper()
	at := day(added).Add(9 * time.Hour)
	o.must(o.customers.Append(partner, id, name, managedBy, products, "provisioned", at, at))
}

// none marks an absent end or renewal date.
const none = 1 << 20

func dateOrNil(offset int) any {
	if offset == none {
		return nil
	}
	return day(offset)
}

// subVersion is one version of a subscription; changed is its day (at
// 09:00 plus hour hours).
type subVersion struct {
	partner, customer, id, order, product string
	trial                                 bool
	status                                string
	start, end, renewal                   int
	autoRenew                             bool
	total                                 int
	changed, hour                         int
}

func (o *overviewRows) sub(v subVersion) {
	o.t.Helper()
	o.must(o.subs.Append(v.partner, v.customer, v.id, v.order, v.product, v.trial, v.status, day(v.start),
		dateOrNil(v.end), dateOrNil(v.renewal), v.autoRenew, map[string]uint32{"USER": uint32(v.total)},
		"INV-"+v.order, day(v.changed).Add(time.Duration(9+v.hour)*time.Hour)))
}

// assign gives users prefix1..prefixN (from first) a license of sub on day
// at 10:00 (unassign: takes it away).
func (o *overviewRows) assign(partner, customer, sub, product, prefix string, first, last, on int, action string) {
	o.t.Helper()
	for i := first; i <= last; i++ {
		o.must(o.assigns.Append(partner, customer, sub, product, fmt.Sprintf("%s%d", prefix, i), action,
			day(on).Add(10*time.Hour)))
	}
}

// active marks users prefix<first>..prefix<last> active in product on day.
func (o *overviewRows) active(partner, customer, product, prefix string, first, last, on int) {
	o.t.Helper()
	for i := first; i <= last; i++ {
		o.must(o.activity.Append(partner, customer, fmt.Sprintf("%s%d", prefix, i), product, day(on)))
	}
}

func (o *overviewRows) signIn(partner, customer string, on int) {
	o.t.Helper()
	o.must(o.signIns.Append(partner, customer, "adm-"+customer, day(on).Add(8*time.Hour)))
}

func (o *overviewRows) partnerAdmin(partner, customer, admin, name, role, action string, on int) {
	o.t.Helper()
	o.must(o.admins.Append(partner, customer, admin, name, admin+"@partner.example", role, action, day(on).Add(14*time.Hour)))
}

// rollUp writes the rows and computes the overview of the given days.
func (o *overviewRows) rollUp(days ...int) {
	o.t.Helper()
	ctx := context.Background()
	for _, b := range []*warehouse.Batch{o.customers, o.subs, o.assigns, o.activity, o.signIns, o.admins} {
		if b.Rows() == 0 {
			continue
		}
		o.must(o.w.Insert(ctx, b, ""))
		b.Reset()
	}
	wk := rollup.NewWorker(o.w, time.Minute, nil, quietLog())
	for _, d := range days {
		o.must(wk.PartnerOverviewDays(ctx, day(d), day(d)))
	}
}

// overviewWorld is the fixture of the partner overview tests; today (day
// 0) is 2026-11-23. Every expected figure of the tests is computed by hand
// from it (partner_test.go). Partner p1:
//
//	customer         managed   products           added  admin sign-in
//	c-alfa   Alfa    partner   meetings, calling  -400   -2
//	c-bravo  Bravo   external  meetings            -90   -5
//	c-charlie Charlie partner  meetings            -91   -29
//	c-delta  Delta   partner   meetings            -10   none (added too recently to judge)
//	c-echo   Echo    partner   meetings           -500   -1
//	c-foxtrot Foxtrot partner  meetings, calling  -800   -2
//	c-golf   Golf    partner   meetings           -300   -3
//	c-hotel  Hotel   partner   meetings           -300   -30
//	c-india  India   partner   messaging          -400   none
//
// Subscriptions (USER licenses; start, end and renewal as day offsets):
//
//	A-MTG    alfa    meetings  active      -400..+90, no auto-renew, 10; a1-a4 assigned -200;
//	                           a1 active -1, a2 -10, a3 -60
//	A-MTG2   alfa    meetings  active      -5..+360, no auto-renew, 6; x1-x3 assigned -4; x1 active -1
//	A-CALL   alfa    calling   active      -400..+91, no auto-renew; 4 licenses, 5 from -10 (a
//	                           second order); u1-u4 assigned -100, u5-u6 -12; u1-u6 active -2,
//	                           u1-u3 -9
//	B-MTG    bravo   meetings  active      -90..+275, auto-renews +276, 20; b1-b2 assigned -90,
//	                           b3 -3; b1 active 0 and -8, b2 -9
//	C-MTG    charlie meetings  active      -91..0, no auto-renew, 8; no assignments
//	D-TRIAL  delta   meetings  trial       -10..+20, 25; d1-d10 assigned -9; d1-d6 active -2,
//	                           d1-d2 -8
//	E-MTG    echo    meetings  suspended   (active until -20) -500..+89, renews +90, 10; e1-e12
//	                           assigned -400; e1-e3 active -1
//	F-MTG    foxtrot meetings  active      -800..-1, no auto-renew, 30 (ended yesterday)
//	F-CALL   foxtrot calling   cancelled   -800..+100, 15
//	G-MTG    golf    meetings  active      -300..-1, renews 0, 40; g1-g45 assigned -250, g45
//	                           unassigned -2; g1-g30 active -1
//	H-MTG    hotel   meetings  pending order setup -300..+90, renews +91, 50; no assignments
//
// Partner p2 has c-zulu (meetings, added -5) with Z-MTG (-5..+10, 5
// licenses, 8 assigned), which must never show for p1.
func overviewWorld(t *testing.T, w warehouse.Warehouse) *overviewRows {
	o := newOverviewRows(t, w)
	mc := []string{"meetings", "calling"}
	m := []string{"meetings"}
	o.customer("p1", "c-alfa", "Alfa Bouw", "partner", mc, -400)
	o.customer("p1", "c-bravo", "Bravo Logistiek", "external", m, -90)
	o.customer("p1", "c-charlie", "Charlie Zorg", "partner", m, -91)
	o.customer("p1", "c-delta", "Delta Media", "partner", m, -10)
	o.customer("p1", "c-echo", "Echo Retail", "partner", m, -500)
	o.customer("p1", "c-foxtrot", "Foxtrot Energie", "partner", mc, -800)
	o.customer("p1", "c-golf", "Golf Techniek", "partner", m, -300)
	o.customer("p1", "c-hotel", "Hotel Transport", "partner", m, -300)
	o.customer("p1", "c-india", "India Food", "partner", []string{"messaging"}, -400)
	o.customer("p2", "c-zulu", "Zulu Foreign", "partner", mc, -5)

	o.sub(subVersion{"p1", "c-alfa", "A-MTG", "CCW-A-MTG", "meetings", false, "active", -400, 90, none, false, 10, -400, 0})
	o.sub(subVersion{"p1", "c-alfa", "A-MTG2", "CCW-A-MTG2", "meetings", false, "active", -5, 360, none, false, 6, -5, 0})
	o.sub(subVersion{"p1", "c-alfa", "A-CALL", "CCW-A-CALL-1", "calling", false, "active", -400, 91, none, false, 4, -400, 0})
	o.sub(subVersion{"p1", "c-alfa", "A-CALL", "CCW-A-CALL-2", "calling", false, "active", -400, 91, none, false, 5, -10, 2})
	o.sub(subVersion{"p1", "c-bravo", "B-MTG", "CCW-B-MTG", "meetings", false, "active", -90, 275, none, true, 20, -90, 0})
	o.sub(subVersion{"p1", "c-charlie", "C-MTG", "CCW-C-MTG", "meetings", false, "active", -91, 0, none, false, 8, -91, 0})
	o.sub(subVersion{"p1", "c-delta", "D-TRIAL", "TRIAL-D", "meetings", true, "active", -10, 20, none, false, 25, -10, 0})
	o.sub(subVersion{"p1", "c-echo", "E-MTG", "CCW-E-MTG", "meetings", false, "active", -500, 89, 90, true, 10, -500, 0})
	o.sub(subVersion{"p1", "c-echo", "E-MTG", "CCW-E-MTG", "meetings", false, "suspended", -500, 89, 90, true, 10, -20, 0})
	o.sub(subVersion{"p1", "c-foxtrot", "F-MTG", "CCW-F-MTG", "meetings", false, "active", -800, -1, none, false, 30, -800, 0})
	o.sub(subVersion{"p1", "c-foxtrot", "F-CALL", "CCW-F-CALL", "calling", false, "cancelled", -800, 100, none, false, 15, -800, 0})
	o.sub(subVersion{"p1", "c-golf", "G-MTG", "CCW-G-MTG", "meetings", false, "active", -300, -1, 0, true, 40, -300, 0})
	o.sub(subVersion{"p1", "c-hotel", "H-MTG", "CCW-H-MTG", "meetings", false, "pending_order_setup", -300, 90, 91, true, 50, -300, 0})
	o.sub(subVersion{"p2", "c-zulu", "Z-MTG", "CCW-Z-MTG", "meetings", false, "active", -5, 10, none, false, 5, -5, 0})

	o.assign("p1", "c-alfa", "A-MTG", "meetings", "a", 1, 4, -200, "assigned")
	o.assign("p1", "c-alfa", "A-MTG2", "meetings", "x", 1, 3, -4, "assigned")
	o.assign("p1", "c-alfa", "A-CALL", "calling", "u", 1, 4, -100, "assigned")
	o.assign("p1", "c-alfa", "A-CALL", "calling", "u", 5, 6, -12, "assigned")
	o.assign("p1", "c-bravo", "B-MTG", "meetings", "b", 1, 2, -90, "assigned")
	o.assign("p1", "c-bravo", "B-MTG", "meetings", "b", 3, 3, -3, "assigned")
	o.assign("p1", "c-delta", "D-TRIAL", "meetings", "d", 1, 10, -9, "assigned")
	o.assign("p1", "c-echo", "E-MTG", "meetings", "e", 1, 12, -400, "assigned")
	o.assign("p1", "c-foxtrot", "F-MTG", "meetings", "f", 1, 5, -700, "assigned")
	o.assign("p1", "c-golf", "G-MTG", "meetings", "g", 1, 45, -250, "assigned")
	o.assign("p1", "c-golf", "G-MTG", "meetings", "g", 45, 45, -2, "unassigned")
	o.assign("p2", "c-zulu", "Z-MTG", "meetings", "z", 1, 8, -5, "assigned")

	o.active("p1", "c-alfa", "meetings", "a", 1, 1, -1)
	o.active("p1", "c-alfa", "meetings", "a", 2, 2, -10)
	o.active("p1", "c-alfa", "meetings", "a", 3, 3, -60)
	o.active("p1", "c-alfa", "meetings", "x", 1, 1, -1)
	o.active("p1", "c-alfa", "calling", "u", 1, 6, -2)
	o.active("p1", "c-alfa", "calling", "u", 1, 3, -9)
	o.active("p1", "c-bravo", "meetings", "b", 1, 1, 0)
	o.active("p1", "c-bravo", "meetings", "b", 1, 1, -8)
	o.active("p1", "c-bravo", "meetings", "b", 2, 2, -9)
	o.active("p1", "c-delta", "meetings", "d", 1, 6, -2)
	o.active("p1", "c-delta", "meetings", "d", 1, 2, -8)
	o.active("p1", "c-echo", "meetings", "e", 1, 3, -1)
	o.active("p1", "c-golf", "meetings", "g", 1, 30, -1)
	o.active("p2", "c-zulu", "meetings", "z", 1, 1, -1)

	for _, s := range []struct {
		customer string
		on       int
	}{{"c-alfa", -2}, {"c-bravo", -5}, {"c-charlie", -29}, {"c-echo", -1}, {"c-foxtrot", -2}, {"c-golf", -3}, {"c-hotel", -30}} {
		o.signIn("p1", s.customer, s.on)
	}
	o.signIn("p2", "c-zulu", -1)

	o.partnerAdmin("p1", "c-alfa", "pa-1", "Piet Admin", "full_admin", "assigned", -100)
	o.partnerAdmin("p1", "c-alfa", "pa-2", "Sara Sales", "sales_admin", "assigned", -50)
	o.partnerAdmin("p1", "c-alfa", "pa-2", "Sara Sales", "sales_admin", "unassigned", -1)
	return o
}
