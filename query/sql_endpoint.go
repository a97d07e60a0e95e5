package query

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/flexhub/flexhub/schemas"
	"github.com/flexhub/flexhub/warehouse"
)

// SQLRequest is the body of POST /api/v1/sql.
type SQLRequest struct {
	SQL    string            `json:"sql"`
	Format TableFormat       `json:"format"`
	Params map[string]string `json:"params"`
}

var paramNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// runSQL answers POST /api/v1/sql: one read-only SELECT within the limits,
// audited before it runs. The result is spooled to a temporary file and
// sent once complete, so a statement that fails halfway (a limit reached)
// is a clean 400 rather than a truncated 200; the spool is bounded by the
// result-size limit.
func (s *Server) runSQL(w http.ResponseWriter, r *http.Request) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeProblem(w, r, &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
			Detail: `send {"sql": "SELECT …", "format": "json|csv|parquet|arrow"} as application/json`})
		return
	}
	var req SQLRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeProblem(w, r, &Problem{Status: http.StatusBadRequest, Title: "Invalid request body", Detail: err.Error()})
		return
	}
	var errs paramErrors
	if req.Format == "" {
		req.Format = FormatJSON
	}
	switch req.Format {
	case FormatJSON, FormatCSV, FormatParquet, FormatArrow:
	default:
		errs.add("format", "want json, csv, parquet or arrow")
	}
	params := warehouse.Params{}
	for k, v := range req.Params {
		if !paramNameRe.MatchString(k) || k == "db" || strings.HasPrefix(k, "scope_") {
			errs.add("params."+k, "a parameter name is [A-Za-z_][A-Za-z0-9_]*, and db and scope_* are reserved")
			continue
		}
		params[k] = v
	}
	stmt, err := GuardSQL(req.SQL, s.cfg.SQLLimits)
	if err != nil {
		errs.add("sql", err.Error())
	}
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if err := s.Audit(r, AuditSQL, "", nil, nil, map[string]any{"sql": req.SQL, "format": req.Format}); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	spool, err := os.CreateTemp("", "flexhub-sql-*")
	if err != nil {
		writeProblem(w, r, &Problem{Status: http.StatusInternalServerError, Title: "Internal error", Detail: "no room to spool the result"})
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	tw := NewTableWriter(req.Format, spool)
	// The statement runs on the warehouse itself: ad-hoc SQL is the
	// operator's, across partners, and names its tables as it likes.
	err = s.deps.Warehouse.QueryStream(r.Context(), stmt, params, tw.Write)
	var rows int64
	if err == nil {
		rows, err = tw.Close()
	}
	if err != nil {
		if errors.Is(err, warehouse.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			writeProblem(w, r, s.warehouseProblem(r, err))
			return
		}
		writeProblem(w, r, &Problem{Status: http.StatusBadRequest, Title: "The statement failed",
			Detail: engineMessage(err), Errors: []ProblemItem{{Parameter: "sql", Reason: engineMessage(err)}}})
		return
	}
	size, _ := spool.Seek(0, io.SeekCurrent)
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		writeProblem(w, r, &Problem{Status: http.StatusInternalServerError, Title: "Internal error", Detail: "spool"})
		return
	}
	w.Header().Set("Content-Type", req.Format.ContentType())
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("X-Row-Count", strconv.FormatInt(rows, 10))
	if req.Format == FormatParquet || req.Format == FormatArrow {
		ext := map[TableFormat]string{FormatParquet: "parquet", FormatArrow: "arrows"}[req.Format]
		w.Header().Set("Content-Disposition", `attachment; filename="result.`+ext+`"`)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, spool)
}

// engineMessage is the engine's own words for a failed statement, without
// the statement text the error carries (the caller has it).
func engineMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, " (in: "); i > 0 {
		msg = msg[:i]
	}
	return strings.TrimPrefix(msg, "clickhouse: ")
}

// dictionary answers GET /api/v1/sql/dictionary: every table and column,
// generated from the migrations (docs/data-dictionary.md is the same).
func (s *Server) dictionary(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	tables, err := schemas.Dictionary()
	if err != nil {
		writeProblem(w, r, &Problem{Status: http.StatusInternalServerError, Title: "Internal error", Detail: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"database": warehouse.Database(s.deps.Warehouse), "tables": tables})
}
