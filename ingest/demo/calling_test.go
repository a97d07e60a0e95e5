package demo

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flexhub/flexhub/ingest"
)

// The calling stream keeps its contracts and gives every calling section
// something to show: licensed users who never call and users in every
// usage bucket, poor calls, calls through queues whose stays all point at
// a recorded call, moves between queues, short abandons.
func TestCallingStreamFeedsEverySection(t *testing.T) {
	w := Generate(Config{Seed: 5, Partners: 2, CustomersPerPartner: 20, MaxClusters: 2, MinUsers: 10, MaxUsers: 40})
	rng := rand.New(rand.NewPCG(5, 6))
	dec := ingest.NewRegistry("flexhub.").NewDecoder()
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	const history = 14
	p := &producer{prefix: "flexhub."}
	for _, s := range streams[:2] { // the commerce side decides who has Calling
		if s.seed != nil {
			s.seed(w, rng, today, history, p)
		}
	}
	p.buf = nil
	callingStream.seed(w, rng, today, history, p)
	for d := 0; d < history; d++ {
		if d > 0 {
			w.Evolve(rng, d)
		}
		callingStream.day(w, rng, d, today.AddDate(0, 0, d-history+1), p)
	}
	callingStream.tick(w, rng, history, today.Add(12*time.Hour), p)

	calls := map[string]bool{}
	queued := map[string]bool{}
	var stays []map[string]string
	types := map[string]int{}
	poor, shortAbandons, moves := 0, 0, 0
	for i, m := range p.buf {
		ev, err := dec.Decode(m.Value)
		if err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, m.Value)
		}
		if m.Topic != "flexhub.calling" {
			t.Fatalf("%s went to %s", ev.Type.Name, m.Topic)
		}
		types[ev.Type.Name]++
		v := ev.Values()
		switch ev.Type.Name {
		case ingest.TypeCallRecorded:
			id := v[2].(string)
			calls[id] = true
			for _, f := range v[14].([]string) {
				if f == "call_queue" {
					queued[id] = true
				}
			}
			for _, rtt := range v[12].([]float32) {
				if rtt > 500 {
					poor++
				}
			}
		case ingest.TypeQueueCallCompleted:
			stays = append(stays, map[string]string{"call": v[4].(string), "outcome": v[6].(string)})
			wait := v[7].(time.Time).Sub(v[5].(time.Time))
			if v[6] == "hung_up" && wait < 5*time.Second {
				shortAbandons++
			}
			if v[6] == "moved_to_queue" {
				moves++
			}
		}
	}
	for _, typ := range []string{ingest.TypeCallRecorded, ingest.TypeQueueCallCompleted, ingest.TypeUserLicenseChanged} {
		if types[typ] == 0 {
			t.Errorf("no %s events among %v", typ, types)
		}
	}
	for _, s := range stays {
		if !calls[s["call"]] || !queued[s["call"]] {
			t.Fatalf("queue stay of call %s without a call record using call_queue", s["call"])
		}
	}
	if poor == 0 || shortAbandons == 0 || moves == 0 {
		t.Errorf("%d poor round trips, %d short abandons, %d moves; want some of each", poor, shortAbandons, moves)
	}
	buckets := map[string]int{}
	for _, cu := range callingCustomers(w) {
		for _, cl := range cu.Clusters {
			for _, u := range cl.Users {
				switch n := weeklyCalls(u); {
				case n == 0:
					buckets["none"]++
				case n <= 5:
					buckets["low"]++
				case n <= 20:
					buckets["medium"]++
				default:
					buckets["high"]++
				}
			}
		}
	}
	if len(buckets) != 4 {
		t.Errorf("users by weekly calls %v, want every bucket", buckets)
	}
	t.Logf("%d calling events: %v", len(p.buf), types)
}
