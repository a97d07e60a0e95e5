package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Subscription is one subscription or trial of a customer, as the commerce
// system holds it; Versions are its history (the first is the order).
type Subscription struct {
	ID        string
	Product   string // ucm_flex, meetings, calling, realtime_translation
	FlexModel string // flex2, flex3_nu, flex3_ea for ucm_flex
	Trial     bool
	Versions  []SubscriptionVersion
}

// SubscriptionVersion is the subscription from ChangedAt on.
type SubscriptionVersion struct {
	OrderID, Status, Invoice string
	Start, End, Renewal      time.Time // End and Renewal zero when absent
	AutoRenew                bool
	Licenses                 map[string]int
	ChangedAt                time.Time
}

// commerceStream: at the seed, every customer and its subscriptions (each
// version at the moment it took effect); nothing more while streaming.
// Besides the UCM customers of the world, every partner gets a few
// customers with Webex only (no UCM clusters), some of them churned.
var commerceStream = stream{
	name: "commerce",
	seed: func(w *World, rng *rand.Rand, today time.Time, history int, p *producer) {
		w.addWebexOnlyCustomers(rng, today)
		for _, cu := range w.Customers {
			cu.setUpCommerce(rng, today, history)
		}
		w.guaranteeOverview(rng, today)
		for _, cu := range w.Customers {
			p.add("commerce", cu.ID, customerEvent(cu))
			for _, s := range cu.Subscriptions {
				for i := range s.Versions {
					p.add("commerce", cu.ID, subscriptionEvent(cu, s, i))
				}
			}
		}
	},
}

// webexOnlySeats: how many users a customer without UCM clusters has, by
// customer (its Webex subscriptions are sized on it).
var webexOnlySeats = struct {
	sync.Mutex
	m map[*Customer]int
}{m: map[*Customer]int{}}

// churned customers let every subscription lapse (the status expired).
var churned = struct {
	sync.Mutex
	m map[*Customer]bool
}{m: map[*Customer]bool{}}

// addWebexOnlyCustomers gives each partner one Webex-only customer per
// eight UCM customers (at least two): added in the last 90 days, but the
// first, which has churned: it was a customer for years and its
// subscriptions lapsed.
func (w *World) addWebexOnlyCustomers(rng *rand.Rand, today time.Time) {
	used := map[string]bool{}
	per := map[*Partner]int{}
	for _, cu := range w.Customers {
		used[cu.Name] = true
		per[cu.Partner]++
	}
	for _, pt := range w.Partners {
		n := max(2, per[pt]/8)
		for i := 0; i < n; i++ {
			cu := &Customer{Partner: pt, ID: fmt.Sprintf("c-%s-w%03d", strings.TrimPrefix(pt.ID, "p-"), i+1)}
			for {
				cu.Name = fmt.Sprintf("%s %s Online", pick(rng, namePrefix), pick(rng, nameKind))
				if !used[cu.Name] {
					used[cu.Name] = true
					break
				}
			}
			days := 5 + rng.IntN(85)
			if i == 0 {
				days = 400 + rng.IntN(500)
				churned.Lock()
				churned.m[cu] = true
				churned.Unlock()
			}
			cu.AddedAt = today.AddDate(0, 0, -days).Add(time.Duration(8+rng.IntN(9)) * time.Hour)
			webexOnlySeats.Lock()
			webexOnlySeats.m[cu] = 10 + rng.IntN(140)
			webexOnlySeats.Unlock()
			w.Customers = append(w.Customers, cu)
		}
	}
}

// setUpCommerce decides the customer's commercial side:
//
//	added: 6% within the last 90 days, the rest up to about three years ago
//	  (Webex-only customers were added before, in addWebexOnlyCustomers)
//	managed by the partner (85%) or as an external administrator
//	products: UCM cloud for those with clusters, Meetings 65%, Calling 45%,
//	  Messaging 50%, real-time translation 10% (a Webex-only customer has
//	  Meetings and Calling)
//	a UCM Flex subscription (flex.go) when it has clusters, and one
//	subscription or trial per Meetings, Calling or translation product
func (cu *Customer) setUpCommerce(rng *rand.Rand, today time.Time, history int) {
	ucm := len(cu.Clusters) > 0
	if ucm {
		days := 90 + rng.IntN(1000)
		if rng.IntN(100) < 6 {
			days = 1 + rng.IntN(89)
		}
		cu.AddedAt = today.AddDate(0, 0, -days).Add(time.Duration(8+rng.IntN(9)) * time.Hour)
	}
	cu.ManagedBy = "partner"
	if rng.IntN(100) < 15 {
		cu.ManagedBy = "external"
	}
	cu.Products = nil
	if ucm {
		cu.Products = []string{"ucm_cloud"}
	}
	for _, pr := range []struct {
		name string
		pct  int
	}{{"meetings", 65}, {"calling", 45}, {"messaging", 50}, {"realtime_translation", 10}} {
		if rng.IntN(100) < pr.pct {
			cu.Products = append(cu.Products, pr.name)
		}
	}
	if !ucm {
		// Webex-only customers buy Meetings and Calling together.
		cu.Products = slices.DeleteFunc(cu.Products, func(p string) bool { return p == "meetings" || p == "calling" })
		cu.Products = append([]string{"meetings", "calling"}, cu.Products...)
	}
	cu.ProvisioningStatus = ""
	if ucm {
		cu.ProvisioningStatus = "provisioned"
		if today.Sub(cu.AddedAt) < 30*24*time.Hour {
			cu.ProvisioningStatus = "in_progress"
		}
		cu.Subscriptions = append(cu.Subscriptions, cu.flexSubscription(rng, today, history))
	}
	for _, product := range cu.Products {
		if product == "meetings" || product == "calling" || product == "realtime_translation" {
			cu.Subscriptions = append(cu.Subscriptions, cu.webexSubscription(rng, product, today, history))
		}
	}
}

// guaranteeOverview makes sure every partner shows every status and every
// section of the overview for Meetings and for Calling, however small the
// world: a Webex subscription suspended and one awaiting order setup; one
// that ends within two weeks; per product, a subscription that expires
// within 90 days without renewing and one that renews automatically within
// 90 days (their terms are moved).
func (w *World) guaranteeOverview(rng *rand.Rand, today time.Time) {
	for _, pt := range w.Partners {
		w.guaranteeTrial(pt, today)
		var suspended, pending, soon bool
		var candidates []*Subscription
		expiring, renewing := map[string]*Subscription{}, map[string]*Subscription{}
		byProduct := map[string][]*Subscription{}
		for _, cu := range w.Customers {
			if cu.Partner != pt || isChurned(cu) {
				continue
			}
			for _, s := range cu.Subscriptions {
				v := s.Versions[len(s.Versions)-1]
				if days := int(v.End.Sub(today).Hours() / 24); v.Status == "active" && !v.AutoRenew && days >= 0 && days <= 14 {
					soon = true
				}
				if s.Product == "ucm_flex" || s.Trial {
					continue
				}
				switch v.Status {
				case "suspended":
					suspended = true
				case "pending_order_setup":
					pending = true
				case "active":
					candidates = append(candidates, s)
					byProduct[s.Product] = append(byProduct[s.Product], s)
					switch days := int(v.End.Sub(today).Hours() / 24); {
					case v.AutoRenew && days >= -1 && days < 90: // renews the day after
						renewing[s.Product] = s
					case !v.AutoRenew && days >= 0 && days <= 90:
						expiring[s.Product] = s
					}
				}
			}
		}
		set := func(s *Subscription, status string) {
			v := s.Versions[len(s.Versions)-1]
			v.Status = status
			v.ChangedAt = maxTime(v.ChangedAt.Add(time.Hour), today.AddDate(0, 0, -3).Add(15*time.Hour))
			v.OrderID = v.OrderID + "-" + status[:3]
			s.Versions = append(s.Versions, v)
		}
		// The term of every version ends on a day within the next days.
		retime := func(s *Subscription, autoRenew bool, days int) {
			end := today.AddDate(0, 0, 3+rng.IntN(days-3))
			for i := range s.Versions {
				v := &s.Versions[i]
				v.End, v.AutoRenew, v.Renewal = end, autoRenew, time.Time{}
				if autoRenew {
					v.Renewal = end.AddDate(0, 0, 1)
				}
			}
		}
		other := func(subs []*Subscription, not *Subscription) *Subscription {
			for _, s := range subs {
				if s != not {
					return s
				}
			}
			return nil
		}
		for _, product := range []string{"meetings", "calling"} {
			subs := byProduct[product]
			if expiring[product] == nil {
				if s := other(subs, renewing[product]); s != nil {
					retime(s, false, 90)
					expiring[product] = s
				}
			}
			if renewing[product] == nil {
				if s := other(subs, expiring[product]); s != nil {
					retime(s, true, 90)
				}
			}
		}
		if !soon {
			// The status expiring soon: one that does not renew ends within
			// two weeks (it stays in the 90-day set of its product).
			for _, c := range candidates {
				if !c.Versions[len(c.Versions)-1].AutoRenew {
					retime(c, false, 14)
					break
				}
			}
		}
		if !suspended && len(candidates) > 2 {
			set(candidates[2], "suspended")
		}
		if !pending && len(candidates) > 3 {
			set(candidates[len(candidates)-1], "pending_order_setup")
		}
	}
}

// guaranteeTrial: when none of the partner's customers has a trial
// running, the last customer with a Calling subscription had a 30-day
// Calling trial instead, started ten days ago.
func (w *World) guaranteeTrial(pt *Partner, today time.Time) {
	var last *Subscription
	var owner *Customer
	for _, cu := range w.Customers {
		if cu.Partner != pt || isChurned(cu) {
			continue
		}
		for _, s := range cu.Subscriptions {
			v := s.Versions[len(s.Versions)-1]
			if s.Trial && v.Status == "active" && !v.End.Before(today) {
				return
			}
			if !s.Trial && s.Product == "calling" {
				last, owner = s, cu
			}
		}
	}
	if last == nil {
		return
	}
	v := last.Versions[0]
	v.Start = today.AddDate(0, 0, -10)
	v.End = v.Start.AddDate(0, 0, 30)
	v.Status, v.AutoRenew, v.Renewal, v.Invoice = "active", false, time.Time{}, ""
	v.Licenses = map[string]int{"USER": min(v.Licenses["USER"], 100)}
	v.ChangedAt = v.Start.Add(9 * time.Hour)
	last.Trial, last.Versions = true, []SubscriptionVersion{v}
	last.ID = fmt.Sprintf("Trial-%s-%s", strings.TrimPrefix(owner.ID, "c-"), productCode(last.Product))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func isChurned(cu *Customer) bool {
	churned.Lock()
	defer churned.Unlock()
	return churned.m[cu]
}

// webexSubscription is a Meetings, Calling or translation subscription of
// about as many USER licenses as the customer has users, or a 30-day
// trial (12%; one that has ended moves to expired). Terms are one or three
// years; 70% renew automatically; a few became suspended (unpaid), awaiting
// order setup, or cancelled during the history window; a fifth of the
// others changed quantity in it. A churned customer's subscription ended,
// not renewed, and expired.
func (cu *Customer) webexSubscription(rng *rand.Rand, product string, today time.Time, history int) *Subscription {
	users := cu.users()
	if len(cu.Clusters) == 0 {
		webexOnlySeats.Lock()
		users = webexOnlySeats.m[cu]
		webexOnlySeats.Unlock()
	}
	s := &Subscription{Product: product, ID: fmt.Sprintf("Sub-%s-%s", strings.TrimPrefix(cu.ID, "c-"), productCode(product))}
	v := SubscriptionVersion{OrderID: fmt.Sprintf("CCW-%d", 100000+rng.IntN(900000)), Status: "active",
		Licenses: map[string]int{"USER": max(5, int(float64(users)*(0.7+rng.Float64()*0.6)))}}
	if isChurned(cu) {
		// A one-year term that ended, not renewed: the customer left.
		v.End = today.AddDate(0, 0, -(10 + rng.IntN(200)))
		v.Start = maxTime(v.End.AddDate(-1, 0, 1), cu.AddedAt.Truncate(24*time.Hour))
		v.Invoice = fmt.Sprintf("INV-%d-%05d", v.Start.Year(), rng.IntN(100000))
		v.ChangedAt = v.Start.Add(9 * time.Hour)
		s.Versions = append(s.Versions, v)
		e := v
		e.Status, e.ChangedAt = "expired", v.End.AddDate(0, 0, 1).Add(2*time.Hour)
		s.Versions = append(s.Versions, e)
		return s
	}
	later := "" // a status the subscription moves to inside the history window
	if rng.IntN(100) < 12 {
		s.Trial = true
		s.ID = fmt.Sprintf("Trial-%s-%s", strings.TrimPrefix(cu.ID, "c-"), productCode(product))
		v.Start = today.AddDate(0, 0, -rng.IntN(40))
		v.End = v.Start.AddDate(0, 0, 30)
		v.Licenses["USER"] = min(v.Licenses["USER"], 100)
	} else {
		v.Start = cu.AddedAt.Truncate(24 * time.Hour)
		years := 1
		if rng.IntN(2) == 0 {
			years = 3
		}
		v.End = v.Start.AddDate(years, 0, -1)
		for v.End.Before(today) { // renewed term after term
			v.End = v.End.AddDate(years, 0, 0)
		}
		v.AutoRenew = rng.IntN(100) < 70
		if v.AutoRenew {
			v.Renewal = v.End.AddDate(0, 0, 1)
		}
		v.Invoice = fmt.Sprintf("INV-%d-%05d", v.Start.Year(), rng.IntN(100000))
		switch r := rng.IntN(100); {
		case r < 3:
			later = "suspended"
		case r < 5:
			later = "pending_order_setup"
		case r < 8:
			later = "cancelled"
		}
	}
	v.ChangedAt = v.Start.Add(9 * time.Hour)
	s.Versions = append(s.Versions, v)
	if s.Trial && v.End.Before(today) {
		e := v
		e.Status, e.ChangedAt = "expired", v.End.AddDate(0, 0, 1).Add(time.Hour)
		s.Versions = append(s.Versions, e)
	}
	if later != "" {
		c := v
		c.Status = later
		if later == "cancelled" {
			c.AutoRenew, c.Renewal = false, time.Time{}
		}
		c.ChangedAt = maxTime(v.ChangedAt.Add(time.Hour), today.AddDate(0, 0, -rng.IntN(history)).Add(10*time.Hour))
		s.Versions = append(s.Versions, c)
	}
	if !s.Trial && later == "" && rng.IntN(5) == 0 {
		// A quantity change inside the history window.
		c := v
		c.Licenses = map[string]int{"USER": max(5, v.Licenses["USER"]+rng.IntN(41)-15)}
		c.OrderID = fmt.Sprintf("CCW-%d", 100000+rng.IntN(900000))
		c.ChangedAt = today.AddDate(0, 0, -rng.IntN(history)).Add(11 * time.Hour)
		if c.ChangedAt.After(v.ChangedAt) {
			s.Versions = append(s.Versions, c)
		}
	}
	return s
}

func productCode(product string) string {
	switch product {
	case "meetings":
		return "MTG"
	case "calling":
		return "CALL"
	case "realtime_translation":
		return "RTT"
	}
	return "FLEX"
}

// users counts the customer's users on day 0.
func (cu *Customer) users() int {
	n := 0
	for _, cl := range cu.Clusters {
		n += cl.activeUsers(0)
	}
	return n
}

func customerEvent(cu *Customer) []byte {
	updated := cu.AddedAt.Add(time.Hour)
	products := `"` + strings.Join(cu.Products, `","`) + `"`
	return fmt.Appendf(nil, `{"specversion":"1.0","id":"cust-%s-%d","source":"/commerce/customers","type":"com.flexhub.commerce.customer.updated","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","name":%q,"managed_by":"%s","products":[%s],"provisioning_status":"%s","added_at":"%s","updated_at":"%s"}}`,
		cu.ID, updated.Unix(), updated.Format(time.RFC3339), cu.ID, cu.Partner.ID, cu.ID, cu.Name, cu.ManagedBy, products,
		cu.ProvisioningStatus, cu.AddedAt.Format(time.RFC3339), updated.Format(time.RFC3339))
}

func subscriptionEvent(cu *Customer, s *Subscription, i int) []byte {
	v := s.Versions[i]
	var b strings.Builder
	fmt.Fprintf(&b, `{"specversion":"1.0","id":"sub-%s-%d","source":"/commerce/subscriptions","type":"com.flexhub.commerce.subscription.updated","time":"%s","subject":"customers/%s","data":{`,
		s.ID, i, v.ChangedAt.Format(time.RFC3339), cu.ID)
	fmt.Fprintf(&b, `"partner_id":"%s","customer_id":"%s","subscription_id":"%s","order_id":"%s","product":"%s",`,
		cu.Partner.ID, cu.ID, s.ID, v.OrderID, s.Product)
	if s.FlexModel != "" {
		fmt.Fprintf(&b, `"flex_model":"%s",`, s.FlexModel)
	}
	fmt.Fprintf(&b, `"trial":%t,"status":"%s","start_date":"%s",`, s.Trial, v.Status, v.Start.Format(time.DateOnly))
	if !v.End.IsZero() {
		fmt.Fprintf(&b, `"end_date":"%s",`, v.End.Format(time.DateOnly))
	}
	if !v.Renewal.IsZero() {
		fmt.Fprintf(&b, `"renewal_date":"%s",`, v.Renewal.Format(time.DateOnly))
	}
	keys := make([]string, 0, len(v.Licenses))
	for k := range v.Licenses {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintf(&b, `"auto_renew":%t,"licenses":{`, v.AutoRenew)
	for j, k := range keys {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s":%d`, k, v.Licenses[k])
	}
	b.WriteString("}")
	if v.Invoice != "" {
		fmt.Fprintf(&b, `,"invoice_ref":"%s"`, v.Invoice)
	}
	fmt.Fprintf(&b, `,"changed_at":"%s"}}`, v.ChangedAt.Format(time.RFC3339))
	return []byte(b.String())
}
