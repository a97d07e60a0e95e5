package demo

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The demo's Flex subscriptions show every case of the Flex report: each
// model, a subscription bought short (overage), an EA under its 1000 KW
// minimum, a quantity change inside the history window, customers with
// several clusters in several regions.
func TestDemoFlexSubscriptionsCoverEveryCase(t *testing.T) {
	w := Generate(DefaultConfig())
	rng := rand.New(rand.NewPCG(5, 6))
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	const history = 30
	models := map[string]int{}
	var short, eaUnder, changed, multiRegion int
	for _, cu := range w.Customers {
		cu.setUpCommerce(rng, today, history)
		s := cu.Subscriptions[0]
		if s.Product != "ucm_flex" {
			t.Fatalf("%s: first subscription %s, want its Flex subscription", cu.ID, s.Product)
		}
		models[s.FlexModel]++
		v := s.Versions[0]
		use := cu.estimatedConsumption(s.FlexModel)
		if v.Licenses["KW"] < use["KW"] {
			short++
		}
		if s.FlexModel == "flex3_ea" && v.Licenses["KW"] < 1000 {
			eaUnder++
		}
		if len(s.Versions) > 1 && !s.Versions[1].ChangedAt.Before(today.AddDate(0, 0, -history)) {
			changed++
		}
		regions := map[string]bool{}
		for _, cl := range cu.Clusters {
			regions[cl.Region] = true
		}
		if len(regions) > 1 {
			multiRegion++
		}
	}
	if models["flex2"] == 0 || models["flex3_nu"] == 0 || models["flex3_ea"] == 0 {
		t.Errorf("models %v, want every one", models)
	}
	if short < len(w.Partners) || eaUnder < len(w.Partners) || changed < len(w.Partners) || multiRegion == 0 {
		t.Errorf("%d bought short, %d EAs under the minimum, %d changed in the window, %d in several regions; want at least one per partner (%d) of the first three and some of the last",
			short, eaUnder, changed, multiRegion, len(w.Partners))
	}
}
