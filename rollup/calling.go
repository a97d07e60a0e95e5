package rollup

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// The calling rollup turns call records, call-queue stays and license
// changes into weekly figures. A week runs Sunday 00:00:00 UTC to Saturday
// 23:59:59.999 UTC and is named by its Sunday. At every tick the worker
// computes each completed week of the trend horizon that has not been
// computed yet (so the week that just ended is computed at the first tick
// after Sunday 00:00:00 UTC), and recomputes, for the customers concerned,
// every completed week that data ingested since the watermark touches: a
// late record corrects its week. Data of the running week waits until the
// week completes.

var (
	//go:embed sql/calling_changed.sql
	callingChangedSQL string
	//go:embed sql/calling_weeks_computed.sql
	callingWeeksComputedSQL string
	//go:embed sql/calling_week_done.sql
	callingWeekDoneSQL string
	//go:embed sql/calling_quality_weekly.sql
	callingQualityWeeklySQL string
	//go:embed sql/calling_poor_calls.sql
	callingPoorCallsSQL string
	//go:embed sql/calling_feature_weekly.sql
	callingFeatureWeeklySQL string
	//go:embed sql/calling_queue_weekly.sql
	callingQueueWeeklySQL string
	//go:embed sql/calling_customer_weekly.sql
	callingCustomerWeeklySQL string
)

// callingWeekStatements compute one week, in this order: the detail tables,
// then calling_customer_weekly, which brings the generation into force.
var callingWeekStatements = []struct{ name, sql string }{
	{"calling_quality_weekly", callingQualityWeeklySQL},
	{"calling_poor_calls", callingPoorCallsSQL},
	{"calling_feature_weekly", callingFeatureWeeklySQL},
	{"calling_queue_weekly", callingQueueWeeklySQL},
	{"calling_customer_weekly", callingCustomerWeeklySQL},
}

// CallingTrendWeeks is the span of the calling trends: the selected week
// and the seven before it. The worker keeps every completed week of this
// horizon computed.
const CallingTrendWeeks = 8

// maxPartialCustomers bounds a recomputation for named customers; when more
// customers of a week changed, the whole week is recomputed.
const maxPartialCustomers = 5000

// CallingRules are the thresholds of the calling figures.
type CallingRules struct {
	// A media stream is poor when its round-trip time is above
	// RoundTripMillis, its packet loss above PacketLossPercent, its jitter
	// above JitterMillis, or its measured MOS below MOSFloor. A call is
	// poor when any of its streams is.
	RoundTripMillis   float64
	PacketLossPercent float64
	JitterMillis      float64
	MOSFloor          float64
	// A queue call answered by an agent within ServiceLevelSeconds meets
	// the service level.
	ServiceLevelSeconds int
	// A caller who hangs up within ShortAbandonSeconds of entering a queue
	// is a short abandon (a misdial, an immediate change of mind): counted
	// apart, not as abandoned. 0 counts every hang-up as abandoned.
	ShortAbandonSeconds int
}

// DefaultCallingRules: round trip above 500 ms, loss above 10%, jitter
// above 30 ms or MOS below 3.5 is poor; service level 20 s; short abandon
// under 5 s.
func DefaultCallingRules() CallingRules {
	return CallingRules{RoundTripMillis: 500, PacketLossPercent: 10, JitterMillis: 30, MOSFloor: 3.5,
		ServiceLevelSeconds: 20, ShortAbandonSeconds: 5}
}

// callingRuleKeys name the rules in ParseCallingRules and String.
var callingRuleKeys = []string{"rtt_ms", "packet_loss_pct", "jitter_ms", "mos_floor", "service_level_s", "short_abandon_s"}

// ParseCallingRules reads "key=value,…" (keys rtt_ms, packet_loss_pct,
// jitter_ms, mos_floor, service_level_s, short_abandon_s) over the
// defaults; an empty string is the defaults.
func ParseCallingRules(s string) (CallingRules, error) {
	r := DefaultCallingRules()
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return r, fmt.Errorf("calling rules: %q is not key=value (keys: %s)", kv, strings.Join(callingRuleKeys, ", "))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var err error
		switch k {
		case "rtt_ms":
			r.RoundTripMillis, err = strconv.ParseFloat(v, 64)
		case "packet_loss_pct":
			r.PacketLossPercent, err = strconv.ParseFloat(v, 64)
		case "jitter_ms":
			r.JitterMillis, err = strconv.ParseFloat(v, 64)
		case "mos_floor":
			r.MOSFloor, err = strconv.ParseFloat(v, 64)
		case "service_level_s":
			r.ServiceLevelSeconds, err = strconv.Atoi(v)
		case "short_abandon_s":
			r.ShortAbandonSeconds, err = strconv.Atoi(v)
		default:
			return r, fmt.Errorf("calling rules: unknown key %q (keys: %s)", k, strings.Join(callingRuleKeys, ", "))
		}
		if err != nil {
			return r, fmt.Errorf("calling rules: %s: %q is not a number", k, v)
		}
	}
	return r, r.Validate()
}

// Validate refuses thresholds no stream or queue call could be judged by.
func (r CallingRules) Validate() error {
	var errs []error
	if r.RoundTripMillis < 0 || r.RoundTripMillis > 600_000 {
		errs = append(errs, fmt.Errorf("rtt_ms %v is outside 0-600000", r.RoundTripMillis))
	}
	if r.PacketLossPercent < 0 || r.PacketLossPercent > 100 {
		errs = append(errs, fmt.Errorf("packet_loss_pct %v is outside 0-100", r.PacketLossPercent))
	}
	if r.JitterMillis < 0 || r.JitterMillis > 600_000 {
		errs = append(errs, fmt.Errorf("jitter_ms %v is outside 0-600000", r.JitterMillis))
	}
	if r.MOSFloor < 1 || r.MOSFloor > 5 {
		errs = append(errs, fmt.Errorf("mos_floor %v is outside 1-5", r.MOSFloor))
	}
	if r.ServiceLevelSeconds < 0 || r.ServiceLevelSeconds > 86_400 {
		errs = append(errs, fmt.Errorf("service_level_s %d is outside 0-86400", r.ServiceLevelSeconds))
	}
	if r.ShortAbandonSeconds < 0 || r.ShortAbandonSeconds > 3_600 {
		errs = append(errs, fmt.Errorf("short_abandon_s %d is outside 0-3600", r.ShortAbandonSeconds))
	}
	if len(errs) > 0 {
		return fmt.Errorf("calling rules: %w", errors.Join(errs...))
	}
	return nil
}

// String renders the rules as ParseCallingRules reads them.
func (r CallingRules) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return fmt.Sprintf("rtt_ms=%s,packet_loss_pct=%s,jitter_ms=%s,mos_floor=%s,service_level_s=%d,short_abandon_s=%d",
		f(r.RoundTripMillis), f(r.PacketLossPercent), f(r.JitterMillis), f(r.MOSFloor), r.ServiceLevelSeconds, r.ShortAbandonSeconds)
}

func (r CallingRules) params() []any {
	return []any{"rtt_ms", r.RoundTripMillis, "packet_loss_pct", r.PacketLossPercent, "jitter_ms", r.JitterMillis,
		"mos_floor", r.MOSFloor, "service_level_s", r.ServiceLevelSeconds, "short_abandon_s", r.ShortAbandonSeconds}
}

// WeekOf is the Sunday 00:00:00 UTC that starts the week holding t.
func WeekOf(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -int(d.Weekday()))
}

// LastCompletedWeek is the latest week that has ended by now: at Sunday
// 00:00:00 UTC exactly, the week that ended a moment before.
func LastCompletedWeek(now time.Time) time.Time { return WeekOf(now).AddDate(0, 0, -7) }

// callingState is the worker's calling configuration and the last
// generation it wrote (generations only grow).
type callingState struct {
	mu      sync.Mutex
	rules   *CallingRules // nil: DefaultCallingRules
	lastGen time.Time
}

// SetCallingRules sets the thresholds weeks are computed with from now on.
// Weeks of the trend horizon computed under other rules are recomputed at
// the next run; older weeks keep theirs until recomputed (CallingWeek).
func (wk *Worker) SetCallingRules(r CallingRules) error {
	if err := r.Validate(); err != nil {
		return err
	}
	wk.calling.mu.Lock()
	defer wk.calling.mu.Unlock()
	wk.calling.rules = &r
	return nil
}

// CallingRules are the thresholds in force.
func (wk *Worker) CallingRules() CallingRules {
	wk.calling.mu.Lock()
	defer wk.calling.mu.Unlock()
	if wk.calling.rules == nil {
		return DefaultCallingRules()
	}
	return *wk.calling.rules
}

// nextGeneration is a computation time later than any this worker used,
// at the millisecond precision the tables keep.
func (wk *Worker) nextGeneration() time.Time {
	wk.calling.mu.Lock()
	defer wk.calling.mu.Unlock()
	t := time.Now().UTC().Truncate(time.Millisecond)
	if !t.After(wk.calling.lastGen) {
		t = wk.calling.lastGen.Add(time.Millisecond)
	}
	wk.calling.lastGen = t
	return t
}

// CallingWeek computes one completed week for every customer, whatever the
// watermark says (flexhub rollup --week).
func (wk *Worker) CallingWeek(ctx context.Context, week time.Time) error {
	week = week.UTC()
	if !WeekOf(week).Equal(week) {
		return fmt.Errorf("calling week %s: a week starts on a Sunday (00:00:00 UTC)", week.Format(time.DateOnly))
	}
	if last := LastCompletedWeek(wk.now()); week.After(last) {
		return fmt.Errorf("calling week %s has not completed yet; the last completed week starts %s",
			week.Format(time.DateOnly), last.Format(time.DateOnly))
	}
	return wk.computeCallingWeek(ctx, week, nil, wk.CallingRules())
}

// callingPlan is what one run recomputes: whole weeks, and named
// customers of other weeks.
type callingPlan struct {
	computed map[time.Time]CallingRules
	rules    CallingRules
	full     map[time.Time]bool
	partial  map[time.Time]map[string]bool
}

func (p *callingPlan) upToDate(week time.Time) bool {
	r, ok := p.computed[week]
	return ok && r == p.rules
}

func (p *callingPlan) add(week time.Time, customer string) {
	switch {
	case p.full[week]:
	case !p.upToDate(week):
		p.full[week] = true
		delete(p.partial, week)
	default:
		if p.partial[week] == nil {
			p.partial[week] = map[string]bool{}
		}
		p.partial[week][customer] = true
	}
}

func (wk *Worker) callingWeekly(ctx context.Context, since, until time.Time) error {
	rules := wk.CallingRules()
	last := LastCompletedWeek(wk.now())
	plan := &callingPlan{computed: map[time.Time]CallingRules{}, rules: rules,
		full: map[time.Time]bool{}, partial: map[time.Time]map[string]bool{}}
	res, err := wk.w.Query(ctx, callingWeeksComputedSQL, nil)
	if err != nil {
		return fmt.Errorf("computed weeks: %w", err)
	}
	for _, r := range res.Rows {
		plan.computed[warehouse.Time(r[0])] = CallingRules{
			RoundTripMillis: warehouse.Float(r[1]), PacketLossPercent: warehouse.Float(r[2]),
			JitterMillis: warehouse.Float(r[3]), MOSFloor: warehouse.Float(r[4]),
			ServiceLevelSeconds: int(warehouse.Int(r[5])), ShortAbandonSeconds: int(warehouse.Int(r[6])),
		}
	}
	horizon := last.AddDate(0, 0, -7*(CallingTrendWeeks-1))
	for w := horizon; !w.After(last); w = w.AddDate(0, 0, 7) {
		if !plan.upToDate(w) {
			plan.full[w] = true
		}
	}
	changed, err := wk.w.Query(ctx, callingChangedSQL, warehouse.P("since", since, "until", until))
	if err != nil {
		return fmt.Errorf("changed weeks: %w", err)
	}
	for _, r := range changed.Rows {
		week, customer, source := warehouse.Time(r[0]), warehouse.Str(r[1]), warehouse.Str(r[2])
		if week.After(last) {
			continue // the running week: computed once it has completed
		}
		if source != "license" {
			plan.add(week, customer)
			continue
		}
		// A license change holds from its week on: every later week that
		// has figures (or is in the horizon) is touched; older weeks
		// without figures get them, licenses included, when computed.
		for w := week; !w.After(last); w = w.AddDate(0, 0, 7) {
			if _, ok := plan.computed[w]; ok || !w.Before(horizon) {
				plan.add(w, customer)
			}
		}
	}
	weeks := make([]time.Time, 0, len(plan.full)+len(plan.partial))
	for w := range plan.full {
		weeks = append(weeks, w)
	}
	for w := range plan.partial {
		weeks = append(weeks, w)
	}
	slices.SortFunc(weeks, func(a, b time.Time) int { return a.Compare(b) })
	for _, w := range weeks {
		var customers []string // nil: every customer
		if !plan.full[w] && len(plan.partial[w]) <= maxPartialCustomers {
			customers = make([]string, 0, len(plan.partial[w]))
			for c := range plan.partial[w] {
				customers = append(customers, c)
			}
			slices.Sort(customers)
		}
		if err := wk.computeCallingWeek(ctx, w, customers, rules); err != nil {
			return err
		}
	}
	return nil
}

// computeCallingWeek computes one week for the named customers (nil: every
// customer, and the week is recorded as computed under rules).
func (wk *Worker) computeCallingWeek(ctx context.Context, week time.Time, customers []string, rules CallingRules) error {
	start := time.Now()
	gen := wk.nextGeneration()
	ids := customers
	if ids == nil {
		ids = []string{}
	}
	p := warehouse.P(append([]any{"week", warehouse.Date(week), "all_customers", customers == nil,
		"customer_ids", ids, "computed_at", gen}, rules.params()...)...)
	for _, s := range callingWeekStatements {
		if err := wk.w.Exec(ctx, s.sql, p); err != nil {
			return fmt.Errorf("calling week %s: %s: %w", week.Format(time.DateOnly), s.name, err)
		}
	}
	scope := "all customers"
	if customers == nil {
		if err := wk.w.Exec(ctx, callingWeekDoneSQL, p); err != nil {
			return fmt.Errorf("calling week %s: record: %w", week.Format(time.DateOnly), err)
		}
	} else {
		scope = strconv.Itoa(len(customers)) + " customers"
	}
	wk.log.Info("rolled up", "rollup", "calling_weekly", "week", week.Format(time.DateOnly), "for", scope,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}
