package rollup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// callingFixture writes raw calling rows the way ingest would, with the
// ingestion time stated, so a test decides what arrived late.
type callingFixture struct {
	t                     *testing.T
	w                     warehouse.Warehouse
	calls, legs, licenses *warehouse.Batch
}

func newCallingFixture(t *testing.T, w warehouse.Warehouse) *callingFixture {
	col := func(name, typ string) warehouse.Column { return warehouse.Column{Name: name, Type: typ} }
	return &callingFixture{t: t, w: w,
		calls: warehouse.MustBatch("calling_call_records", []warehouse.Column{
			col("partner_id", "String"), col("customer_id", "String"), col("call_id", "String"), col("user_id", "String"),
			col("started_at", "DateTime64(3)"), col("duration_seconds", "UInt32"), col("direction", "String"),
			col("endpoint_type", "String"), col("streams.media", "Array(String)"), col("streams.mos", "Array(Float32)"),
			col("streams.jitter_ms", "Array(Float32)"), col("streams.packet_loss_pct", "Array(Float32)"),
			col("streams.rtt_ms", "Array(Float32)"), col("streams.packets", "Array(UInt32)"),
			col("features", "Array(String)"), col("ingested_at", "DateTime64(3)")}),
		legs: warehouse.MustBatch("calling_queue_calls", []warehouse.Column{
			col("partner_id", "String"), col("customer_id", "String"), col("queue_id", "String"), col("queue_name", "String"),
			col("call_id", "String"), col("enqueued_at", "DateTime64(3)"), col("outcome", "String"),
			col("ended_at", "DateTime64(3)"), col("to_queue_id", "String"), col("ingested_at", "DateTime64(3)")}),
		licenses: warehouse.MustBatch("calling_user_licenses", []warehouse.Column{
			col("partner_id", "String"), col("customer_id", "String"), col("user_id", "String"), col("state", "String"),
			col("changed_at", "DateTime64(3)"), col("ingested_at", "DateTime64(3)")}),
	}
}

// stream is one media stream of a call; mos 0 is "not measured".
type stream struct {
	media                  string
	mos, jitter, loss, rtt float32
	packets                uint32
}

// good is a stream no threshold calls poor.
var good = stream{"audio", 4.4, 3, 0.2, 40, 5000}

type call struct {
	partner, customer, id, user string
	at                          time.Time
	endpoint                    string
	streams                     []stream
	features                    []string
}

func (f *callingFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *callingFixture) call(c call, ingested time.Time) {
	f.t.Helper()
	var media []string
	var mos, jitter, loss, rtt []float32
	var packets []uint32
	for _, s := range c.streams {
		media, mos, jitter = append(media, s.media), append(mos, s.mos), append(jitter, s.jitter)
		loss, rtt, packets = append(loss, s.loss), append(rtt, s.rtt), append(packets, s.packets)
	}
	if c.partner == "" {
		c.partner = "p1"
	}
	if c.features == nil {
		c.features = []string{}
	}
	f.must(f.calls.Append(c.partner, c.customer, c.id, c.user, c.at, uint32(60), "outbound", c.endpoint,
		nonNil(media), nonNil(mos), nonNil(jitter), nonNil(loss), nonNil(rtt), nonNil(packets), c.features, ingested))
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// calls records n calls of a user with good streams, one minute apart
// from at.
func (f *callingFixture) goodCalls(customer, user string, n int, at time.Time, endpoint string, ingested time.Time, features ...string) {
	f.t.Helper()
	for i := 0; i < n; i++ {
		f.call(call{customer: customer, id: fmt.Sprintf("%s-%s-%s-%d", customer, user, at.Format("0102T1504"), i), user: user,
			at: at.Add(time.Duration(i) * time.Minute), endpoint: endpoint, streams: []stream{good}, features: features}, ingested)
	}
}

func (f *callingFixture) leg(customer, queue, callID string, enqueued time.Time, outcome string, wait time.Duration, to string, ingested time.Time) {
	f.t.Helper()
	f.must(f.legs.Append("p1", customer, queue, "Queue "+queue, callID, enqueued, outcome, enqueued.Add(wait), to, ingested))
}

func (f *callingFixture) license(customer, user, state string, at, ingested time.Time) {
	f.t.Helper()
	f.must(f.licenses.Append("p1", customer, user, state, at, ingested))
}

func (f *callingFixture) flush() {
	f.t.Helper()
	for _, b := range []*warehouse.Batch{f.calls, f.legs, f.licenses} {
		f.must(f.w.Insert(context.Background(), b, ""))
		b.Reset()
	}
}

// callingFigures reads a customer's figures of a week as the API does: the
// calling_customer_weekly row in force, and the detail rows of its
// generation.
type callingFigures struct {
	computedAt time.Time
	customer   map[string]int64
	maps       map[string]map[string]int64 // calling_customer_weekly's map columns
	quality    map[string][6]int64         // endpoint → calls, poor, rtt, loss, jitter, mos
	poor       map[string]string           // call → reasons
	features   map[string]int64
	queues     map[string][10]int64
}

func readCalling(t *testing.T, w warehouse.Warehouse, week, customer string) callingFigures {
	t.Helper()
	ctx := context.Background()
	q := func(sql string) *warehouse.Result {
		t.Helper()
		res, err := w.Query(ctx, sql, warehouse.P("week", week, "customer", customer))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	out := callingFigures{customer: map[string]int64{}, maps: map[string]map[string]int64{}, quality: map[string][6]int64{}, poor: map[string]string{},
		features: map[string]int64{}, queues: map[string][10]int64{}}
	res := q(`SELECT * FROM {db:Identifier}.calling_customer_weekly FINAL
		WHERE week = {week:Date} AND customer_id = {customer:String}`)
	if len(res.Rows) == 0 {
		return out
	}
	for i, c := range res.Columns {
		switch c.Name {
		case "computed_at":
			out.computedAt = warehouse.Time(res.Rows[0][i])
		case "week", "partner_id", "customer_id", "rule_rtt_ms", "rule_packet_loss_pct", "rule_jitter_ms", "rule_mos_floor":
		default:
			if m, ok := res.Rows[0][i].(map[string]any); ok {
				out.maps[c.Name] = map[string]int64{}
				for k, v := range m {
					out.maps[c.Name][k] = warehouse.Int(v)
				}
				continue
			}
			out.customer[c.Name] = warehouse.Int(res.Rows[0][i])
		}
	}
	gen := ` AND week = {week:Date} AND customer_id = {customer:String} AND computed_at = (
		SELECT max(computed_at) FROM {db:Identifier}.calling_customer_weekly WHERE week = {week:Date} AND customer_id = {customer:String})`
	for _, r := range q(`SELECT endpoint_type, calls, poor_calls, poor_round_trip_time, poor_packet_loss, poor_jitter, poor_mos
		FROM {db:Identifier}.calling_quality_weekly WHERE 1` + gen).Rows {
		out.quality[warehouse.Str(r[0])] = [6]int64{warehouse.Int(r[1]), warehouse.Int(r[2]), warehouse.Int(r[3]),
			warehouse.Int(r[4]), warehouse.Int(r[5]), warehouse.Int(r[6])}
	}
	for _, r := range q(`SELECT call_id, arrayStringConcat(reasons, ','), poor_streams, streams
		FROM {db:Identifier}.calling_poor_calls WHERE 1` + gen).Rows {
		out.poor[warehouse.Str(r[0])] = fmt.Sprintf("%s %d/%d", warehouse.Str(r[1]), warehouse.Int(r[2]), warehouse.Int(r[3]))
	}
	for _, r := range q(`SELECT feature, calls FROM {db:Identifier}.calling_feature_weekly WHERE 1` + gen).Rows {
		out.features[warehouse.Str(r[0])] = warehouse.Int(r[1])
	}
	for _, r := range q(`SELECT queue_id, queue_calls, answered, moved_to_queue, hung_up, left_message, short_abandons,
			answer_wait_ms, abandon_wait_ms, answered_in_service_level, 0
		FROM {db:Identifier}.calling_queue_weekly WHERE 1` + gen).Rows {
		var v [10]int64
		for i := range v {
			v[i] = warehouse.Int(r[i+1])
		}
		out.queues[warehouse.Str(r[0])] = v
	}
	return out
}

func checkMap[K comparable, V any](t *testing.T, what string, got, want map[K]V) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		var keys []string
		for k := range want {
			keys = append(keys, fmt.Sprint(k))
		}
		for k := range got {
			keys = append(keys, fmt.Sprint(k))
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		var sb strings.Builder
		for _, k := range keys {
			var gv, wv any = "—", "—"
			for kk, v := range got {
				if fmt.Sprint(kk) == k {
					gv = v
				}
			}
			for kk, v := range want {
				if fmt.Sprint(kk) == k {
					wv = v
				}
			}
			mark := " "
			if fmt.Sprint(gv) != fmt.Sprint(wv) {
				mark = "≠"
			}
			fmt.Fprintf(&sb, "\n  %s %-24s got %v, want %v", mark, k, gv, wv)
		}
		t.Errorf("%s:%s", what, sb.String())
	}
}

var (
	// Week A runs Sunday 2026-11-08 to Saturday 2026-11-14, week B
	// 2026-11-15 to 2026-11-21; the test's clock is Monday 2026-11-23, so B
	// is the last completed week and 2026-11-22 the running one.
	weekA    = time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	weekB    = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	weekNext = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	clock    = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
)

func at(week time.Time, day int, hhmmss string) time.Time {
	d, err := time.Parse("15:04:05.000", hhmmss)
	if err != nil {
		d, _ = time.Parse("15:04:05", hhmmss)
	}
	return week.AddDate(0, 0, day).Add(time.Duration(d.Hour())*time.Hour + time.Duration(d.Minute())*time.Minute +
		time.Duration(d.Second())*time.Second + time.Duration(d.Nanosecond()))
}

// seedCalling writes the fixture every calling test starts from; the
// expected figures are worked out beside each call.
func seedCalling(f *callingFixture) {
	in := clock.Add(-time.Hour) // everything here arrived before the first run
	// Licenses of c1. At the end of week A (Sat 23:59:59.999) u1-u4 are
	// licensed; at the end of week B u1, u2, u3, u5 (u4 removed during B;
	// u5 assigned in B's last millisecond; u6 only from the next week).
	for _, u := range []string{"u1", "u2", "u3"} {
		f.license("c1", u, "assigned", time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC), in)
	}
	f.license("c1", "u4", "assigned", time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC), in)
	f.license("c1", "u4", "removed", at(weekB, 3, "12:00:00"), in)
	f.license("c1", "u5", "assigned", at(weekB, 6, "23:59:59.999"), in)
	f.license("c1", "u6", "assigned", weekNext, in)

	// Week B, c1: 31 calls.
	//   u1  7 calls (medium): q1, q2, the boundary call and 4 more; desk phone
	//   u2  1 call (low): q3; mobile app
	//   u7 21 calls (high, not licensed): q4, q6 and 19 more; desktop app
	//   —   2 calls of a shared analog adapter: q5 (no streams) and one more
	f.call(call{customer: "c1", id: "q1", user: "u1", at: at(weekB, 1, "09:00:00"), endpoint: "desk_phone",
		// Two streams, one poor by round trip (501 > 500): poor, round_trip_time.
		streams: []stream{good, {"audio", 4.1, 5, 0.5, 501, 4000}}, features: []string{"call_queue", "transfer"}}, in)
	f.call(call{customer: "c1", id: "q2", user: "u1", at: at(weekB, 1, "10:00:00"), endpoint: "desk_phone",
		// Every metric exactly at its threshold: not poor.
		streams: []stream{{"audio", 3.5, 30, 10, 500, 4000}}, features: []string{"transfer"}}, in)
	f.call(call{customer: "c1", id: "q1b", user: "u1", at: at(weekB, 6, "23:59:59"), endpoint: "desk_phone",
		// Saturday 23:59:59: the last second of week B.
		streams: []stream{good}}, in)
	f.goodCalls("c1", "u1", 4, at(weekB, 2, "09:00:00"), "desk_phone", in, "transfer") // 4 good calls with transfer
	f.call(call{customer: "c1", id: "q3", user: "u2", at: at(weekB, 2, "11:00:00"), endpoint: "mobile_app",
		// Three streams: good audio; video losing 12.5% with 45 ms jitter
		// (no MOS measured); audio with MOS 3.2: poor by packet_loss,
		// jitter and mos, two of three streams poor.
		streams:  []stream{good, {"video", 0, 45, 12.5, 60, 90000}, {"audio", 3.2, 8, 1, 60, 4000}},
		features: []string{"call_queue"}}, in)
	f.call(call{customer: "c1", id: "q4", user: "u7", at: at(weekB, 3, "09:00:00"), endpoint: "desktop_app",
		// Jitter 30.5 > 30: poor, jitter.
		streams: []stream{{"audio", 4.2, 30.5, 0, 30, 4000}}, features: []string{"voicemail"}}, in)
	f.call(call{customer: "c1", id: "q6", user: "u7", at: at(weekB, 3, "10:00:00"), endpoint: "desktop_app",
		// Round trip 900: poor — until a corrected record arrives late.
		streams: []stream{{"audio", 4.2, 3, 0, 900, 4000}}}, in)
	f.goodCalls("c1", "u7", 19, at(weekB, 4, "08:00:00"), "desktop_app", in)
	f.call(call{customer: "c1", id: "q5", at: at(weekB, 4, "12:00:00"), endpoint: "analog_adapter"}, in)
	f.goodCalls("c1", "", 1, at(weekB, 4, "13:00:00"), "analog_adapter", in)
	// Not week B: Sunday 00:00:00 is the running week; Saturday
	// 2026-11-14 23:59:59.999 is week A.
	f.goodCalls("c1", "u2", 1, weekNext, "desk_phone", in)
	f.goodCalls("c1", "u2", 1, at(weekA, 6, "23:59:59.999"), "desk_phone", in)
	f.goodCalls("c1", "u2", 2, at(weekA, 2, "09:00:00"), "desk_phone", in)

	// Queue stays of c1 in week B (service level 20 s, short abandon 5 s).
	//   k1 sales   answered after 30 s
	//   k2 sales   answered after 10 s                       (service level)
	//   k3 sales   moved to support after 60 s, then
	//      support answered after 20 s                      (service level: 20 ≤ 20)
	//   k4 sales   hung up after 3 s                        (short abandon)
	//   k5 support hung up after 40 s                       (abandoned)
	//   k6 support left a message after 80 s                (abandoned)
	//   k7 sales   entered Sat 23:59:59, answered after 6 s (week B; service level)
	//   k8 sales   entered Sun 00:00:00                     (running week)
	f.leg("c1", "sales", "k1", at(weekB, 1, "10:00:00"), "answered", 30*time.Second, "", in)
	f.leg("c1", "sales", "k2", at(weekB, 1, "11:00:00"), "answered", 10*time.Second, "", in)
	f.leg("c1", "sales", "k3", at(weekB, 1, "12:00:00"), "moved_to_queue", time.Minute, "support", in)
	f.leg("c1", "support", "k3", at(weekB, 1, "12:01:00"), "answered", 20*time.Second, "", in)
	f.leg("c1", "sales", "k4", at(weekB, 2, "13:00:00"), "hung_up", 3*time.Second, "", in)
	f.leg("c1", "support", "k5", at(weekB, 2, "14:00:00"), "hung_up", 40*time.Second, "", in)
	f.leg("c1", "support", "k6", at(weekB, 2, "15:00:00"), "left_message", 80*time.Second, "", in)
	f.leg("c1", "sales", "k7", at(weekB, 6, "23:59:59"), "answered", 6*time.Second, "", in)
	f.leg("c1", "sales", "k8", weekNext, "answered", 5*time.Second, "", in)

	// c2 (same partner), week B: u20 makes 2 calls on a video device, one
	// losing 25% of its packets.
	f.call(call{customer: "c2", id: "r1", user: "u20", at: at(weekB, 2, "09:00:00"), endpoint: "video_device",
		streams: []stream{{"video", 0, 5, 25, 50, 80000}}}, in)
	f.goodCalls("c2", "u20", 1, at(weekB, 2, "10:00:00"), "video_device", in)
	f.flush()
}

// The figures of c1 and c2 after the first run; tests change them as data
// arrives.
func wantC1WeekB() callingFigures {
	return callingFigures{
		customer: map[string]int64{
			"calls": 31, "call_seconds": 31 * 60, "calls_without_user": 2,
			// licensed u1 u2 u3 u5; active u1 u2 u7; no calls u3 u5;
			// low u2 (1), medium u1 (7), high u7 (21).
			"licensed_users": 4, "active_users": 3, "users_no_calls": 2,
			"users_low": 1, "users_medium": 1, "users_high": 1,
			"poor_calls": 4, "queue_calls": 8, "queue_feature_calls": 2,
			"rule_service_level_s": 20, "rule_short_abandon_s": 5,
		},
		quality: map[string][6]int64{
			// calls, poor, round trip, loss, jitter, mos
			"desk_phone":     {7, 1, 1, 0, 0, 0},  // q1
			"mobile_app":     {1, 1, 0, 1, 1, 1},  // q3
			"desktop_app":    {21, 2, 1, 0, 1, 0}, // q4 jitter, q6 round trip
			"analog_adapter": {2, 0, 0, 0, 0, 0},
		},
		poor: map[string]string{
			"q1": "round_trip_time 1/2",
			"q3": "packet_loss,jitter,mos 2/3",
			"q4": "jitter 1/1",
			"q6": "round_trip_time 1/1",
		},
		features: map[string]int64{"call_queue": 2, "transfer": 6, "voicemail": 1},
		queues: map[string][10]int64{
			// stays, answered, moved, hung up, left message, short,
			// answer wait ms, abandon wait ms, in service level
			//   sales: k1 k2 k3 k4 k7: waits 30+10+60+6 = 106 s to answer
			//   (or move); k2, k7 within 20 s.
			"sales": {5, 3, 1, 0, 0, 1, 106_000, 0, 2},
			//   support: k3 20 s (within 20 s), k5 40 s, k6 80 s.
			"support": {3, 1, 0, 1, 1, 0, 20_000, 120_000, 1},
		},
	}
}

func wantC2WeekB() callingFigures {
	return callingFigures{
		customer: map[string]int64{
			"calls": 2, "call_seconds": 120, "calls_without_user": 0,
			"licensed_users": 0, "active_users": 1, "users_no_calls": 0,
			"users_low": 1, "users_medium": 0, "users_high": 0,
			"poor_calls": 1, "queue_calls": 0, "queue_feature_calls": 0,
			"rule_service_level_s": 20, "rule_short_abandon_s": 5,
		},
		quality:  map[string][6]int64{"video_device": {2, 1, 0, 1, 0, 0}},
		poor:     map[string]string{"r1": "packet_loss 1/1"},
		features: map[string]int64{},
		queues:   map[string][10]int64{},
	}
}

func wantC1WeekA() callingFigures {
	return callingFigures{
		customer: map[string]int64{
			// u2: 3 calls (the Saturday 23:59:59.999 one included).
			// Licensed at A's end: u1 u2 u3 u4; no calls: u1 u3 u4.
			"calls": 3, "call_seconds": 180, "calls_without_user": 0,
			"licensed_users": 4, "active_users": 1, "users_no_calls": 3,
			"users_low": 1, "users_medium": 0, "users_high": 0,
			"poor_calls": 0, "queue_calls": 0, "queue_feature_calls": 0,
			"rule_service_level_s": 20, "rule_short_abandon_s": 5,
		},
		quality:  map[string][6]int64{"desk_phone": {3, 0, 0, 0, 0, 0}},
		poor:     map[string]string{},
		features: map[string]int64{},
		queues:   map[string][10]int64{},
	}
}

func checkFigures(t *testing.T, name string, got, want callingFigures) {
	t.Helper()
	// The sums the partner-wide views read agree with the detail rows.
	derived := map[string]int64{}
	for k, v := range want.customer {
		derived[k] = v
	}
	var reasons [4]int64
	eps := map[string]map[string]int64{}
	for i, col := range []string{"endpoint_calls", "endpoint_poor", "endpoint_poor_round_trip_time", "endpoint_poor_packet_loss",
		"endpoint_poor_jitter", "endpoint_poor_mos"} {
		eps[col] = map[string]int64{}
		for ep, v := range want.quality {
			eps[col][ep] = v[i]
			if i >= 2 {
				reasons[i-2] += v[i]
			}
		}
	}
	derived["poor_round_trip_time"], derived["poor_packet_loss"], derived["poor_jitter"], derived["poor_mos"] = reasons[0], reasons[1], reasons[2], reasons[3]
	var q [9]int64
	for _, v := range want.queues {
		for i := range q {
			q[i] += v[i]
		}
	}
	derived["queues"] = int64(len(want.queues))
	for i, col := range []string{"queue_calls", "queue_answered", "queue_moved", "queue_hung_up", "queue_left_message",
		"queue_short_abandons", "queue_answer_wait_ms", "queue_abandon_wait_ms", "queue_in_service_level"} {
		derived[col] = q[i]
	}
	eps["feature_calls"] = want.features
	checkMap(t, name+" customer", got.customer, derived)
	checkMap(t, name+" customer maps", got.maps, eps)
	checkMap(t, name+" quality", got.quality, want.quality)
	checkMap(t, name+" poor calls", got.poor, want.poor)
	checkMap(t, name+" features", got.features, want.features)
	checkMap(t, name+" queues", got.queues, want.queues)
}

func newCallingWorker(w warehouse.Warehouse, now time.Time) *Worker {
	wk := NewWorker(w, time.Minute, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	wk.now = func() time.Time { return now }
	return wk
}

func TestCallingWeeklyFiguresAndLateRecords(t *testing.T) {
	w := whtest.Database(t)
	ctx := context.Background()
	f := newCallingFixture(t, w)
	seedCalling(f)
	wk := newCallingWorker(w, clock)
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	b := weekB.Format(time.DateOnly)
	checkFigures(t, "c1 week B", readCalling(t, w, b, "c1"), wantC1WeekB())
	checkFigures(t, "c2 week B", readCalling(t, w, b, "c2"), wantC2WeekB())
	checkFigures(t, "c1 week A", readCalling(t, w, weekA.Format(time.DateOnly), "c1"), wantC1WeekA())
	// The running week has no figures yet.
	if got := readCalling(t, w, weekNext.Format(time.DateOnly), "c1"); len(got.customer) != 0 {
		t.Errorf("running week has figures: %v", got.customer)
	}
	// Every week of the horizon is recorded as computed, none after B.
	res, err := w.Query(ctx, `SELECT toString(min(week)), toString(max(week)), count() FROM {db:Identifier}.calling_weeks FINAL`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Rows[0]; warehouse.Str(r[0]) != "2026-09-27" || warehouse.Str(r[1]) != b || warehouse.Int(r[2]) != 8 {
		t.Errorf("computed weeks %v, want the 8 weeks 2026-09-27 … %s", r, b)
	}

	// Idempotent: a run with nothing new recomputes nothing; forcing week
	// B again changes no figure.
	genB := readCalling(t, w, b, "c1").computedAt
	wk.now = func() time.Time { return clock.Add(time.Minute) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readCalling(t, w, b, "c1").computedAt; !got.Equal(genB) {
		t.Errorf("a run without new data recomputed week B (%s → %s)", genB, got)
	}
	if err := wk.CallingWeek(ctx, weekB); err != nil {
		t.Fatal(err)
	}
	checkFigures(t, "c1 week B forced", readCalling(t, w, b, "c1"), wantC1WeekB())
	c2Gen := readCalling(t, w, b, "c2").computedAt

	// Late data, after both weeks closed:
	//   - a call of u1 on Tuesday of week A with MOS 2.9 (poor, mos);
	//   - q6 sent again, corrected: round trip 90 ms, no longer poor;
	//   - u3's license removed on Friday of week B.
	late := clock.Add(time.Hour)
	f.call(call{customer: "c1", id: "late-1", user: "u1", at: at(weekA, 2, "15:00:00"), endpoint: "desk_phone",
		streams: []stream{{"audio", 2.9, 4, 0.3, 35, 4000}}}, late)
	f.call(call{customer: "c1", id: "q6", user: "u7", at: at(weekB, 3, "10:00:00"), endpoint: "desktop_app",
		streams: []stream{{"audio", 4.2, 3, 0, 90, 4000}}}, late)
	f.license("c1", "u3", "removed", at(weekB, 5, "09:00:00"), late)
	f.flush()
	wk.now = func() time.Time { return late.Add(time.Minute) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// Week A: 4 calls; u1 (1 call) and u2 (3) are low; no calls u3 u4;
	// the late call is poor by MOS on a desk phone.
	wantA := wantC1WeekA()
	wantA.customer["calls"], wantA.customer["call_seconds"] = 4, 240
	wantA.customer["active_users"], wantA.customer["users_low"], wantA.customer["users_no_calls"] = 2, 2, 2
	wantA.customer["poor_calls"] = 1
	wantA.quality["desk_phone"] = [6]int64{4, 1, 0, 0, 0, 1}
	wantA.poor["late-1"] = "mos 1/1"
	checkFigures(t, "c1 week A after late data", readCalling(t, w, weekA.Format(time.DateOnly), "c1"), wantA)
	// Week B: q6 counts once and is no longer poor; u3 is no longer
	// licensed, so the licensed users are u1 u2 u5 and only u5 made no call.
	wantB := wantC1WeekB()
	wantB.customer["poor_calls"] = 3
	wantB.customer["licensed_users"], wantB.customer["users_no_calls"] = 3, 1
	wantB.quality["desktop_app"] = [6]int64{21, 1, 0, 0, 1, 0}
	delete(wantB.poor, "q6")
	checkFigures(t, "c1 week B after late data", readCalling(t, w, b, "c1"), wantB)
	// Only c1 was recomputed.
	if got := readCalling(t, w, b, "c2").computedAt; !got.Equal(c2Gen) {
		t.Errorf("c2 was recomputed (%s → %s) though none of its data changed", c2Gen, got)
	}
	checkFigures(t, "c2 week B after late data", readCalling(t, w, b, "c2"), wantC2WeekB())
}

// The week that is running gets its figures at the first run from Sunday
// 00:00:00 UTC on, not a millisecond earlier.
func TestCallingWeekIsComputedOnceItHasCompleted(t *testing.T) {
	w := whtest.Database(t)
	ctx := context.Background()
	f := newCallingFixture(t, w)
	seedCalling(f)
	next := weekNext.Format(time.DateOnly)
	wk := newCallingWorker(w, weekNext.AddDate(0, 0, 7).Add(-time.Millisecond)) // Sat 2026-11-28 23:59:59.999
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readCalling(t, w, next, "c1"); len(got.customer) != 0 {
		t.Fatalf("week %s computed before it completed: %v", next, got.customer)
	}
	if err := wk.CallingWeek(ctx, weekNext); err == nil || !strings.Contains(err.Error(), "has not completed") {
		t.Errorf("CallingWeek of the running week: %v, want a refusal", err)
	}
	wk.now = func() time.Time { return weekNext.AddDate(0, 0, 7) } // Sun 2026-11-29 00:00:00
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// u2's Sunday 00:00:00 call; k8 answered after 5 s. Licensed at the
	// end of the week: u1 u2 u3 u5 u6, of whom u1 u3 u5 u6 made no call.
	checkFigures(t, "week "+next, readCalling(t, w, next, "c1"), callingFigures{
		customer: map[string]int64{
			"calls": 1, "call_seconds": 60, "calls_without_user": 0,
			"licensed_users": 5, "active_users": 1, "users_no_calls": 4,
			"users_low": 1, "users_medium": 0, "users_high": 0,
			"poor_calls": 0, "queue_feature_calls": 0,
			"rule_service_level_s": 20, "rule_short_abandon_s": 5,
		},
		quality:  map[string][6]int64{"desk_phone": {1, 0, 0, 0, 0, 0}},
		poor:     map[string]string{},
		features: map[string]int64{},
		queues:   map[string][10]int64{"sales": {1, 1, 0, 0, 0, 0, 5000, 0, 1}},
	})
	if err := wk.CallingWeek(ctx, weekNext.AddDate(0, 0, 1)); err == nil {
		t.Error("CallingWeek of a Monday: no error")
	}
}

// The thresholds are configurable; weeks of the horizon computed under
// other rules are recomputed.
func TestCallingRulesAreConfigurable(t *testing.T) {
	w := whtest.Database(t)
	ctx := context.Background()
	seedCalling(newCallingFixture(t, w))
	wk := newCallingWorker(w, clock)
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	rules, err := ParseCallingRules("rtt_ms=800, mos_floor=3.0,service_level_s=30,short_abandon_s=0")
	if err != nil {
		t.Fatal(err)
	}
	if err := wk.SetCallingRules(rules); err != nil {
		t.Fatal(err)
	}
	wk.now = func() time.Time { return clock.Add(time.Minute) }
	if err := wk.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// Round trip above 800: q1 (501) is no longer poor, q6 (900) still is;
	// MOS below 3.0: q3 (3.2) keeps packet loss and jitter but not mos.
	// Service level 30 s: k1 (30 s) now meets it; no short abandons: k4 is
	// an abandon of 3 s.
	want := wantC1WeekB()
	want.customer["poor_calls"] = 3
	want.customer["rule_service_level_s"], want.customer["rule_short_abandon_s"] = 30, 0
	want.quality["desk_phone"] = [6]int64{7, 0, 0, 0, 0, 0}
	want.quality["mobile_app"] = [6]int64{1, 1, 0, 1, 1, 0}
	delete(want.poor, "q1")
	want.poor["q3"] = "packet_loss,jitter 1/3"
	want.queues["sales"] = [10]int64{5, 3, 1, 1, 0, 0, 106_000, 3_000, 3}
	checkFigures(t, "c1 week B under other rules", readCalling(t, w, weekB.Format(time.DateOnly), "c1"), want)

	for _, bad := range []string{"rtt_ms=-1", "mos_floor=6", "jitter=3", "rtt_ms", "service_level_s=1.5", "packet_loss_pct=101"} {
		if _, err := ParseCallingRules(bad); err == nil {
			t.Errorf("ParseCallingRules(%q): no error", bad)
		}
	}
	if r, err := ParseCallingRules(DefaultCallingRules().String()); err != nil || r != DefaultCallingRules() {
		t.Errorf("the defaults do not survive String and Parse: %v %v", r, err)
	}
}

func TestWeeks(t *testing.T) {
	for _, tc := range []struct{ t, week, last string }{
		{"2026-11-21T23:59:59.999Z", "2026-11-15", "2026-11-08"},
		{"2026-11-22T00:00:00Z", "2026-11-22", "2026-11-15"},
		{"2026-11-23T10:00:00Z", "2026-11-22", "2026-11-15"},
		{"2026-11-23T01:00:00+02:00", "2026-11-22", "2026-11-15"}, // 2026-11-22 23:00 UTC
	} {
		at, _ := time.Parse(time.RFC3339Nano, tc.t)
		if got := WeekOf(at).Format(time.DateOnly); got != tc.week {
			t.Errorf("WeekOf(%s) = %s, want %s", tc.t, got, tc.week)
		}
		if got := LastCompletedWeek(at).Format(time.DateOnly); got != tc.last {
			t.Errorf("LastCompletedWeek(%s) = %s, want %s", tc.t, got, tc.last)
		}
	}
}
