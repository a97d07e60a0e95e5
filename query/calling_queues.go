package query

import (
	"net/http"
	"slices"
	"strings"

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

	answerWaitMs, abandonWaitMs, inServiceLevel int64
}

func (f *CallingQueueFigures) add(o CallingQueueFigures) {
	f.QueueCalls += o.QueueCalls
	f.Answered += o.Answered
	f.MovedToQueue += o.MovedToQueue
	f.HungUp += o.HungUp
	f.LeftMessage += o.LeftMessage
	f.ShortAbandons += o.ShortAbandons
	f.answerWaitMs += o.answerWaitMs
	f.abandonWaitMs += o.abandonWaitMs
	f.inServiceLevel += o.inServiceLevel
	f.derive()
}

// derive computes the averages and percentages from the sums; every
// average is over calls (not over queues or customers).
func (f *CallingQueueFigures) derive() {
	f.Abandoned = f.HungUp + f.LeftMessage
	f.AvgTimeToAnswerSeconds = ratio(float64(f.answerWaitMs)/1000, float64(f.Answered+f.MovedToQueue), 1)
	f.AvgWaitBeforeAbandonSeconds = ratio(float64(f.abandonWaitMs)/1000, float64(f.Abandoned), 1)
	counted := f.QueueCalls - f.ShortAbandons
	f.AbandonedPct = pct(f.Abandoned, counted)
	f.ServiceLevelPct = pct(f.inServiceLevel, counted)
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
	PartnerID  string                      `json:"partner_id"`
	Week       CallingWeek                 `json:"week"`
	ComputedAt *string                     `json:"computed_at"`
	Rule       *CallingQueueRule           `json:"rule"`
	KPIs       CallingQueueKPIs            `json:"kpis"`
	Customers  Page[*CallingQueueCustomer] `json:"customers"`
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
	c, ok := s.callingRequest(w, r, false, func(e *paramErrors) { pg = parsePage(r, e, "-abandoned_pct", queueSorts) },
		"limit", "offset", "sort")
	if !ok {
		return
	}
	rows, rule, computed, err := s.callingQueues(r, c, false)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	out := PartnerCallingQueues{PartnerID: c.partnerID, Week: callingWeekJSON(c.week), ComputedAt: computed, Rule: rule}
	customers := make([]*CallingQueueCustomer, len(rows))
	for i, q := range rows {
		customers[i] = &CallingQueueCustomer{CustomerID: q.key, CustomerName: q.name, Queues: q.queues, CallingQueueFigures: q.figures}
		out.KPIs.Customers++
		out.KPIs.Queues += q.queues
		out.KPIs.add(q.figures)
	}
	out.KPIs.derive()
	out.Customers = sortAndPage(customers, pg, func(q *CallingQueueCustomer, field string) *float64 {
		switch field {
		case "queues":
			return fptr(float64(q.Queues))
		case "queue_calls":
			return fptr(float64(q.QueueCalls))
		case "abandoned":
			return fptr(float64(q.Abandoned))
		case "avg_time_to_answer_seconds":
			return q.AvgTimeToAnswerSeconds
		case "avg_wait_before_abandon_seconds":
			return q.AvgWaitBeforeAbandonSeconds
		case "service_level_pct":
			return q.ServiceLevelPct
		}
		return q.AbandonedPct
	}, func(q *CallingQueueCustomer) (string, string) { return deref(q.CustomerName), q.CustomerID })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) customerCallingQueues(w http.ResponseWriter, r *http.Request) {
	c, ok := s.callingRequest(w, r, true, nil)
	if !ok {
		return
	}
	rows, rule, computed, err := s.callingQueues(r, c, true)
	if err != nil {
		s.writeCallingError(w, r, err)
		return
	}
	out := CustomerCallingQueues{Customer: &CallingQueueCustomer{CustomerID: c.customerID, CustomerName: c.customerName},
		Week: callingWeekJSON(c.week), ComputedAt: computed, Rule: rule, Queues: []CallingQueue{}}
	for _, q := range rows {
		out.Queues = append(out.Queues, CallingQueue{QueueID: q.key, QueueName: deref(q.name), CallingQueueFigures: q.figures})
		out.Customer.Queues++
		out.Customer.add(q.figures)
	}
	out.Customer.derive()
	slices.SortFunc(out.Queues, func(a, b CallingQueue) int {
		return strings.Compare(strings.ToLower(a.QueueName)+"\x00"+a.QueueID, strings.ToLower(b.QueueName)+"\x00"+b.QueueID)
	})
	writeJSON(w, http.StatusOK, out)
}

type queueRow struct {
	key     string
	name    *string
	queues  int64
	figures CallingQueueFigures
}

// callingQueues reads the queue figures per customer (or per queue of one
// customer), and the week's rule and computation time.
func (s *Server) callingQueues(r *http.Request, c callingScope, byQueue bool) ([]queueRow, *CallingQueueRule, *string, error) {
	res, err := s.store(r).Query(r.Context(), callingQueuesSQL, c.params("by_queue", byQueue))
	if err != nil {
		return nil, nil, nil, err
	}
	rows := make([]queueRow, 0, len(res.Rows))
	for _, row := range res.Rows {
		n := func(name string) int64 { return warehouse.Int(row[res.Index(name)]) }
		q := queueRow{key: warehouse.Str(row[res.Index("key")]), queues: n("queues"), figures: CallingQueueFigures{
			QueueCalls: n("queue_calls"), Answered: n("answered"), MovedToQueue: n("moved_to_queue"), HungUp: n("hung_up"),
			LeftMessage: n("left_message"), ShortAbandons: n("short_abandons"), answerWaitMs: n("answer_wait_ms"),
			abandonWaitMs: n("abandon_wait_ms"), inServiceLevel: n("answered_in_service_level")}}
		q.figures.derive()
		if name := warehouse.Str(row[res.Index("name")]); name != "" {
			q.name = &name
		}
		rows = append(rows, q)
	}
	week, err := s.callingTotals(r, c, 1)
	if err != nil {
		return nil, nil, nil, err
	}
	var rule *CallingQueueRule
	if !week[0].computedAt.IsZero() {
		rule = &CallingQueueRule{ServiceLevelSeconds: int64(week[0].rules["rule_service_level_s"]),
			ShortAbandonSeconds: int64(week[0].rules["rule_short_abandon_s"])}
	}
	return rows, rule, week[0].computedAtJSON(), nil
}
