package demo

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/flexhub/flexhub/ingest"
)

func TestDefaultWorldIsSeveralPartnersWithHundredsOfCustomers(t *testing.T) {
	w := Generate(DefaultConfig())
	if len(w.Partners) < 3 {
		t.Errorf("%d partners, want several", len(w.Partners))
	}
	if len(w.Customers) < 200 || len(w.Customers) > 600 {
		t.Errorf("%d customers, want a few hundred", len(w.Customers))
	}
	regions := map[string]bool{}
	multi := 0
	for _, cu := range w.Customers {
		if len(cu.Clusters) > 1 {
			multi++
		}
		for _, cl := range cu.Clusters {
			regions[cl.Region] = true
		}
	}
	if multi == 0 || len(regions) < 3 {
		t.Errorf("%d customers with several clusters, %d regions; want some and several", multi, len(regions))
	}
	// Deterministic for a seed.
	if again := Generate(DefaultConfig()); !reflect.DeepEqual(names(w), names(again)) {
		t.Error("the same seed gave another world")
	}
}

func names(w *World) []string {
	var out []string
	for _, cu := range w.Customers {
		out = append(out, cu.ID+" "+cu.Name)
	}
	return out
}

// Every event the demo produces keeps its contract, and a sync ends with
// its cluster.synced event carrying the counts of the events before it.
func TestSyncEventsKeepTheirContracts(t *testing.T) {
	w := Generate(Config{Seed: 1, Partners: 2, CustomersPerPartner: 6, MaxClusters: 3, MinUsers: 5, MaxUsers: 60})
	rng := rand.New(rand.NewPCG(1, 2))
	dec := ingest.NewRegistry("flexhub.").NewDecoder()
	at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	for day := 0; day < 5; day++ {
		if day > 0 {
			w.Evolve(rng, day)
		}
		for _, cl := range w.Clusters {
			evs := SyncEvents(cl, at.AddDate(0, 0, day), day)
			users, devices := 0, 0
			for i, raw := range evs {
				ev, err := dec.Decode(raw)
				if err != nil {
					t.Fatalf("cluster %s event %d: %v\n%s", cl.ID, i, err, raw)
				}
				switch ev.Type.Name {
				case ingest.TypeUserObserved:
					users++
				case ingest.TypeDeviceObserved:
					devices++
				case ingest.TypeClusterSynced:
					if i != len(evs)-1 {
						t.Fatalf("cluster.synced at %d of %d", i, len(evs))
					}
					if ev.Values()[9] != uint32(users) || ev.Values()[10] != uint32(devices) {
						t.Errorf("sync counts %v/%v, events %d/%d", ev.Values()[9], ev.Values()[10], users, devices)
					}
				}
			}
		}
	}
}

// Every event of every stream keeps its contract and goes to its family's
// topic; the commerce side has what the views need (customers, Flex and
// Webex subscriptions, trials, changes inside the window).
func TestEveryDemoEventKeepsItsContract(t *testing.T) {
	w := Generate(Config{Seed: 3, Partners: 2, CustomersPerPartner: 30, MaxClusters: 2, MinUsers: 5, MaxUsers: 40})
	rng := rand.New(rand.NewPCG(3, 4))
	reg := ingest.NewRegistry("flexhub.")
	dec := reg.NewDecoder()
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	p := &producer{prefix: "flexhub."}
	const history = 5
	for _, s := range streams {
		if s.seed != nil {
			s.seed(w, rng, today, history, p)
		}
	}
	for d := 0; d < history; d++ {
		for _, s := range streams {
			if s.day != nil {
				s.day(w, rng, d, today.AddDate(0, 0, d-history+1), p)
			}
		}
	}
	for _, s := range streams {
		if s.tick != nil {
			s.tick(w, rng, history, today.Add(12*time.Hour), p)
		}
	}
	types := map[string]int{}
	for i, m := range p.buf {
		ev, err := dec.Decode(m.Value)
		if err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, m.Value)
		}
		if want := reg.TopicOf(ev.Type); m.Topic != want {
			t.Fatalf("%s went to %s, want %s", ev.Type.Name, m.Topic, want)
		}
		types[ev.Type.Name]++
	}
	for _, typ := range []string{ingest.TypeUserObserved, ingest.TypeDeviceObserved, ingest.TypeClusterSynced,
		ingest.TypeCustomerUpdated, ingest.TypeSubscriptionUpdated} {
		if types[typ] == 0 {
			t.Errorf("no %s events", typ)
		}
	}
	models, trials, changed := map[string]int{}, 0, 0
	for _, cu := range w.Customers {
		for _, s := range cu.Subscriptions {
			models[s.Product+"/"+s.FlexModel]++
			if s.Trial {
				trials++
			}
			if len(s.Versions) > 1 {
				changed++
			}
		}
	}
	for _, m := range []string{"ucm_flex/flex2", "ucm_flex/flex3_nu", "ucm_flex/flex3_ea", "meetings/", "calling/"} {
		if models[m] == 0 {
			t.Errorf("no %s subscription among %v", m, models)
		}
	}
	if trials == 0 || changed == 0 {
		t.Errorf("%d trials, %d subscriptions changed in the window; want some of each", trials, changed)
	}
}
