package query

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/flexhub/flexhub/warehouse"
)

//go:embed sql/assigned_customers.sql
var assignedCustomersSQL string

// AssignmentLookup returns the customers a sales admin of a partner is
// assigned to (the partner-admin assignments of the commerce side).
type AssignmentLookup func(ctx context.Context, partner, subject string) ([]string, error)

// WarehouseAssignments looks assignments up in the warehouse, remembering
// each answer for ttl so a burst of requests costs one statement.
func WarehouseAssignments(w warehouse.Warehouse, ttl time.Duration) AssignmentLookup {
	type entry struct {
		ids []string
		at  time.Time
	}
	var mu sync.Mutex
	cache := map[string]entry{}
	return func(ctx context.Context, partner, subject string) ([]string, error) {
		key := partner + "\x00" + subject
		mu.Lock()
		e, ok := cache[key]
		mu.Unlock()
		if ok && time.Since(e.at) < ttl {
			return e.ids, nil
		}
		scope := Principal{PartnerID: partner}.Scope()
		params := warehouse.P("partner_id", partner, "subject", subject)
		for k, v := range scope {
			params[k] = v
		}
		res, err := w.Query(ctx, assignedCustomersSQL, params)
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(res.Rows))
		for _, r := range res.Rows {
			ids = append(ids, warehouse.Str(r[0]))
		}
		mu.Lock()
		cache[key] = entry{ids, time.Now()}
		mu.Unlock()
		return ids, nil
	}
}
