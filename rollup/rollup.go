// Package rollup runs the scheduled, idempotent SQL rollups that turn raw
// events into the figures the API serves. Each rollup recomputes whole days
// (or weeks) that changed since its watermark and writes them into a
// ReplacingMergeTree, so running it twice changes nothing and late or
// re-sent data corrects the days it touches.
package rollup

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flexhub/flexhub/warehouse"
)

const readWatermarkSQL = `SELECT max(watermark) FROM {db:Identifier}.rollup_watermarks FINAL WHERE rollup = {rollup:String}`

const writeWatermarkSQL = `INSERT INTO {db:Identifier}.rollup_watermarks (rollup, watermark) VALUES ({rollup:String}, {watermark:DateTime64(3)})`

// Rollup is one scheduled computation. Run brings its figures up to date
// with what arrived in (since, until] (ingested_at): it recomputes the
// days or weeks that data touches and must be idempotent. The watermark
// moves to until only after Run succeeds.
type Rollup struct {
	Name string
	Run  func(ctx context.Context, since, until time.Time) error
}

// Worker runs the rollups on a schedule, in order (a later rollup may read
// an earlier one's table).
type Worker struct {
	w        warehouse.Warehouse
	interval time.Duration
	log      *slog.Logger
	runs     *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
	now      func() time.Time
	rollups  []Rollup
	partner  PartnerOverviewConfig
	calling  callingState
	// lastPass is the computed_at of the last Flex pass (rollup/flex.go).
	lastPass time.Time
}

// NewWorker builds a worker that runs every interval.
func NewWorker(w warehouse.Warehouse, interval time.Duration, reg prometheus.Registerer, log *slog.Logger) *Worker {
	wk := &Worker{w: w, interval: interval, log: log.With("component", "rollup"), now: time.Now,
		partner: DefaultPartnerOverviewConfig(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flexhub_rollup_runs_total",
			Help: "Rollup runs by rollup and outcome."}, []string{"rollup", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flexhub_rollup_seconds",
			Help: "Rollup duration.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}, []string{"rollup"}),
	}
	wk.rollups = []Rollup{
		{Name: "flex_usage", Run: wk.flexUsage},
		{Name: "partner_overview", Run: wk.partnerOverview},
		{Name: "calling_weekly", Run: wk.callingWeekly},
	}
	if reg != nil {
		reg.MustRegister(wk.runs, wk.seconds)
	}
	return wk
}

// Names lists the worker's rollups in the order they run (their
// watermarks are kept under these names).
func (wk *Worker) Names() []string {
	out := make([]string, len(wk.rollups))
	for i, r := range wk.rollups {
		out[i] = r.Name
	}
	return out
}

// Run rolls up every interval until ctx ends. A failed run is logged and
// retried at the next tick; nothing is lost because a watermark only moves
// after a successful run.
func (wk *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(wk.interval)
	defer t.Stop()
	for {
		if err := wk.RunOnce(ctx); err != nil && ctx.Err() == nil {
			wk.log.Warn("rollup failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce brings every rollup up to date, in order; it stops at the first
// failure (later rollups may depend on the failed one).
func (wk *Worker) RunOnce(ctx context.Context) error {
	for _, r := range wk.rollups {
		if err := wk.runRollup(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (wk *Worker) runRollup(ctx context.Context, r Rollup) (err error) {
	start := time.Now()
	defer func() {
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		wk.runs.WithLabelValues(r.Name, outcome).Inc()
		wk.seconds.WithLabelValues(r.Name).Observe(time.Since(start).Seconds())
	}()
	since, err := wk.watermark(ctx, r.Name)
	if err != nil {
		return err
	}
	until := wk.now().UTC()
	if err := r.Run(ctx, since, until); err != nil {
		return fmt.Errorf("rollup %s: %w", r.Name, err)
	}
	if err := wk.w.Exec(ctx, writeWatermarkSQL, warehouse.P("rollup", r.Name, "watermark", until)); err != nil {
		return fmt.Errorf("rollup %s: watermark: %w", r.Name, err)
	}
	return nil
}

func (wk *Worker) watermark(ctx context.Context, name string) (time.Time, error) {
	res, err := wk.w.Query(ctx, readWatermarkSQL, warehouse.P("rollup", name))
	if err != nil {
		return time.Time{}, fmt.Errorf("rollup %s: read watermark: %w", name, err)
	}
	return warehouse.Time(res.Rows[0][0]), nil
}
