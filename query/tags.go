package query

import (
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/flexhub/flexhub/warehouse"
)

// Custom tags on customers (README: Partner overview, Tags). Every admin of
// the partner sees them; editing needs EditTags (full admins and full sales
// admins — the reference's "full partner admins and partner admins" — and
// the operator). Every change is audited (audit.go) before it is made, and
// is a new row (partner_tag_changes, customer_tag_changes) stamped with the
// caller's subject, so the tags of any past day can be shown (as_of).

//go:embed sql/tags_list.sql
var tagsListSQL string

//go:embed sql/tag_write.sql
var tagWriteSQL string

//go:embed sql/customer_tag_write.sql
var customerTagWriteSQL string

//go:embed sql/customer_partner.sql
var customerPartnerSQL string

// maxTagName bounds a tag's name (characters).
const maxTagName = 64

// Tag is a partner's tag.
type Tag struct {
	TagID     string `json:"tag_id"`
	Name      string `json:"name"`
	Customers int64  `json:"customers"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// TagList answers GET /partners/{partner_id}/tags.
type TagList struct {
	PartnerID string `json:"partner_id"`
	AsOf      string `json:"as_of"`
	Tags      []Tag  `json:"tags"`
}

// endOfTime reads the current state of the tags.
var endOfTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs, "as_of")
	partner := chi.URLParam(r, "partner_id")
	checkID("partner_id", partner, &errs)
	day := parseAsOf(r, s.cfg.Now(), &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if !s.partnerKnown(w, r, partner) {
		return
	}
	tags, err := s.tags(r, partner, "", day.AddDate(0, 0, 1))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	writeJSON(w, http.StatusOK, TagList{PartnerID: partner, AsOf: day.Format(time.DateOnly), Tags: tags})
}

// tags are the partner's live tags (or the one tagID) as of until.
func (s *Server) tags(r *http.Request, partner, tagID string, until time.Time) ([]Tag, error) {
	res, err := s.store(r).Query(r.Context(), tagsListSQL, warehouse.P("partner_id", partner, "tag_id", tagID, "until", until))
	if err != nil {
		return nil, err
	}
	out := []Tag{}
	for _, v := range res.Rows {
		out = append(out, Tag{TagID: warehouse.Str(v[0]), Name: warehouse.Str(v[1]), Customers: warehouse.Int(v[2]),
			CreatedAt: warehouse.Time(v[3]).UTC().Format(time.RFC3339Nano), UpdatedAt: warehouse.Time(v[4]).UTC().Format(time.RFC3339Nano)})
	}
	return out, nil
}

// tagBody is the body of a create or rename.
type tagBody struct {
	Name *string `json:"name"`
}

// readTagName reads and checks {"name": …}: trimmed, 1 to 64 characters,
// no control characters.
func readTagName(r *http.Request, errs *paramErrors) string {
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<10))
	dec.DisallowUnknownFields()
	var b tagBody
	if err := dec.Decode(&b); err != nil {
		errs.add("body", "want a JSON object {\"name\": \"…\"}: "+err.Error())
		return ""
	}
	if dec.More() {
		errs.add("body", "want one JSON object")
		return ""
	}
	if b.Name == nil {
		errs.add("name", "name is required")
		return ""
	}
	name := strings.TrimSpace(*b.Name)
	switch {
	case name == "":
		errs.add("name", "name must not be empty")
	case utf8.RuneCountInString(name) > maxTagName:
		errs.add("name", "name is at most 64 characters")
	case strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		errs.add("name", "name must not contain control characters")
	}
	return name
}

var errTagConflict = errors.New("tag name taken")

// checkTagName refuses a name another live tag of the partner has (case
// and surrounding spaces ignored). Two requests racing with the same name
// can both pass; the list then shows both, and either can be renamed.
func (s *Server) checkTagName(r *http.Request, partner, name, except string) error {
	tags, err := s.tags(r, partner, "", endOfTime)
	if err != nil {
		return err
	}
	for _, t := range tags {
		if t.TagID != except && strings.EqualFold(t.Name, name) {
			return errTagConflict
		}
	}
	return nil
}

func (s *Server) writeTag(r *http.Request, partner, tagID, name string, deleted bool) error {
	return s.store(r).Exec(r.Context(), tagWriteSQL, warehouse.P("partner_id", partner, "tag_id", tagID, "name", name,
		"deleted", deleted, "changed_at", s.cfg.Now().UTC().Truncate(time.Millisecond), "changed_by", subject(r)))
}

func subject(r *http.Request) string {
	p, _ := PrincipalFrom(r.Context())
	return p.Subject
}

func conflict(detail string) *Problem {
	return &Problem{Status: http.StatusConflict, Title: "Conflict", Detail: detail}
}

func (s *Server) createTag(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs)
	partner := chi.URLParam(r, "partner_id")
	checkID("partner_id", partner, &errs)
	name := readTagName(r, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	if !s.partnerKnown(w, r, partner) {
		return
	}
	if err := s.checkTagName(r, partner, name, ""); err != nil {
		s.tagProblem(w, r, err, name)
		return
	}
	id := "tag-" + uuid.NewString()
	if err := s.Audit(r, AuditTagCreate, partner, nil, nil, map[string]string{"tag_id": id, "name": name}); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if err := s.writeTag(r, partner, id, name, false); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	s.answerTag(w, r, partner, id, http.StatusCreated)
}

func (s *Server) renameTag(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs)
	partner, id := chi.URLParam(r, "partner_id"), chi.URLParam(r, "tag_id")
	checkID("partner_id", partner, &errs)
	checkID("tag_id", id, &errs)
	name := readTagName(r, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	t, ok := s.liveTag(w, r, partner, id)
	if !ok {
		return
	}
	if err := s.checkTagName(r, partner, name, id); err != nil {
		s.tagProblem(w, r, err, name)
		return
	}
	if err := s.Audit(r, AuditTagRename, partner, nil, nil, map[string]string{"tag_id": id, "from": t.Name, "to": name}); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if err := s.writeTag(r, partner, id, name, false); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	s.answerTag(w, r, partner, id, http.StatusOK)
}

// deleteTag removes the tag, and with it every attachment (a deleted tag is
// never shown); the history stays for as_of.
func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request) {
	var errs paramErrors
	checkKnownParams(r, &errs)
	partner, id := chi.URLParam(r, "partner_id"), chi.URLParam(r, "tag_id")
	checkID("partner_id", partner, &errs)
	checkID("tag_id", id, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	t, ok := s.liveTag(w, r, partner, id)
	if !ok {
		return
	}
	if err := s.Audit(r, AuditTagDelete, partner, nil, nil, map[string]string{"tag_id": id, "name": t.Name}); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if err := s.writeTag(r, partner, id, t.Name, true); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) tagProblem(w http.ResponseWriter, r *http.Request, err error, name string) {
	if errors.Is(err, errTagConflict) {
		writeProblem(w, r, conflict("the partner already has a tag named "+quote(name)))
		return
	}
	writeProblem(w, r, s.warehouseProblem(r, err))
}

// liveTag finds a tag that exists now; otherwise it answers 404.
func (s *Server) liveTag(w http.ResponseWriter, r *http.Request, partner, id string) (Tag, bool) {
	tags, err := s.tags(r, partner, id, endOfTime)
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return Tag{}, false
	}
	if len(tags) == 0 {
		writeProblem(w, r, problemNotFound("partner "+partner+" has no tag "+id))
		return Tag{}, false
	}
	return tags[0], true
}

func (s *Server) answerTag(w http.ResponseWriter, r *http.Request, partner, id string, status int) {
	t, ok := s.liveTag(w, r, partner, id)
	if !ok {
		return
	}
	writeJSON(w, status, t)
}

// attachTag (PUT) and detachTag (DELETE) on /customers/{customer_id}/tags/{tag_id};
// both are idempotent.
func (s *Server) attachTag(w http.ResponseWriter, r *http.Request) { s.linkTag(w, r, true) }
func (s *Server) detachTag(w http.ResponseWriter, r *http.Request) { s.linkTag(w, r, false) }

func (s *Server) linkTag(w http.ResponseWriter, r *http.Request, attach bool) {
	var errs paramErrors
	checkKnownParams(r, &errs)
	customer, id := chi.URLParam(r, "customer_id"), chi.URLParam(r, "tag_id")
	checkID("customer_id", customer, &errs)
	checkID("tag_id", id, &errs)
	if p := errs.problem(); p != nil {
		writeProblem(w, r, p)
		return
	}
	res, err := s.store(r).Query(r.Context(), customerPartnerSQL, warehouse.P("customer_id", customer))
	if err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if len(res.Rows) == 0 {
		writeProblem(w, r, problemNotFound("no customer "+customer))
		return
	}
	partner := warehouse.Str(res.Rows[0][0])
	t, ok := s.liveTag(w, r, partner, id)
	if !ok {
		return
	}
	action := AuditTagDetach
	if attach {
		action = AuditTagAttach
	}
	if err := s.Audit(r, action, partner, []string{customer}, nil, map[string]string{"tag_id": id, "name": t.Name}); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	if err := s.store(r).Exec(r.Context(), customerTagWriteSQL, warehouse.P("partner_id", partner, "customer_id", customer,
		"tag_id", id, "attached", attach, "changed_at", s.cfg.Now().UTC().Truncate(time.Millisecond), "changed_by", subject(r))); err != nil {
		writeProblem(w, r, s.warehouseProblem(r, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
