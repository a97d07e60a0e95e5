package query

import (
	"io/fs"
	"strings"
	"testing"
)

// Every statement the API runs confines itself to the caller's partner
// with the scope predicate, verbatim; statements over customer rows also
// to the caller's customers. A statement without them could show another
// partner's data.
func TestEveryStatementCarriesTheScope(t *testing.T) {
	files, err := fs.Glob(sqlFiles, "sql/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no statements found: %v", err)
	}
	for _, f := range files {
		b, _ := fs.ReadFile(sqlFiles, f)
		text := string(b)
		if !strings.Contains(text, PartnerScope) {
			t.Errorf("%s lacks the partner scope %s", f, PartnerScope)
		}
		if strings.Contains(text, "customer_id") && !strings.Contains(text, CustomerScope) &&
			!strings.Contains(text, "-- scope: partner-wide") {
			t.Errorf("%s reads customer rows without the customer scope %s (or a '-- scope: partner-wide' note saying why not)", f, CustomerScope)
		}
	}
}
