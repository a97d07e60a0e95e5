package query

import (
	"context"
	"maps"
	"net/http"

	"github.com/flexhub/flexhub/warehouse"
)

// Principal is who is asking: the subject of a token or API key, its role,
// and the partner and customers it may see.
type Principal struct {
	Subject string
	Role    Role
	// PartnerID is the partner the principal belongs to; "" means every
	// partner (the operator of the installation).
	PartnerID string
	// CustomerIDs, when not nil, are the only customers the principal may
	// see: a sales admin's assigned customers, a customer admin's own
	// organisation.
	CustomerIDs []string
}

// Role names a principal's role (README: the role × endpoint matrix).
type Role string

// Operator is the installation's own role: every partner, every customer.
const Operator Role = "operator"

// Scope returns the server-side parameters that confine a statement to
// what p may see. Every statement of the query layer filters with
// PartnerScope and, where it reads customer rows, CustomerScope; the store
// binds these parameters on every call, so no handler builds a filter of
// its own and a statement that forgot the predicate fails the lint test.
func (p Principal) Scope() warehouse.Params {
	customers := p.CustomerIDs
	if customers == nil {
		customers = []string{}
	}
	return warehouse.P(
		"scope_all_partners", p.PartnerID == "",
		"scope_partner_id", p.PartnerID,
		"scope_all_customers", p.CustomerIDs == nil,
		"scope_customer_ids", customers,
	)
}

// The scope predicates, verbatim in every statement under query/sql.
const (
	PartnerScope  = "({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})"
	CustomerScope = "({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))"
)

type principalKey struct{}

// WithPrincipal stores the principal of a request.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal; a request that passed no
// authentication has none and sees nothing.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Authenticator turns a request into a principal, or a problem (401).
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, *Problem)
}

// OpenAccess is the authenticator of an installation without access
// control configured (the embedded default): every request is the
// operator.
type OpenAccess struct{}

// Authenticate implements Authenticator.
func (OpenAccess) Authenticate(*http.Request) (Principal, *Problem) {
	return Principal{Subject: "anonymous", Role: Operator}, nil
}

// authenticate puts the principal into the request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, prob := s.deps.Auth.Authenticate(r)
		if prob != nil {
			if prob.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="flexhub", error="invalid_token"`)
			}
			writeProblem(w, r, prob)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// store is the warehouse as one request may use it: every statement gets
// the principal's scope parameters.
func (s *Server) store(r *http.Request) warehouse.Warehouse {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		// Unreachable behind authenticate; a principal that sees nothing.
		p = Principal{PartnerID: "\x00none", CustomerIDs: []string{}}
	}
	return scopedStore{Warehouse: s.deps.Warehouse, scope: p.Scope()}
}

type scopedStore struct {
	warehouse.Warehouse
	scope warehouse.Params
}

func (s scopedStore) bind(p warehouse.Params) warehouse.Params {
	out := make(warehouse.Params, len(p)+len(s.scope))
	maps.Copy(out, p)
	maps.Copy(out, s.scope) // the scope wins over anything a handler passed
	return out
}

func (s scopedStore) Exec(ctx context.Context, sql string, p warehouse.Params) error {
	return s.Warehouse.Exec(ctx, sql, s.bind(p))
}

func (s scopedStore) Query(ctx context.Context, sql string, p warehouse.Params) (*warehouse.Result, error) {
	return s.Warehouse.Query(ctx, sql, s.bind(p))
}

func (s scopedStore) QueryStream(ctx context.Context, sql string, p warehouse.Params, fn func(*warehouse.Result) error) error {
	return s.Warehouse.QueryStream(ctx, sql, s.bind(p), fn)
}
