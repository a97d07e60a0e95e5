package query_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// authFixture writes real key material: an HS256 secret, an RS256 key
// pair (public half as PEM), a JWKS with another RSA key (kid k2), and an
// API key file.
type authFixture struct {
	secret   []byte
	rsaKey   *rsa.PrivateKey
	jwksKey  *rsa.PrivateKey
	stranger *rsa.PrivateKey
	apiKey   string
	cfg      query.AuthConfig
}

var authNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newAuthFixture(t *testing.T) *authFixture {
	t.Helper()
	dir := t.TempDir()
	f := &authFixture{secret: []byte(strings.Repeat("s3cr3t-", 6))}
	var err error
	for _, k := range []**rsa.PrivateKey{&f.rsaKey, &f.jwksKey, &f.stranger} {
		if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	der, _ := x509.MarshalPKIXPublicKey(&f.rsaKey.PublicKey)
	pub, _ := jwk.Import(f.jwksKey.PublicKey)
	_ = pub.Set(jwk.KeyIDKey, "k2")
	_ = pub.Set(jwk.AlgorithmKey, jwa.RS256())
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	jwks, _ := json.Marshal(set)
	key, entry, err := query.NewAPIKey("ingest-bot", query.Operator, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.apiKey = key
	keys, _ := json.Marshal(map[string]any{"keys": []query.APIKeyEntry{entry,
		{Name: "bad", SHA256: strings.Repeat("0", 64), Role: query.FullAdmin, PartnerID: "p1"}}})
	f.cfg = query.AuthConfig{
		HS256SecretFile:    write("secret", append(f.secret, '\n')),
		RS256PublicKeyFile: write("rsa.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		JWKSFile:           write("jwks.json", jwks),
		APIKeysFile:        write("keys.json", keys),
		Issuer:             "https://idp.example", Audience: "flexhub",
		Leeway: 30 * time.Second, Now: func() time.Time { return authNow },
	}
	return f
}

type claims map[string]any

func (f *authFixture) sign(t *testing.T, c claims, alg jwa.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	b := jwt.NewBuilder()
	for k, v := range c {
		b = b.Claim(k, v)
	}
	tok, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if kid != "" {
		k, _ := jwk.Import(key)
		_ = k.Set(jwk.KeyIDKey, kid)
		key = k
	}
	out, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func good() claims {
	return claims{"iss": "https://idp.example", "aud": "flexhub", "sub": "admin@acme", "role": "full_admin",
		"partner_id": "p1", "exp": authNow.Add(time.Hour).Unix(), "iat": authNow.Add(-time.Minute).Unix()}
}

func with(c claims, k string, v any) claims {
	out := claims{}
	for kk, vv := range c {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestAuthentication(t *testing.T) {
	f := newAuthFixture(t)
	creds, err := query.NewCredentials(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := func(c claims) string { return f.sign(t, c, jwa.HS256(), f.secret, "") }
	unsigned := func() string {
		tok, _ := jwt.NewBuilder().Claim("iss", "https://idp.example").Claim("aud", "flexhub").Claim("sub", "x").
			Claim("role", "operator").Claim("exp", authNow.Add(time.Hour).Unix()).Build()
		b, _ := json.Marshal(tok)
		return "eyJhbGciOiJub25lIn0." + strings.TrimRight(b64(b), "=") + "."
	}()
	for _, tc := range []struct {
		name, header string
		want         query.Principal
		reason       string // non-empty: 401 whose detail contains it
	}{
		{"HS256", "Bearer " + hs(good()), query.Principal{Subject: "admin@acme", Role: query.FullAdmin, PartnerID: "p1"}, ""},
		{"RS256 PEM key", "Bearer " + f.sign(t, good(), jwa.RS256(), f.rsaKey, ""), query.Principal{Subject: "admin@acme", Role: query.FullAdmin, PartnerID: "p1"}, ""},
		{"RS256 from the JWKS by kid", "Bearer " + f.sign(t, good(), jwa.RS256(), f.jwksKey, "k2"), query.Principal{Subject: "admin@acme", Role: query.FullAdmin, PartnerID: "p1"}, ""},
		{"sales admin with assigned customers", "Bearer " + hs(with(with(good(), "role", "sales_admin"), "customer_ids", []string{"c1", "c2"})),
			query.Principal{Subject: "admin@acme", Role: query.SalesAdmin, PartnerID: "p1", CustomerIDs: []string{"c1", "c2"}}, ""},
		{"sales admin without a list sees none", "Bearer " + hs(with(good(), "role", "sales_admin")),
			query.Principal{Subject: "admin@acme", Role: query.SalesAdmin, PartnerID: "p1", CustomerIDs: []string{}}, ""},
		{"operator API key", "Bearer " + f.apiKey, query.Principal{Subject: "apikey:ingest-bot", Role: query.Operator}, ""},
		{"expired", "Bearer " + hs(with(good(), "exp", authNow.Add(-time.Minute).Unix())), query.Principal{}, "expired"},
		{"expired within the leeway", "Bearer " + hs(with(good(), "exp", authNow.Add(-10*time.Second).Unix())), query.Principal{Subject: "admin@acme", Role: query.FullAdmin, PartnerID: "p1"}, ""},
		{"not yet valid", "Bearer " + hs(with(good(), "nbf", authNow.Add(time.Hour).Unix())), query.Principal{}, "not valid yet"},
		{"no expiry", "Bearer " + hs(with(good(), "exp", nil)), query.Principal{}, "exp"},
		{"wrong audience", "Bearer " + hs(with(good(), "aud", "other-api")), query.Principal{}, "audience"},
		{"wrong issuer", "Bearer " + hs(with(good(), "iss", "https://evil.example")), query.Principal{}, "issuer"},
		{"unsigned", "Bearer " + unsigned, query.Principal{}, "signature"},
		{"signed by a stranger", "Bearer " + f.sign(t, good(), jwa.RS256(), f.stranger, ""), query.Principal{}, "signature"},
		{"signed by a stranger claiming kid k2", "Bearer " + f.sign(t, good(), jwa.RS256(), f.stranger, "k2"), query.Principal{}, "signature"},
		{"HS256 with another secret", "Bearer " + f.sign(t, good(), jwa.HS256(), []byte(strings.Repeat("x", 48)), ""), query.Principal{}, "signature"},
		{"tampered payload", "Bearer " + tamper(hs(good())), query.Principal{}, "signature"},
		{"unknown role", "Bearer " + hs(with(good(), "role", "superuser")), query.Principal{}, "unknown role"},
		{"partner role without partner", "Bearer " + hs(with(good(), "partner_id", nil)), query.Principal{}, "needs a partner_id"},
		{"customer admin without customer", "Bearer " + hs(with(good(), "role", "customer_admin")), query.Principal{}, "exactly one customer"},
		{"unknown API key", "Bearer fhk_" + strings.Repeat("a", 64), query.Principal{}, "unknown API key"},
		{"not bearer", "Basic dXNlcjpwdw==", query.Principal{}, "Bearer"},
		{"garbage", "Bearer not-a-token", query.Principal{}, "neither an API key nor a JWT"},
		{"nothing", "", query.Principal{}, "no credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			p, prob := creds.Authenticate(r)
			if tc.reason != "" {
				if prob == nil || prob.Status != 401 || !strings.Contains(prob.Detail, tc.reason) {
					t.Fatalf("got %+v, %+v; want 401 about %q", p, prob, tc.reason)
				}
				return
			}
			if prob != nil {
				t.Fatalf("refused: %s", prob.Detail)
			}
			if p.Subject != tc.want.Subject || p.Role != tc.want.Role || p.PartnerID != tc.want.PartnerID ||
				strings.Join(p.CustomerIDs, ",") != strings.Join(tc.want.CustomerIDs, ",") || (p.CustomerIDs == nil) != (tc.want.CustomerIDs == nil) {
				t.Errorf("principal %+v, want %+v", p, tc.want)
			}
		})
	}
	// X-API-Key works as well as the Authorization header.
	r := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
	r.Header.Set("X-API-Key", f.apiKey)
	if p, prob := creds.Authenticate(r); prob != nil || p.Role != query.Operator {
		t.Errorf("X-API-Key: %+v %+v", p, prob)
	}
}

func TestCredentialsRefuseWeakConfiguration(t *testing.T) {
	f := newAuthFixture(t)
	short := filepath.Join(t.TempDir(), "short")
	_ = os.WriteFile(short, []byte("too-short"), 0o600)
	for name, cfg := range map[string]query.AuthConfig{
		"short secret":      {HS256SecretFile: short, Issuer: "i", Audience: "a"},
		"no issuer":         {HS256SecretFile: f.cfg.HS256SecretFile, Audience: "a"},
		"missing key file":  {RS256PublicKeyFile: "/nonexistent.pem", Issuer: "i", Audience: "a"},
		"JWKS not JSON":     {JWKSFile: f.cfg.RS256PublicKeyFile, Issuer: "i", Audience: "a"},
		"API keys not JSON": {APIKeysFile: f.cfg.RS256PublicKeyFile},
	} {
		if _, err := query.NewCredentials(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b, _ := b64d(parts[1])
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["role"] = "operator"
	delete(m, "partner_id")
	nb, _ := json.Marshal(m)
	parts[1] = strings.TrimRight(b64(nb), "=")
	return strings.Join(parts, ".")
}

func b64(b []byte) string { return base64.URLEncoding.EncodeToString(b) }

func b64d(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// A sales admin whose token names no customers sees the customers the
// partner-admin assignments give them now: assigned and not since removed,
// matched on admin id or email.
func TestSalesAdminCustomersFromAssignments(t *testing.T) {
	w := whtest.Database(t)
	ctx := context.Background()
	if err := w.Exec(ctx, `INSERT INTO {db:Identifier}.partner_admin_assignments
		(partner_id, customer_id, admin_id, name, email, role, action, changed_at, event_id) VALUES
		('p1', 'c1', 'adm-7', 'Anna', 'anna@acme.example', 'sales_admin', 'assigned',   '2026-11-01 09:00:00', 'e1'),
		('p1', 'c2', 'adm-7', 'Anna', 'anna@acme.example', 'sales_admin', 'assigned',   '2026-11-01 09:00:00', 'e2'),
		('p1', 'c2', 'adm-7', 'Anna', 'anna@acme.example', 'sales_admin', 'unassigned', '2026-11-10 09:00:00', 'e3'),
		('p1', 'c3', 'adm-8', 'Bert', 'bert@acme.example', 'sales_admin', 'assigned',   '2026-11-01 09:00:00', 'e4'),
		('p2', 'c9', 'adm-7', 'Anna', 'anna@acme.example', 'sales_admin', 'assigned',   '2026-11-01 09:00:00', 'e5')`, nil); err != nil {
		t.Fatal(err)
	}
	f := newAuthFixture(t)
	cfg := f.cfg
	cfg.Assignments = query.WarehouseAssignments(w, time.Minute)
	creds, err := query.NewCredentials(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sub  string
		want string
	}{
		{"adm-7", "c1"},             // c2 was unassigned since; c9 is another partner's
		{"anna@acme.example", "c1"}, // the same admin by email
		{"adm-8", "c3"},
		{"nobody", ""},
	} {
		tok := f.sign(t, with(with(good(), "role", "sales_admin"), "sub", tc.sub), jwa.HS256(), f.secret, "")
		r := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		p, prob := creds.Authenticate(r)
		if prob != nil {
			t.Fatalf("%s: %s", tc.sub, prob.Detail)
		}
		if got := strings.Join(p.CustomerIDs, ","); got != tc.want || p.CustomerIDs == nil {
			t.Errorf("%s: customers %q, want %q", tc.sub, got, tc.want)
		}
	}
}

// Through the API: refused tokens are 401 problems on every route, with
// WWW-Authenticate; a read-only admin's valid token reaches the route.
func TestRefusedTokensAre401(t *testing.T) {
	f := newAuthFixture(t)
	creds, err := query.NewCredentials(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := query.NewServer(query.Config{Logger: quietLog()}, query.Deps{Warehouse: whtest.Database(t), Auth: creds})
	if err != nil {
		t.Fatal(err)
	}
	api := &apitest.Client{Handler: srv.Handler()}
	hs := func(c claims) string { return f.sign(t, c, jwa.HS256(), f.secret, "") }
	for name, tok := range map[string]string{
		"expired":        hs(with(good(), "exp", authNow.Add(-time.Hour).Unix())),
		"wrong audience": hs(with(good(), "aud", "someone-else")),
		"wrongly signed": f.sign(t, good(), jwa.RS256(), f.stranger, ""),
		"unsigned":       "eyJhbGciOiJub25lIn0." + strings.TrimRight(b64([]byte(`{"sub":"x","role":"operator","iss":"https://idp.example","aud":"flexhub","exp":9999999999}`)), "=") + ".",
	} {
		for _, rt := range query.Routes() {
			path := "/api/v1" + fill(rt.Pattern, "p1", "c1", "t1")
			resp := api.Do(t, rt.Method, path, []byte("{}"), http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}})
			if resp.Status != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s on %s %s: %d (WWW-Authenticate %q)", name, rt.Method, rt.Pattern, resp.Status, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	resp := api.Get(t, "/api/v1/customers/c1/license-usage")
	if resp.Status != http.StatusUnauthorized || !strings.Contains(string(resp.Body), "no credentials") {
		t.Errorf("no token: %d %s", resp.Status, resp.Body)
	}
	ok := hs(with(good(), "role", "readonly_admin"))
	resp = api.Do(t, http.MethodGet, "/api/v1/customers/c1/license-usage", nil, http.Header{"Authorization": {"Bearer " + ok}})
	if resp.Status != http.StatusNotFound { // authenticated; no such customer in this database
		t.Errorf("valid token: %d %s", resp.Status, resp.Body)
	}
	// The OpenAPI document needs no credentials.
	if resp := api.Get(t, "/api/v1/openapi.json"); resp.Status != 200 {
		t.Errorf("openapi.json: %d", resp.Status)
	}
}
