package rollup

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/partner_changes.sql
var partnerChangesSQL string

//go:embed sql/partner_subscription_daily.sql
var partnerSubscriptionDailySQL string

//go:embed sql/partner_customer_daily.sql
var partnerCustomerDailySQL string

// PartnerOverviewConfig tunes the partner overview's rollups (README:
// Partner overview). A change applies to the days computed from then on;
// `flexhub rollup --from --to` recomputes past days with it.
type PartnerOverviewConfig struct {
	// ExpiringSoonDays: a customer is "expiring soon" when a live
	// subscription or trial without automatic renewal ends within this many
	// days (the reference: "in a few days").
	ExpiringSoonDays int
	// NoRecentActivityDays: a customer has "no recent activity" when none
	// of its admins signed in to its admin portal within this many days.
	NoRecentActivityDays int
	// LowAllocationRatio: a subscription has a low license allocation when
	// its assigned share is below this fraction of the median share of
	// comparable subscriptions.
	LowAllocationRatio float64
	// LowAllocationMinPeers: the fewest comparable subscriptions a median is
	// taken over; a smaller size band falls back to the partner's whole
	// product, and a product with fewer flags nothing.
	LowAllocationMinPeers int
	// LowAllocationSizeBands are the lower bounds (total licenses) of the
	// size bands after the first: the default 10, 50, 250, 1000 makes the
	// bands 1–9, 10–49, 50–249, 250–999 and 1000 or more.
	LowAllocationSizeBands []int
	// BackfillDays bounds how far back the worker recomputes by itself: on
	// its first run, and for late data. Older days are computed only on
	// request (PartnerOverviewDays, flexhub rollup --from --to).
	BackfillDays int
}

// DefaultPartnerOverviewConfig are the documented defaults.
func DefaultPartnerOverviewConfig() PartnerOverviewConfig {
	return PartnerOverviewConfig{
		ExpiringSoonDays:       14,
		NoRecentActivityDays:   30,
		LowAllocationRatio:     0.5,
		LowAllocationMinPeers:  5,
		LowAllocationSizeBands: []int{10, 50, 250, 1000},
		BackfillDays:           120,
	}
}

// Validate says what is wrong with a configuration.
func (c PartnerOverviewConfig) Validate() error {
	switch {
	case c.ExpiringSoonDays < 0 || c.ExpiringSoonDays > 365:
		return fmt.Errorf("expiring-soon days %d: want 0 to 365", c.ExpiringSoonDays)
	case c.NoRecentActivityDays < 1 || c.NoRecentActivityDays > 365:
		return fmt.Errorf("no-recent-activity days %d: want 1 to 365", c.NoRecentActivityDays)
	case c.LowAllocationRatio <= 0 || c.LowAllocationRatio > 1:
		return fmt.Errorf("low-allocation ratio %v: want more than 0, at most 1", c.LowAllocationRatio)
	case c.LowAllocationMinPeers < 1:
		return fmt.Errorf("low-allocation minimum peers %d: want at least 1", c.LowAllocationMinPeers)
	case c.BackfillDays < 0:
		return fmt.Errorf("backfill days %d: want 0 or more", c.BackfillDays)
	}
	for i, b := range c.LowAllocationSizeBands {
		if b < 1 || (i > 0 && b <= c.LowAllocationSizeBands[i-1]) {
			return fmt.Errorf("low-allocation size bands %v: want increasing positive license counts", c.LowAllocationSizeBands)
		}
	}
	return nil
}

// SetPartnerOverviewConfig replaces the defaults (before Run).
func (wk *Worker) SetPartnerOverviewConfig(c PartnerOverviewConfig) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("partner overview: %w", err)
	}
	wk.partner = c
	return nil
}

// partnerOverview brings the overview's daily rows up to date: every day
// from the first one touched by what arrived in (since, until] up to
// today, for the partners it belongs to; and, once the date has moved on
// since the last run, the new days for every partner (a subscription
// expires, a sign-in becomes old, without any new event).
func (wk *Worker) partnerOverview(ctx context.Context, since, until time.Time) error {
	today := until.UTC().Truncate(24 * time.Hour)
	floor := today.AddDate(0, 0, -wk.partner.BackfillDays)
	res, err := wk.w.Query(ctx, partnerChangesSQL, warehouse.P("since", since, "until", until))
	if err != nil {
		return fmt.Errorf("changed partners: %w", err)
	}
	first := map[string]time.Time{}
	start := today.AddDate(0, 0, 1)
	for _, r := range res.Rows {
		d := warehouse.Time(r[1])
		if d.After(today) {
			continue // dated in the future: computed when its day comes
		}
		if d.Before(floor) {
			d = floor
		}
		first[warehouse.Str(r[0])] = d
		start = minTime(start, d)
	}
	// After the first run, the days since the previous run's day are new
	// for every partner.
	allFrom := today.AddDate(0, 0, 1)
	if prev := since.UTC().Truncate(24 * time.Hour); since.After(time.Unix(0, 0)) && prev.Before(today) {
		allFrom = maxTime(prev.AddDate(0, 0, 1), floor)
		start = minTime(start, allFrom)
	}
	days := 0
	for d := start; !d.After(today); d = d.AddDate(0, 0, 1) {
		var partners []string // empty: every partner
		if d.Before(allFrom) {
			for p, f := range first {
				if !f.After(d) {
					partners = append(partners, p)
				}
			}
			if len(partners) == 0 {
				continue
			}
			slices.Sort(partners)
		}
		if err := wk.partnerOverviewDay(ctx, d, partners); err != nil {
			return err
		}
		days++
	}
	if days > 0 {
		wk.log.Info("rolled up", "rollup", "partner_overview", "days", days, "partners_changed", len(first))
	}
	return nil
}

// PartnerOverviewDays recomputes the overview of every partner for each
// day of [from, to], whatever the watermark says.
func (wk *Worker) PartnerOverviewDays(ctx context.Context, from, to time.Time) error {
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to); d = d.AddDate(0, 0, 1) {
		if err := wk.partnerOverviewDay(ctx, d, nil); err != nil {
			return err
		}
	}
	return nil
}

// partnerOverviewDay computes one day for the partners (nil: all): first
// the subscriptions, then the customers, which read the subscriptions.
func (wk *Worker) partnerOverviewDay(ctx context.Context, day time.Time, partners []string) error {
	if partners == nil {
		partners = []string{}
	}
	c := wk.partner
	bands := "["
	for i, b := range c.LowAllocationSizeBands {
		if i > 0 {
			bands += ","
		}
		bands += fmt.Sprint(b)
	}
	bands += "]"
	p := warehouse.P("day", warehouse.Date(day), "partners", partners, "computed_at", wk.now().UTC(),
		"low_ratio", c.LowAllocationRatio, "min_peers", c.LowAllocationMinPeers,
		"expiring_soon_days", c.ExpiringSoonDays, "no_recent_activity_days", c.NoRecentActivityDays)
	p["size_bands"] = bands
	if err := wk.w.Exec(ctx, partnerSubscriptionDailySQL, p); err != nil {
		return fmt.Errorf("subscriptions of %s: %w", day.Format(time.DateOnly), err)
	}
	if err := wk.w.Exec(ctx, partnerCustomerDailySQL, p); err != nil {
		return fmt.Errorf("customers of %s: %w", day.Format(time.DateOnly), err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
