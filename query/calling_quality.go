package query

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// CallingQualityRule is the rule the week's figures were computed with: a
// media stream is poor when its round-trip time, packet loss or jitter is
// above its threshold or its measured MOS below the floor; a call is poor
// when any of its streams is.
type CallingQualityRule struct {
	RoundTripTimeMsAbove float64 `json:"round_trip_time_ms_above"`
	PacketLossPctAbove   float64 `json:"packet_loss_pct_above"`
	JitterMsAbove        float64 `json:"jitter_ms_above"`
	MOSBelow             float64 `json:"mos_below"`
}

// CallingPoorByReason counts poor calls by what made them poor; a call
// with several reasons counts under each.
type CallingPoorByReason struct {
	RoundTripTime int64 `json:"round_trip_time"`
	PacketLoss    int64 `json:"packet_loss"`
	Jitter        int64 `json:"jitter"`
	MOS           int64 `json:"mos"`
}

// CallingQualityFigures are calls, poor calls and their share.
type CallingQualityFigures struct {
	Calls        int64               `json:"calls"`
	PoorCalls    int64               `json:"poor_calls"`
	PoorPct      *float64            `json:"poor_pct"`
	PoorByReason CallingPoorByReason `json:"poor_by_reason"`
}

func (f *CallingQualityFigures) add(o CallingQualityFigures) {
	f.Calls += o.Calls
	f.PoorCalls += o.PoorCalls
	f.PoorByReason.RoundTripTime += o.PoorByReason.RoundTripTime
	f.PoorByReason.PacketLoss += o.PoorByReason.PacketLoss
	f.PoorByReason.Jitter += o.PoorByReason.Jitter
	f.PoorByReason.MOS += o.PoorByReason.MOS
	f.PoorPct = pct(f.PoorCalls, f.Calls)
}

// CallingQualityEndpoint is the quality of calls on one endpoint type.
type CallingQualityEndpoint struct {
	EndpointType string `json:"endpoint_type"`
	CallingQualityFigures
}

// CallingQualityCustomer is one customer's call quality.
type CallingQualityCustomer struct {
	CustomerID   string  `json:"customer_id"`
	CustomerName *string `json:"customer_name"`
	CallingQualityFigures
}

// CallingQualityWeek is one week of the quality trend.
type CallingQualityWeek struct {
	Week      string   `json:"week"`
	Calls     int64    `json:"calls"`
	PoorCalls int64    `json:"poor_calls"`
	PoorPct   *float64 `json:"poor_pct"`
}

// CallingPoorCall is one poor call, tagged with what made it poor, and the
// worst value of each metric over its streams.
type CallingPoorCall struct {
	CallID           string   `json:"call_id"`
	UserID           *string  `json:"user_id"`
	StartedAt        string   `json:"started_at"`
	EndpointType     string   `json:"endpoint_type"`
	Direction        string   `json:"direction"`
	Reasons          []string `json:"reasons"`
	Streams          int64    `json:"streams"`
	PoorStreams      int64    `json:"poor_streams"`
	MaxRoundTripMs   float64  `json:"max_round_trip_time_ms"`
	MaxPacketLossPct float64  `json:"max_packet_loss_pct"`
	MaxJitterMs      float64  `json:"max_jitter_ms"`
	MinMOS           *float64 `json:"min_mos"`
}

// PartnerCallingQuality answers GET /partners/{partner_id}/calling/quality.
type PartnerCallingQuality struct {
	PartnerID  string                        `json:"partner_id"`
	Week       CallingWeek                   `json:"week"`
	ComputedAt *string                       `json:"computed_at"`
	Rule       *CallingQualityRule           `json:"rule"`
	Summary    CallingQualityFigures         `json:"summary"`
	Trend      []CallingQualityWeek          `json:"trend"`
	ByEndpoint []CallingQualityEndpoint      `json:"by_endpoint"`
	Customers  Page[*CallingQualityCustomer] `json:"customers"`
}

// CustomerCallingQuality answers GET /customers/{customer_id}/calling/quality.
type CustomerCallingQuality struct {
	Customer        *CallingQualityCustomer  `json:"customer"`
	Week            CallingWeek              `json:"week"`
	ComputedAt      *string                  `json:"computed_at"`
	Rule            *CallingQualityRule      `json:"rule"`
	Trend           []CallingQualityWeek     `json:"trend"`
	ByEndpoint      []CallingQualityEndpoint `json:"by_endpoint"`
	TaggedPoorCalls Page[CallingPoorCall]    `json:"tagged_poor_calls"`
}

var qualitySorts = []string{"customer_name", "calls", "poor_calls", "poor_pct"}

func (s *Server) partnerCallingQuality(w http.ResponseWriter, r *http.Request) {
	var pg page
	c, ok := s.callingRequest(w, r, false, func(e *paramErrors) { pg = parsePage(r, e, "-poor_pct", qualitySorts) },
		"limit", "offset", "sort")
	if !ok {
		return
	}
	customers, endpoints, trend, err := s.callingQuality(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	last := trend[len(trend)-1]
	out := PartnerCallingQuality{PartnerID: c.partnerID, Week: callingWeekJSON(c.week), ComputedAt: last.computedAtJSON(),
		Rule: qualityRule(last), Trend: qualityTrend(trend), ByEndpoint: endpoints}
	for _, e := range endpoints {
		out.Summary.add(e.CallingQualityFigures)
	}
	out.Customers = sortAndPage(customers, pg, func(q *CallingQualityCustomer, field string) *float64 {
		switch field {
		case "calls":
			return fptr(float64(q.Calls))
		case "poor_calls":
			return fptr(float64(q.PoorCalls))
		}
		return q.PoorPct
	}, func(q *CallingQualityCustomer) (string, string) { return deref(q.CustomerName), q.CustomerID })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) customerCallingQuality(w http.ResponseWriter, r *http.Request) {
	var pg page
	c, ok := s.callingRequest(w, r, true, func(e *paramErrors) { pg = parsePage(r, e, "started_at", []string{"started_at"}) },
		"limit", "offset")
	if !ok {
		return
	}
	customers, endpoints, trend, err := s.callingQuality(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	last := trend[len(trend)-1]
	cust := &CallingQualityCustomer{CustomerID: c.customerID}
	if len(customers) > 0 {
		cust = customers[0]
	}
	cust.CustomerName = c.customerName
	out := CustomerCallingQuality{Customer: cust, Week: callingWeekJSON(c.week), ComputedAt: last.computedAtJSON(),
		Rule: qualityRule(last), Trend: qualityTrend(trend), ByEndpoint: endpoints,
		TaggedPoorCalls: Page[CallingPoorCall]{Total: int(cust.PoorCalls), Limit: pg.limit, Offset: pg.offset, Items: []CallingPoorCall{}}}
	if cust.PoorCalls > int64(pg.offset) {
		res, err := s.store(r).Query(r.Context(), callingPoorCallsSQL, c.params("limit", pg.limit, "offset", pg.offset))
		if err != nil {
			s.writeCallingError(w, r, err)
			return
		}
		for _, row := range res.Rows {
			get := func(name string) any { return row[res.Index(name)] }
			pc := CallingPoorCall{CallID: warehouse.Str(get("call_id")),
				StartedAt:    warehouse.Time(get("started_at")).UTC().Format(time.RFC3339Nano),
				EndpointType: warehouse.Str(get("endpoint_type")), Direction: warehouse.Str(get("direction")),
				Reasons: stringsOf(get("reasons")), Streams: warehouse.Int(get("streams")), PoorStreams: warehouse.Int(get("poor_streams")),
				MaxRoundTripMs: round(warehouse.Float(get("max_rtt_ms")), 2), MaxPacketLossPct: round(warehouse.Float(get("max_packet_loss_pct")), 2),
				MaxJitterMs: round(warehouse.Float(get("max_jitter_ms")), 2)}
			if u := warehouse.Str(get("user_id")); u != "" {
				pc.UserID = &u
			}
			if m := warehouse.Float(get("min_mos")); m > 0 {
				pc.MinMOS = fptr(round(m, 2))
			}
			out.TaggedPoorCalls.Items = append(out.TaggedPoorCalls.Items, pc)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// callingQuality reads the quality per customer (with names) and per
// endpoint type, and the eight-week trend.
func (s *Server) callingQuality(r *http.Request, c callingScope) ([]*CallingQualityCustomer, []CallingQualityEndpoint, []callingWeekTotals, error) {
	res, err := s.store(r).Query(r.Context(), callingQualitySQL, c.params())
	if err != nil {
		return nil, nil, nil, err
	}
	customers := []*CallingQualityCustomer{}
	endpoints := []CallingQualityEndpoint{}
	for _, row := range res.Rows {
		n := func(name string) int64 { return warehouse.Int(row[res.Index(name)]) }
		f := CallingQualityFigures{Calls: n("calls"), PoorCalls: n("poor_calls"), PoorPct: pct(n("poor_calls"), n("calls")),
			PoorByReason: CallingPoorByReason{RoundTripTime: n("poor_round_trip_time"), PacketLoss: n("poor_packet_loss"),
				Jitter: n("poor_jitter"), MOS: n("poor_mos")}}
		key := warehouse.Str(row[res.Index("key")])
		if warehouse.Str(row[res.Index("kind")]) == "endpoint" {
			endpoints = append(endpoints, CallingQualityEndpoint{EndpointType: key, CallingQualityFigures: f})
			continue
		}
		q := &CallingQualityCustomer{CustomerID: key, CallingQualityFigures: f}
		if name := warehouse.Str(row[res.Index("name")]); name != "" {
			q.CustomerName = &name
		}
		customers = append(customers, q)
	}
	slices.SortFunc(endpoints, func(a, b CallingQualityEndpoint) int {
		if a.Calls != b.Calls {
			return cmp.Compare(b.Calls, a.Calls)
		}
		return strings.Compare(a.EndpointType, b.EndpointType)
	})
	trend, err := s.callingTotals(r, c, callingTrendWeeks)
	return customers, endpoints, trend, err
}

func qualityRule(t callingWeekTotals) *CallingQualityRule {
	if t.computedAt.IsZero() {
		return nil
	}
	return &CallingQualityRule{RoundTripTimeMsAbove: t.rules["rule_rtt_ms"], PacketLossPctAbove: t.rules["rule_packet_loss_pct"],
		JitterMsAbove: t.rules["rule_jitter_ms"], MOSBelow: t.rules["rule_mos_floor"]}
}

func qualityTrend(trend []callingWeekTotals) []CallingQualityWeek {
	out := make([]CallingQualityWeek, len(trend))
	for i, t := range trend {
		out[i] = CallingQualityWeek{Week: t.week.Format(time.DateOnly), Calls: t.usage.Calls, PoorCalls: t.poorCalls,
			PoorPct: pct(t.poorCalls, t.usage.Calls)}
	}
	return out
}

func stringsOf(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = warehouse.Str(e)
		}
		return out
	}
	return []string{}
}

func round(v float64, decimals int) float64 {
	r := ratio(v, 1, decimals)
	return *r
}
