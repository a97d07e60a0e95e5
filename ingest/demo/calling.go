package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// callingStream: the Webex Calling side of the customers that have
// Calling. At the seed every calling user gets a license; each day of
// history their users make and take calls (call records, and queue stays
// for calls through a call queue), users who join get a license and users
// who leave lose it; while streaming, a few customers' users keep calling.
//
// What a customer and a user are like follows from their ids (a hash), so
// the stream needs no state of its own:
//
//	licensed      92% of a calling customer's users
//	usage         per user and week: 12% no calls, 33% 1-5, 38% 6-20, 17% 21-40
//	network       per customer: 80% clean, 15% shaky, 5% poor (the share of
//	              streams beyond a threshold grows with it; mobile is worse)
//	call queues   45% of calling customers have 2-4 queues; a third of their
//	              inbound calls go through one: 72% answered, 6% moved to
//	              another queue, 14% hung up (a third of them within 5 s),
//	              8% left a message
var callingStream = stream{
	name: "calling",
	seed: func(w *World, rng *rand.Rand, today time.Time, history int, p *producer) {
		epoch := today.AddDate(0, 0, -(history - 1))
		for _, cu := range callingCustomers(w) {
			assigned := epoch.AddDate(0, 0, -30-int(hashOf(cu.ID, "licenses")%300)).Add(9 * time.Hour)
			for _, cl := range cu.Clusters {
				for _, u := range cl.Users {
					if u.activeOn(0) && callingLicensed(u) {
						p.add("calling", cu.ID, licenseEvent(cu, u.ID, "assigned", assigned))
					}
				}
			}
		}
	},
	day: func(w *World, rng *rand.Rand, day int, date time.Time, p *producer) {
		for _, cu := range callingCustomers(w) {
			for _, cl := range cu.Clusters {
				for _, u := range cl.Users {
					if !callingLicensed(u) {
						continue
					}
					if day > 0 && u.Joined == day {
						p.add("calling", cu.ID, licenseEvent(cu, u.ID, "assigned", date.Add(8*time.Hour)))
					}
					if u.Left == day && day > 0 {
						p.add("calling", cu.ID, licenseEvent(cu, u.ID, "removed", date.Add(17*time.Hour)))
					}
					if !u.activeOn(day) {
						continue
					}
					for i := 0; i < callsOnDay(rng, u, date); i++ {
						at := date.Add(7*time.Hour + time.Duration(rng.IntN(12*3600))*time.Second)
						p.addAll("calling", cu.ID, callEvents(rng, cu, u, nil, at))
					}
				}
				// Shared phones: conference rooms and analog lines.
				for _, d := range cl.Shared {
					if d.Type == "conference_phone" || d.Type == "analog_adapter" {
						if date.Weekday() != time.Saturday && date.Weekday() != time.Sunday && rng.IntN(3) == 0 {
							at := date.Add(8*time.Hour + time.Duration(rng.IntN(9*3600))*time.Second)
							p.addAll("calling", cu.ID, callEvents(rng, cu, nil, d, at))
						}
					}
				}
			}
		}
	},
	tick: func(w *World, rng *rand.Rand, day int, now time.Time, p *producer) {
		customers := callingCustomers(w)
		for i := 0; i < max(1, len(customers)/20); i++ {
			cu := customers[rng.IntN(len(customers))]
			if len(cu.Clusters) == 0 { // a Webex-only customer has no UCM users to call from
				continue
			}
			cl := cu.Clusters[rng.IntN(len(cu.Clusters))]
			if u := cl.randomActive(rng, day); u != nil && callingLicensed(u) {
				p.addAll("calling", cu.ID, callEvents(rng, cu, u, nil, now.Add(-time.Duration(rng.IntN(30))*time.Second)))
			}
		}
	},
}

// callingCustomers are the customers with the Calling product.
func callingCustomers(w *World) []*Customer {
	var out []*Customer
	for _, cu := range w.Customers {
		if slices.Contains(cu.Products, "calling") {
			out = append(out, cu)
		}
	}
	return out
}

func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func callingLicensed(u *User) bool { return hashOf(u.ID, "licensed")%100 < 92 }

// weeklyCalls is how many calls a user makes and takes in a week.
func weeklyCalls(u *User) int {
	h := hashOf(u.ID, "usage")
	switch r := h % 100; {
	case r < 12:
		return 0
	case r < 45:
		return 1 + int(h>>8%5)
	case r < 83:
		return 6 + int(h>>8%15)
	default:
		return 21 + int(h>>8%20)
	}
}

// callsOnDay spreads the week's calls over the workdays (a few at the
// weekend), drawing each day's count around its share.
func callsOnDay(rng *rand.Rand, u *User, date time.Time) int {
	mean := float64(weeklyCalls(u)) / 5.2
	if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
		mean *= 0.1
	}
	n := 0
	// Poisson by counting exponential gaps within the mean.
	for t := rng.ExpFloat64(); t < mean; t += rng.ExpFloat64() {
		n++
	}
	return n
}

// network is how often a customer's streams are poor, per stream.
func network(cu *Customer) float64 {
	switch r := hashOf(cu.ID, "network") % 100; {
	case r < 80:
		return 0.01
	case r < 95:
		return 0.06
	default:
		return 0.2
	}
}

var queueNames = []string{"Sales", "Support", "Reception", "Billing"}

// queues are a customer's call queues (none for most).
func queues(cu *Customer) []string {
	h := hashOf(cu.ID, "queues")
	if h%100 >= 45 {
		return nil
	}
	return queueNames[:2+int(h>>8%3)]
}

var endpointOf = map[string]string{
	"desk_phone": "desk_phone", "softphone": "desktop_app", "mobile_client": "mobile_app", "tablet_client": "mobile_app",
	"video_device": "video_device", "conference_phone": "conference_phone", "analog_adapter": "analog_adapter",
	"telepresence": "video_device",
}

// callEvents is one call: its record, and a stay per queue it went through.
// A call is a user's (on one of their devices) or a shared device's.
func callEvents(rng *rand.Rand, cu *Customer, u *User, shared *Device, at time.Time) [][]byte {
	at = at.UTC().Truncate(time.Millisecond)
	callID := fmt.Sprintf("call-%s-%s-%04d", strings.TrimPrefix(cu.ID, "c-"), at.Format("20060102T150405.000"), rng.IntN(10000))
	endpoint, user := "desktop_app", ""
	switch {
	case shared != nil:
		endpoint = endpointOf[shared.Type]
	case len(u.Devices) > 0:
		user = u.ID
		endpoint = endpointOf[u.Devices[rng.IntN(len(u.Devices))].Type]
	default:
		user = u.ID // extension mobility: the desktop app
	}
	direction := []string{"inbound", "outbound", "internal"}[rng.IntN(3)]
	duration := 15 + int(rng.ExpFloat64()*180)
	var features []string
	var stays [][]byte
	qs := queues(cu)
	if direction == "inbound" && len(qs) > 0 && rng.IntN(3) == 0 {
		features = append(features, "call_queue")
		stays = queueStays(rng, cu, qs, callID, at)
	}
	for _, f := range []struct {
		name string
		pct  int
	}{{"auto_attendant", 12}, {"hunt_group", 4}, {"transfer", 8}, {"hold", 10}, {"voicemail", 6},
		{"conference", 3}, {"forward", 4}, {"park", 1}, {"pickup", 1}, {"recording", 2}} {
		if rng.IntN(100) < f.pct {
			features = append(features, f.name)
		}
	}
	badness := network(cu)
	if endpoint == "mobile_app" {
		badness *= 2
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"specversion":"1.0","id":"%s","source":"/calling/cdr","type":"com.flexhub.calling.call.recorded","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","call_id":"%s",`,
		callID, at.Add(time.Duration(duration)*time.Second).Format(time.RFC3339Nano), cu.ID, cu.Partner.ID, cu.ID, callID)
	if user != "" {
		fmt.Fprintf(&b, `"user_id":"%s",`, user)
	}
	fmt.Fprintf(&b, `"started_at":"%s","duration_seconds":%d,"direction":"%s","endpoint_type":"%s","streams":[`,
		at.Format(time.RFC3339Nano), duration, direction, endpoint)
	media := []string{"audio", "audio"}
	if endpoint == "video_device" {
		media = append(media, "video")
	}
	for i, m := range media {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(streamJSON(rng, m, duration, badness))
	}
	b.WriteString(`],"features":[`)
	for i, f := range features {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%s"`, f)
	}
	b.WriteString("]}}")
	return append([][]byte{[]byte(b.String())}, stays...)
}

// streamJSON is one media stream; with probability badness one of its
// metrics is beyond a threshold.
func streamJSON(rng *rand.Rand, media string, duration int, badness float64) string {
	mos := 3.9 + rng.Float64()*0.6
	jitter := 1 + rng.Float64()*12
	loss := rng.Float64() * 1.5
	rtt := 20 + rng.Float64()*120
	if rng.Float64() < badness {
		switch rng.IntN(4) {
		case 0:
			rtt = 501 + rng.Float64()*900
		case 1:
			loss = 10.5 + rng.Float64()*20
		case 2:
			jitter = 31 + rng.Float64()*80
		default:
			mos = 1.5 + rng.Float64()*1.9
		}
	}
	packets := duration * 50
	r := func(x float64) float64 { return math.Round(x*100) / 100 }
	if media == "video" {
		return fmt.Sprintf(`{"media":"video","jitter_ms":%g,"packet_loss_pct":%g,"rtt_ms":%g,"packets":%d}`, r(jitter), r(loss), r(rtt), packets*3)
	}
	return fmt.Sprintf(`{"media":"audio","mos":%g,"jitter_ms":%g,"packet_loss_pct":%g,"rtt_ms":%g,"packets":%d}`, r(mos), r(jitter), r(loss), r(rtt), packets)
}

// queueStays is how a call went through the customer's queues: one stay,
// or two when it was moved to another queue.
func queueStays(rng *rand.Rand, cu *Customer, qs []string, callID string, at time.Time) [][]byte {
	var out [][]byte
	q := rng.IntN(len(qs))
	enqueued := at.Add(time.Duration(2+rng.IntN(8)) * time.Second) // after the auto attendant
	for hop := 0; hop < 2; hop++ {
		outcome, wait, to := "answered", time.Duration(3+rng.ExpFloat64()*25)*time.Second, ""
		switch r := rng.IntN(100); {
		case r < 6 && hop == 0:
			outcome, wait = "moved_to_queue", time.Duration(60+rng.IntN(60))*time.Second
			to = queueID(cu, qs[(q+1)%len(qs)])
		case r < 20:
			outcome = "hung_up"
			if rng.IntN(3) == 0 {
				wait = time.Duration(rng.IntN(5000)) * time.Millisecond // a short abandon
			} else {
				wait = time.Duration(10+rng.ExpFloat64()*60) * time.Second
			}
		case r < 28:
			outcome, wait = "left_message", time.Duration(30+rng.ExpFloat64()*60)*time.Second
		}
		ended := enqueued.Add(wait)
		var b strings.Builder
		fmt.Fprintf(&b, `{"specversion":"1.0","id":"%s/%s","source":"/calling/queues","type":"com.flexhub.calling.queue_call.completed","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","queue_id":"%s","queue_name":"%s","call_id":"%s","enqueued_at":"%s","outcome":"%s","ended_at":"%s"`,
			callID, queueID(cu, qs[q]), ended.Format(time.RFC3339Nano), cu.ID, cu.Partner.ID, cu.ID, queueID(cu, qs[q]), qs[q], callID,
			enqueued.Format(time.RFC3339Nano), outcome, ended.Format(time.RFC3339Nano))
		if to != "" {
			fmt.Fprintf(&b, `,"to_queue_id":"%s"`, to)
		}
		b.WriteString("}}")
		out = append(out, []byte(b.String()))
		if outcome != "moved_to_queue" {
			break
		}
		q, enqueued = (q+1)%len(qs), ended
	}
	return out
}

func queueID(cu *Customer, name string) string {
	return "q-" + strings.TrimPrefix(cu.ID, "c-") + "-" + strings.ToLower(name)
}

func licenseEvent(cu *Customer, user, state string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":"lic-%s-%s-%d","source":"/calling/licenses","type":"com.flexhub.calling.user_license.changed","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","user_id":"%s","state":"%s","changed_at":"%s"}}`,
		user, state, at.Unix(), at.Format(time.RFC3339), cu.ID, cu.Partner.ID, cu.ID, user, state, at.Format(time.RFC3339))
}
