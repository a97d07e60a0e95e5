package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
var commerceStream = stream{
	name: "commerce",
	seed: func(w *World, rng *rand.Rand, today time.Time, history int, p *producer) {
		for _, cu := range w.Customers {
			cu.setUpCommerce(rng, today, history)
			p.add("commerce", cu.ID, customerEvent(cu))
			for _, s := range cu.Subscriptions {
				for i := range s.Versions {
					p.add("commerce", cu.ID, subscriptionEvent(cu, s, i))
				}
			}
		}
	},
}

// setUpCommerce decides the customer's commercial side:
//
//	added: 6% within the last 90 days, the rest up to about three years ago
//	managed by the partner (85%) or as an external administrator
//	products: UCM cloud for all (they have clusters), Meetings 65%,
//	  Calling 45%, Messaging 50%, real-time translation 10%
//	a UCM Flex subscription (flex.go) and one subscription or trial per
//	Meetings, Calling or translation product
func (cu *Customer) setUpCommerce(rng *rand.Rand, today time.Time, history int) {
	days := 90 + rng.IntN(1000)
	if rng.IntN(100) < 6 {
		days = 1 + rng.IntN(89)
	}
	cu.AddedAt = today.AddDate(0, 0, -days).Add(time.Duration(8+rng.IntN(9)) * time.Hour)
	cu.ManagedBy = "partner"
	if rng.IntN(100) < 15 {
		cu.ManagedBy = "external"
	}
	cu.Products = []string{"ucm_cloud"}
	for _, pr := range []struct {
		name string
		pct  int
	}{{"meetings", 65}, {"calling", 45}, {"messaging", 50}, {"realtime_translation", 10}} {
		if rng.IntN(100) < pr.pct {
			cu.Products = append(cu.Products, pr.name)
		}
	}
	cu.ProvisioningStatus = "provisioned"
	if days < 30 {
		cu.ProvisioningStatus = "in_progress"
	}
	cu.Subscriptions = append(cu.Subscriptions, cu.flexSubscription(rng, today, history))
	for _, product := range cu.Products {
		if product == "meetings" || product == "calling" || product == "realtime_translation" {
			cu.Subscriptions = append(cu.Subscriptions, cu.webexSubscription(rng, product, today, history))
		}
	}
}

// webexSubscription is a Meetings, Calling or translation subscription of
// about as many USER licenses as the customer has users, or a 30-day
// trial (12%). Terms are one or three years; 70% renew automatically; a
// few are suspended (unpaid), awaiting order setup, or cancelled; a fifth
// changed quantity during the history window.
func (cu *Customer) webexSubscription(rng *rand.Rand, product string, today time.Time, history int) *Subscription {
	users := cu.users()
	s := &Subscription{Product: product, ID: fmt.Sprintf("Sub-%s-%s", strings.TrimPrefix(cu.ID, "c-"), productCode(product))}
	v := SubscriptionVersion{OrderID: fmt.Sprintf("CCW-%d", 100000+rng.IntN(900000)), Status: "active",
		Licenses: map[string]int{"USER": max(5, int(float64(users)*(0.7+rng.Float64()*0.6)))}}
	if rng.IntN(100) < 12 {
		s.Trial = true
		s.ID = fmt.Sprintf("Trial-%s-%s", strings.TrimPrefix(cu.ID, "c-"), productCode(product))
		v.Start = today.AddDate(0, 0, -rng.IntN(40))
		v.End = v.Start.AddDate(0, 0, 30)
		v.Licenses["USER"] = min(v.Licenses["USER"], 100)
		if v.End.Before(today) {
			v.Status = "expired"
		}
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
			v.Status = "suspended"
		case r < 5:
			v.Status = "pending_order_setup"
		case r < 8:
			v.Status, v.AutoRenew, v.Renewal = "cancelled", false, time.Time{}
		}
	}
	v.ChangedAt = v.Start.Add(9 * time.Hour)
	s.Versions = append(s.Versions, v)
	if !s.Trial && v.Status == "active" && rng.IntN(5) == 0 {
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
