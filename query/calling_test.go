package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// The API's clock (today, Monday 2026-11-23) makes week B (Sunday
// 2026-11-15 to Saturday 2026-11-21) the last completed week; A is the
// week before.
var (
	callWeekA = time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	callWeekB = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
)

// callingEvents builds calling and commerce events as producers send them;
// load decodes them with the contracts and writes them as ingest does.
type callingEvents struct {
	t      *testing.T
	events []string
	n      int
}

func (e *callingEvents) add(typ, data string) {
	e.n++
	e.events = append(e.events, fmt.Sprintf(`{"specversion":"1.0","id":"ev-%d","source":"/test","type":"%s","time":"2026-11-23T00:00:00Z","data":%s}`, e.n, typ, data))
}

func (e *callingEvents) customer(partner, id, name string, updated time.Time, products ...string) {
	b, _ := json.Marshal(products)
	e.add(ingest.TypeCustomerUpdated, fmt.Sprintf(`{"partner_id":"%s","customer_id":"%s","name":%q,"managed_by":"partner","products":%s,"added_at":"2025-01-01T00:00:00Z","updated_at":"%s"}`,
		partner, id, name, b, updated.Format(time.RFC3339)))
}

func (e *callingEvents) license(customer, user string, at time.Time) {
	e.add(ingest.TypeUserLicenseChanged, fmt.Sprintf(`{"partner_id":"p1","customer_id":"%s","user_id":"%s","state":"assigned","changed_at":"%s"}`,
		customer, user, at.Format(time.RFC3339)))
}

const goodStream = `{"media":"audio","mos":4.4,"jitter_ms":3,"packet_loss_pct":0.2,"rtt_ms":40,"packets":5000}`

// call records one call of 90 seconds; streams is the JSON array.
func (e *callingEvents) call(partner, customer, id, user string, at time.Time, endpoint, streams string, features ...string) {
	userMember := ""
	if user != "" {
		userMember = fmt.Sprintf(`"user_id":"%s",`, user)
	}
	f, _ := json.Marshal(features)
	if features == nil {
		f = []byte("[]")
	}
	e.add(ingest.TypeCallRecorded, fmt.Sprintf(`{"partner_id":"%s","customer_id":"%s","call_id":"%s",%s"started_at":"%s","duration_seconds":90,"direction":"inbound","endpoint_type":"%s","streams":%s,"features":%s}`,
		partner, customer, id, userMember, at.Format(time.RFC3339Nano), endpoint, streams, f))
}

func (e *callingEvents) goodCalls(partner, customer, user string, n int, from time.Time, endpoint string) {
	for i := 0; i < n; i++ {
		e.call(partner, customer, fmt.Sprintf("%s-%s-%d", user, from.Format("0102"), i), user, from.Add(time.Duration(i)*time.Hour), endpoint, "["+goodStream+"]")
	}
}

func (e *callingEvents) stay(customer, queue, callID string, enqueued time.Time, outcome string, wait time.Duration, to string) {
	extra := ""
	if to != "" {
		extra = fmt.Sprintf(`,"to_queue_id":"%s"`, to)
	}
	e.add(ingest.TypeQueueCallCompleted, fmt.Sprintf(`{"partner_id":"p1","customer_id":"%s","queue_id":"%s","queue_name":"%s","call_id":"%s","enqueued_at":"%s","outcome":"%s","ended_at":"%s"%s}`,
		customer, queue, strings.ToUpper(queue[:1])+queue[1:], callID, enqueued.Format(time.RFC3339), outcome, enqueued.Add(wait).Format(time.RFC3339), extra))
}

func (e *callingEvents) load(w warehouse.Warehouse) {
	e.t.Helper()
	dec := ingest.NewRegistry("flexhub.").NewDecoder()
	batches := map[string]*warehouse.Batch{}
	for _, raw := range e.events {
		ev, err := dec.Decode([]byte(raw))
		if err != nil {
			e.t.Fatalf("%v\n%s", err, raw)
		}
		if batches[ev.Type.Table] == nil {
			batches[ev.Type.Table] = warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
		}
		ev.Encode(batches[ev.Type.Table])
	}
	for _, b := range batches {
		if err := w.Insert(context.Background(), b, ""); err != nil {
			e.t.Fatal(err)
		}
	}
	e.events = nil
}

func weekDay(week time.Time, day int, hour, minute, second int) time.Time {
	return week.AddDate(0, 0, day).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute + time.Duration(second)*time.Second)
}

// seedCallingWorld writes the fixture of the API tests and computes weeks
// A and B. Expected figures are worked out in the tests.
func seedCallingWorld(t *testing.T, w warehouse.Warehouse) {
	t.Helper()
	e := &callingEvents{t: t}
	long := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	e.customer("p1", "c1", "Van Dijk Logistiek", long, "ucm_cloud", "calling")
	e.customer("p1", "c2", "Bakker Bouw", long, "calling")
	e.customer("p1", "c3", "Amstel Zorggroep", long, "calling", "meetings")                                      // Calling, but no calling data at all
	e.customer("p1", "c4", "Delta Retail", long, "meetings")                                                     // no Calling …
	e.customer("p1", "c4", "Delta Retail", time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), "meetings", "calling") // … until after week B
	e.customer("p2", "c9", "Noord Media", long, "calling")
	for _, u := range []string{"u1", "u2", "u3"} {
		e.license("c1", u, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	}
	// c1, week B: u1 6 calls (medium), u2 2 (low), u3 none (licensed: no
	// calls), one call of a shared analog adapter.
	e.call("p1", "c1", "b-u1-poor", "u1", weekDay(callWeekB, 1, 9, 0, 0), "desk_phone",
		`[{"media":"audio","mos":4.1,"jitter_ms":4,"packet_loss_pct":0.5,"rtt_ms":600,"packets":4000}]`, "call_queue", "transfer")
	e.call("p1", "c1", "b-u1-queue", "u1", weekDay(callWeekB, 1, 10, 0, 0), "desk_phone", "["+goodStream+"]", "call_queue")
	e.call("p1", "c1", "b-u1-last", "u1", weekDay(callWeekB, 6, 23, 59, 59), "desk_phone", "["+goodStream+"]") // Saturday 23:59:59
	e.goodCalls("p1", "c1", "u1", 3, weekDay(callWeekB, 2, 8, 0, 0), "desk_phone")
	e.call("p1", "c1", "b-u2-poor", "u2", weekDay(callWeekB, 3, 9, 30, 0), "mobile_app",
		`[`+goodStream+`,{"media":"audio","mos":3.0,"jitter_ms":12,"packet_loss_pct":15,"rtt_ms":80,"packets":3000}]`)
	e.call("p1", "c1", "b-u2-ok", "u2", weekDay(callWeekB, 3, 11, 0, 0), "mobile_app", "["+goodStream+"]")
	e.call("p1", "c1", "b-shared", "", weekDay(callWeekB, 4, 9, 0, 0), "analog_adapter", "["+goodStream+"]")
	e.call("p1", "c1", "c-u1-sunday", "u1", weekDay(callWeekB, 7, 0, 0, 0), "desk_phone", "["+goodStream+"]") // the next, running week
	// c1, week A: u1 3 calls, one poor by jitter.
	e.call("p1", "c1", "a-u1-poor", "u1", weekDay(callWeekA, 2, 9, 0, 0), "desk_phone",
		`[{"media":"audio","mos":4.0,"jitter_ms":50,"packet_loss_pct":1,"rtt_ms":60,"packets":4000}]`)
	e.goodCalls("p1", "c1", "u1", 2, weekDay(callWeekA, 3, 9, 0, 0), "desktop_app")
	// c2, week B: u5 25 calls on the desktop app (high), no licenses.
	e.goodCalls("p1", "c2", "u5", 25, weekDay(callWeekB, 1, 0, 30, 0), "desktop_app")
	// c9, another partner's customer.
	e.call("p2", "c9", "p2-1", "u9", weekDay(callWeekB, 1, 9, 0, 0), "desk_phone",
		`[{"media":"audio","mos":1.5,"jitter_ms":400,"packet_loss_pct":50,"rtt_ms":2000,"packets":10}]`, "call_queue")
	// c1's queues in week B.
	e.stay("c1", "sales", "b-u1-queue", weekDay(callWeekB, 1, 10, 0, 0), "answered", 12*time.Second, "")
	e.stay("c1", "sales", "b-u1-poor", weekDay(callWeekB, 1, 9, 0, 0), "moved_to_queue", 45*time.Second, "support")
	e.stay("c1", "support", "b-u1-poor", weekDay(callWeekB, 1, 9, 0, 45), "answered", 15*time.Second, "")
	e.stay("c1", "sales", "q-short", weekDay(callWeekB, 2, 14, 0, 0), "hung_up", 2*time.Second, "")
	e.stay("c1", "support", "q-hangup", weekDay(callWeekB, 2, 15, 0, 0), "hung_up", 30*time.Second, "")
	e.stay("c1", "sales", "q-message", weekDay(callWeekB, 2, 16, 0, 0), "left_message", 50*time.Second, "")
	e.load(w)

	wk := rollup.NewWorker(w, time.Minute, nil, quietLog())
	for _, week := range []time.Time{callWeekA, callWeekB} {
		if err := wk.CallingWeek(context.Background(), week); err != nil {
			t.Fatal(err)
		}
	}
}

func get[T any](t *testing.T, api *apitest.Client, path string) T {
	t.Helper()
	resp := api.Get(t, path)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.Status, resp.Body)
	}
	var v T
	resp.JSON(t, &v)
	return v
}

func sp(s string) *string   { return &s }
func fp(f float64) *float64 { return &f }
func ip(n int64) *int64     { return &n }
func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s\n got %s\nwant %s", what, g, w)
	}
}

func TestCallingUsageAPI(t *testing.T) {
	w := whtest.Database(t)
	seedCallingWorld(t, w)
	api := newAPI(t, w, nil)

	got := get[query.PartnerCallingUsage](t, api, "/api/v1/partners/p1/calling/usage")
	eq(t, "week", got.Week, query.CallingWeek{Start: "2026-11-15", End: "2026-11-21"})
	if got.ComputedAt == nil {
		t.Error("computed_at is null for a computed week")
	}
	// c1: 9 calls (u1 6, u2 2, shared 1) of 90 s; licensed u1 u2 u3;
	// active u1 u2; no calls u3; low u2; medium u1. Week A: 3 calls, so
	// +200%. Calls per active user: (9 - 1 shared) / 2 = 4.
	c1 := &query.CallingUsageCustomer{CustomerID: "c1", CustomerName: sp("Van Dijk Logistiek"),
		CallingUsageFigures: query.CallingUsageFigures{LicensedUsers: 3, ActiveUsers: 2, Calls: 9, CallMinutes: 13.5, CallsWithoutUser: 1,
			UsersByBucket: query.CallingUsersByBucket{NoCalls: 1, Low: 1, Medium: 1}},
		CallsPerActiveUser: fp(4), CallsPreviousWeek: ip(3), CallsChangePct: fp(200)}
	// c2: u5 25 calls (high), unlicensed; no figures the week before.
	c2 := &query.CallingUsageCustomer{CustomerID: "c2", CustomerName: sp("Bakker Bouw"),
		CallingUsageFigures: query.CallingUsageFigures{ActiveUsers: 1, Calls: 25, CallMinutes: 37.5,
			UsersByBucket: query.CallingUsersByBucket{High: 1}},
		CallsPerActiveUser: fp(25)}
	// c3 has Calling and nothing else: a row of zeros. c4 only got Calling
	// after the week; c9 is another partner's.
	c3 := &query.CallingUsageCustomer{CustomerID: "c3", CustomerName: sp("Amstel Zorggroep")}
	eq(t, "customers by name", got.Customers, query.TablePage[*query.CallingUsageCustomer]{Total: 3, Limit: 100, Items: []*query.CallingUsageCustomer{c3, c2, c1}})
	eq(t, "summary", got.Summary, query.CallingUsageSummary{Customers: 3, CallingUsageFigures: query.CallingUsageFigures{
		LicensedUsers: 3, ActiveUsers: 3, Calls: 34, CallMinutes: 51, CallsWithoutUser: 1,
		UsersByBucket: query.CallingUsersByBucket{NoCalls: 1, Low: 1, Medium: 1, High: 1}}})
	if len(got.Trend) != 8 || got.Trend[0].Week != "2026-09-27" || got.Trend[7].Week != "2026-11-15" {
		t.Fatalf("trend weeks %+v, want 2026-09-27 … 2026-11-15", got.Trend)
	}
	// Week A: c1 only; u1 3 calls (low), u2 u3 licensed without calls.
	eq(t, "trend week A", got.Trend[6], query.CallingUsageWeek{Week: "2026-11-08", Customers: 1, CallingUsageFigures: query.CallingUsageFigures{
		LicensedUsers: 3, ActiveUsers: 1, Calls: 3, CallMinutes: 4.5, UsersByBucket: query.CallingUsersByBucket{NoCalls: 2, Low: 1}}})
	eq(t, "trend week B", got.Trend[7], query.CallingUsageWeek{Week: "2026-11-15", Customers: 2, CallingUsageFigures: got.Summary.CallingUsageFigures})
	eq(t, "trend before", got.Trend[0], query.CallingUsageWeek{Week: "2026-09-27"})
	eq(t, "buckets", got.Buckets[3], query.CallingBucket{Name: "high", MinCalls: 21})

	// Sorting and paging.
	got = get[query.PartnerCallingUsage](t, api, "/api/v1/partners/p1/calling/usage?sort=-calls&limit=2&offset=1")
	eq(t, "page 2 by calls", got.Customers, query.TablePage[*query.CallingUsageCustomer]{Total: 3, Limit: 2, Offset: 1, Items: []*query.CallingUsageCustomer{c1, c3}})
	got = get[query.PartnerCallingUsage](t, api, "/api/v1/partners/p1/calling/usage?sort=calls_change_pct")
	eq(t, "by change, missing last", []string{got.Customers.Items[0].CustomerID, got.Customers.Items[1].CustomerID, got.Customers.Items[2].CustomerID},
		[]string{"c1", "c3", "c2"})

	got = get[query.PartnerCallingUsage](t, api, "/api/v1/partners/p1/calling/usage?sort=-customer_name&offset=2")
	eq(t, "last page by name descending", got.Customers, query.TablePage[*query.CallingUsageCustomer]{Total: 3, Limit: 100, Offset: 2, Items: []*query.CallingUsageCustomer{c3}})
	// Past the end: no rows, the totals still there.
	got = get[query.PartnerCallingUsage](t, api, "/api/v1/partners/p1/calling/usage?offset=10")
	if got.Customers.Total != 3 || len(got.Customers.Items) != 0 || got.Summary.Customers != 3 || got.Summary.Calls != 34 {
		t.Errorf("past the end: %+v %+v", got.Customers, got.Summary)
	}

	// Week A explicitly: c1 3 calls, nothing before it.
	got = get[query.PartnerCallingUsage](t, api, "/api/v1/partners/p1/calling/usage?week=2026-11-08")
	if n := len(got.Customers.Items); n != 3 || got.Customers.Items[2].Calls != 3 || got.Customers.Items[2].CallsPreviousWeek != nil {
		t.Errorf("week A customers %+v", got.Customers.Items)
	}

	// One customer.
	one := get[query.CustomerCallingUsage](t, api, "/api/v1/customers/c1/calling/usage")
	eq(t, "customer c1", one.Customer, c1)
	eq(t, "customer c1 trend A", one.Trend[6].Calls, int64(3))
	// A Calling customer without data: zeros and an empty trend.
	none := get[query.CustomerCallingUsage](t, api, "/api/v1/customers/c3/calling/usage?week=2026-10-04")
	eq(t, "customer c3", none.Customer, c3)
	if none.ComputedAt != nil {
		t.Errorf("computed_at %v for a week without figures", *none.ComputedAt)
	}
}

func TestCallingQualityAPI(t *testing.T) {
	w := whtest.Database(t)
	seedCallingWorld(t, w)
	api := newAPI(t, w, nil)

	got := get[query.PartnerCallingQuality](t, api, "/api/v1/partners/p1/calling/quality")
	eq(t, "rule", got.Rule, &query.CallingQualityRule{RoundTripTimeMsAbove: 500, PacketLossPctAbove: 10, JitterMsAbove: 30, MOSBelow: 3.5})
	// 34 calls; poor: c1's u1 call (round trip 600) and u2's call (a
	// stream losing 15% with MOS 3.0): 2 / 34 = 5.88%.
	eq(t, "summary", got.Summary, query.CallingQualityFigures{Calls: 34, PoorCalls: 2, PoorPct: fp(5.88),
		PoorByReason: query.CallingPoorByReason{RoundTripTime: 1, PacketLoss: 1, MOS: 1}})
	eq(t, "by endpoint", got.ByEndpoint, []query.CallingQualityEndpoint{
		{EndpointType: "desktop_app", CallingQualityFigures: query.CallingQualityFigures{Calls: 25, PoorPct: fp(0)}},
		{EndpointType: "desk_phone", CallingQualityFigures: query.CallingQualityFigures{Calls: 6, PoorCalls: 1, PoorPct: fp(16.67),
			PoorByReason: query.CallingPoorByReason{RoundTripTime: 1}}},
		{EndpointType: "mobile_app", CallingQualityFigures: query.CallingQualityFigures{Calls: 2, PoorCalls: 1, PoorPct: fp(50),
			PoorByReason: query.CallingPoorByReason{PacketLoss: 1, MOS: 1}}},
		{EndpointType: "analog_adapter", CallingQualityFigures: query.CallingQualityFigures{Calls: 1, PoorPct: fp(0)}},
	})
	byName := get[query.PartnerCallingQuality](t, api, "/api/v1/partners/p1/calling/quality?sort=customer_name&limit=1")
	if byName.Customers.Total != 2 || len(byName.Customers.Items) != 1 || byName.Customers.Items[0].CustomerID != "c2" {
		t.Errorf("first by name: %+v", byName.Customers)
	}
	// Worst first: c1 2/9 = 22.22%, c2 0/25.
	c1 := &query.CallingQualityCustomer{CustomerID: "c1", CustomerName: sp("Van Dijk Logistiek"), CallingQualityFigures: query.CallingQualityFigures{
		Calls: 9, PoorCalls: 2, PoorPct: fp(22.22), PoorByReason: query.CallingPoorByReason{RoundTripTime: 1, PacketLoss: 1, MOS: 1}}}
	c2 := &query.CallingQualityCustomer{CustomerID: "c2", CustomerName: sp("Bakker Bouw"), CallingQualityFigures: query.CallingQualityFigures{
		Calls: 25, PoorPct: fp(0)}}
	eq(t, "customers", got.Customers, query.TablePage[*query.CallingQualityCustomer]{Total: 2, Limit: 100, Items: []*query.CallingQualityCustomer{c1, c2}})
	// Week A: 3 calls, one poor by jitter: 33.33%.
	eq(t, "trend A", got.Trend[6], query.CallingQualityWeek{Week: "2026-11-08", Calls: 3, PoorCalls: 1, PoorPct: fp(33.33)})
	eq(t, "trend B", got.Trend[7], query.CallingQualityWeek{Week: "2026-11-15", Calls: 34, PoorCalls: 2, PoorPct: fp(5.88)})
	eq(t, "trend empty week", got.Trend[0], query.CallingQualityWeek{Week: "2026-09-27"})

	one := get[query.CustomerCallingQuality](t, api, "/api/v1/customers/c1/calling/quality")
	eq(t, "customer", one.Customer, c1)
	eq(t, "tagged poor calls", one.TaggedPoorCalls, query.TablePage[query.CallingPoorCall]{Total: 2, Limit: 100, Items: []query.CallingPoorCall{
		{CallID: "b-u1-poor", UserID: sp("u1"), StartedAt: "2026-11-16T09:00:00Z", EndpointType: "desk_phone", Direction: "inbound",
			Reasons: []string{"round_trip_time"}, Streams: 1, PoorStreams: 1, MaxRoundTripMs: 600, MaxPacketLossPct: 0.5, MaxJitterMs: 4, MinMOS: fp(4.1)},
		{CallID: "b-u2-poor", UserID: sp("u2"), StartedAt: "2026-11-18T09:30:00Z", EndpointType: "mobile_app", Direction: "inbound",
			Reasons: []string{"packet_loss", "mos"}, Streams: 2, PoorStreams: 1, MaxRoundTripMs: 80, MaxPacketLossPct: 15, MaxJitterMs: 12, MinMOS: fp(3)},
	}})
	page := get[query.CustomerCallingQuality](t, api, "/api/v1/customers/c1/calling/quality?limit=1&offset=1")
	if len(page.TaggedPoorCalls.Items) != 1 || page.TaggedPoorCalls.Items[0].CallID != "b-u2-poor" || page.TaggedPoorCalls.Total != 2 {
		t.Errorf("second page of poor calls: %+v", page.TaggedPoorCalls)
	}
	// A week without figures: no rule, nothing poor.
	empty := get[query.CustomerCallingQuality](t, api, "/api/v1/customers/c1/calling/quality?week=2026-10-04")
	if empty.Rule != nil || empty.ComputedAt != nil || empty.Customer.Calls != 0 || len(empty.TaggedPoorCalls.Items) != 0 {
		t.Errorf("week without figures: %+v", empty)
	}
}

func TestCallingFeaturesAndQueuesAPI(t *testing.T) {
	w := whtest.Database(t)
	seedCallingWorld(t, w)
	api := newAPI(t, w, nil)

	// Only c1 has call queues: its 9 calls, 2 through a queue (22.22%), 1
	// transferred (11.11%).
	f := get[query.PartnerCallingFeatures](t, api, "/api/v1/partners/p1/calling/features")
	if f.CustomersWithCallQueues != 1 || f.Calls != 9 || len(f.Features) != len(ingest.CallFeatures) {
		t.Fatalf("features %+v", f)
	}
	eq(t, "call_queue", f.Features[0], query.CallingFeatureUse{Feature: "call_queue", Calls: 2, PctOfCalls: fp(22.22)})
	eq(t, "transfer", f.Features[3], query.CallingFeatureUse{Feature: "transfer", Calls: 1, PctOfCalls: fp(11.11)})
	eq(t, "park", f.Features[4], query.CallingFeatureUse{Feature: "park", PctOfCalls: fp(0)})
	cf := get[query.CustomerCallingFeatures](t, api, "/api/v1/customers/c2/calling/features")
	if cf.CallQueuesEnabled || cf.Calls != 0 || cf.Features[0].Calls != 0 || cf.Features[0].PctOfCalls != nil {
		t.Errorf("c2 has no call queues: %+v", cf)
	}
	cf = get[query.CustomerCallingFeatures](t, api, "/api/v1/customers/c1/calling/features")
	if !cf.CallQueuesEnabled || cf.Calls != 9 || cf.Features[0].Calls != 2 {
		t.Errorf("c1 features: %+v", cf)
	}

	// Queue stays of c1 in week B (service level 20 s, short abandon 5 s):
	//   sales    answered 12 s; moved to support 45 s; hung up 2 s (short);
	//            left a message 50 s
	//   support  answered 15 s (after the move); hung up 30 s
	sales := query.CallingQueue{QueueID: "sales", QueueName: "Sales", CallingQueueFigures: query.CallingQueueFigures{
		QueueCalls: 4, Answered: 1, MovedToQueue: 1, LeftMessage: 1, Abandoned: 1, ShortAbandons: 1,
		// (12 + 45) / 2; 50 / 1; 1 of 3 abandoned; 1 of 3 within 20 s.
		AvgTimeToAnswerSeconds: fp(28.5), AvgWaitBeforeAbandonSeconds: fp(50), AbandonedPct: fp(33.33), ServiceLevelPct: fp(33.33)}}
	support := query.CallingQueue{QueueID: "support", QueueName: "Support", CallingQueueFigures: query.CallingQueueFigures{
		QueueCalls: 2, Answered: 1, HungUp: 1, Abandoned: 1,
		AvgTimeToAnswerSeconds: fp(15), AvgWaitBeforeAbandonSeconds: fp(30), AbandonedPct: fp(50), ServiceLevelPct: fp(50)}}
	// c1: (12 + 45 + 15) / 3 = 24; (50 + 30) / 2 = 40; 2 of 5 abandoned; 2 of 5 within 20 s.
	c1 := query.CallingQueueFigures{QueueCalls: 6, Answered: 2, MovedToQueue: 1, HungUp: 1, LeftMessage: 1, Abandoned: 2, ShortAbandons: 1,
		AvgTimeToAnswerSeconds: fp(24), AvgWaitBeforeAbandonSeconds: fp(40), AbandonedPct: fp(40), ServiceLevelPct: fp(40)}
	cq := get[query.CustomerCallingQueues](t, api, "/api/v1/customers/c1/calling/queues")
	eq(t, "c1 queues", cq.Queues, []query.CallingQueue{sales, support})
	eq(t, "c1 queue figures", cq.Customer.CallingQueueFigures, c1)
	eq(t, "rule", cq.Rule, &query.CallingQueueRule{ServiceLevelSeconds: 20, ShortAbandonSeconds: 5})

	pq := get[query.PartnerCallingQueues](t, api, "/api/v1/partners/p1/calling/queues")
	eq(t, "kpis", pq.KPIs, query.CallingQueueKPIs{Customers: 1, Queues: 2, CallingQueueFigures: c1})
	eq(t, "customers", pq.Customers, query.TablePage[*query.CallingQueueCustomer]{Total: 1, Limit: 100, Items: []*query.CallingQueueCustomer{
		{CustomerID: "c1", CustomerName: sp("Van Dijk Logistiek"), Queues: 2, CallingQueueFigures: c1}}})
	// Week A: c1 still has call queues (within 8 weeks) but no queue calls.
	pq = get[query.PartnerCallingQueues](t, api, "/api/v1/partners/p1/calling/queues?week=2026-11-08")
	if pq.KPIs.Customers != 0 {
		// Call queues were first used in week B: week A's 8 weeks hold none.
		t.Errorf("week A: %+v", pq.KPIs)
	}
}

func TestCallingAPIRefusesBadRequests(t *testing.T) {
	w := whtest.Database(t)
	seedCallingWorld(t, w)
	api := newAPI(t, w, nil)
	for _, tc := range []struct {
		path   string
		status int
		param  string
	}{
		{"/api/v1/partners/p1/calling/usage?week=2026-11-17", 400, "week"},   // a Tuesday
		{"/api/v1/partners/p1/calling/usage?week=2026-11-22", 400, "week"},   // not completed on Monday 2026-11-23
		{"/api/v1/partners/p1/calling/quality?week=2026-13-01", 400, "week"}, // not a date
		{"/api/v1/partners/p1/calling/quality?week=1970-01-04", 400, "week"}, // a trend would start before 1970
		{"/api/v1/customers/c1/calling/queues?week=last", 400, "week"},
		{"/api/v1/customers/c1/calling/features?week=2026-11-21", 400, "week"}, // a Saturday
		{"/api/v1/partners/p1/calling/usage?limit=0", 400, "limit"},
		{"/api/v1/partners/p1/calling/usage?limit=1001", 400, "limit"},
		{"/api/v1/partners/p1/calling/quality?offset=-1", 400, "offset"},
		{"/api/v1/partners/p1/calling/queues?sort=name", 400, "sort"},
		{"/api/v1/partners/p1/calling/features?limit=5", 400, "limit"}, // features has no table
		{"/api/v1/customers/c1/calling/usage?window=7d", 400, "window"},
		{"/api/v1/partners/p%20x/calling/usage", 400, "partner_id"},
		{"/api/v1/partners/p-unknown/calling/usage", 404, ""},
		{"/api/v1/partners/p-unknown/calling/queues", 404, ""},
		{"/api/v1/customers/nobody/calling/quality", 404, ""},
		{"/api/v1/customers/nobody/calling/features", 404, ""},
		{"/api/v1/partners/p1/calling/usage?week=2026-11-15", 200, ""},
		{"/api/v1/customers/c4/calling/usage", 200, ""}, // known to commerce, Calling only later: zeros
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := api.Get(t, tc.path)
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			if tc.param != "" {
				var p query.Problem
				resp.JSON(t, &p)
				if len(p.Errors) == 0 || p.Errors[0].Parameter != tc.param {
					t.Errorf("problem names %+v, want parameter %q", p.Errors, tc.param)
				}
			}
		})
	}
}

// The scope confines the calling sections as every view: another partner
// does not exist for a caller, and a sales admin sees only the customers
// assigned to them, in the tables and in every total.
func TestCallingAPIIsConfinedToTheCallersScope(t *testing.T) {
	w := whtest.Database(t)
	seedCallingWorld(t, w)
	as := func(p query.Principal) *apitest.Client {
		srv, err := query.NewServer(query.Config{Now: func() time.Time { return today }, Logger: quietLog()},
			query.Deps{Warehouse: w, Auth: asPrincipal(p)})
		if err != nil {
			t.Fatal(err)
		}
		return &apitest.Client{Handler: srv.Handler()}
	}
	sales := as(query.Principal{Role: query.SalesAdmin, PartnerID: "p1", CustomerIDs: []string{"c2"}})
	u := get[query.PartnerCallingUsage](t, sales, "/api/v1/partners/p1/calling/usage")
	if u.Summary.Customers != 1 || u.Summary.Calls != 25 || u.Customers.Items[0].CustomerID != "c2" || u.Trend[7].Calls != 25 {
		t.Errorf("sales admin of c2 sees %+v", u)
	}
	q := get[query.PartnerCallingQuality](t, sales, "/api/v1/partners/p1/calling/quality")
	if q.Summary.Calls != 25 || q.Summary.PoorCalls != 0 || len(q.ByEndpoint) != 1 {
		t.Errorf("sales admin of c2 sees quality %+v", q.Summary)
	}
	if resp := sales.Get(t, "/api/v1/customers/c1/calling/quality"); resp.Status != 404 {
		t.Errorf("unassigned customer: %d", resp.Status)
	}
	qs := get[query.PartnerCallingQueues](t, sales, "/api/v1/partners/p1/calling/queues")
	if qs.KPIs.Customers != 0 || qs.KPIs.QueueCalls != 0 {
		t.Errorf("sales admin of c2 sees queues %+v", qs.KPIs)
	}
	other := as(query.Principal{Role: query.FullAdmin, PartnerID: "p2"})
	for _, path := range []string{"/api/v1/partners/p1/calling/usage", "/api/v1/customers/c1/calling/usage", "/api/v1/partners/p1/calling/features"} {
		if resp := other.Get(t, path); resp.Status != 404 {
			t.Errorf("%s as p2: %d, want 404", path, resp.Status)
		}
	}
	own := get[query.PartnerCallingQuality](t, other, "/api/v1/partners/p2/calling/quality")
	if own.Summary.Calls != 1 || own.Summary.PoorCalls != 1 {
		t.Errorf("p2 sees %+v", own.Summary)
	}
	customerAdmin := as(query.Principal{Role: query.CustomerAdmin, PartnerID: "p1", CustomerIDs: []string{"c1"}})
	if resp := customerAdmin.Get(t, "/api/v1/partners/p1/calling/usage"); resp.Status != 403 {
		t.Errorf("customer admin on a partner view: %d, want 403", resp.Status)
	}
	if resp := customerAdmin.Get(t, "/api/v1/customers/c1/calling/usage"); resp.Status != 200 {
		t.Errorf("customer admin on its own customer: %d, want 200", resp.Status)
	}
}
