package query_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// byHeader authenticates as the subject named in X-Subject.
type byHeader struct{}

func (byHeader) Authenticate(r *http.Request) (query.Principal, *query.Problem) {
	return query.Principal{Subject: r.Header.Get("X-Subject"), Role: query.Operator}, nil
}

func TestRateLimitPerPrincipal(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv, err := query.NewServer(query.Config{Logger: quietLog(), Now: clock, RateLimit: 1, RateBurst: 2},
		query.Deps{Warehouse: whtest.Database(t), Auth: byHeader{}})
	if err != nil {
		t.Fatal(err)
	}
	api := &apitest.Client{Handler: srv.Handler()}
	get := func(subject string) *apitest.Response {
		return api.Do(t, http.MethodGet, "/api/v1/customers/c1/license-usage", nil, http.Header{"X-Subject": {subject}})
	}
	// A burst of two, then the third waits a second: 429 with Retry-After 1.
	for i, want := range []int{404, 404, 429} {
		if resp := get("alice"); resp.Status != want {
			t.Fatalf("request %d of alice: %d, want %d", i+1, resp.Status, want)
		} else if want == 429 && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q, want 1", resp.Header.Get("Retry-After"))
		}
	}
	// Another principal has a bucket of its own.
	if resp := get("bob"); resp.Status != 404 {
		t.Errorf("bob: %d, want 404", resp.Status)
	}
	// A second later alice has one token again, and only one.
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if resp := get("alice"); resp.Status != 404 {
		t.Errorf("alice after a second: %d, want 404", resp.Status)
	}
	if resp := get("alice"); resp.Status != 429 {
		t.Errorf("alice again: %d, want 429", resp.Status)
	}
}
