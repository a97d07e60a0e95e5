package rollup

import (
	"context"
	_ "embed"
	"fmt"
	"maps"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/flex_cluster_daily.sql
var flexClusterDailyTemplate string

//go:embed sql/flex_usage_daily.sql
var flexUsageDailySQL string

//go:embed sql/flex_subscription_daily.sql
var flexSubscriptionDailySQL string

//go:embed sql/flex_usage_weekly.sql
var flexUsageWeeklySQL string

//go:embed sql/flex_subscription_window.sql
var flexSubscriptionWindowSQL string

// FlexWindowDays is the longest window of the License Usage report.
const FlexWindowDays = 90

// flexClusterDailySQL is the cluster statement with the decision table
// rendered in.
var flexClusterDailySQL = renderFlexSQL(flexClusterDailyTemplate)

// FlexScope narrows a recomputation: a forced range of days and a set of
// customers (none: all).
type FlexScope struct {
	From, To  time.Time // zero: no forced range
	Customers []string
}

// flexUsage brings the Flex tables up to date with what arrived in
// (since, until]: cluster figures, then subscription figures, compliance
// and weeks, in that order (each reads the previous one). Every table is
// keyed by what it computes, so a rerun rewrites the same figures.
func (wk *Worker) flexUsage(ctx context.Context, since, until time.Time) error {
	return wk.flexPass(ctx, since, until, FlexScope{})
}

// LicenseUsageDays recomputes the Flex license-usage rollups for the days
// [from, to] whatever the watermark says (flexhub rollup --from --to), and
// whatever arrived since the last run up to now.
func (wk *Worker) LicenseUsageDays(ctx context.Context, from, to time.Time) error {
	now := wk.now().UTC()
	return wk.flexPass(ctx, now, now, FlexScope{From: from, To: to})
}

// SetNow replaces the worker's clock (tests and benchmarks pin "today").
func (wk *Worker) SetNow(now func() time.Time) { wk.now = now }

// RecomputeFlex recomputes the Flex rollups for a scope as of now; the
// benchmark uses it for a sample of customers.
func (wk *Worker) RecomputeFlex(ctx context.Context, scope FlexScope) error {
	now := wk.now().UTC()
	return wk.flexPass(ctx, now, now, scope)
}

func (wk *Worker) flexPass(ctx context.Context, since, until time.Time, scope FlexScope) error {
	from, to := time.Unix(86400, 0).UTC(), time.Unix(0, 0).UTC() // an empty forced range
	if !scope.From.IsZero() {
		from, to = scope.From, scope.To
	}
	customers := scope.Customers
	if customers == nil {
		customers = []string{}
	}
	if !since.Before(until) {
		since = until.Add(-time.Millisecond)
	}
	// computed_at identifies this pass: each statement after the first
	// finds exactly the rows the pass wrote, and a later pass always writes
	// a newer version, whatever clock the worker was given.
	computedAt := time.Now().UTC().Truncate(time.Millisecond)
	if !computedAt.After(wk.lastPass) {
		computedAt = wk.lastPass.Add(time.Millisecond)
	}
	wk.lastPass = computedAt
	p := warehouse.P("since", since, "until", until, "computed_at", computedAt,
		"force_from", warehouse.Date(from), "force_to", warehouse.Date(to), "customers", customers,
		"carry_days", FlexCarryDays, "history_days", FlexHistoryDays, "ea_minimum", EAMinimumKW,
		"unsubscribed_model", FlexUnsubscribedModel, "window_days", FlexWindowDays)
	maps.Copy(p, FlexRuleParams())
	for _, st := range []struct{ name, sql string }{
		{"flex_cluster_daily", flexClusterDailySQL},
		{"flex_usage_daily", flexUsageDailySQL},
		{"flex_subscription_daily", flexSubscriptionDailySQL},
		{"flex_usage_weekly", flexUsageWeeklySQL},
		{"flex_subscription_window", flexSubscriptionWindowSQL},
	} {
		start := time.Now()
		if err := wk.w.Exec(ctx, st.sql, p); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		wk.log.Debug("rolled up", "table", st.name, "took", time.Since(start))
	}
	return nil
}
