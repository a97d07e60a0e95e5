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
	PartnerID  string                             `json:"partner_id"`
	Week       CallingWeek                        `json:"week"`
	ComputedAt *string                            `json:"computed_at"`
	Rule       *CallingQualityRule                `json:"rule"`
	Summary    CallingQualityFigures              `json:"summary"`
	Trend      []CallingQualityWeek               `json:"trend"`
	ByEndpoint []CallingQualityEndpoint           `json:"by_endpoint"`
	Customers  TablePage[*CallingQualityCustomer] `json:"customers"`
}

// CustomerCallingQuality answers GET /customers/{customer_id}/calling/quality.
type CustomerCallingQuality struct {
	Customer        *CallingQualityCustomer    `json:"customer"`
	Week            CallingWeek                `json:"week"`
	ComputedAt      *string                    `json:"computed_at"`
	Rule            *CallingQualityRule        `json:"rule"`
	Trend           []CallingQualityWeek       `json:"trend"`
	ByEndpoint      []CallingQualityEndpoint   `json:"by_endpoint"`
	TaggedPoorCalls TablePage[CallingPoorCall] `json:"tagged_poor_calls"`
}

var qualitySorts = []string{"customer_name", "calls", "poor_calls", "poor_pct"}

func (s *Server) partnerCallingQuality(w http.ResponseWriter, r *http.Request) {
	var pg page
	c, ok := s.callingRequest(w, r, false, func(e *paramErrors) { pg = parseCallingPage(r, e, "-poor_pct", qualitySorts) },
		"limit", "offset", "sort")
	if !ok {
		return
	}
	customers, total, err := s.callingQualityTable(r, c, pg)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	if total == 0 && !s.callingPartnerKnown(w, r, c) {
		return
	}
	t, err := s.callingQualityTotals(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, PartnerCallingQuality{PartnerID: c.partnerID, Week: callingWeekJSON(c.week),
		ComputedAt: t.computedAt, Rule: t.rule, Summary: t.summary, Trend: t.trend, ByEndpoint: t.byEndpoint,
		Customers: TablePage[*CallingQualityCustomer]{Total: total, Limit: pg.limit, Offset: pg.offset, Items: customers}})
}

func (s *Server) customerCallingQuality(w http.ResponseWriter, r *http.Request) {
	var pg page
	c, ok := s.callingRequest(w, r, true, func(e *paramErrors) { pg = parseCallingPage(r, e, "customer_name", qualitySorts) },
		"limit", "offset")
	if !ok {
		return
	}
	t, err := s.callingQualityTotals(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	cust := &CallingQualityCustomer{CustomerID: c.customerID, CustomerName: c.customerName, CallingQualityFigures: t.summary}
	out := CustomerCallingQuality{Customer: cust, Week: callingWeekJSON(c.week), ComputedAt: t.computedAt,
		Rule: t.rule, Trend: t.trend, ByEndpoint: t.byEndpoint,
		TaggedPoorCalls: TablePage[CallingPoorCall]{Total: int(cust.PoorCalls), Limit: pg.limit, Offset: pg.offset, Items: []CallingPoorCall{}}}
	if cust.PoorCalls > int64(pg.offset) {
		res, err := s.store(r).Query(r.Context(), callingPoorCallsSQL, c.params("limit", pg.limit, "offset", pg.offset))
		if err != nil {
			s.writeCallingError(w, r, err)
			return
		}
		for _, row := range res.Rows {
			get := func(name string) any { return cell(res, row, name) }
			pc := CallingPoorCall{CallID: warehouse.Str(get("call_id")), UserID: nonEmpty(warehouse.Str(get("user_id"))),
				StartedAt:    warehouse.Time(get("started_at")).UTC().Format(time.RFC3339Nano),
				EndpointType: warehouse.Str(get("endpoint_type")), Direction: warehouse.Str(get("direction")),
				Reasons: stringsOf(get("reasons")), Streams: warehouse.Int(get("streams")), PoorStreams: warehouse.Int(get("poor_streams")),
				MaxRoundTripMs: round(warehouse.Float(get("max_rtt_ms")), 2), MaxPacketLossPct: round(warehouse.Float(get("max_packet_loss_pct")), 2),
				MaxJitterMs: round(warehouse.Float(get("max_jitter_ms")), 2)}
			if m := warehouse.Float(get("min_mos")); m > 0 {
				pc.MinMOS = fptr(round(m, 2))
			}
			out.TaggedPoorCalls.Items = append(out.TaggedPoorCalls.Items, pc)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// callingQualityTable reads one page of the quality table and its total
// rows.
func (s *Server) callingQualityTable(r *http.Request, c callingScope, pg page) ([]*CallingQualityCustomer, int, error) {
	res, totals, err := s.tablePage(r, callingQualitySQL, c, pg)
	if err != nil {
		return nil, 0, err
	}
	customers := make([]*CallingQualityCustomer, 0, len(res.Rows))
	for _, row := range res.Rows {
		n := func(name string) int64 { return warehouse.Int(cell(res, row, name)) }
		customers = append(customers, &CallingQualityCustomer{CustomerID: warehouse.Str(cell(res, row, "customer_id")),
			CustomerName: nonEmpty(warehouse.Str(cell(res, row, "name"))),
			CallingQualityFigures: qualityFigures(n("calls"), n("poor_calls"), n("poor_round_trip_time"), n("poor_packet_loss"),
				n("poor_jitter"), n("poor_mos"))})
	}
	total := 0
	if len(totals.Rows) > 0 {
		total = int(warehouse.Int(cell(totals, totals.Rows[0], "total")))
	}
	return customers, total, nil
}

// callingQualityTotalsOf is the quality of a set of customers: the
// week's figures, per endpoint type (most calls first), the rule and when
// it was computed, and the eight-week trend.
type callingQualityTotalsOf struct {
	summary    CallingQualityFigures
	byEndpoint []CallingQualityEndpoint
	rule       *CallingQualityRule
	computedAt *string
	trend      []CallingQualityWeek
}

func (s *Server) callingQualityTotals(r *http.Request, c callingScope) (callingQualityTotalsOf, error) {
	t := callingQualityTotalsOf{byEndpoint: []CallingQualityEndpoint{}, trend: make([]CallingQualityWeek, callingTrendWeeks)}
	for i := range t.trend {
		t.trend[i] = CallingQualityWeek{Week: trendWeek(c.week, i).Format(time.DateOnly)}
	}
	res, err := s.store(r).Query(r.Context(), callingQualityTotalsSQL, c.params())
	if err != nil {
		return t, err
	}
	for _, row := range res.Rows {
		get := func(name string) any { return cell(res, row, name) }
		n := func(name string) int64 { return warehouse.Int(get(name)) }
		if warehouse.Str(get("kind")) == "week" {
			week := warehouse.Time(get("week")).Format(time.DateOnly)
			for i := range t.trend {
				if t.trend[i].Week == week {
					t.trend[i] = CallingQualityWeek{Week: week, Calls: n("calls"), PoorCalls: n("poor_calls"), PoorPct: pct(n("poor_calls"), n("calls"))}
				}
			}
			continue
		}
		calls, poor := counts(get("endpoint_calls")), counts(get("endpoint_poor"))
		rtt, loss := counts(get("endpoint_poor_round_trip_time")), counts(get("endpoint_poor_packet_loss"))
		jitter, mos := counts(get("endpoint_poor_jitter")), counts(get("endpoint_poor_mos"))
		for ep, n := range calls {
			t.byEndpoint = append(t.byEndpoint, CallingQualityEndpoint{EndpointType: ep,
				CallingQualityFigures: qualityFigures(n, poor[ep], rtt[ep], loss[ep], jitter[ep], mos[ep])})
		}
		slices.SortFunc(t.byEndpoint, func(a, b CallingQualityEndpoint) int {
			return cmp.Or(cmp.Compare(b.Calls, a.Calls), strings.Compare(a.EndpointType, b.EndpointType))
		})
		if t.computedAt = computedAt(get("last_computed_at")); t.computedAt != nil {
			rule := tuple(get("rule"))
			t.rule = &CallingQualityRule{RoundTripTimeMsAbove: rule[0], PacketLossPctAbove: rule[1], JitterMsAbove: rule[2], MOSBelow: rule[3]}
		}
		t.summary.PoorByReason = CallingPoorByReason{RoundTripTime: n("poor_round_trip_time"), PacketLoss: n("poor_packet_loss"),
			Jitter: n("poor_jitter"), MOS: n("poor_mos")}
	}
	last := t.trend[len(t.trend)-1]
	t.summary.Calls, t.summary.PoorCalls, t.summary.PoorPct = last.Calls, last.PoorCalls, last.PoorPct
	return t, nil
}

func qualityFigures(calls, poor, rtt, loss, jitter, mos int64) CallingQualityFigures {
	return CallingQualityFigures{Calls: calls, PoorCalls: poor, PoorPct: pct(poor, calls),
		PoorByReason: CallingPoorByReason{RoundTripTime: rtt, PacketLoss: loss, Jitter: jitter, MOS: mos}}
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

func round(v float64, decimals int) float64 { return *ratio(v, 1, decimals) }
