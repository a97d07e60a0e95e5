package warehouse

import (
	"context"
	"maps"
	"strings"
)

// InDatabase returns a Warehouse that binds {db:Identifier} in every
// statement to database and qualifies unqualified batch tables with it. All
// flexhub SQL names its tables as {db:Identifier}.table, so one statement
// text serves any database name (tests use their own).
func InDatabase(w Warehouse, database string) Warehouse {
	return &scoped{Warehouse: w, db: database}
}

type scoped struct {
	Warehouse
	db string
}

// Database returns the database a scoped Warehouse binds, or "".
func Database(w Warehouse) string {
	if s, ok := w.(*scoped); ok {
		return s.db
	}
	return ""
}

func (s *scoped) bind(p Params) Params {
	out := make(Params, len(p)+1)
	maps.Copy(out, p)
	if _, ok := out["db"]; !ok {
		out["db"] = s.db
	}
	return out
}

func (s *scoped) Exec(ctx context.Context, sql string, p Params) error {
	return s.Warehouse.Exec(ctx, sql, s.bind(p))
}

func (s *scoped) Query(ctx context.Context, sql string, p Params) (*Result, error) {
	return s.Warehouse.Query(ctx, sql, s.bind(p))
}

func (s *scoped) QueryStream(ctx context.Context, sql string, p Params, fn func(*Result) error) error {
	return s.Warehouse.QueryStream(ctx, sql, s.bind(p), fn)
}

func (s *scoped) Insert(ctx context.Context, b *Batch, token string) error {
	if !strings.Contains(b.Table, ".") {
		c := *b
		c.Table = "`" + s.db + "`.`" + b.Table + "`"
		return s.Warehouse.Insert(ctx, &c, token)
	}
	return s.Warehouse.Insert(ctx, b, token)
}
