package query

import (
	_ "embed"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/customer_known.sql
var customerKnownSQL string

//go:embed sql/flex_customer_daily.sql
var flexCustomerDailySQL string

//go:embed sql/flex_customer_subscriptions.sql
var flexCustomerSubscriptionsSQL string

//go:embed sql/flex_customer_weekly.sql
var flexCustomerWeeklySQL string

//go:embed sql/flex_customer_clusters.sql
var flexCustomerClustersSQL string

// licenseTypeOrder is the order license types are shown in: Flex 2.0's,
// then the Flex 3.0 tiers, TelePresence last.
var licenseTypeOrder = []string{"KW", "CA", "PRO", "ENH", "ACC", "TP"}

func sortLicenseTypes(ts []string) {
	slices.SortFunc(ts, func(a, b string) int {
		return slices.Index(licenseTypeOrder, a) - slices.Index(licenseTypeOrder, b)
	})
}

// UsageDay is one day of a usage series: consumed per license type, and
// the purchased quantity in force and the overage that day.
type UsageDay struct {
	Date      string           `json:"date"`
	Usage     map[string]int64 `json:"usage"`
	Purchased map[string]int64 `json:"purchased"`
	Overage   map[string]int64 `json:"overage"`
}

// Peak is the highest daily consumption of one license type in a window.
type Peak struct {
	Consumed int64  `json:"consumed"`
	Date     string `json:"date"`
}

// UsageWeek is one week (from Sunday) of a customer's figures.
type UsageWeek struct {
	Week        string           `json:"week"`
	Peak        map[string]int64 `json:"peak"`
	Purchased   map[string]int64 `json:"purchased"`
	OveragePeak map[string]int64 `json:"overage_peak"`
	OverageDays map[string]int64 `json:"overage_days"`
}

// SubscriptionLicense is one license type of a subscription.
type SubscriptionLicense struct {
	LicenseType string `json:"license_type"`
	Name        string `json:"name"`
	Purchased   int64  `json:"purchased"`
	Consumed    int64  `json:"consumed"`
	Overage     int64  `json:"overage"`
	Peak        Peak   `json:"peak"`
	OveragePeak int64  `json:"overage_peak"`
	Compliance  string `json:"compliance"`
}

// FlexSubscription is a subscription as of its last day in the window.
type FlexSubscription struct {
	SubscriptionID string `json:"subscription_id"`
	FlexModel      string `json:"flex_model"`
	FlexModelName  string `json:"flex_model_name"`
	AsOf           string `json:"as_of"`
	// Status: compliant, overage, below_minimum, no_subscription.
	Status         string                `json:"status"`
	EABelowMinimum bool                  `json:"ea_below_minimum"`
	CarriesUsage   bool                  `json:"carries_usage"`
	TotalPurchased int64                 `json:"total_entitlements"`
	TotalConsumed  int64                 `json:"total_usage"`
	TotalOverage   int64                 `json:"total_overage"`
	Licenses       []SubscriptionLicense `json:"licenses"`
}

// LicenseUsage answers GET /customers/{customer_id}/license-usage: the
// customer Flex view.
type LicenseUsage struct {
	CustomerID    string             `json:"customer_id"`
	CustomerName  string             `json:"customer_name"`
	Window        WindowJSON         `json:"window"`
	LicenseTypes  []string           `json:"license_types"`
	Subscriptions []FlexSubscription `json:"subscriptions"`
	Daily         []UsageDay         `json:"daily"`
	Weekly        []UsageWeek        `json:"weekly"`
	Peak          map[string]Peak    `json:"peak"`
	Latest        *UsageDay          `json:"latest"`
}

// WindowJSON is a window as the API shows it.
type WindowJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

func windowJSON(w Window) WindowJSON {
	return WindowJSON{From: w.From.Format(time.DateOnly), To: w.To.Format(time.DateOnly), Days: w.Days()}
}

func modelName(id string) string {
	for _, m := range rollup.FlexModels {
		if m.ID == id {
			return m.Name
		}
	}
	return id
}

// knownCustomer answers whether the caller may see the customer, its name
// and the partners its rows are under; a problem has been written when ok
// is false.
func (s *Server) knownCustomer(w http.ResponseWriter, r *http.Request, customer string) (name string, partners []string, ok bool) {
	known, err := s.store(r).Query(r.Context(), customerKnownSQL, warehouse.P("customer_id", customer))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return "", nil, false
	}
	if len(known.Rows) == 0 || !truthy(known.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no customer "+customer))
		return "", nil, false
	}
	partners, _ = known.Rows[0][2].([]string)
	if partners == nil {
		partners = []string{}
	}
	return warehouse.Str(known.Rows[0][1]), partners, true
}

func (s *Server) licenseUsage(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	customer := chi.URLParam(r, "customer_id")
	checkID("customer_id", customer, &errs)
	checkKnownParams(r, &errs, "window", "from", "to")
	win := parseWindow(r, s.cfg.Now(), 7, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	name, partners, ok := s.knownCustomer(w, r, customer)
	if !ok {
		return
	}
	ctx := r.Context()
	p := warehouse.P("customer_id", customer, "partners", partners, "from", warehouse.Date(win.From), "to", warehouse.Date(win.To))
	daily, err := s.store(r).Query(ctx, flexCustomerDailySQL, p)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	subs, err := s.store(r).Query(ctx, flexCustomerSubscriptionsSQL, p)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	weekly, err := s.store(r).Query(ctx, flexCustomerWeeklySQL, p)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	out := LicenseUsage{CustomerID: customer, CustomerName: name, Window: windowJSON(win), LicenseTypes: []string{},
		Subscriptions: []FlexSubscription{}, Daily: []UsageDay{}, Weekly: []UsageWeek{}, Peak: map[string]Peak{}}
	for _, row := range daily.Rows {
		day := warehouse.Time(row[0]).Format(time.DateOnly)
		lt, n := warehouse.Str(row[1]), warehouse.Int(row[2])
		// Rows come ordered by day.
		if k := len(out.Daily); k == 0 || out.Daily[k-1].Date != day {
			out.Daily = append(out.Daily, UsageDay{Date: day, Usage: map[string]int64{},
				Purchased: map[string]int64{}, Overage: map[string]int64{}})
		}
		d := &out.Daily[len(out.Daily)-1]
		d.Usage[lt], d.Purchased[lt], d.Overage[lt] = n, warehouse.Int(row[3]), warehouse.Int(row[4])
		if !slices.Contains(out.LicenseTypes, lt) {
			out.LicenseTypes = append(out.LicenseTypes, lt)
		}
		// The first day reaching the maximum wins.
		if pk, ok := out.Peak[lt]; !ok || n > pk.Consumed {
			out.Peak[lt] = Peak{Consumed: n, Date: day}
		}
	}
	sortLicenseTypes(out.LicenseTypes)
	if n := len(out.Daily); n > 0 {
		out.Latest = &out.Daily[n-1]
	}
	for _, row := range subs.Rows {
		id := warehouse.Str(row[0])
		if k := len(out.Subscriptions); k == 0 || out.Subscriptions[k-1].SubscriptionID != id {
			model := warehouse.Str(row[1])
			out.Subscriptions = append(out.Subscriptions, FlexSubscription{SubscriptionID: id, FlexModel: model,
				FlexModelName: modelName(model), Status: warehouse.Str(row[10]), EABelowMinimum: truthy(row[11]),
				CarriesUsage: truthy(row[12]), Licenses: []SubscriptionLicense{}})
		}
		sub := &out.Subscriptions[len(out.Subscriptions)-1]
		lic := SubscriptionLicense{LicenseType: warehouse.Str(row[2]), Purchased: warehouse.Int(row[4]),
			Consumed: warehouse.Int(row[5]), Overage: warehouse.Int(row[6]),
			Peak:        Peak{Consumed: warehouse.Int(row[7]), Date: warehouse.Time(row[8]).Format(time.DateOnly)},
			OveragePeak: warehouse.Int(row[9]), Compliance: "compliant"}
		lic.Name = rollup.FlexLicenseTypeNames[lic.LicenseType]
		if lic.Overage > 0 {
			lic.Compliance = "overage"
		}
		if asOf := warehouse.Time(row[3]).Format(time.DateOnly); asOf > sub.AsOf {
			sub.AsOf = asOf
		}
		sub.TotalPurchased += lic.Purchased
		sub.TotalConsumed += lic.Consumed
		sub.TotalOverage += lic.Overage
		sub.Licenses = append(sub.Licenses, lic)
	}
	for i := range out.Subscriptions {
		sub := &out.Subscriptions[i]
		slices.SortFunc(sub.Licenses, func(a, b SubscriptionLicense) int {
			return slices.Index(licenseTypeOrder, a.LicenseType) - slices.Index(licenseTypeOrder, b.LicenseType)
		})
		if sub.Status == "" {
			sub.Status, sub.EABelowMinimum = passStatus(sub)
		}
	}
	for _, row := range weekly.Rows {
		week := warehouse.Time(row[0]).Format(time.DateOnly)
		if k := len(out.Weekly); k == 0 || out.Weekly[k-1].Week != week {
			out.Weekly = append(out.Weekly, UsageWeek{Week: week, Peak: map[string]int64{}, Purchased: map[string]int64{},
				OveragePeak: map[string]int64{}, OverageDays: map[string]int64{}})
		}
		wk := &out.Weekly[len(out.Weekly)-1]
		lt := warehouse.Str(row[1])
		wk.Peak[lt], wk.Purchased[lt] = warehouse.Int(row[2]), warehouse.Int(row[3])
		wk.OveragePeak[lt], wk.OverageDays[lt] = warehouse.Int(row[4]), warehouse.Int(row[5])
	}
	writeJSON(w, http.StatusOK, out)
}

// FlexCluster is one UCM cluster of a customer on a day.
type FlexCluster struct {
	ClusterID    string `json:"cluster_id"`
	ClusterName  string `json:"cluster_name"`
	Region       string `json:"region"`
	Version      string `json:"version"`
	Publisher    string `json:"publisher"`
	FirstSeenAt  string `json:"first_seen_at"`
	LastSyncedAt string `json:"last_synced_at"`
	// Status: current (synced that day), carried (an earlier snapshot
	// counts), stale (no sync within the carry period: nothing counts).
	Status       string           `json:"status"`
	SnapshotDate *string          `json:"snapshot_date"`
	Usage        map[string]int64 `json:"usage"`
}

// FlexClusters answers GET /customers/{customer_id}/clusters.
type FlexClusters struct {
	CustomerID   string        `json:"customer_id"`
	Date         string        `json:"date"`
	FlexModel    string        `json:"flex_model"`
	LicenseTypes []string      `json:"license_types"`
	Clusters     []FlexCluster `json:"clusters"`
}

func (s *Server) customerClusters(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	customer := chi.URLParam(r, "customer_id")
	checkID("customer_id", customer, &errs)
	checkKnownParams(r, &errs, "date")
	date := s.cfg.Now().UTC().Truncate(24 * time.Hour)
	if v := r.URL.Query().Get("date"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs.add("date", "want a date YYYY-MM-DD, got "+strconv.Quote(v))
		}
		date = d
	}
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	_, partners, ok := s.knownCustomer(w, r, customer)
	if !ok {
		return
	}
	res, err := s.store(r).Query(r.Context(), flexCustomerClustersSQL, warehouse.P("customer_id", customer,
		"partners", partners, "date", warehouse.Date(date)))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	out := FlexClusters{CustomerID: customer, Date: date.Format(time.DateOnly), FlexModel: rollup.FlexUnsubscribedModel,
		Clusters: []FlexCluster{}}
	for _, row := range res.Rows {
		if m := warehouse.Str(row[10]); m != "" {
			out.FlexModel = m
		}
	}
	for _, m := range rollup.FlexModels {
		if m.ID == out.FlexModel {
			out.LicenseTypes = m.LicenseTypes
		}
	}
	for _, row := range res.Rows {
		c := FlexCluster{ClusterID: warehouse.Str(row[0]), ClusterName: warehouse.Str(row[1]), Region: warehouse.Str(row[2]),
			Version: warehouse.Str(row[3]), Publisher: warehouse.Str(row[4]),
			FirstSeenAt:  warehouse.Time(row[5]).Format(time.RFC3339),
			LastSyncedAt: warehouse.Time(row[6]).Format(time.RFC3339),
			Status:       "stale", Usage: map[string]int64{}}
		for _, lt := range out.LicenseTypes {
			c.Usage[lt] = 0
		}
		if truthy(row[8]) {
			snap := warehouse.Time(row[7]).Format(time.DateOnly)
			c.SnapshotDate = &snap
			c.Status = "carried"
			if snap == out.Date {
				c.Status = "current"
			}
			classes := map[string]int64{}
			if m, ok := row[9].(map[string]any); ok {
				for k, v := range m {
					classes[k] = warehouse.Int(v)
				}
			}
			for lt, n := range rollup.LicensesOf(out.FlexModel, classes) {
				c.Usage[lt] = n
			}
		}
		out.Clusters = append(out.Clusters, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// passStatus is a subscription's status while a rollup pass has written
// its license figures but not yet its compliance row (the same rule as
// rollup/sql/flex_subscription_daily.sql), so a reader never sees none.
func passStatus(sub *FlexSubscription) (string, bool) {
	below := false
	if sub.FlexModel == "flex3_ea" {
		for _, l := range sub.Licenses {
			below = below || (l.LicenseType == "KW" && l.Purchased < rollup.EAMinimumKW)
		}
	}
	switch {
	case sub.SubscriptionID == "":
		return "no_subscription", below
	case sub.TotalOverage > 0:
		return "overage", below
	case below:
		return "below_minimum", below
	}
	return "compliant", below
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	default:
		return warehouse.Int(v) != 0
	}
}
