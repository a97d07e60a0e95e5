package query

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// problemBase prefixes every problem type; each type is documented in the
// OpenAPI document under components/schemas/Problem.
const problemBase = "https://flexhub.dev/problems/"

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Errors lists what was wrong, one entry per parameter or event.
	Errors []ProblemItem `json:"errors,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header.
	RetryAfter int `json:"-"`
}

// ProblemItem is one fault of a request.
type ProblemItem struct {
	// Parameter names the query or path parameter at fault.
	Parameter string `json:"parameter,omitempty"`
	// Index is the position of the event at fault in a posted batch.
	Index *int   `json:"index,omitempty"`
	ID    string `json:"id,omitempty"`
	// Reason says what is wrong and, where it can, what would be right.
	Reason string `json:"reason"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// writeProblem answers with the problem; Type defaults from the status.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Type == "" {
		p.Type = problemBase + problemSlug(p.Status)
	}
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

func problemSlug(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid-request"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not-found"
	case http.StatusMethodNotAllowed:
		return "method-not-allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too-large"
	case http.StatusUnsupportedMediaType:
		return "unsupported-media-type"
	case http.StatusUnprocessableEntity:
		return "invalid-events"
	case http.StatusTooManyRequests:
		return "rate-limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return "internal-error"
}

func problemNotFound(detail string) *Problem {
	return &Problem{Status: http.StatusNotFound, Title: "Not found", Detail: detail}
}

// paramErrors collects faults of query parameters so one answer names all
// of them.
type paramErrors []ProblemItem

func (e *paramErrors) add(param, reason string) {
	*e = append(*e, ProblemItem{Parameter: param, Reason: reason})
}

// problem is nil when nothing was wrong.
func (e paramErrors) problem() *Problem {
	if len(e) == 0 {
		return nil
	}
	names := make([]string, len(e))
	for i, it := range e {
		names[i] = it.Parameter
	}
	return &Problem{Status: http.StatusBadRequest, Title: "Invalid request parameters",
		Detail: "check " + strings.Join(names, ", "), Errors: e}
}
