package query

import (
	_ "embed"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/flex_partner_known.sql
var flexPartnerKnownSQL string

//go:embed sql/flex_partner_report.sql
var flexPartnerReportSQL string

//go:embed sql/flex_partner_report_window.sql
var flexPartnerReportWindowSQL string

//go:embed sql/flex_partner_report_licenses.sql
var flexPartnerReportLicensesSQL string

// The License Usage report's sort keys (columns of the statement's rows).
var partnerReportSorts = []string{"customer_name", "subscription_id", "flex_model", "status", "purchased", "consumed", "overage"}

const (
	flexDefaultPageSize = 50
	flexMaxPageSize     = 500
)

// ReportLicense is one license type of a subscription in the report.
type ReportLicense struct {
	LicenseType    string `json:"license_type"`
	Purchased      int64  `json:"purchased"`
	Consumed       int64  `json:"consumed"`
	ConsumedLatest int64  `json:"consumed_latest"`
	Overage        int64  `json:"overage"`
	OverageDays    int64  `json:"overage_days"`
}

// ReportRow is one customer subscription in the License Usage report.
type ReportRow struct {
	CustomerID     string          `json:"customer_id"`
	CustomerName   string          `json:"customer_name"`
	SubscriptionID string          `json:"subscription_id"`
	FlexModel      string          `json:"flex_model"`
	FlexModelName  string          `json:"flex_model_name"`
	Status         string          `json:"status"`
	EABelowMinimum bool            `json:"ea_below_minimum"`
	Purchased      int64           `json:"purchased"`
	Consumed       int64           `json:"consumed"`
	Overage        int64           `json:"overage"`
	Licenses       []ReportLicense `json:"licenses"`
}

// PartnerLicenseUsage answers GET /partners/{partner_id}/license-usage.
type PartnerLicenseUsage struct {
	PartnerID string      `json:"partner_id"`
	Window    WindowJSON  `json:"window"`
	Total     int64       `json:"total"`
	Limit     int         `json:"limit"`
	Offset    int         `json:"offset"`
	Items     []ReportRow `json:"items"`
}

// knownPartner answers whether the caller may see the partner, and
// whether the report's windows are ready as of today; a problem has been
// written when it may not.
func (s *Server) knownPartner(w http.ResponseWriter, r *http.Request, partner string) (ok, windowsReady bool) {
	today := s.cfg.Now().UTC().Truncate(24 * time.Hour)
	res, err := s.store(r).Query(r.Context(), flexPartnerKnownSQL, warehouse.P("partner_id", partner, "today", warehouse.Date(today)))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return false, false
	}
	if len(res.Rows) == 0 || !truthy(res.Rows[0][0]) {
		writeProblem(w, r, problemNotFound("no partner "+partner))
		return false, false
	}
	return true, truthy(res.Rows[0][1])
}

func parseBool(r *http.Request, name string, errs *paramErrors) bool {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false
	case "true":
		return true
	default:
		errs.add(name, "want true or false, got "+strconv.Quote(v))
		return false
	}
}

func (s *Server) partnerLicenseUsage(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	partner := chi.URLParam(r, "partner_id")
	checkID("partner_id", partner, &errs)
	checkKnownParams(r, &errs, "window", "from", "to", "q", "overage", "model", "sort", "order", "limit", "offset")
	// The reference's report opens on "today"; 7 to 90 days on request.
	win := parseWindow(r, s.cfg.Now(), 1, &errs)
	q := r.URL.Query()
	search := strings.TrimSpace(q.Get("q"))
	if utf8.RuneCountInString(search) > 256 {
		errs.add("q", "at most 256 characters")
	}
	overageOnly := parseBool(r, "overage", &errs)
	model := q.Get("model")
	if model != "" && !slices.ContainsFunc(rollup.FlexModels, func(m rollup.FlexModel) bool { return m.ID == model }) {
		errs.add("model", "want flex2, flex3_nu or flex3_ea, got "+strconv.Quote(model))
	}
	sort := q.Get("sort")
	if sort == "" {
		sort = "customer_name"
	} else if !slices.Contains(partnerReportSorts, sort) {
		errs.add("sort", "want one of "+strings.Join(partnerReportSorts, ", ")+", got "+strconv.Quote(sort))
	}
	order := q.Get("order")
	if order != "" && order != "asc" && order != "desc" {
		errs.add("order", "want asc or desc, got "+strconv.Quote(order))
	}
	limit := intParam(r, "limit", flexDefaultPageSize, 1, flexMaxPageSize, &errs)
	offset := intParam(r, "offset", 0, 0, 1_000_000, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	ok, windowsReady := s.knownPartner(w, r, partner)
	if !ok {
		return
	}
	// A window ending today reads the windows the rollup keeps ready; an
	// explicit period (or a day the rollup has not reached yet) reads the
	// daily figures.
	today := s.cfg.Now().UTC().Truncate(24 * time.Hour)
	sql := flexPartnerReportSQL
	if windowsReady && q.Get("from") == "" && win.To.Equal(today) && win.Days() <= rollup.FlexWindowDays {
		sql = flexPartnerReportWindowSQL
	}
	p := warehouse.P("today", warehouse.Date(today), "days", win.Days(), "partner_id", partner, "from", warehouse.Date(win.From), "to", warehouse.Date(win.To),
		"q", search, "overage_only", overageOnly, "model", model, "sort", sort, "descending", order == "desc",
		"limit", limit, "offset", offset)
	res, err := s.store(r).Query(r.Context(), sql, p)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	var total int64
	if len(res.Rows) == 0 && offset > 0 {
		// Past the last page: count what there is.
		p["offset"], p["limit"] = "0", "1"
		first, err := s.store(r).Query(r.Context(), sql, p)
		if err != nil {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		if len(first.Rows) > 0 {
			total = warehouse.Int(first.Rows[0][9])
		}
	}
	out := PartnerLicenseUsage{PartnerID: partner, Window: windowJSON(win), Total: total, Limit: limit, Offset: offset, Items: []ReportRow{}}
	var ids []string
	for _, row := range res.Rows {
		out.Total = warehouse.Int(row[9])
		model := warehouse.Str(row[3])
		out.Items = append(out.Items, ReportRow{CustomerID: warehouse.Str(row[0]), CustomerName: warehouse.Str(row[1]),
			SubscriptionID: warehouse.Str(row[2]), FlexModel: model, FlexModelName: modelName(model),
			Status: warehouse.Str(row[4]), EABelowMinimum: truthy(row[5]), Purchased: warehouse.Int(row[6]),
			Consumed: warehouse.Int(row[7]), Overage: warehouse.Int(row[8]), Licenses: []ReportLicense{}})
		if id := warehouse.Str(row[0]); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		lics, err := s.store(r).Query(r.Context(), flexPartnerReportLicensesSQL, warehouse.P("partner_id", partner,
			"customers", ids, "from", warehouse.Date(win.From), "to", warehouse.Date(win.To)))
		if err != nil {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		bySub := map[[2]string][]ReportLicense{}
		for _, l := range lics.Rows {
			k := [2]string{warehouse.Str(l[0]), warehouse.Str(l[1])}
			bySub[k] = append(bySub[k], ReportLicense{LicenseType: warehouse.Str(l[2]), Purchased: warehouse.Int(l[3]),
				Consumed: warehouse.Int(l[4]), ConsumedLatest: warehouse.Int(l[5]), Overage: warehouse.Int(l[6]),
				OverageDays: warehouse.Int(l[7])})
		}
		for i := range out.Items {
			it := &out.Items[i]
			if ls := bySub[[2]string{it.CustomerID, it.SubscriptionID}]; ls != nil {
				slices.SortFunc(ls, func(a, b ReportLicense) int {
					return slices.Index(licenseTypeOrder, a.LicenseType) - slices.Index(licenseTypeOrder, b.LicenseType)
				})
				it.Licenses = ls
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}
