package query

import (
	"embed"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/license_usage.sql
var licenseUsageSQL string

//go:embed sql/customer_known.sql
var customerKnownSQL string

// sqlFiles holds every statement the API runs (the scope lint reads them).
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// UsageDay is one day of a usage series.
type UsageDay struct {
	Date  string           `json:"date"`
	Usage map[string]int64 `json:"usage"`
}

// Peak is the highest daily consumption of one license type in a window.
type Peak struct {
	Consumed int64  `json:"consumed"`
	Date     string `json:"date"`
}

// LicenseUsage answers GET /customers/{customer_id}/license-usage.
type LicenseUsage struct {
	CustomerID   string          `json:"customer_id"`
	Window       WindowJSON      `json:"window"`
	LicenseTypes []string        `json:"license_types"`
	Daily        []UsageDay      `json:"daily"`
	Peak         map[string]Peak `json:"peak"`
	Latest       *UsageDay       `json:"latest"`
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
	ctx := r.Context()
	known, err := s.store(r).Query(ctx, customerKnownSQL, warehouse.P("customer_id", customer))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if len(known.Rows) == 0 || !truthy(known.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no customer "+customer+" with UCM inventory"))
		return
	}
	res, err := s.store(r).Query(ctx, licenseUsageSQL, warehouse.P(
		"customer_id", customer, "from", warehouse.Date(win.From), "to", warehouse.Date(win.To)))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	out := LicenseUsage{CustomerID: customer, Window: windowJSON(win), LicenseTypes: []string{},
		Daily: []UsageDay{}, Peak: map[string]Peak{}}
	for _, row := range res.Rows {
		day := warehouse.Time(row[0]).Format(time.DateOnly)
		lt, n := warehouse.Str(row[1]), warehouse.Int(row[2])
		// Rows come ordered by day.
		if k := len(out.Daily); k == 0 || out.Daily[k-1].Date != day {
			out.Daily = append(out.Daily, UsageDay{Date: day, Usage: map[string]int64{}})
		}
		out.Daily[len(out.Daily)-1].Usage[lt] = n
		if !slices.Contains(out.LicenseTypes, lt) {
			out.LicenseTypes = append(out.LicenseTypes, lt)
		}
		// Rows come by day, so the first day reaching the maximum wins.
		if p, ok := out.Peak[lt]; !ok || n > p.Consumed {
			out.Peak[lt] = Peak{Consumed: n, Date: day}
		}
	}
	slices.Sort(out.LicenseTypes)
	if n := len(out.Daily); n > 0 {
		out.Latest = &out.Daily[n-1]
	}
	writeJSON(w, http.StatusOK, out)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	default:
		return warehouse.Int(v) != 0
	}
}
