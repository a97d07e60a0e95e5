package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/ingest/demo"
	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// The isolation world: the demo's generator for two partners, 21 days of
// every event family, written into a fresh database and rolled up. Partner
// A's first customer is the one assigned to the sales admin and the
// customer admin; A's second customer is outside their scope; partner B is
// foreign to everyone but the operator.
type isolationWorld struct {
	w            warehouse.Warehouse
	partnerA     string
	partnerB     string
	own, sibling *demo.Customer // A's first and second customer
	foreign      *demo.Customer // B's first customer
	customersB   []*demo.Customer
	tagA, tagB   string
}

// TestIsolation builds the world once for its subtests (the database
// lives as long as this test).
func TestIsolation(t *testing.T) {
	iw, err := buildIsolationWorld(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("EveryRouteEveryRole", func(t *testing.T) { testEveryRouteEveryRole(t, iw) })
	t.Run("SalesAdminSeesExactlyAssignedCustomers", func(t *testing.T) { testSalesAdminSeesExactlyAssigned(t, iw) })
	t.Run("InjectionStringsChangeNothing", func(t *testing.T) { testInjectionStringsChangeNothing(t, iw) })
}

func buildIsolationWorld(t *testing.T) (*isolationWorld, error) {
	ctx := context.Background()
	w := whtest.Database(t)
	today := time.Now().UTC()
	world, msgs := demo.Events(demo.Config{Seed: 11, Partners: 2, CustomersPerPartner: 6, MaxClusters: 2, MinUsers: 4, MaxUsers: 25},
		"flexhub.", today, 21)
	values := make([][]byte, len(msgs))
	for i, m := range msgs {
		values[i] = m.Value
	}
	if err := ingest.WriteEvents(ctx, w, ingest.NewRegistry("flexhub."), values); err != nil {
		return nil, err
	}
	if err := rollup.NewWorker(w, time.Minute, nil, quietLog()).RunOnce(ctx); err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	iw := &isolationWorld{w: w, partnerA: world.Partners[0].ID, partnerB: world.Partners[1].ID}
	for _, cu := range world.Customers {
		switch {
		case cu.Partner.ID == iw.partnerA && iw.own == nil:
			iw.own = cu
		case cu.Partner.ID == iw.partnerA && iw.sibling == nil:
			iw.sibling = cu
		case cu.Partner.ID == iw.partnerB:
			if iw.foreign == nil {
				iw.foreign = cu
			}
			iw.customersB = append(iw.customersB, cu)
		}
	}
	// One tag in each partner, made by the operator, attached to a customer.
	op := isoServer(t, w, query.Principal{Subject: "op", Role: query.Operator})
	for _, x := range []struct {
		partner, customer string
		id                *string
	}{{iw.partnerA, iw.own.ID, &iw.tagA}, {iw.partnerB, iw.foreign.ID, &iw.tagB}} {
		resp := op.Post(t, "/api/v1/partners/"+x.partner+"/tags", []byte(`{"name":"key account"}`))
		var tag query.Tag
		resp.JSON(t, &tag)
		if resp.Status != http.StatusCreated || tag.TagID == "" {
			return nil, fmt.Errorf("create tag: %d %s", resp.Status, resp.Body)
		}
		*x.id = tag.TagID
		if resp := op.Do(t, http.MethodPut, "/api/v1/customers/"+x.customer+"/tags/"+tag.TagID, nil, nil); resp.Status/100 != 2 {
			return nil, fmt.Errorf("attach tag: %d %s", resp.Status, resp.Body)
		}
	}
	return iw, nil
}

func isoServer(t *testing.T, w warehouse.Warehouse, p query.Principal) *apitest.Client {
	t.Helper()
	srv, err := query.NewServer(query.Config{Logger: quietLog()}, query.Deps{Warehouse: w, Auth: asPrincipal(p)})
	if err != nil {
		t.Fatal(err)
	}
	return &apitest.Client{Handler: srv.Handler()}
}

// exampleRequest is what a route is called with in the isolation and
// injection tests: a body and a query that pass validation, so that scope
// and permission are what decide.
type exampleRequest struct {
	query string
	body  string
}

// examples has an entry for every route; a route without one fails the
// test, so no route escapes it.
var examples = map[string]exampleRequest{
	"POST /events": {body: `[]`},
	"GET /customers/{customer_id}/license-usage":        {query: "window=30d"},
	"GET /customers/{customer_id}/clusters":             {},
	"GET /customers/{customer_id}/license-usage/report": {query: "format=csv"},
	"GET /partners/{partner_id}/license-usage":          {query: "window=30d"},
	"GET /partners/{partner_id}/license-usage/report":   {query: "format=csv&table=summary"},
	"GET /audit":                                         {query: "window=90d"},
	"POST /sql":                                          {body: `{"sql":"SELECT 1"}`},
	"GET /sql/dictionary":                                {},
	"GET /partners/{partner_id}/customers":               {},
	"GET /partners/{partner_id}/overview/kpis":           {},
	"GET /partners/{partner_id}/overview/license-trend":  {},
	"GET /partners/{partner_id}/overview/recently-added": {},
	"GET /partners/{partner_id}/overview/expiring":       {},
	"GET /partners/{partner_id}/overview/renewing":       {},
	"GET /partners/{partner_id}/overview/low-allocation": {},
	"GET /partners/{partner_id}/overview/over-limit":     {},
	"GET /partners/{partner_id}/tags":                    {},
	"POST /partners/{partner_id}/tags":                   {body: `{"name":"isolation"}`},
	"PATCH /partners/{partner_id}/tags/{tag_id}":         {body: `{"name":"renamed"}`},
	"DELETE /partners/{partner_id}/tags/{tag_id}":        {},
	"GET /customers/{customer_id}/detail":                {},
	"PUT /customers/{customer_id}/tags/{tag_id}":         {},
	"DELETE /customers/{customer_id}/tags/{tag_id}":      {},
	"GET /partners/{partner_id}/calling/usage":           {},
	"GET /partners/{partner_id}/calling/quality":         {},
	"GET /partners/{partner_id}/calling/features":        {},
	"GET /partners/{partner_id}/calling/queues":          {},
	"GET /customers/{customer_id}/calling/usage":         {},
	"GET /customers/{customer_id}/calling/quality":       {},
	"GET /customers/{customer_id}/calling/features":      {},
	"GET /customers/{customer_id}/calling/queues":        {},
}

// principals are the roles of partner A (the operator apart).
func (iw *isolationWorld) principals() []query.Principal {
	return []query.Principal{
		{Subject: "full", Role: query.FullAdmin, PartnerID: iw.partnerA},
		{Subject: "fullsales", Role: query.FullSalesAdmin, PartnerID: iw.partnerA},
		{Subject: "sales", Role: query.SalesAdmin, PartnerID: iw.partnerA, CustomerIDs: []string{iw.own.ID}},
		{Subject: "readonly", Role: query.ReadOnlyAdmin, PartnerID: iw.partnerA},
		{Subject: "custadmin", Role: query.CustomerAdmin, PartnerID: iw.partnerA, CustomerIDs: []string{iw.own.ID}},
	}
}

// forbidden lists what must never appear in an answer to p: partner B's
// identifiers and customer names and, for a principal confined to
// customers, those of A's other customer.
func (iw *isolationWorld) forbidden(p query.Principal) []string {
	out := []string{iw.partnerB, iw.tagB}
	for _, cu := range iw.customersB {
		out = append(out, cu.ID, jsonText(cu.Name))
	}
	if p.CustomerIDs != nil {
		out = append(out, iw.sibling.ID, jsonText(iw.sibling.Name))
	}
	return out
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func fill(pattern, partner, customer, tag string) string {
	return strings.NewReplacer("{partner_id}", url.PathEscape(partner), "{customer_id}", url.PathEscape(customer),
		"{tag_id}", url.PathEscape(tag)).Replace(pattern)
}

// Every route × every role × a foreign partner's and a foreign customer's
// identifiers: 403 or 404, and never a row of foreign data.
func testEveryRouteEveryRole(t *testing.T, iw *isolationWorld) {
	for _, rt := range query.Routes() {
		key := rt.Method + " " + rt.Pattern
		ex, ok := examples[key]
		if !ok {
			t.Errorf("route %s has no example request: add it to examples", key)
			continue
		}
		for _, p := range iw.principals() {
			api := isoServer(t, iw.w, p)
			hasIDs := strings.Contains(rt.Pattern, "{")
			type variant struct {
				name, path string
				asked      []string // identifiers the request itself names (an answer may echo them)
			}
			variants := []variant{}
			if hasIDs {
				variants = append(variants, variant{"foreign partner", fill(rt.Pattern, iw.partnerB, iw.foreign.ID, iw.tagB),
					[]string{iw.partnerB, iw.foreign.ID, iw.tagB}})
				if p.CustomerIDs != nil && strings.Contains(rt.Pattern, "{customer_id}") {
					variants = append(variants, variant{"unassigned customer", fill(rt.Pattern, iw.partnerA, iw.sibling.ID, iw.tagA),
						[]string{iw.sibling.ID}})
				}
			} else {
				variants = append(variants, variant{"no identifiers", rt.Pattern, nil})
			}
			// Partner-wide views of the caller's own partner: allowed where
			// the role may, but a confined principal sees only its customers.
			if strings.Contains(rt.Pattern, "{partner_id}") && !strings.Contains(rt.Pattern, "{tag_id}") && rt.Method == http.MethodGet {
				variants = append(variants, variant{"own partner", fill(rt.Pattern, iw.partnerA, iw.own.ID, iw.tagA), nil})
			}
			for _, v := range variants {
				name := fmt.Sprintf("%s/%s/%s", key, p.Role, v.name)
				path := "/api/v1" + v.path
				if ex.query != "" {
					path += "?" + ex.query
				}
				var body []byte
				hdr := http.Header{}
				if ex.body != "" {
					body = []byte(ex.body)
					hdr.Set("Content-Type", "application/json")
				}
				resp := api.Do(t, rt.Method, path, body, hdr)
				switch {
				case !p.Role.Can(rt.Perm):
					if resp.Status != http.StatusForbidden {
						t.Errorf("%s: %d, want 403 (no %s)", name, resp.Status, rt.Perm)
					}
				case v.name == "foreign partner" || v.name == "unassigned customer":
					if resp.Status != http.StatusNotFound {
						t.Errorf("%s: %d, want 404: %.300s", name, resp.Status, resp.Body)
					}
				case resp.Status >= 500:
					t.Errorf("%s: %d: %.300s", name, resp.Status, resp.Body)
				}
				// What the request named may come back (a problem's
				// instance); nothing else foreign may.
				answer := string(resp.Body)
				for _, a := range v.asked {
					answer = strings.ReplaceAll(answer, a, "")
				}
				for _, f := range iw.forbidden(p) {
					if f != "" && strings.Contains(answer, f) {
						t.Errorf("%s: the answer (%d) carries foreign data %q: %.300s", name, resp.Status, f, resp.Body)
					}
				}
			}
		}
	}
	// Nothing was changed in partner B: its tag keeps its name and its
	// customer.
	op := isoServer(t, iw.w, query.Principal{Subject: "op", Role: query.Operator})
	var tags query.TagList
	op.Get(t, "/api/v1/partners/"+iw.partnerB+"/tags").JSON(t, &tags)
	if len(tags.Tags) != 1 || tags.Tags[0].Name != "key account" || tags.Tags[0].Customers != 1 {
		t.Errorf("partner B's tags changed: %+v", tags.Tags)
	}
}

// The sales admin sees exactly their assigned customers in the partner's
// customer list; the full admin sees all of them.
func testSalesAdminSeesExactlyAssigned(t *testing.T, iw *isolationWorld) {
	count := func(p query.Principal) map[string]bool {
		var list struct {
			Customers []struct {
				CustomerID string `json:"customer_id"`
			} `json:"customers"`
		}
		resp := isoServer(t, iw.w, p).Get(t, "/api/v1/partners/"+iw.partnerA+"/customers?limit=500")
		if resp.Status != 200 {
			t.Fatalf("%s: %d %s", p.Role, resp.Status, resp.Body)
		}
		resp.JSON(t, &list)
		out := map[string]bool{}
		for _, c := range list.Customers {
			out[c.CustomerID] = true
		}
		return out
	}
	sales := count(query.Principal{Subject: "sales", Role: query.SalesAdmin, PartnerID: iw.partnerA, CustomerIDs: []string{iw.own.ID}})
	if len(sales) != 1 || !sales[iw.own.ID] {
		t.Errorf("sales admin sees %v, want only %s", sales, iw.own.ID)
	}
	full := count(query.Principal{Subject: "full", Role: query.FullAdmin, PartnerID: iw.partnerA})
	if len(full) < 2 || !full[iw.own.ID] || !full[iw.sibling.ID] || full[iw.foreign.ID] {
		t.Errorf("full admin sees %v", full)
	}
}

// Injection strings in every string parameter — query and path — change
// nothing: no 5xx, no foreign data, every table still there and the same
// size.
func testInjectionStringsChangeNothing(t *testing.T, iw *isolationWorld) {
	ctx := context.Background()
	sizes := func() string {
		res, err := iw.w.Query(ctx, "SELECT name, total_rows FROM system.tables WHERE database = {db:String} AND name NOT IN ('audit_log', 'partner_tag_changes', 'customer_tag_changes') ORDER BY name",
			warehouse.P("db", warehouse.Database(iw.w)))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(res.Rows)
	}
	before := sizes()
	payloads := []string{
		`' OR 1=1 --`, `x') OR ('1'='1`, `"; DROP TABLE ucm_users; --`, `\'; DROP DATABASE x; --`,
		`{scope_all_partners:Bool}`, `%' OR partner_id != '`, "a\x00b", `<script>alert(1)</script>`,
		strings.Repeat("A", 5000), `../../etc/passwd`, `1e309`, `-1`, `2026-13-45`, `9999999999999999999999`,
	}
	p := query.Principal{Subject: "readonly", Role: query.ReadOnlyAdmin, PartnerID: iw.partnerA}
	api := isoServer(t, iw.w, p)
	doc, _ := query.OpenAPIDocument()
	var spec struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Ref  string `json:"$ref"`
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
		Components struct {
			Parameters map[string]struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, rt := range query.Routes() {
		if rt.Method != http.MethodGet || !p.Role.Can(rt.Perm) {
			continue
		}
		op := spec.Paths["/api/v1"+rt.Pattern][strings.ToLower(rt.Method)]
		var params []string
		for _, prm := range op.Parameters {
			name, in := prm.Name, prm.In
			if prm.Ref != "" {
				c := spec.Components.Parameters[prm.Ref[strings.LastIndexByte(prm.Ref, '/')+1:]]
				name, in = c.Name, c.In
			}
			if in == "query" {
				params = append(params, name)
			}
		}
		base := fill(rt.Pattern, iw.partnerA, iw.own.ID, iw.tagA)
		for _, payload := range payloads {
			var paths []string
			for _, prm := range params {
				paths = append(paths, "/api/v1"+base+"?"+url.Values{prm: {payload}}.Encode())
			}
			// Each path identifier in turn.
			for _, id := range []string{"{partner_id}", "{customer_id}", "{tag_id}"} {
				if strings.Contains(rt.Pattern, id) {
					repl := map[string]string{"{partner_id}": iw.partnerA, "{customer_id}": iw.own.ID, "{tag_id}": iw.tagA}
					repl[id] = payload
					paths = append(paths, "/api/v1"+fill(rt.Pattern, repl["{partner_id}"], repl["{customer_id}"], repl["{tag_id}"]))
				}
			}
			for _, path := range paths {
				tried++
				resp := api.Get(t, path)
				if resp.Status >= 500 {
					t.Errorf("GET %s: %d %.300s", path, resp.Status, resp.Body)
				}
				for _, f := range iw.forbidden(p) {
					if strings.Contains(string(resp.Body), f) {
						t.Errorf("GET %s: foreign data %q", path, f)
					}
				}
			}
		}
	}
	if tried < 100 {
		t.Errorf("only %d injection requests; the routes' parameters were not found", tried)
	}
	if after := sizes(); after != before {
		t.Errorf("tables changed:\n before %s\n after  %s", before, after)
	}
}
