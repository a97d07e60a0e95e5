package query

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

// AuditEntry is one audited action.
type AuditEntry struct {
	At          time.Time `json:"at"`
	Subject     string    `json:"subject"`
	Role        string    `json:"role"`
	PartnerID   string    `json:"partner_id"`
	Action      string    `json:"action"`
	CustomerIDs []string  `json:"customer_ids"`
	PeriodFrom  *string   `json:"period_from"`
	PeriodTo    *string   `json:"period_to"`
	Detail      string    `json:"detail"`
	RequestID   string    `json:"request_id"`
}

// Audited actions.
const (
	AuditReportDownload = "report.download"
	AuditTagCreate      = "tag.create"
	AuditTagRename      = "tag.rename"
	AuditTagDelete      = "tag.delete"
	AuditTagAttach      = "tag.attach"
	AuditTagDetach      = "tag.detach"
	AuditSQL            = "sql.run"
)

var auditColumns = []warehouse.Column{
	{Name: "at", Type: "DateTime64(3)"}, {Name: "subject", Type: "String"}, {Name: "role", Type: "String"},
	{Name: "partner_id", Type: "String"}, {Name: "action", Type: "String"}, {Name: "customer_ids", Type: "Array(String)"},
	{Name: "period_from", Type: "Nullable(Date)"}, {Name: "period_to", Type: "Nullable(Date)"},
	{Name: "detail", Type: "String"}, {Name: "request_id", Type: "String"},
}

// Audit records an action of the request's principal before it takes
// effect; the caller refuses the action (503) when the record cannot be
// written, so no audited action goes unrecorded. partner is the partner
// the action concerns ("" when it is the principal's own or none);
// period may be nil; detail is JSON-encoded.
func (s *Server) Audit(r *http.Request, action, partner string, customers []string, period *Window, detail any) error {
	p, _ := PrincipalFrom(r.Context())
	if partner == "" {
		partner = p.PartnerID
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if customers == nil {
		customers = []string{}
	}
	var from, to any
	if period != nil {
		from, to = period.From, period.To
	}
	b := warehouse.MustBatch("audit_log", auditColumns)
	if err := b.Append(s.cfg.Now().UTC(), p.Subject, string(p.Role), partner, action, customers, from, to, string(d), requestID(r)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := s.deps.Warehouse.Insert(r.Context(), b, ""); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// requestID is the caller's X-Request-Id, or a new one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

//go:embed sql/audit_log.sql
var auditLogSQL string

// auditLog answers GET /api/v1/audit: the newest entries first, within
// the caller's partner (the operator sees all).
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs, "window", "from", "to", "action", "subject", "limit")
	win := parseWindow(r, s.cfg.Now(), 7, &errs)
	q := r.URL.Query()
	limit := intParam(r, "limit", 100, 1, 1000, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	res, err := s.store(r).Query(r.Context(), auditLogSQL, warehouse.P(
		"from", warehouse.Date(win.From), "to", warehouse.Date(win.To), "action", q.Get("action"),
		"subject", q.Get("subject"), "limit", limit))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	out := struct {
		Window  WindowJSON   `json:"window"`
		Entries []AuditEntry `json:"entries"`
	}{Window: windowJSON(win), Entries: []AuditEntry{}}
	for _, row := range res.Rows {
		e := AuditEntry{At: warehouse.Time(row[0]), Subject: warehouse.Str(row[1]), Role: warehouse.Str(row[2]),
			PartnerID: warehouse.Str(row[3]), Action: warehouse.Str(row[4]), Detail: warehouse.Str(row[8]), RequestID: warehouse.Str(row[9])}
		e.CustomerIDs, _ = row[5].([]string)
		if e.CustomerIDs == nil {
			e.CustomerIDs = []string{}
		}
		for i, dst := range []**string{&e.PeriodFrom, &e.PeriodTo} {
			if t, ok := row[6+i].(time.Time); ok {
				d := t.Format(time.DateOnly)
				*dst = &d
			}
		}
		out.Entries = append(out.Entries, e)
	}
	writeJSON(w, http.StatusOK, out)
}
