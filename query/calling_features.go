package query

import (
	"net/http"
	"slices"
	"strings"

	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/warehouse"
)

// CallingFeatureUse is how many calls used one calling feature.
type CallingFeatureUse struct {
	Feature    string   `json:"feature"`
	Calls      int64    `json:"calls"`
	PctOfCalls *float64 `json:"pct_of_calls"`
}

// PartnerCallingFeatures answers GET /partners/{partner_id}/calling/features.
type PartnerCallingFeatures struct {
	PartnerID               string              `json:"partner_id"`
	Week                    CallingWeek         `json:"week"`
	ComputedAt              *string             `json:"computed_at"`
	CustomersWithCallQueues int64               `json:"customers_with_call_queues"`
	Calls                   int64               `json:"calls"`
	Features                []CallingFeatureUse `json:"features"`
}

// CustomerCallingFeatures answers GET /customers/{customer_id}/calling/features.
type CustomerCallingFeatures struct {
	CustomerID        string              `json:"customer_id"`
	CustomerName      *string             `json:"customer_name"`
	Week              CallingWeek         `json:"week"`
	ComputedAt        *string             `json:"computed_at"`
	CallQueuesEnabled bool                `json:"call_queues_enabled"`
	Calls             int64               `json:"calls"`
	Features          []CallingFeatureUse `json:"features"`
}

func (s *Server) partnerCallingFeatures(w http.ResponseWriter, r *http.Request) {
	c, ok := s.callingRequest(w, r, false, nil)
	if !ok {
		return
	}
	enabled, calls, features, computed, err := s.callingFeatures(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, PartnerCallingFeatures{PartnerID: c.partnerID, Week: callingWeekJSON(c.week), ComputedAt: computed,
		CustomersWithCallQueues: enabled, Calls: calls, Features: features})
}

func (s *Server) customerCallingFeatures(w http.ResponseWriter, r *http.Request) {
	c, ok := s.callingRequest(w, r, true, nil)
	if !ok {
		return
	}
	enabled, calls, features, computed, err := s.callingFeatures(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CustomerCallingFeatures{CustomerID: c.customerID, CustomerName: c.customerName,
		Week: callingWeekJSON(c.week), ComputedAt: computed, CallQueuesEnabled: enabled > 0, Calls: calls, Features: features})
}

// callingFeatures reads the customers with call queues, their calls and
// their calls per feature: every feature of the contract, in its order,
// zeros included, so charts keep their bars.
func (s *Server) callingFeatures(r *http.Request, c callingScope) (enabled, calls int64, features []CallingFeatureUse, computed *string, err error) {
	res, err := s.store(r).Query(r.Context(), callingFeaturesSQL, c.params())
	if err != nil {
		return 0, 0, nil, nil, err
	}
	byFeature := map[string]int64{}
	for _, row := range res.Rows {
		n := warehouse.Int(row[2])
		switch warehouse.Str(row[0]) {
		case "enabled":
			enabled = n
		case "calls":
			calls = n
		default:
			byFeature[warehouse.Str(row[1])] = n
		}
	}
	features = make([]CallingFeatureUse, 0, len(ingest.CallFeatures))
	for _, f := range ingest.CallFeatures {
		features = append(features, CallingFeatureUse{Feature: f, Calls: byFeature[f], PctOfCalls: pct(byFeature[f], calls)})
	}
	// Any feature the figures hold that the contract has since dropped.
	for f, n := range byFeature {
		if !slices.Contains(ingest.CallFeatures, f) {
			features = append(features, CallingFeatureUse{Feature: f, Calls: n, PctOfCalls: pct(n, calls)})
		}
	}
	slices.SortStableFunc(features[len(ingest.CallFeatures):], func(a, b CallingFeatureUse) int { return strings.Compare(a.Feature, b.Feature) })
	week, err := s.callingTotals(r, c, 1)
	if err != nil {
		return 0, 0, nil, nil, err
	}
	return enabled, calls, features, week[0].computedAtJSON(), nil
}
