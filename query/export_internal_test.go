package query

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse/whtest"
)

// A report with more daily rows than an xlsx sheet holds is refused with
// a 422 that says what to do, not a 500 (the limit is lowered to reach it).
func TestXLSXReportOverTheSheetLimitIs422(t *testing.T) {
	w := whtest.Database(t)
	ctx := context.Background()
	// One customer, one subscription, 5 days × 3 license types: 5 daily rows.
	if err := w.Exec(ctx, `INSERT INTO {db:Identifier}.flex_usage_daily
		(day, partner_id, customer_id, subscription_id, flex_model, license_type, purchased, consumed, overage, attributed, computed_at, is_deleted)
		SELECT toDate('2026-11-19') + intDiv(number, 3), 'p1', 'c1', 'S1', 'flex2', ['KW', 'CA', 'TP'][number % 3 + 1], 1, 1, 0, true, now64(3), 0
		FROM numbers(15)`, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, `INSERT INTO {db:Identifier}.customer_versions (partner_id, customer_id, name, managed_by, added_at, updated_at)
		VALUES ('p1', 'c1', 'C One', 'partner', now64(3), now64(3))`, nil); err != nil {
		t.Fatal(err)
	}
	defer func(n int) { xlsxMaxRows = n }(xlsxMaxRows)
	srv, err := NewServer(Config{Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Deps{Warehouse: w})
	if err != nil {
		t.Fatal(err)
	}
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/partners/p1/license-usage/report?from=2026-11-19&to=2026-11-23", nil))
		return rec
	}
	xlsxMaxRows = 6 // the header and 5 rows fit
	if rec := get(); rec.Code != http.StatusOK {
		t.Fatalf("at the limit: %d %s", rec.Code, rec.Body)
	}
	xlsxMaxRows = 5
	rec := get()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "format=csv") ||
		rec.Header().Get("Content-Disposition") != "" {
		t.Errorf("over the limit: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// While a rollup pass has written a subscription's license figures but not
// yet its compliance row, the view derives the status by the same rule.
func TestPassStatusFollowsTheComplianceRule(t *testing.T) {
	lic := func(lt string, purchased int64) SubscriptionLicense {
		return SubscriptionLicense{LicenseType: lt, Purchased: purchased}
	}
	for _, tc := range []struct {
		name   string
		sub    FlexSubscription
		status string
		below  bool
	}{
		{"no subscription", FlexSubscription{SubscriptionID: "", FlexModel: "flex2", TotalOverage: 3}, "no_subscription", false},
		{"overage wins over the EA minimum", FlexSubscription{SubscriptionID: "S", FlexModel: "flex3_ea", TotalOverage: 1,
			Licenses: []SubscriptionLicense{lic("KW", 900)}}, "overage", true},
		{"EA under its minimum", FlexSubscription{SubscriptionID: "S", FlexModel: "flex3_ea",
			Licenses: []SubscriptionLicense{lic("KW", 999)}}, "below_minimum", true},
		{"EA at its minimum", FlexSubscription{SubscriptionID: "S", FlexModel: "flex3_ea",
			Licenses: []SubscriptionLicense{lic("KW", 1000)}}, "compliant", false},
		{"Flex 2.0 under 1000 KW is fine", FlexSubscription{SubscriptionID: "S", FlexModel: "flex2",
			Licenses: []SubscriptionLicense{lic("KW", 10)}}, "compliant", false},
	} {
		if status, below := passStatus(&tc.sub); status != tc.status || below != tc.below {
			t.Errorf("%s: %s %v, want %s %v", tc.name, status, below, tc.status, tc.below)
		}
	}
}
