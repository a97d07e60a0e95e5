// Package apitest checks API answers against the OpenAPI document: every
// request a test makes through a Client has its response validated, and
// any answer the document does not describe fails the test.
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"

	"github.com/flexhub/flexhub/query"
)

var (
	once sync.Once
	v    validator.Validator
	verr error
	// The validator's caches are not documented as safe for concurrent use.
	mu sync.Mutex
)

// Validator returns the validator of the served document, after checking
// the document itself against the OpenAPI 3.1 specification.
func Validator(t testing.TB) validator.Validator {
	t.Helper()
	once.Do(func() {
		spec, err := query.OpenAPIDocument()
		if err != nil {
			verr = err
			return
		}
		doc, err := libopenapi.NewDocument(spec)
		if err != nil {
			verr = err
			return
		}
		var errs []error
		v, errs = validator.NewValidator(doc, config.WithFormatAssertions())
		if len(errs) > 0 {
			verr = fmt.Errorf("openapi validator: %v", errs)
			return
		}
		if ok, verrs := v.ValidateDocument(); !ok {
			var sb strings.Builder
			for _, e := range verrs {
				fmt.Fprintf(&sb, "\n  %s: %s", e.Message, e.Reason)
				for _, s := range e.SchemaValidationErrors {
					fmt.Fprintf(&sb, "\n    %s at %s", s.Reason, s.FieldPath)
				}
			}
			verr = fmt.Errorf("the OpenAPI document is not valid OpenAPI 3.1:%s", sb.String())
		}
	})
	if verr != nil {
		t.Fatal(verr)
	}
	return v
}

// Response is a checked answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Client sends requests to a handler (in process) or a base URL (a running
// binary) and checks each answer against the document.
type Client struct {
	Handler http.Handler // used when set
	BaseURL string       // otherwise, e.g. http://127.0.0.1:8080
	Header  http.Header  // added to every request (e.g. Authorization)
	HTTP    *http.Client
}

// Do sends the request and validates the response; the test fails on an
// answer the document does not describe.
func (c *Client) Do(t testing.TB, method, path string, body []byte, header http.Header) *Response {
	t.Helper()
	resp := c.send(t, method, path, body, header)
	Check(t, method, path, body, header, resp)
	return resp
}

// Get is Do for GET.
func (c *Client) Get(t testing.TB, path string) *Response {
	t.Helper()
	return c.Do(t, http.MethodGet, path, nil, nil)
}

// Post is Do for POST with a JSON body.
func (c *Client) Post(t testing.TB, path string, body []byte) *Response {
	t.Helper()
	return c.Do(t, http.MethodPost, path, body, http.Header{"Content-Type": {"application/json"}})
}

func (c *Client) send(t testing.TB, method, path string, body []byte, header http.Header) *Response {
	t.Helper()
	req := c.request(t, method, path, body, header)
	if c.Handler != nil {
		rec := httptest.NewRecorder()
		c.Handler.ServeHTTP(rec, req)
		return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (c *Client) request(t testing.TB, method, path string, body []byte, header http.Header) *http.Request {
	t.Helper()
	url := path
	if c.Handler == nil {
		url = strings.TrimSuffix(c.BaseURL, "/") + path
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://flexhub.test"+path, rd)
	if c.Handler == nil {
		var err error
		if req, err = http.NewRequest(method, url, rd); err != nil {
			t.Fatal(err)
		}
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return req
}

// Check validates one exchange against the document: the status must be
// documented for the operation and the body must match its schema.
// Error answers of the API (under /api/) must be application/problem+json.
func Check(t testing.TB, method, path string, reqBody []byte, header http.Header, resp *Response) {
	t.Helper()
	val := Validator(t)
	var rd io.Reader
	if reqBody != nil {
		rd = bytes.NewReader(reqBody)
	}
	req := httptest.NewRequest(method, "http://flexhub.test"+path, rd)
	for k, vs := range header {
		req.Header[k] = vs
	}
	hr := &http.Response{StatusCode: resp.Status, Header: resp.Header.Clone(),
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Request: req}
	mu.Lock()
	ok, errs := val.ValidateHttpResponse(req, hr)
	mu.Unlock()
	if !ok {
		var sb strings.Builder
		for _, e := range errs {
			fmt.Fprintf(&sb, "\n  %s: %s", e.Message, e.Reason)
			for _, s := range e.SchemaValidationErrors {
				fmt.Fprintf(&sb, "\n    %s at %s", s.Reason, s.FieldPath)
			}
		}
		t.Errorf("%s %s → %d does not match the OpenAPI document:%s\nbody: %s", method, path, resp.Status, sb.String(), truncate(resp.Body))
	}
	if strings.HasPrefix(path, "/api/") && resp.Status >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s %s → %d with Content-Type %q, want application/problem+json", method, path, resp.Status, resp.Header.Get("Content-Type"))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
