// Package query is flexhub's HTTP API: the routes under /api/v1, RFC 9457
// problem+json errors, the OpenAPI document the responses are checked
// against, health, readiness and metrics.
package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/warehouse"
)

// Config tunes the API.
type Config struct {
	// RequestTimeout bounds every request, so none hangs when ClickHouse is
	// slow: the caller gets a 503 problem instead.
	RequestTimeout time.Duration
	// ExportTimeout bounds a custom report download instead.
	ExportTimeout time.Duration
	// MaxEventsBodyBytes bounds the body of POST /api/v1/events.
	MaxEventsBodyBytes int64
	// MaxEventsPerRequest bounds how many events one POST carries.
	MaxEventsPerRequest int
	// SQLLimits bound ad-hoc SQL (POST /api/v1/sql).
	SQLLimits SQLLimits
	// RateLimit is how many requests a second one principal may make
	// (bursts of RateBurst); 0 turns rate limiting off.
	RateLimit float64
	RateBurst int
	// Now is the clock (tests pin it); nil is time.Now.
	Now func() time.Time
	// Logger; nil is slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.ExportTimeout <= 0 {
		c.ExportTimeout = 15 * time.Minute
	}
	if c.MaxEventsBodyBytes <= 0 {
		c.MaxEventsBodyBytes = 32 << 20
	}
	if c.MaxEventsPerRequest <= 0 {
		c.MaxEventsPerRequest = 10_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.SQLLimits == (SQLLimits{}) {
		c.SQLLimits = DefaultSQLLimits
	}
	if c.RateBurst <= 0 {
		c.RateBurst = max(1, int(2*c.RateLimit))
	}
}

// EventPublisher takes CloudEvents from HTTP and produces them to Kafka. It
// returns the invalid ones (nothing is produced then), or nil once the
// broker has acknowledged every event.
type EventPublisher interface {
	Publish(ctx context.Context, events []json.RawMessage) ([]Rejection, error)
}

// Rejection is one invalid event of a POST /api/v1/events batch: ingest's
// own, so its publisher serves the API as it is.
type Rejection = ingest.Rejection

// ReadinessCheck is one dependency /readyz asks.
type ReadinessCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Deps are what the API stands on.
type Deps struct {
	Warehouse warehouse.Warehouse
	Events    EventPublisher // nil: POST /api/v1/events answers 503
	Ready     []ReadinessCheck
	// Metrics receives the API's series and is served at /metrics; nil
	// gives the API a registry of its own.
	Metrics *prometheus.Registry
	// Auth identifies callers; nil is OpenAccess (every caller is the
	// operator), the embedded default.
	Auth Authenticator
}

// Server is the API.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	latency *prometheus.HistogramVec
	spec    []byte
	limiter *rateLimiter // nil: no rate limit
}

// NewServer builds the API.
func NewServer(cfg Config, deps Deps) (*Server, error) {
	cfg.defaults()
	if deps.Metrics == nil {
		deps.Metrics = prometheus.NewRegistry()
	}
	if deps.Auth == nil {
		deps.Auth = OpenAccess{}
	}
	spec, err := OpenAPIDocument()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, log: cfg.Logger.With("component", "api"), spec: spec,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flexhub_api_request_duration_seconds",
			Help:    "API request latency by route pattern, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method", "status"}),
	}
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now)
	}
	if err := deps.Metrics.Register(s.latency); err != nil {
		return nil, fmt.Errorf("query: register metrics: %w", err)
	}
	return s, nil
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe, s.recoverer)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problemNotFound("no such route: "+r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, &Problem{Status: http.StatusMethodNotAllowed, Title: "Method not allowed",
			Detail: r.Method + " is not allowed on " + r.URL.Path})
	})
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{}))
	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/openapi.json", s.openapi)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate, s.limit)
			for _, rt := range s.routes() {
				// A custom report of every customer over a long period
				// streams for minutes; everything else answers in seconds.
				limit := s.cfg.RequestTimeout
				if rt.Perm == ExportReport {
					limit = s.cfg.ExportTimeout
				}
				r.With(s.allow(rt.Perm), s.timeout(limit)).Method(rt.Method, rt.Pattern, rt.handler)
			}
		})
	})
	return r
}

// Route is one authenticated API route and the permission it needs.
type Route struct {
	Method, Pattern string // pattern under /api/v1
	Perm            Permission
	handler         http.HandlerFunc
}

// routes is every authenticated route under /api/v1. The permission is
// declared here, next to the route, and granted by the role table
// (access.go); the README's role × endpoint matrix is generated from it.
func (s *Server) routes() []Route {
	return []Route{
		{"POST", "/events", IngestEvents, s.postEvents},
		// Flex license usage (flex.go, flex_partner.go, export.go).
		{"GET", "/customers/{customer_id}/license-usage", ViewCustomer, s.licenseUsage},
		{"GET", "/customers/{customer_id}/clusters", ViewCustomer, s.customerClusters},
		{"GET", "/customers/{customer_id}/license-usage/report", ExportReport, s.customerReport},
		{"GET", "/partners/{partner_id}/license-usage", ViewPartner, s.partnerLicenseUsage},
		{"GET", "/partners/{partner_id}/license-usage/report", ExportReport, s.partnerReport},
		{"GET", "/audit", ReadAudit, s.auditLog},
		{"POST", "/sql", RunSQL, s.runSQL},
		{"GET", "/sql/dictionary", RunSQL, s.dictionary},
		// The partner overview (partner.go, partner_customers.go, tags.go).
		{"GET", "/partners/{partner_id}/customers", ViewPartner, s.partnerCustomers},
		{"GET", "/partners/{partner_id}/overview/kpis", ViewPartner, s.overviewKPIs},
		{"GET", "/partners/{partner_id}/overview/license-trend", ViewPartner, s.licenseTrend},
		{"GET", "/partners/{partner_id}/overview/recently-added", ViewPartner, s.section("recently-added")},
		{"GET", "/partners/{partner_id}/overview/expiring", ViewPartner, s.section("expiring")},
		{"GET", "/partners/{partner_id}/overview/renewing", ViewPartner, s.section("renewing")},
		{"GET", "/partners/{partner_id}/overview/low-allocation", ViewPartner, s.section("low-allocation")},
		{"GET", "/partners/{partner_id}/overview/over-limit", ViewPartner, s.section("over-limit")},
		{"GET", "/partners/{partner_id}/tags", ViewPartner, s.listTags},
		{"POST", "/partners/{partner_id}/tags", EditTags, s.createTag},
		{"PATCH", "/partners/{partner_id}/tags/{tag_id}", EditTags, s.renameTag},
		{"DELETE", "/partners/{partner_id}/tags/{tag_id}", EditTags, s.deleteTag},
		{"GET", "/customers/{customer_id}/detail", ViewCustomer, s.customerDetail},
		{"PUT", "/customers/{customer_id}/tags/{tag_id}", EditTags, s.attachTag},
		{"DELETE", "/customers/{customer_id}/tags/{tag_id}", EditTags, s.detachTag},
		// Calling analytics (calling*.go).
		{"GET", "/partners/{partner_id}/calling/usage", ViewPartner, s.partnerCallingUsage},
		{"GET", "/partners/{partner_id}/calling/quality", ViewPartner, s.partnerCallingQuality},
		{"GET", "/partners/{partner_id}/calling/features", ViewPartner, s.partnerCallingFeatures},
		{"GET", "/partners/{partner_id}/calling/queues", ViewPartner, s.partnerCallingQueues},
		{"GET", "/customers/{customer_id}/calling/usage", ViewCustomer, s.customerCallingUsage},
		{"GET", "/customers/{customer_id}/calling/quality", ViewCustomer, s.customerCallingQuality},
		{"GET", "/customers/{customer_id}/calling/features", ViewCustomer, s.customerCallingFeatures},
		{"GET", "/customers/{customer_id}/calling/queues", ViewCustomer, s.customerCallingQueues},
	}
}

// Routes lists the authenticated routes (for documentation and tests).
func Routes() []Route {
	return (&Server{}).routes()
}

// statusRecorder remembers the status for metrics and logs.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush lets streamed exports reach the client block by block.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// observe records latency per route pattern (not per URL, which would
// explode the series) and logs failures.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		s.latency.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Observe(d.Seconds())
		if rec.status >= 500 {
			s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", d)
		}
	})
}

// recoverer turns a panic into a 500 problem rather than a dropped
// connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				writeProblem(w, r, &Problem{Status: http.StatusInternalServerError, Title: "Internal error",
					Detail: "the request could not be completed"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) timeout(limit time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), limit)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz asks every dependency, each within a short deadline.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	type check struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Error  string `json:"error,omitempty"`
	}
	out := struct {
		Status string  `json:"status"`
		Checks []check `json:"checks"`
	}{Status: "ready", Checks: []check{}}
	code := http.StatusOK
	for _, c := range s.deps.Ready {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		err := c.Check(ctx)
		cancel()
		if err != nil {
			out.Status, code = "not_ready", http.StatusServiceUnavailable
			out.Checks = append(out.Checks, check{Name: c.Name, Status: "failing", Error: err.Error()})
			continue
		}
		out.Checks = append(out.Checks, check{Name: c.Name, Status: "ok"})
	}
	writeJSON(w, code, out)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.spec)
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// warehouseProblem maps a failed statement to a problem: an engine that
// does not answer or a request out of time is 503 (try again); anything
// else is an internal error, logged with its statement.
func (s *Server) warehouseProblem(r *http.Request, err error) *Problem {
	if errors.Is(err, warehouse.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &Problem{Status: http.StatusServiceUnavailable, Title: "Warehouse unavailable",
			Detail: "the warehouse did not answer in time; try again", RetryAfter: 5}
	}
	s.log.Error("query failed", "path", r.URL.Path, "err", err)
	return &Problem{Status: http.StatusInternalServerError, Title: "Internal error", Detail: "the query could not be completed"}
}
