package query

import (
	"net/http"
	"slices"

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
	f, err := s.callingFeatures(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	if f.enabled == 0 && !s.callingPartnerKnown(w, r, c) {
		return
	}
	writeJSON(w, http.StatusOK, PartnerCallingFeatures{PartnerID: c.partnerID, Week: callingWeekJSON(c.week), ComputedAt: f.computedAt,
		CustomersWithCallQueues: f.enabled, Calls: f.calls, Features: f.features})
}

func (s *Server) customerCallingFeatures(w http.ResponseWriter, r *http.Request) {
	c, ok := s.callingRequest(w, r, true, nil)
	if !ok {
		return
	}
	f, err := s.callingFeatures(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CustomerCallingFeatures{CustomerID: c.customerID, CustomerName: c.customerName,
		Week: callingWeekJSON(c.week), ComputedAt: f.computedAt, CallQueuesEnabled: f.enabled > 0, Calls: f.calls, Features: f.features})
}

type callingFeatureUse struct {
	enabled, calls int64
	features       []CallingFeatureUse
	computedAt     *string
}

// callingFeatures reads the customers with call queues, their calls and
// their calls per feature: every feature of the contract, in its order,
// zeros included, so charts keep their bars.
func (s *Server) callingFeatures(r *http.Request, c callingScope) (callingFeatureUse, error) {
	f := callingFeatureUse{features: make([]CallingFeatureUse, 0, len(ingest.CallFeatures))}
	res, err := s.store(r).Query(r.Context(), callingFeaturesSQL, c.params())
	if err != nil || len(res.Rows) == 0 {
		return f, err
	}
	row := res.Rows[0]
	f.enabled, f.calls = warehouse.Int(cell(res, row, "customers")), warehouse.Int(cell(res, row, "calls"))
	f.computedAt = computedAt(cell(res, row, "last_computed_at"))
	byFeature := counts(cell(res, row, "features"))
	for _, name := range ingest.CallFeatures {
		f.features = append(f.features, CallingFeatureUse{Feature: name, Calls: byFeature[name], PctOfCalls: pct(byFeature[name], f.calls)})
	}
	// Any feature the figures hold that the contract has since dropped.
	var dropped []string
	for name := range byFeature {
		if !slices.Contains(ingest.CallFeatures, name) {
			dropped = append(dropped, name)
		}
	}
	slices.Sort(dropped)
	for _, name := range dropped {
		f.features = append(f.features, CallingFeatureUse{Feature: name, Calls: byFeature[name], PctOfCalls: pct(byFeature[name], f.calls)})
	}
	return f, nil
}
