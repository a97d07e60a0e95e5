package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// flexSubscription is the customer's UCM Flex subscription. The first four
// customers of every partner show each case of the Flex report:
//
//	#1 Flex 2.0 bought short of its knowledge workers (overage)
//	#2 Flex 3.0 Named User whose quantities changed inside the history window
//	#3 Flex 3.0 Enterprise Agreement bought under its 1000 KW minimum
//	#4 Flex 3.0 Enterprise Agreement at its minimum
//
// The rest are Flex 2.0 (50%), Flex 3.0 NU (30%) or EA (20%). Purchased
// quantities of the user tiers sit around the consumption of day 0 —
// between 92% and 132% of it, so some customers run over —, small counts
// (TP, CA, Access) are bought with a little headroom, and an EA buys at
// least its 1000 KW minimum (but one in ten). A quarter of the subscriptions changed
// quantities during the history window.
func (cu *Customer) flexSubscription(rng *rand.Rand, today time.Time, history int) *Subscription {
	s := &Subscription{Product: "ucm_flex", ID: fmt.Sprintf("Sub-%s-FLEX", strings.TrimPrefix(cu.ID, "c-"))}
	seq, _ := strconv.Atoi(cu.ID[strings.LastIndexByte(cu.ID, '-')+1:])
	switch r := rng.IntN(100); {
	case seq == 1:
		s.FlexModel = "flex2"
	case seq == 2:
		s.FlexModel = "flex3_nu"
	case seq == 3, seq == 4:
		s.FlexModel = "flex3_ea"
	case r < 50:
		s.FlexModel = "flex2"
	case r < 80:
		s.FlexModel = "flex3_nu"
	default:
		s.FlexModel = "flex3_ea"
	}
	use := cu.estimatedConsumption(s.FlexModel)
	buy := func() map[string]int {
		out := map[string]int{}
		for k, n := range use {
			q := int(float64(n)*(0.92+rng.Float64()*0.4) + 0.5)
			if k == "TP" || k == "CA" || k == "ACC" {
				q = max(q, n+1+n/10) // small counts are bought with some headroom
			}
			out[k] = max(q, 0)
		}
		switch {
		case seq == 1:
			out["KW"] = use["KW"] * 4 / 5 // short by a fifth
		case seq == 3:
			out["KW"] = min(max(use["KW"], 1), 999) // under the EA minimum
		case s.FlexModel == "flex3_ea" && out["KW"] < 1000 && (seq == 4 || rng.IntN(10) > 0):
			out["KW"] = 1000 // the EA minimum, however many use it
		}
		return out
	}
	start := cu.AddedAt.Truncate(24 * time.Hour)
	end := start.AddDate(3, 0, -1)
	for end.Before(today) {
		end = end.AddDate(3, 0, 0)
	}
	v := SubscriptionVersion{OrderID: fmt.Sprintf("CCW-%d", 100000+rng.IntN(900000)), Status: "active",
		Start: start, End: end, AutoRenew: rng.IntN(100) < 75, Licenses: buy(), ChangedAt: start.Add(10 * time.Hour),
		Invoice: fmt.Sprintf("INV-%d-%05d", start.Year(), rng.IntN(100000))}
	if v.AutoRenew {
		v.Renewal = end.AddDate(0, 0, 1)
	}
	s.Versions = append(s.Versions, v)
	if seq == 2 || rng.IntN(4) == 0 {
		c := v
		c.Licenses = buy()
		if seq == 2 {
			for k := range c.Licenses {
				c.Licenses[k] += 5 // more of everything, mid-window
			}
		}
		c.OrderID = fmt.Sprintf("CCW-%d", 100000+rng.IntN(900000))
		c.ChangedAt = today.AddDate(0, 0, -rng.IntN(history)).Add(13 * time.Hour)
		if seq == 2 {
			c.ChangedAt = today.AddDate(0, 0, -history/2).Add(13 * time.Hour)
		}
		if c.ChangedAt.After(v.ChangedAt) {
			s.Versions = append(s.Versions, c)
		}
	}
	return s
}

// estimatedConsumption approximates what the customer's inventory of day
// 0 consumes under a model, the way a partner sizes an order (after the
// decision table of rollup/flex_rules.go: one license per served user —
// Professional with voicemail or several devices, Enhanced with one, Access
// otherwise —, shared devices as common area or TelePresence).
func (cu *Customer) estimatedConsumption(model string) map[string]int {
	var kw, pro, enh, acc, ca, tp int
	for _, cl := range cu.Clusters {
		for _, u := range cl.Users {
			if !u.activeOn(0) {
				continue
			}
			served := u.DirectoryNumber != "" || u.SNR || u.ExtensionMobility || u.Voicemail ||
				((u.MobileUC || u.TabletUC) && u.EnterpriseDirectoryProfile) || len(u.Devices) > 0
			if !served {
				continue
			}
			switch {
			case u.Voicemail || len(u.Devices) > 1:
				pro++
				kw++
			case len(u.Devices) == 1 || u.ExtensionMobility || u.MobileUC || u.TabletUC:
				enh++
				kw++
			default:
				acc++
			}
			if len(u.Devices) > 10 {
				ca += len(u.Devices) - 10
			}
		}
		for _, d := range cl.Shared {
			if d.TelePresence {
				tp++
			} else {
				ca++
			}
		}
	}
	switch model {
	case "flex3_nu":
		return map[string]int{"PRO": pro, "ENH": enh, "ACC": acc + ca, "TP": tp}
	case "flex3_ea":
		return map[string]int{"KW": kw, "CA": ca, "ACC": acc, "TP": tp}
	}
	return map[string]int{"KW": kw + acc, "CA": ca, "TP": tp}
}
