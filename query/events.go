package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
)

// postEvents takes a JSON array of CloudEvents (structured mode) and
// produces them to Kafka. All or nothing: one invalid event refuses the
// whole batch with a reason per invalid event, so a client can fix and
// re-send without producing duplicates of the valid ones.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) {
	if s.deps.Events == nil {
		writeProblem(w, r, &Problem{Status: http.StatusServiceUnavailable, Title: "Event intake unavailable",
			Detail: "this process has no Kafka producer", RetryAfter: 30})
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" && ct != "application/cloudevents-batch+json" {
		writeProblem(w, r, &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
			Detail: "send a JSON array of CloudEvents as application/json or application/cloudevents-batch+json"})
		return
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxEventsBodyBytes)
	var events []json.RawMessage
	dec := json.NewDecoder(body)
	if err := dec.Decode(&events); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeProblem(w, r, &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large",
				Detail: fmt.Sprintf("a request carries at most %d bytes; split the batch", s.cfg.MaxEventsBodyBytes)})
			return
		}
		writeProblem(w, r, &Problem{Status: http.StatusBadRequest, Title: "Not a JSON array of events",
			Detail: "the body must be a JSON array of CloudEvents: " + err.Error()})
		return
	}
	if dec.More() {
		writeProblem(w, r, &Problem{Status: http.StatusBadRequest, Title: "Not a JSON array of events",
			Detail: "the body must hold exactly one JSON array"})
		return
	}
	switch {
	case len(events) == 0:
		writeProblem(w, r, &Problem{Status: http.StatusBadRequest, Title: "No events", Detail: "the array is empty"})
		return
	case len(events) > s.cfg.MaxEventsPerRequest:
		writeProblem(w, r, &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Too many events",
			Detail: "a request carries at most " + strconv.Itoa(s.cfg.MaxEventsPerRequest) + " events; split the batch"})
		return
	}
	rejected, err := s.deps.Events.Publish(r.Context(), events)
	if err != nil {
		s.log.Warn("publishing events failed", "events", len(events), "err", err)
		writeProblem(w, r, &Problem{Status: http.StatusServiceUnavailable, Title: "Kafka unavailable",
			Detail: "the events were not acknowledged by the broker; nothing is lost by sending them again", RetryAfter: 5})
		return
	}
	if len(rejected) > 0 {
		items := make([]ProblemItem, len(rejected))
		for i, rj := range rejected {
			idx := rj.Index
			items[i] = ProblemItem{Index: &idx, ID: rj.ID, Reason: rj.Reason}
		}
		writeProblem(w, r, &Problem{Status: http.StatusUnprocessableEntity, Title: "Invalid events",
			Detail: fmt.Sprintf("%d of %d events break their contract; nothing was produced", len(rejected), len(events)),
			Errors: items})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(events)})
}
