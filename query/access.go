package query

import (
	"net/http"
	"slices"
)

// Permission is what a route requires of its caller's role. Every route
// under /api/v1 (but the OpenAPI document) declares one with allow; the
// role × permission table below is the only place that grants them.
type Permission string

const (
	// ViewCustomer: one customer's own views (license usage, clusters,
	// subscriptions, calling figures of that customer).
	ViewCustomer Permission = "view_customer"
	// ViewPartner: partner-wide views over all the caller's customers
	// (customer list, KPIs, sections, the License Usage report).
	ViewPartner Permission = "view_partner"
	// ExportReport: custom reports (xlsx, CSV, Parquet) for any period.
	ExportReport Permission = "export_report"
	// EditTags: create, rename, delete, attach and detach tags.
	EditTags Permission = "edit_tags"
	// ReadAudit: the audit log.
	ReadAudit Permission = "read_audit"
	// IngestEvents: POST /api/v1/events.
	IngestEvents Permission = "ingest_events"
	// RunSQL: ad-hoc SQL.
	RunSQL Permission = "run_sql"
	// TriggerRollups: run rollups on demand.
	TriggerRollups Permission = "trigger_rollups"
)

// The roles of the reference (flex-usage-report.nl.txt, roles section)
// and the installation's operator.
const (
	FullAdmin      Role = "full_admin"
	FullSalesAdmin Role = "full_sales_admin"
	SalesAdmin     Role = "sales_admin" // only the customers assigned to them
	ReadOnlyAdmin  Role = "readonly_admin"
	CustomerAdmin  Role = "customer_admin" // their own organisation only
)

// grants is the role × permission matrix (README: Access control).
var grants = map[Role][]Permission{
	FullAdmin:      {ViewCustomer, ViewPartner, ExportReport, EditTags, ReadAudit},
	FullSalesAdmin: {ViewCustomer, ViewPartner, ExportReport, EditTags},
	SalesAdmin:     {ViewCustomer, ViewPartner, ExportReport},
	ReadOnlyAdmin:  {ViewCustomer, ViewPartner},
	CustomerAdmin:  {ViewCustomer, ExportReport},
	Operator:       {ViewCustomer, ViewPartner, ExportReport, EditTags, ReadAudit, IngestEvents, RunSQL, TriggerRollups},
}

// Roles lists every role, for documentation and tests.
func Roles() []Role {
	return []Role{FullAdmin, FullSalesAdmin, SalesAdmin, ReadOnlyAdmin, CustomerAdmin, Operator}
}

// Can tells whether a role holds a permission.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// allow admits only callers whose role holds perm; others get 403.
func (s *Server) allow(perm Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := PrincipalFrom(r.Context())
			if !ok || !p.Role.Can(perm) {
				writeProblem(w, r, &Problem{Status: http.StatusForbidden, Title: "Forbidden",
					Detail: "the role " + string(p.Role) + " may not " + describe(perm)})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func describe(p Permission) string {
	switch p {
	case ViewCustomer:
		return "view customer reports"
	case ViewPartner:
		return "view partner-wide reports"
	case ExportReport:
		return "download custom reports"
	case EditTags:
		return "edit tags"
	case ReadAudit:
		return "read the audit log"
	case IngestEvents:
		return "publish events"
	case RunSQL:
		return "run SQL"
	case TriggerRollups:
		return "trigger rollups"
	}
	return string(p)
}
