package query

import (
	_ "embed"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/partner_customers.sql
var partnerCustomersSQL string

//go:embed sql/partner_customer_profile.sql
var partnerCustomerProfileSQL string

//go:embed sql/partner_customer_subscriptions.sql
var partnerCustomerSubscriptionsSQL string

//go:embed sql/partner_customer_admins.sql
var partnerCustomerAdminsSQL string

//go:embed sql/partner_customer_tags.sql
var partnerCustomerTagsSQL string

// CustomerStatuses are the reference's eight statuses in precedence order
// (README: Partner overview); a customer's status is the first that holds.
var CustomerStatuses = []string{"suspended", "expired", "license_overage", "expiring_soon",
	"ready_for_order_setup", "no_recent_activity", "trial", "subscription"}

// customerProducts are the products a customer may have ordered.
var customerProducts = []string{"ucm_cloud", "meetings", "calling", "messaging", "realtime_translation"}

// TagRef is a tag as a customer carries it.
type TagRef struct {
	TagID string `json:"tag_id"`
	Name  string `json:"name"`
}

// CustomerListItem is one row of the customer list.
type CustomerListItem struct {
	CustomerID      string   `json:"customer_id"`
	Name            string   `json:"name"`
	Status          string   `json:"status"`
	Statuses        []string `json:"statuses"`
	Tags            []TagRef `json:"tags"`
	Products        []string `json:"products"`
	ManagedBy       string   `json:"managed_by"`
	AddedAt         string   `json:"added_at"`
	LastAdminSignIn *string  `json:"last_admin_sign_in"`
}

// CustomerList answers GET /partners/{partner_id}/customers.
type CustomerList struct {
	PartnerID string             `json:"partner_id"`
	AsOf      string             `json:"as_of"`
	Page      Page               `json:"page"`
	Customers []CustomerListItem `json:"customers"`
}

var customerSorts = []string{"name", "status", "managed_by", "added_at"}

func (s *Server) partnerCustomers(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs, "as_of", "managed_by", "product", "status", "subscription_type", "tag", "q", "sort", "limit", "offset")
	partner := chi.URLParam(r, "partner_id")
	checkID("partner_id", partner, &errs)
	day := parseAsOf(r, s.cfg.Now(), &errs)
	q := r.URL.Query()
	managedBy := q.Get("managed_by")
	if managedBy != "" && managedBy != "partner" && managedBy != "external" {
		errs.add("managed_by", "want partner or external, got "+quote(managedBy))
	}
	products := queryList(r, "product", customerProducts, &errs)
	statuses := queryList(r, "status", CustomerStatuses, &errs)
	subType := q.Get("subscription_type")
	if subType != "" && subType != "subscription" && subType != "trial" {
		errs.add("subscription_type", "want subscription or trial, got "+quote(subType))
	}
	tags := queryList(r, "tag", nil, &errs)
	search := q.Get("q")
	if len([]rune(search)) > 256 {
		errs.add("q", "a search is at most 256 characters")
	}
	sortBy, desc := q.Get("sort"), false
	if strings.HasPrefix(sortBy, "-") {
		sortBy, desc = sortBy[1:], true
	}
	if sortBy == "" {
		sortBy = "name"
	} else if !slices.Contains(customerSorts, sortBy) {
		errs.add("sort", "want one of "+strings.Join(customerSorts, ", ")+", optionally prefixed with - for descending, got "+quote(q.Get("sort")))
	}
	limit, offset := parsePage(r, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if !s.partnerKnown(w, r, partner) {
		return
	}
	params := warehouse.P("partner_id", partner, "day", warehouse.Date(day), "managed_by", managedBy,
		"products", products, "statuses", statuses, "subscription_type", subType, "tags", tags, "q", search,
		"sort", sortBy, "desc", desc, "limit", limit, "offset", offset)
	res, err := s.store(r).Query(r.Context(), partnerCustomersSQL, params)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	out := CustomerList{PartnerID: partner, AsOf: day.Format(time.DateOnly),
		Page: Page{Limit: limit, Offset: offset}, Customers: []CustomerListItem{}}
	for _, v := range res.Rows {
		out.Customers = append(out.Customers, CustomerListItem{
			CustomerID: warehouse.Str(v[0]), Name: warehouse.Str(v[1]), Status: warehouse.Str(v[2]),
			Statuses: strs(v[3]), Tags: tagRefs(v[4]), Products: strs(v[5]), ManagedBy: warehouse.Str(v[6]),
			AddedAt: warehouse.Time(v[7]).Format(time.DateOnly), LastAdminSignIn: optTime(v[8]),
		})
		out.Page.Total = warehouse.Int(v[9])
	}
	if len(res.Rows) == 0 && offset > 0 {
		// Past the last page: count the matches on the first.
		params["offset"], params["limit"] = "0", "1"
		res, err := s.store(r).Query(r.Context(), partnerCustomersSQL, params)
		if err != nil {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		if len(res.Rows) > 0 {
			out.Page.Total = warehouse.Int(res.Rows[0][9])
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func quote(s string) string { return `"` + s + `"` }

// strs reads an Array(String) cell.
func strs(v any) []string {
	switch x := v.(type) {
	case []string:
		if x == nil {
			return []string{}
		}
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, warehouse.Str(e))
		}
		return out
	}
	return []string{}
}

// tagRefs reads an Array(Tuple(String, String)) of tag ids and names.
func tagRefs(v any) []TagRef {
	out := []TagRef{}
	arr, _ := v.([]any)
	for _, e := range arr {
		if t, ok := e.([]any); ok && len(t) == 2 {
			out = append(out, TagRef{TagID: warehouse.Str(t[0]), Name: warehouse.Str(t[1])})
		}
	}
	return out
}

func optTime(v any) *string {
	if v == nil {
		return nil
	}
	t := warehouse.Time(v).UTC().Format(time.RFC3339Nano)
	return &t
}

func optDate(v any) *string {
	if v == nil {
		return nil
	}
	d := warehouse.Time(v).Format(time.DateOnly)
	return &d
}

// OrderHistoryEntry is one version of a subscription: the order (or
// change) that made it and what it said.
type OrderHistoryEntry struct {
	OrderID    string           `json:"order_id"`
	ChangedAt  string           `json:"changed_at"`
	Status     string           `json:"status"`
	StartDate  string           `json:"start_date"`
	EndDate    *string          `json:"end_date"`
	Licenses   map[string]int64 `json:"licenses"`
	InvoiceRef string           `json:"invoice_ref"`
}

// CustomerSubscription is one subscription of the customer detail's
// Subscriptions tab: the version in force, the ordered licenses, the
// invoice, the license figures of the day and the order history (newest
// first).
type CustomerSubscription struct {
	SubscriptionID string              `json:"subscription_id"`
	Product        string              `json:"product"`
	FlexModel      *string             `json:"flex_model"`
	Status         string              `json:"status"`
	StartDate      string              `json:"start_date"`
	EndDate        *string             `json:"end_date"`
	RenewalDate    *string             `json:"renewal_date"`
	AutoRenew      bool                `json:"auto_renew"`
	Licenses       map[string]int64    `json:"licenses"`
	InvoiceRef     string              `json:"invoice_ref"`
	Figures        *LicenseFigures     `json:"figures"`
	OrderHistory   []OrderHistoryEntry `json:"order_history"`
}

// LicenseFigures are a USER-license subscription's figures on the day
// (nil for a Flex subscription, or a day the rollup has not computed).
type LicenseFigures struct {
	Total     int64 `json:"total"`
	Used      int64 `json:"used"`
	Assigned  int64 `json:"assigned"`
	Available int64 `json:"available"`
}

// CustomerTrial is one trial of the Trials tab.
type CustomerTrial struct {
	TrialID   string           `json:"trial_id"`
	Product   string           `json:"product"`
	Status    string           `json:"status"`
	StartDate string           `json:"start_date"`
	EndDate   *string          `json:"end_date"`
	DaysLeft  *int64           `json:"days_left"`
	Ongoing   bool             `json:"ongoing"`
	Licenses  map[string]int64 `json:"licenses"`
	Figures   *LicenseFigures  `json:"figures"`
}

// PartnerAdmin is one partner admin assigned to the customer.
type PartnerAdmin struct {
	AdminID       string `json:"admin_id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	Role          string `json:"role"`
	AssignedSince string `json:"assigned_since"`
}

// CustomerDetail answers GET /customers/{customer_id}/detail.
type CustomerDetail struct {
	CustomerID         string                 `json:"customer_id"`
	PartnerID          string                 `json:"partner_id"`
	AsOf               string                 `json:"as_of"`
	Name               string                 `json:"name"`
	ManagedBy          string                 `json:"managed_by"`
	Products           []string               `json:"products"`
	ProvisioningStatus string                 `json:"provisioning_status"`
	AddedAt            string                 `json:"added_at"`
	Status             *string                `json:"status"`
	Statuses           []string               `json:"statuses"`
	LastAdminSignIn    *string                `json:"last_admin_sign_in"`
	Tags               []TagRef               `json:"tags"`
	Subscriptions      []CustomerSubscription `json:"subscriptions"`
	Trials             []CustomerTrial        `json:"trials"`
	PartnerAdmins      []PartnerAdmin         `json:"partner_admins"`
}

func (s *Server) customerDetail(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	customer := chi.URLParam(r, "customer_id")
	checkID("customer_id", customer, &errs)
	checkKnownParams(r, &errs, "as_of")
	day := parseAsOf(r, s.cfg.Now(), &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	ctx, st := r.Context(), s.store(r)
	p := warehouse.P("customer_id", customer, "day", warehouse.Date(day))
	res, err := st.Query(ctx, partnerCustomerProfileSQL, p)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if len(res.Rows) == 0 {
		writeProblem(w, r, problemNotFound("no customer "+customer+" as of "+day.Format(time.DateOnly)))
		return
	}
	v := res.Rows[0]
	out := CustomerDetail{CustomerID: customer, PartnerID: warehouse.Str(v[0]), AsOf: day.Format(time.DateOnly),
		Name: warehouse.Str(v[1]), ManagedBy: warehouse.Str(v[2]), Products: strs(v[3]),
		ProvisioningStatus: warehouse.Str(v[4]), AddedAt: warehouse.Time(v[5]).UTC().Format(time.RFC3339Nano),
		Statuses: []string{}, Tags: []TagRef{}, Subscriptions: []CustomerSubscription{}, Trials: []CustomerTrial{},
		PartnerAdmins: []PartnerAdmin{}}
	if truthy(v[6]) {
		st := warehouse.Str(v[7])
		out.Status, out.Statuses, out.LastAdminSignIn = &st, strs(v[8]), optTime(v[9])
	}
	p["partner_id"] = warehouse.FormatParam(out.PartnerID)

	if res, err = st.Query(ctx, partnerCustomerTagsSQL, p); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	for _, t := range res.Rows {
		out.Tags = append(out.Tags, TagRef{TagID: warehouse.Str(t[0]), Name: warehouse.Str(t[1])})
	}

	if res, err = st.Query(ctx, partnerCustomerSubscriptionsSQL, p); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	s.fillSubscriptions(&out, res, day)

	if res, err = st.Query(ctx, partnerCustomerAdminsSQL, p); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	for _, a := range res.Rows {
		out.PartnerAdmins = append(out.PartnerAdmins, PartnerAdmin{AdminID: warehouse.Str(a[0]), Name: warehouse.Str(a[1]),
			Email: warehouse.Str(a[2]), Role: warehouse.Str(a[3]), AssignedSince: warehouse.Time(a[4]).UTC().Format(time.RFC3339Nano)})
	}
	writeJSON(w, http.StatusOK, out)
}

// fillSubscriptions turns the versions (by subscription, oldest first)
// into the Subscriptions and Trials tabs.
func (s *Server) fillSubscriptions(out *CustomerDetail, res *warehouse.Result, day time.Time) {
	type sub struct {
		latest   []any
		versions [][]any
	}
	var order []string
	subs := map[string]*sub{}
	for _, v := range res.Rows {
		id := warehouse.Str(v[0])
		if subs[id] == nil {
			subs[id] = &sub{}
			order = append(order, id)
		}
		subs[id].latest = v
		subs[id].versions = append(subs[id].versions, v)
	}
	sort.Strings(order)
	for _, id := range order {
		sb := subs[id]
		v := sb.latest
		product, licenses := warehouse.Str(v[2]), licenseMap(v[10])
		var figures *LicenseFigures
		if truthy(v[16]) && product != "ucm_flex" {
			total, assigned := warehouse.Int(v[15]), warehouse.Int(v[13])
			figures = &LicenseFigures{Total: total, Used: warehouse.Int(v[14]), Assigned: assigned, Available: max(0, total-assigned)}
		}
		if truthy(v[4]) {
			t := CustomerTrial{TrialID: id, Product: product, Status: warehouse.Str(v[5]),
				StartDate: warehouse.Time(v[6]).Format(time.DateOnly), EndDate: optDate(v[7]), Licenses: licenses, Figures: figures}
			if v[7] != nil {
				left := int64(warehouse.Time(v[7]).Sub(day).Hours() / 24)
				t.DaysLeft = &left
				t.Ongoing = left >= 0 && t.Status == "active"
			} else {
				t.Ongoing = t.Status == "active"
			}
			out.Trials = append(out.Trials, t)
			continue
		}
		cs := CustomerSubscription{SubscriptionID: id, Product: product, Status: warehouse.Str(v[5]),
			StartDate: warehouse.Time(v[6]).Format(time.DateOnly), EndDate: optDate(v[7]), RenewalDate: optDate(v[8]),
			AutoRenew: truthy(v[9]), Licenses: licenses, InvoiceRef: warehouse.Str(v[11]), Figures: figures,
			OrderHistory: []OrderHistoryEntry{}}
		if m := warehouse.Str(v[3]); m != "" {
			cs.FlexModel = &m
		}
		if cs.AutoRenew && cs.RenewalDate == nil && cs.EndDate != nil {
			// Renews the day after its term ends unless the order says otherwise.
			d := warehouse.Time(v[7]).AddDate(0, 0, 1).Format(time.DateOnly)
			cs.RenewalDate = &d
		}
		for i := len(sb.versions) - 1; i >= 0; i-- {
			h := sb.versions[i]
			cs.OrderHistory = append(cs.OrderHistory, OrderHistoryEntry{OrderID: warehouse.Str(h[1]),
				ChangedAt: warehouse.Time(h[12]).UTC().Format(time.RFC3339Nano), Status: warehouse.Str(h[5]),
				StartDate: warehouse.Time(h[6]).Format(time.DateOnly), EndDate: optDate(h[7]),
				Licenses: licenseMap(h[10]), InvoiceRef: warehouse.Str(h[11])})
		}
		out.Subscriptions = append(out.Subscriptions, cs)
	}
}

// licenseMap reads a Map(String, UInt32) cell.
func licenseMap(v any) map[string]int64 {
	out := map[string]int64{}
	if m, ok := v.(map[string]any); ok {
		for k, n := range m {
			out[k] = warehouse.Int(n)
		}
	}
	return out
}
