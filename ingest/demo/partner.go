package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// partnerStream: what the partner overview needs beyond commerce. At the
// seed, the partner admins assigned to each customer and the licenses
// assigned when each Meetings, Calling or translation subscription
// started; for every day of history, license assignment changes, the
// users active in Meetings or Calling, and the customer admins' sign-ins;
// at every tick, a slice of the customers' activity and sign-ins of today.
//
// Every subscription has an allocation target: most assign 55-95% of
// their licenses, one in ten stays low (2-10%), one in seventeen assigns
// more than it bought (103-115%); trials 30-90%. (The first active
// subscription of each partner and product is over its limit, the second
// low, so every partner shows both.) Subscriptions started
// inside the history window ramp up towards it, so the weekly changes move.
// Every user has a propensity to be active on a working day (weekends a
// quarter of it), scaled by how engaged the subscription's organisation is. Customer admins sign in every few days, or every few
// weeks, or (one customer in ten) not for a month or more.
var partnerStream = stream{
	name: "partner",
	seed: func(w *World, rng *rand.Rand, today time.Time, history int, p *producer) {
		pw := &partnerWorld{}
		partnerWorlds.Lock()
		partnerWorlds.m[w] = pw
		partnerWorlds.Unlock()
		pw.seed(w, rng, today, history, p)
	},
	day: func(w *World, rng *rand.Rand, day int, date time.Time, p *producer) {
		partnerWorldOf(w).day(rng, date, p)
	},
	tick: func(w *World, rng *rand.Rand, day int, now time.Time, p *producer) {
		partnerWorldOf(w).tick(rng, now, p)
	},
}

// partnerWorlds keeps each world's partner-overview state (a world is
// rebuilt on restart, so is its state).
var partnerWorlds = struct {
	sync.Mutex
	m map[*World]*partnerWorld
}{m: map[*World]*partnerWorld{}}

func partnerWorldOf(w *World) *partnerWorld {
	partnerWorlds.Lock()
	defer partnerWorlds.Unlock()
	return partnerWorlds.m[w]
}

type partnerWorld struct {
	licenses []*licenseSet
	habits   []*signInHabit
	next     int // the next license set a tick visits
}

// licenseSet is one Meetings, Calling or translation subscription's
// licenses and who holds them.
type licenseSet struct {
	cu         *Customer
	s          *Subscription
	target     float64
	pool       []string           // users who may get a license
	held       map[string]bool    // who holds one now
	propensity map[string]float64 // chance to be active on a working day
	lastActive map[string]time.Time
}

// signInHabit is how often a customer's admins sign in: every days days on
// average; 0: not any more.
type signInHabit struct {
	cu   *Customer
	days int
}

var adminNames = []string{"Sanne de Vries", "Daan Jansen", "Emma Bakker", "Lucas Visser", "Julia Smit", "Sem Meijer",
	"Tess de Boer", "Milan Mulder", "Lotte Bos", "Finn Vos"}

func (pw *partnerWorld) seed(w *World, rng *rand.Rand, today time.Time, history int, p *producer) {
	epoch := today.AddDate(0, 0, -(history - 1))
	// Each partner has five admins; every customer gets one to three of
	// them (a sales admin always among them), some reassigned since.
	roles := []string{"full_admin", "full_sales_admin", "sales_admin", "sales_admin", "readonly_admin"}
	admins := map[*Partner][]int{}
	for pi, pt := range w.Partners {
		for i := range roles {
			admins[pt] = append(admins[pt], (pi*len(roles)+i)%len(adminNames))
		}
	}
	adminEvent := func(cu *Customer, i int, action string, at time.Time) {
		pt := cu.Partner
		name := adminNames[admins[pt][i]]
		id := fmt.Sprintf("pa-%s-%d", strings.TrimPrefix(pt.ID, "p-"), i+1)
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@" + strings.TrimPrefix(pt.ID, "p-") + ".example"
		p.add("partner", cu.ID, fmt.Appendf(nil, `{"specversion":"1.0","id":"pa-%s-%s-%d","source":"/partner/admins","type":"com.flexhub.partner.partner_admin.assignment.changed","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","admin_id":"%s","name":%q,"email":"%s","role":"%s","action":"%s","changed_at":"%s"}}`,
			cu.ID, id, at.Unix(), at.Format(time.RFC3339), cu.ID, pt.ID, cu.ID, id, name, email, roles[i], action, at.Format(time.RFC3339)))
	}
	ordinal := map[string]int{} // active subscriptions (not trials) per partner and product
	for ci, cu := range w.Customers {
		at := cu.AddedAt.Add(26 * time.Hour)
		sales := 2 + rng.IntN(2)
		adminEvent(cu, sales, "assigned", at)
		if rng.IntN(2) == 0 {
			adminEvent(cu, rng.IntN(2), "assigned", at.Add(time.Hour))
		}
		if rng.IntN(8) == 0 && at.Before(epoch) {
			// Handed over to the other sales admin inside the window.
			on := epoch.AddDate(0, 0, rng.IntN(history)).Add(15 * time.Hour)
			adminEvent(cu, sales, "unassigned", on)
			adminEvent(cu, 5-sales, "assigned", on.Add(time.Minute))
		}
		h := &signInHabit{cu: cu, days: 1 + rng.IntN(4)}
		switch {
		case ci%10 == 7:
			h.days = 0
			last := today.AddDate(0, 0, -(35 + rng.IntN(90)))
			if last.After(cu.AddedAt) {
				pw.signIn(cu, last.Add(time.Duration(7+rng.IntN(10))*time.Hour), p)
			}
		case rng.IntN(100) < 15:
			h.days = 10 + rng.IntN(16)
		}
		pw.habits = append(pw.habits, h)

		for _, s := range cu.Subscriptions {
			if s.Product == "ucm_flex" {
				continue
			}
			key := cu.Partner.ID + "/" + s.Product
			k := -1
			if !s.Trial && s.Versions[len(s.Versions)-1].Status == "active" {
				k = ordinal[key]
				ordinal[key]++
			}
			ls := &licenseSet{cu: cu, s: s, held: map[string]bool{}, propensity: map[string]float64{},
				lastActive: map[string]time.Time{}}
			switch {
			case s.Trial:
				ls.target = 0.3 + rng.Float64()*0.6
			case k >= 0 && k%17 == 0:
				ls.target = 1.03 + rng.Float64()*0.12
			case k >= 0 && k%10 == 1:
				ls.target = 0.02 + rng.Float64()*0.08
			default:
				ls.target = 0.55 + rng.Float64()*0.4
			}
			ls.pool = webexUsers(cu, licensesOf(s)*12/10+2)
			// Some organisations use what they bought, some barely: a
			// subscription-wide engagement times each user's own habit.
			engagement := 0.2 + rng.Float64()*0.8
			for _, u := range ls.pool {
				x := rng.Float64()
				ls.propensity[u] = engagement * (0.03 + x*x*0.6)
			}
			pw.licenses = append(pw.licenses, ls)
			// What was assigned when the subscription started: most of the
			// target for one that started before the window, half of it for
			// one that starts inside it (it ramps up day by day).
			first := s.Versions[0]
			share := 0.9
			if !first.Start.Before(epoch) {
				share = 0.5
			}
			at := first.Start.Add(10 * time.Hour)
			for n := int(share * float64(ls.want())); n > 0; n-- {
				ls.assign(rng, at, true, p)
				at = at.Add(time.Minute)
			}
		}
	}
}

// want is how many licenses the set is to have assigned: its target share,
// and more than it bought when the target is over 100%.
func (ls *licenseSet) want() int {
	total := licensesOf(ls.s)
	n := int(math.Ceil(ls.target * float64(total)))
	if ls.target > 1 {
		n = max(n, total+1)
	}
	return n
}

// licensesOf is the quantity of the subscription's latest version (what
// is in force at the end of the history).
func licensesOf(s *Subscription) int { return s.Versions[len(s.Versions)-1].Licenses["USER"] }

// webexUsers are n users of the customer: its UCM users, then made-up ones
// for a customer with fewer (or without clusters).
func webexUsers(cu *Customer, n int) []string {
	var out []string
	for _, cl := range cu.Clusters {
		for _, u := range cl.Users {
			if len(out) == n {
				return out
			}
			if u.activeOn(0) {
				out = append(out, u.ID)
			}
		}
	}
	for i := len(out); i < n; i++ {
		out = append(out, fmt.Sprintf("wx%04d.%s", i, strings.TrimPrefix(cu.ID, "c-")))
	}
	return out
}

// assign gives a license to a user who has none (assigned), or takes one
// away.
func (ls *licenseSet) assign(rng *rand.Rand, at time.Time, assigned bool, p *producer) {
	var candidates []string
	for _, u := range ls.pool {
		if ls.held[u] != assigned {
			candidates = append(candidates, u)
		}
	}
	if len(candidates) == 0 {
		return
	}
	u := candidates[rng.IntN(len(candidates))]
	ls.held[u] = assigned
	action := "unassigned"
	if assigned {
		action = "assigned"
	}
	cu := ls.cu
	p.add("partner", cu.ID, fmt.Appendf(nil, `{"specversion":"1.0","id":"la-%s-%s-%d","source":"/webex/licenses","type":"com.flexhub.partner.license.assignment.changed","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","subscription_id":"%s","product":"%s","user_id":"%s","action":"%s","changed_at":"%s"}}`,
		ls.s.ID, u, at.UnixMilli(), at.Format(time.RFC3339), cu.ID, cu.Partner.ID, cu.ID, ls.s.ID, ls.s.Product, u, action, at.Format(time.RFC3339)))
}

func (pw *partnerWorld) signIn(cu *Customer, at time.Time, p *producer) {
	admin := fmt.Sprintf("adm-%d.%s", at.Unix()%3+1, strings.TrimPrefix(cu.ID, "c-"))
	p.add("partner", cu.ID, fmt.Appendf(nil, `{"specversion":"1.0","id":"si-%s-%d","source":"/webex/admin","type":"com.flexhub.partner.admin.signed_in","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","admin_id":"%s","signed_in_at":"%s"}}`,
		cu.ID, at.UnixMilli(), at.Format(time.RFC3339), cu.ID, cu.Partner.ID, cu.ID, admin, at.Format(time.RFC3339)))
}

// live tells whether a subscription runs on a day (by its version then).
func live(s *Subscription, date time.Time) bool {
	var v *SubscriptionVersion
	for i := range s.Versions {
		if !s.Versions[i].ChangedAt.After(date.Add(24 * time.Hour)) {
			v = &s.Versions[i]
		}
	}
	if v == nil || v.Start.After(date) || (!v.End.IsZero() && v.End.Before(date)) {
		return false
	}
	return v.Status == "active" || v.Status == "suspended" || v.Status == "pending_order_setup"
}

// day plays one day of history: assignment changes, activity, sign-ins.
func (pw *partnerWorld) day(rng *rand.Rand, date time.Time, p *producer) {
	for _, ls := range pw.licenses {
		if !live(ls.s, date) {
			continue
		}
		want := ls.want()
		held := 0
		for _, h := range ls.held {
			if h {
				held++
			}
		}
		at := date.Add(time.Duration(9*60+rng.IntN(8*60)) * time.Minute)
		switch {
		case held < want && rng.IntN(3) > 0:
			for n := 1 + rng.IntN(max(1, (want-held)/4)); n > 0; n-- {
				ls.assign(rng, at, true, p)
				at = at.Add(time.Minute)
			}
		case ls.target <= 1 && rng.IntN(25) == 0:
			ls.assign(rng, at, false, p)
		}
		if ls.s.Product != "realtime_translation" {
			ls.activity(rng, date, p)
		}
	}
	for _, h := range pw.habits {
		if h.days > 0 && !h.cu.AddedAt.After(date) && rng.IntN(h.days) == 0 {
			pw.signIn(h.cu, date.Add(time.Duration(7*60+rng.IntN(11*60))*time.Minute), p)
		}
	}
}

// activity: each license holder is active on the day with their
// propensity (a quarter of it at weekends); one event per user and day.
func (ls *licenseSet) activity(rng *rand.Rand, date time.Time, p *producer) {
	weekend := date.Weekday() == time.Saturday || date.Weekday() == time.Sunday
	day := date.Format(time.DateOnly)
	cu := ls.cu
	for _, u := range ls.pool {
		if !ls.held[u] || !ls.lastActive[u].Before(date) {
			continue
		}
		chance := ls.propensity[u]
		if weekend {
			chance /= 4
		}
		if rng.Float64() >= chance {
			continue
		}
		ls.lastActive[u] = date
		p.add("partner", cu.ID, fmt.Appendf(nil, `{"specversion":"1.0","id":"ua-%s-%s-%s","source":"/webex/usage","type":"com.flexhub.partner.usage.active","time":"%sT23:00:00Z","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","user_id":"%s","product":"%s","day":"%s"}}`,
			ls.s.Product, u, day, day, cu.ID, cu.Partner.ID, cu.ID, u, ls.s.Product, day))
	}
}

// tick streams part of today: a tenth of the license sets get today's
// activity (once per user and day), a few customers' admins sign in, and
// now and then a license is assigned.
func (pw *partnerWorld) tick(rng *rand.Rand, now time.Time, p *producer) {
	if len(pw.licenses) == 0 {
		return
	}
	today := now.UTC().Truncate(24 * time.Hour)
	for i := 0; i < max(1, len(pw.licenses)/10); i++ {
		ls := pw.licenses[pw.next%len(pw.licenses)]
		pw.next++
		if !live(ls.s, today) {
			continue
		}
		if ls.s.Product != "realtime_translation" {
			ls.activity(rng, today, p)
		}
		if rng.IntN(20) == 0 {
			ls.assign(rng, now, true, p)
		}
	}
	for i := 0; i < 3; i++ {
		if h := pw.habits[rng.IntN(len(pw.habits))]; h.days > 0 && !h.cu.AddedAt.After(now) {
			pw.signIn(h.cu, now, p)
		}
	}
}
