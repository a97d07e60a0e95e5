package query_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

func TestGuardSQL(t *testing.T) {
	lim := query.SQLLimits{MaxSeconds: 5, MaxRows: 10, MaxBytes: 1000, MaxMemory: 1 << 30}
	for _, tc := range []struct {
		sql    string
		refuse string // "" when allowed
	}{
		{"SELECT 1", ""},
		{"select count() from flexhub.ucm_users;", ""},
		{"WITH x AS (SELECT 1) SELECT * FROM x", ""},
		{"SELECT 'SETTINGS readonly=0' AS s", ""},               // a literal, not a clause
		{"SELECT `format` FROM (SELECT 1 AS `format`)", ""},     // a quoted name
		{"SELECT 1 -- FORMAT CSV\n", ""},                        // a comment
		{"SELECT 1 /* SETTINGS /* nested */ readonly=0 */", ""}, // a nested comment
		{"SELECT $tag$ SETTINGS ; ) $tag$", ""},                 // a heredoc
		{"SELECT 'it''s', 'a\\'b'", ""},                         // doubled and escaped quotes
		{"SELECT 1 ;;", ""},                                     // trailing semicolons
		{"SELECT 1 SETTINGS readonly = 0", "SETTINGS are not allowed"},
		{"SELECT * FROM (SELECT * FROM file('/etc/passwd') settings readonly=0)", "SETTINGS are not allowed"},
		{"SELECT 1 FORMAT CSV", "FORMAT is not allowed"},
		{"SELECT 1 INTO OUTFILE '/tmp/x'", "OUTFILE is not allowed"},
		{"SELECT 1; DROP DATABASE flexhub", "one statement at a time"},
		{"SELECT 1) UNION ALL (SELECT * FROM file('/etc/passwd')", "unbalanced parentheses"},
		{"SELECT (1", "unbalanced parentheses"},
		{"INSERT INTO flexhub.tags VALUES (1)", "only SELECT"},
		{"DROP TABLE flexhub.ucm_users", "only SELECT"},
		{"ALTER TABLE flexhub.ucm_users DELETE WHERE 1", "only SELECT"},
		{"SYSTEM SHUTDOWN", "only SELECT"},
		{"  ", "empty"},
		{"-- only a comment", "empty"},
		{"SELECT 'unterminated", "unterminated"},
		{"SELECT 1 /* unterminated", "unterminated"},
	} {
		got, err := query.GuardSQL(tc.sql, lim)
		switch {
		case tc.refuse == "" && err != nil:
			t.Errorf("%q refused: %v", tc.sql, err)
		case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
			t.Errorf("%q: got %q, %v; want refusal %q", tc.sql, got, err, tc.refuse)
		case err == nil && (!strings.HasPrefix(got, "SELECT * FROM (\n") || !strings.Contains(got, "readonly = 1") ||
			!strings.Contains(got, "max_result_rows = 10") || !strings.Contains(got, "max_execution_time = 5")):
			t.Errorf("%q wrapped as %q", tc.sql, got)
		}
	}
}

func sqlAPI(t *testing.T) (*apitest.Client, *query.Server) {
	t.Helper()
	w := whtest.Database(t)
	ctx := context.Background()
	if err := w.Exec(ctx, `CREATE TABLE {db:Identifier}.facts (id UInt32, name String, day Date, at DateTime64(3, 'UTC'),
		ratio Float64, ok Bool, tags Array(String), note Nullable(String)) ENGINE = MergeTree ORDER BY id`, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, `INSERT INTO {db:Identifier}.facts VALUES
		(1, 'één', '2026-11-23', '2026-11-23 10:00:00.250', 0.5, true, ['a','b'], NULL),
		(2, 'two, "quoted"', '2026-11-24', '2026-11-24 00:00:00', 2.25, false, [], 'x')`, nil); err != nil {
		t.Fatal(err)
	}
	srv, err := query.NewServer(query.Config{Logger: quietLog(), Now: func() time.Time { return today },
		SQLLimits: query.SQLLimits{MaxSeconds: 10, MaxRows: 1000, MaxBytes: 1 << 20, MaxMemory: 1 << 30}},
		query.Deps{Warehouse: w, Auth: asPrincipal(query.Principal{Subject: "dataeng", Role: query.Operator})})
	if err != nil {
		t.Fatal(err)
	}
	return &apitest.Client{Handler: srv.Handler()}, srv
}

func sqlBody(t *testing.T, sql, format string, params map[string]string) []byte {
	b, err := json.Marshal(map[string]any{"sql": sql, "format": format, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAdHocSQLFormats(t *testing.T) {
	api, _ := sqlAPI(t)
	db := "{db:Identifier}" // bound by the warehouse: the test's database
	stmt := "SELECT id, name, day, at, ratio, ok, tags, note FROM " + db + ".facts WHERE id >= {min:UInt32} ORDER BY id"

	resp := api.Post(t, "/api/v1/sql", sqlBody(t, stmt, "json", map[string]string{"min": "1"}))
	if resp.Status != 200 || resp.Header.Get("X-Row-Count") != "2" {
		t.Fatalf("json: %d %s", resp.Status, resp.Body)
	}
	var js struct {
		Columns []struct{ Name, Type string }
		Rows    [][]any
	}
	resp.JSON(t, &js)
	if len(js.Columns) != 8 || js.Columns[2].Type != "Date" || len(js.Rows) != 2 ||
		js.Rows[0][1] != "één" || js.Rows[0][2] != "2026-11-23" || js.Rows[0][3] != "2026-11-23T10:00:00.25Z" ||
		js.Rows[0][4] != 0.5 || js.Rows[0][5] != true || js.Rows[0][7] != nil || js.Rows[1][7] != "x" {
		t.Errorf("json rows %v (columns %v)", js.Rows, js.Columns)
	}

	resp = api.Post(t, "/api/v1/sql", sqlBody(t, stmt, "csv", map[string]string{"min": "1"}))
	recs, err := csv.NewReader(bytes.NewReader(resp.Body)).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][1] != "name" || recs[2][1] != `two, "quoted"` || recs[1][6] != `["a","b"]` || recs[1][7] != "" {
		t.Errorf("csv %q (%v)", recs, err)
	}

	resp = api.Post(t, "/api/v1/sql", sqlBody(t, stmt, "arrow", map[string]string{"min": "2"}))
	rd, err := ipc.NewReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("arrow: %v", err)
	}
	var n int64
	for rd.Next() {
		rec := rd.Record()
		n += rec.NumRows()
		if rec.Column(1).(*array.String).Value(0) != `two, "quoted"` || rec.Column(4).(*array.Float64).Value(0) != 2.25 {
			t.Errorf("arrow record %v", rec)
		}
	}
	if n != 1 {
		t.Errorf("arrow rows %d, want 1", n)
	}

	resp = api.Post(t, "/api/v1/sql", sqlBody(t, stmt, "parquet", map[string]string{"min": "1"}))
	pf, err := file.NewParquetReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("parquet: %v", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 2 || tbl.Schema().Field(0).Name != "id" {
		t.Errorf("parquet: %d rows, schema %v", tbl.NumRows(), tbl.Schema())
	}
	names := tbl.Column(1).Data().Chunk(0).(*array.String)
	if names.Value(0) != "één" {
		t.Errorf("parquet name %q", names.Value(0))
	}
}

func TestAdHocSQLRefusesAndLimits(t *testing.T) {
	api, _ := sqlAPI(t)
	for _, tc := range []struct {
		name, sql string
		params    map[string]string
		reason    string
	}{
		{"a write", "INSERT INTO {db:Identifier}.facts SELECT * FROM {db:Identifier}.facts", nil, "only SELECT"},
		{"a file on the host", "SELECT * FROM file('/etc/hostname', 'LineAsString')", nil, "readonly"},
		{"a URL", "SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')", nil, "readonly"},
		{"too many rows", "SELECT number FROM system.numbers LIMIT 5000", nil, "Limit for result exceeded"},
		{"nested settings", "SELECT * FROM (SELECT 1 SETTINGS readonly = 0)", nil, "SETTINGS are not allowed"},
		{"a syntax error", "SELECT FROM WHERE", nil, "Syntax error"},
		{"an unknown table", "SELECT * FROM {db:Identifier}.nope", nil, "UNKNOWN_TABLE"},
		{"a reserved parameter", "SELECT 1", map[string]string{"scope_partner_id": "p1"}, "reserved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := api.Post(t, "/api/v1/sql", sqlBody(t, tc.sql, "json", tc.params))
			if resp.Status != 400 || !strings.Contains(string(resp.Body), tc.reason) {
				t.Errorf("%d %s; want 400 about %q", resp.Status, resp.Body, tc.reason)
			}
		})
	}
	resp := api.Do(t, http.MethodPost, "/api/v1/sql", sqlBody(t, "SELECT 1", "xlsx", nil), http.Header{"Content-Type": {"application/json"}})
	if resp.Status != 400 || !strings.Contains(string(resp.Body), `"format"`) {
		t.Errorf("bad format: %d %s", resp.Status, resp.Body)
	}
}

// Every statement run is in the audit log, readable by the operator and
// full admins of the partner, before it runs.
func TestAdHocSQLIsAudited(t *testing.T) {
	api, _ := sqlAPI(t)
	resp := api.Post(t, "/api/v1/sql", sqlBody(t, "SELECT 42 AS answer", "csv", nil))
	if resp.Status != 200 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	resp = api.Post(t, "/api/v1/sql", sqlBody(t, "SELECT * FROM {db:Identifier}.nope", "json", nil))
	if resp.Status != 400 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	var audit struct {
		Entries []query.AuditEntry `json:"entries"`
	}
	api.Get(t, "/api/v1/audit?action=sql.run").JSON(t, &audit)
	if len(audit.Entries) != 2 {
		t.Fatalf("audit entries %+v, want 2", audit.Entries)
	}
	// Newest first; a failed statement is recorded too (it was attempted).
	if e := audit.Entries[1]; e.Subject != "dataeng" || e.Role != "operator" || !strings.Contains(e.Detail, "SELECT 42 AS answer") || e.RequestID == "" {
		t.Errorf("entry %+v", e)
	}
	var dict struct {
		Tables []struct {
			Name    string
			Columns []struct{ Name, Type string }
		}
	}
	api.Get(t, "/api/v1/sql/dictionary").JSON(t, &dict)
	found := false
	for _, tb := range dict.Tables {
		if tb.Name == "audit_log" && len(tb.Columns) == 10 {
			found = true
		}
	}
	if !found {
		t.Errorf("dictionary lacks audit_log: %+v", dict.Tables)
	}
}
