package query

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// AuthConfig says how callers prove who they are. With nothing set the
// API is open (OpenAccess): the embedded default for one machine.
type AuthConfig struct {
	// JWTs signed with HS256 by this shared secret (the file's bytes,
	// trailing newline trimmed; at least 32 bytes).
	HS256SecretFile string
	// JWTs signed with RS256 by the private half of this PEM public key.
	RS256PublicKeyFile string
	// JWTs signed by any key of this JSON Web Key Set (each key with its
	// alg; tokens name their kid).
	JWKSFile string
	// Issuer and Audience every JWT must carry (iss, aud).
	Issuer, Audience string
	// Leeway tolerated on exp and nbf for clock skew.
	Leeway time.Duration
	// APIKeysFile lists hashed static API keys for services (JSON, see
	// APIKeyEntry).
	APIKeysFile string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Assignments gives a sales admin whose credentials name no
	// customers the customers they are assigned to; nil leaves such a
	// sales admin with none.
	Assignments AssignmentLookup
}

// Enabled tells whether any credential source is configured.
func (c AuthConfig) Enabled() bool {
	return c.HS256SecretFile != "" || c.RS256PublicKeyFile != "" || c.JWKSFile != "" || c.APIKeysFile != ""
}

// APIKeyEntry is one static API key: only the SHA-256 of the key is kept.
type APIKeyEntry struct {
	Name        string   `json:"name"`
	SHA256      string   `json:"sha256"`
	Role        Role     `json:"role"`
	PartnerID   string   `json:"partner_id,omitempty"`
	CustomerIDs []string `json:"customer_ids,omitempty"`
}

// APIKeyPrefix starts every API key, so a key is never mistaken for a JWT.
const APIKeyPrefix = "fhk_"

// NewAPIKey makes a new random key and its entry.
func NewAPIKey(name string, role Role, partner string, customers []string) (key string, e APIKeyEntry, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", e, err
	}
	key = APIKeyPrefix + hex.EncodeToString(b)
	sum := sha256.Sum256([]byte(key))
	return key, APIKeyEntry{Name: name, SHA256: hex.EncodeToString(sum[:]), Role: role, PartnerID: partner, CustomerIDs: customers}, nil
}

// Credentials authenticates bearer JWTs and API keys.
type Credentials struct {
	cfg    AuthConfig
	keys   jwk.Set
	hasJWT bool
	api    []APIKeyEntry
	sums   [][]byte
}

// NewCredentials loads the configured keys.
func NewCredentials(cfg AuthConfig) (*Credentials, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Credentials{cfg: cfg, keys: jwk.NewSet()}
	add := func(k jwk.Key, alg jwa.SignatureAlgorithm) error {
		if err := k.Set(jwk.AlgorithmKey, alg); err != nil {
			return err
		}
		c.hasJWT = true
		return c.keys.AddKey(k)
	}
	if cfg.HS256SecretFile != "" {
		b, err := os.ReadFile(cfg.HS256SecretFile)
		if err != nil {
			return nil, fmt.Errorf("auth: HS256 secret: %w", err)
		}
		secret := []byte(strings.TrimRight(string(b), "\r\n"))
		if len(secret) < 32 {
			return nil, fmt.Errorf("auth: HS256 secret %s is %d bytes; use at least 32", cfg.HS256SecretFile, len(secret))
		}
		k, err := jwk.Import(secret)
		if err != nil {
			return nil, fmt.Errorf("auth: HS256 secret: %w", err)
		}
		if err := add(k, jwa.HS256()); err != nil {
			return nil, err
		}
	}
	if cfg.RS256PublicKeyFile != "" {
		b, err := os.ReadFile(cfg.RS256PublicKeyFile)
		if err != nil {
			return nil, fmt.Errorf("auth: RS256 key: %w", err)
		}
		k, err := jwk.ParseKey(b, jwk.WithPEM(true))
		if err != nil {
			return nil, fmt.Errorf("auth: RS256 key %s: %w", cfg.RS256PublicKeyFile, err)
		}
		if err := add(k, jwa.RS256()); err != nil {
			return nil, err
		}
	}
	if cfg.JWKSFile != "" {
		b, err := os.ReadFile(cfg.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("auth: JWKS: %w", err)
		}
		set, err := jwk.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("auth: JWKS %s: %w", cfg.JWKSFile, err)
		}
		for i := 0; i < set.Len(); i++ {
			k, _ := set.Key(i)
			if _, ok := k.Algorithm(); !ok {
				return nil, fmt.Errorf("auth: JWKS %s: key %d has no alg", cfg.JWKSFile, i)
			}
			c.hasJWT = true
			if err := c.keys.AddKey(k); err != nil {
				return nil, err
			}
		}
	}
	if c.hasJWT && (cfg.Issuer == "" || cfg.Audience == "") {
		return nil, errors.New("auth: JWTs need an issuer and an audience to check")
	}
	if cfg.APIKeysFile != "" {
		b, err := os.ReadFile(cfg.APIKeysFile)
		if err != nil {
			return nil, fmt.Errorf("auth: API keys: %w", err)
		}
		var doc struct {
			Keys []APIKeyEntry `json:"keys"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("auth: API keys %s: %w", cfg.APIKeysFile, err)
		}
		for _, e := range doc.Keys {
			sum, err := hex.DecodeString(e.SHA256)
			if err != nil || len(sum) != sha256.Size {
				return nil, fmt.Errorf("auth: API key %q: sha256 is not 64 hex digits", e.Name)
			}
			if _, err := principalOf(e.Name, e.Role, e.PartnerID, e.CustomerIDs); err != nil {
				return nil, fmt.Errorf("auth: API key %q: %s", e.Name, err.Detail)
			}
			c.api = append(c.api, e)
			c.sums = append(c.sums, sum)
		}
	}
	return c, nil
}

// unauthenticated is the 401 of reason.
func unauthenticated(reason string) *Problem {
	return &Problem{Status: http.StatusUnauthorized, Title: "Unauthenticated", Detail: reason}
}

// Authenticate implements Authenticator.
func (c *Credentials) Authenticate(r *http.Request) (Principal, *Problem) {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
			return Principal{}, unauthenticated("the Authorization header must be 'Bearer <token>'")
		}
		cred = strings.TrimSpace(rest)
	} else if k := r.Header.Get("X-API-Key"); k != "" {
		cred = k
	}
	if cred == "" {
		return Principal{}, unauthenticated("no credentials: send 'Authorization: Bearer <JWT or API key>'")
	}
	var p Principal
	var prob *Problem
	var listed bool
	if strings.HasPrefix(cred, APIKeyPrefix) {
		p, listed, prob = c.apiKey(cred)
	} else {
		p, listed, prob = c.token(cred)
	}
	if prob != nil {
		return p, prob
	}
	if p.Role == SalesAdmin && !listed && c.cfg.Assignments != nil {
		ids, err := c.cfg.Assignments(r.Context(), p.PartnerID, p.Subject)
		if err != nil {
			return Principal{}, &Problem{Status: http.StatusServiceUnavailable, Title: "Assignments unavailable",
				Detail: "the sales admin's assigned customers could not be read; try again", RetryAfter: 5}
		}
		p.CustomerIDs = ids
	}
	return p, nil
}

// apiKey finds the key's entry; listed says whether it names customers.
func (c *Credentials) apiKey(key string) (Principal, bool, *Problem) {
	sum := sha256.Sum256([]byte(key))
	for i, s := range c.sums {
		if subtle.ConstantTimeCompare(sum[:], s) == 1 {
			e := c.api[i]
			p, prob := principalOf("apikey:"+e.Name, e.Role, e.PartnerID, e.CustomerIDs)
			return p, e.CustomerIDs != nil, prob
		}
	}
	return Principal{}, false, unauthenticated("unknown API key")
}

// token verifies a JWT; listed says whether it names customers.
func (c *Credentials) token(raw string) (Principal, bool, *Problem) {
	if !c.hasJWT {
		return Principal{}, false, unauthenticated("this installation takes API keys only")
	}
	if strings.Count(raw, ".") != 2 {
		return Principal{}, false, unauthenticated("the bearer token is neither an API key nor a JWT")
	}
	tok, err := jwt.ParseString(raw,
		jwt.WithKeySet(c.keys, jws.WithRequireKid(false)),
		jwt.WithIssuer(c.cfg.Issuer),
		jwt.WithAudience(c.cfg.Audience),
		jwt.WithAcceptableSkew(c.cfg.Leeway),
		jwt.WithClock(jwt.ClockFunc(c.cfg.Now)),
		jwt.WithRequiredClaim("exp"),
	)
	if err != nil {
		return Principal{}, false, unauthenticated(tokenReason(err))
	}
	sub, _ := tok.Subject()
	var role, partner string
	var customers []string
	_ = tok.Get("role", &role)
	_ = tok.Get("partner_id", &partner)
	var raws []any
	if tok.Get("customer_ids", &raws) == nil {
		for _, v := range raws {
			s, ok := v.(string)
			if !ok {
				return Principal{}, false, unauthenticated("the customer_ids claim must be a list of strings")
			}
			customers = append(customers, s)
		}
		if customers == nil {
			customers = []string{}
		}
	}
	if sub == "" {
		return Principal{}, false, unauthenticated("the token has no subject (sub)")
	}
	p, prob := principalOf(sub, Role(role), partner, customers)
	return p, customers != nil, prob
}

// tokenReason says in plain words why a token was refused.
func tokenReason(err error) string {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return "the token has expired"
	case errors.Is(err, jwt.TokenNotYetValidError()):
		return "the token is not valid yet (nbf)"
	case errors.Is(err, jwt.InvalidIssuerError()):
		return "the token's issuer (iss) is not the expected one"
	case errors.Is(err, jwt.InvalidAudienceError()):
		return "the token's audience (aud) does not include this API"
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return "the token lacks a required claim (exp)"
	case errors.Is(err, jwt.ValidateError()):
		return "the token's claims are not valid: " + err.Error()
	}
	return "the token's signature does not verify with a configured key (or it is not a signed JWT)"
}

// principalOf checks that the role's claims make sense: a partner role
// names its partner, a customer admin exactly one customer.
func principalOf(sub string, role Role, partner string, customers []string) (Principal, *Problem) {
	if !slices.Contains(Roles(), role) {
		return Principal{}, unauthenticated(fmt.Sprintf("unknown role %q; roles are %v", role, Roles()))
	}
	p := Principal{Subject: sub, Role: role, PartnerID: partner, CustomerIDs: customers}
	switch {
	case role == Operator:
		if partner != "" || customers != nil {
			return Principal{}, unauthenticated("an operator is not confined to a partner or customers")
		}
	case partner == "":
		return Principal{}, unauthenticated("the role " + string(role) + " needs a partner_id")
	case role == CustomerAdmin && len(customers) != 1:
		return Principal{}, unauthenticated("a customer admin names exactly one customer (customer_ids)")
	case role == SalesAdmin && customers == nil:
		// Without a list the sales admin sees no customer, never all.
		p.CustomerIDs = []string{}
	case role != SalesAdmin && role != CustomerAdmin:
		p.CustomerIDs = nil // partner-wide roles see all the partner's customers
	}
	return p, nil
}
