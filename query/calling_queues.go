package query

import (
	"net/http"

	"github.com/flexhub/flexhub/warehouse"
)

// CallingQueueRule is the rule of the week's queue figures.
type CallingQueueRule struct {
	// ServiceLevelSeconds: a queue call answered by an agent within this
	// many seconds meets the service level.
	ServiceLevelSeconds int64 `json:"service_level_seconds"`
	// ShortAbandonSeconds: a caller who hung up within this many seconds
	// is a short abandon, not counted as abandoned.
	ShortAbandonSeconds int64 `json:"short_abandon_seconds"`
}

// CallingQueueFigures are the call-queue figures of a week. Queue calls
// are stays of a call in a queue (a call moved to another queue counts in
// both).
type CallingQueueFigures struct {
	QueueCalls    int64 `json:"queue_calls"`
	Answered      int64 `json:"answered"`
	MovedToQueue  int64 `json:"moved_to_queue"`
	HungUp        int64 `json:"hung_up"`
	LeftMessage   int64 `json:"left_message"`
	Abandoned     int64 `json:"abandoned"`
	ShortAbandons int64 `json:"short_abandons"`
	// AvgTimeToAnswerSeconds: the mean wait until an agent answered or the
	// caller was moved to another queue.
	AvgTimeToAnswerSeconds *float64 `json:"avg_time_to_answer_seconds"`
	// AvgWaitBeforeAbandonSeconds: the mean wait of callers who hung up
	// (not short) or left a message.
	AvgWaitBeforeAbandonSeconds *float64 `json:"avg_wait_before_abandon_seconds"`
	// AbandonedPct: abandoned of the queue calls that were not short
	// abandons.
	AbandonedPct *float64 `json:"abandoned_pct"`
	// ServiceLevelPct: answered within the service level, of the queue
	// calls that were not short abandons.
	ServiceLevelPct *float64 `json:"service_level_pct"`
}

// CallingQueueCustomer is one customer's queue figures.
type CallingQueueCustomer struct {
	CustomerID   string  `json:"customer_id"`
	CustomerName *string `json:"customer_name"`
	Queues       int64   `json:"queues"`
	CallingQueueFigures
}

// CallingQueue is one queue's figures.
type CallingQueue struct {
	QueueID   string `json:"queue_id"`
	QueueName string `json:"queue_name"`
	CallingQueueFigures
}

// CallingQueueKPIs are the figures over every customer with call queues.
type CallingQueueKPIs struct {
	Customers int64 `json:"customers"`
	Queues    int64 `json:"queues"`
	CallingQueueFigures
}

// PartnerCallingQueues answers GET /partners/{partner_id}/calling/queues.
type PartnerCallingQueues struct {
	PartnerID  string                           `json:"partner_id"`
	Week       CallingWeek                      `json:"week"`
	ComputedAt *string                          `json:"computed_at"`
	Rule       *CallingQueueRule                `json:"rule"`
	KPIs       CallingQueueKPIs                 `json:"kpis"`
	Customers  TablePage[*CallingQueueCustomer] `json:"customers"`
}

// CustomerCallingQueues answers GET /customers/{customer_id}/calling/queues.
type CustomerCallingQueues struct {
	Customer   *CallingQueueCustomer `json:"customer"`
	Week       CallingWeek           `json:"week"`
	ComputedAt *string               `json:"computed_at"`
	Rule       *CallingQueueRule     `json:"rule"`
	Queues     []CallingQueue        `json:"queues"`
}

var queueSorts = []string{"customer_name", "queues", "queue_calls", "abandoned", "abandoned_pct",
	"avg_time_to_answer_seconds", "avg_wait_before_abandon_seconds", "service_level_pct"}

func (s *Server) partnerCallingQueues(w http.ResponseWriter, r *http.Request) {
	var pg page
	c, ok := s.callingRequest(w, r, false, func(e *paramErrors) { pg = parseCallingPage(r, e, "-abandoned_pct", queueSorts) },
		"limit", "offset", "sort")
	if !ok {
		return
	}
	res, totals, err := s.tablePage(r, callingQueuesSQL, c, pg)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	total := 0
	if len(totals.Rows) > 0 {
		total = int(warehouse.Int(cell(totals, totals.Rows[0], "total")))
	}
	if total == 0 && !s.callingPartnerKnown(w, r, c) {
		return
	}
	kpis, rule, computed, err := s.callingQueueTotals(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	out := PartnerCallingQueues{PartnerID: c.partnerID, Week: callingWeekJSON(c.week), ComputedAt: computed, Rule: rule,
		KPIs:      CallingQueueKPIs{Customers: int64(total), Queues: kpis.Queues, CallingQueueFigures: kpis.CallingQueueFigures},
		Customers: TablePage[*CallingQueueCustomer]{Total: total, Limit: pg.limit, Offset: pg.offset, Items: []*CallingQueueCustomer{}}}
	for _, row := range res.Rows {
		n := func(name string) int64 { return warehouse.Int(cell(res, row, name)) }
		out.Customers.Items = append(out.Customers.Items, &CallingQueueCustomer{CustomerID: warehouse.Str(cell(res, row, "customer_id")),
			CustomerName: nonEmpty(warehouse.Str(cell(res, row, "name"))), Queues: n("queues"),
			CallingQueueFigures: queueFigures(n("queue_calls"), n("answered"), n("moved_to_queue"), n("hung_up"), n("left_message"),
				n("short_abandons"), n("answer_wait_ms"), n("abandon_wait_ms"), n("in_service_level"))})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) customerCallingQueues(w http.ResponseWriter, r *http.Request) {
	c, ok := s.callingRequest(w, r, true, nil)
	if !ok {
		return
	}
	kpis, rule, computed, err := s.callingQueueTotals(r, c)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	kpis.CustomerID, kpis.CustomerName = c.customerID, c.customerName
	out := CustomerCallingQueues{Customer: &kpis, Week: callingWeekJSON(c.week), ComputedAt: computed, Rule: rule, Queues: []CallingQueue{}}
	if kpis.QueueCalls > 0 {
		res, err := s.store(r).Query(r.Context(), callingQueuesByQueueSQL, c.params())
		if err != nil {
			s.writeCallingError(w, r, err)
			return
		}
		for _, row := range res.Rows {
			n := func(name string) int64 { return warehouse.Int(cell(res, row, name)) }
			out.Queues = append(out.Queues, CallingQueue{QueueID: warehouse.Str(cell(res, row, "queue_id")),
				QueueName: warehouse.Str(cell(res, row, "queue_name")),
				CallingQueueFigures: queueFigures(n("queue_calls"), n("answered"), n("moved_to_queue"), n("hung_up"), n("left_message"),
					n("short_abandons"), n("answer_wait_ms"), n("abandon_wait_ms"), n("answered_in_service_level"))})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// callingQueueTotals reads the queue figures of the week over the scope's
// customers, the rule and when they were computed.
func (s *Server) callingQueueTotals(r *http.Request, c callingScope) (CallingQueueCustomer, *CallingQueueRule, *string, error) {
	out := CallingQueueCustomer{CallingQueueFigures: queueFigures(0, 0, 0, 0, 0, 0, 0, 0, 0)}
	res, err := s.store(r).Query(r.Context(), callingQueueTotalsSQL, c.params())
	if err != nil || len(res.Rows) == 0 {
		return out, nil, nil, err
	}
	row := res.Rows[0]
	n := func(name string) int64 { return warehouse.Int(cell(res, row, name)) }
	out.Queues = n("queues")
	out.CallingQueueFigures = queueFigures(n("queue_calls"), n("answered"), n("moved_to_queue"), n("hung_up"), n("left_message"),
		n("short_abandons"), n("answer_wait_ms"), n("abandon_wait_ms"), n("in_service_level"))
	computed := computedAt(cell(res, row, "last_computed_at"))
	var rule *CallingQueueRule
	if computed != nil {
		v := tuple(cell(res, row, "rule"))
		rule = &CallingQueueRule{ServiceLevelSeconds: int64(v[0]), ShortAbandonSeconds: int64(v[1])}
	}
	return out, rule, computed, nil
}

// queueFigures derives the averages and percentages from the sums; every
// average is over calls (not over queues or customers).
func queueFigures(calls, answered, moved, hungUp, leftMessage, short, answerWaitMs, abandonWaitMs, inServiceLevel int64) CallingQueueFigures {
	f := CallingQueueFigures{QueueCalls: calls, Answered: answered, MovedToQueue: moved, HungUp: hungUp, LeftMessage: leftMessage,
		Abandoned: hungUp + leftMessage, ShortAbandons: short}
	f.AvgTimeToAnswerSeconds = ratio(float64(answerWaitMs)/1000, float64(answered+moved), 1)
	f.AvgWaitBeforeAbandonSeconds = ratio(float64(abandonWaitMs)/1000, float64(f.Abandoned), 1)
	counted := calls - short
	f.AbandonedPct = pct(f.Abandoned, counted)
	f.ServiceLevelPct = pct(inServiceLevel, counted)
	return f
}
