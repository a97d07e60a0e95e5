package query_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/broker"
	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

const inventoryTopic = "flexhub.ucm.inventory"

func deviceEvent(id, cluster string) string {
	return fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"/ucm/clusters/%s","type":"com.flexhub.ucm.device.observed","time":"2026-11-22T08:00:00Z","data":{"partner_id":"p1","customer_id":"c1","cluster_id":%q,"sync_id":"s1","synced_at":"2026-11-22T08:00:00Z","device_id":"SEP01","device_type":"desk_phone"}}`,
		id, cluster, cluster)
}

// topicMessages reads everything on the topic's partitions.
func topicMessages(t *testing.T, addr string, partitions int) []kafka.Message {
	t.Helper()
	var out []kafka.Message
	for p := 0; p < partitions; p++ {
		conn, err := kafka.DialLeader(context.Background(), "tcp", addr, inventoryTopic, p)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		if err != nil {
			t.Fatal(err)
		}
		if last == 0 {
			conn.Close()
			continue
		}
		if _, err := conn.Seek(0, kafka.SeekAbsolute); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		batch := conn.ReadBatch(1, 10<<20)
		for n := int64(0); n < last; n++ {
			m, err := batch.ReadMessage()
			if err != nil {
				t.Fatalf("partition %d: %v", p, err)
			}
			out = append(out, m)
		}
		batch.Close()
		conn.Close()
	}
	return out
}

func TestPostEvents(t *testing.T) {
	b, err := broker.StartEmbedded(broker.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := broker.EnsureTopics(context.Background(), []string{b.Addr()}, []broker.TopicSpec{{Name: inventoryTopic, Partitions: 2}}); err != nil {
		t.Fatal(err)
	}
	pub := ingest.NewPublisher([]string{b.Addr()}, ingest.NewRegistry("flexhub."), ingest.NewMetrics(nil))
	defer pub.Close()
	srv, err := query.NewServer(query.Config{Logger: quietLog(), MaxEventsBodyBytes: 64 << 10, MaxEventsPerRequest: 50},
		query.Deps{Warehouse: whtest.Database(t), Events: pub})
	if err != nil {
		t.Fatal(err)
	}
	api := &apitest.Client{Handler: srv.Handler()}

	// An invalid event among valid ones: 422 naming only the invalid one,
	// and nothing reaches Kafka.
	bad := `{"specversion":"1.0","id":"e-bad","source":"/x","type":"com.flexhub.ucm.device.observed","time":"2026-11-22T08:00:00Z","data":{"device_id":"SEP01"}}`
	resp := api.Post(t, "/api/v1/events", []byte("["+deviceEvent("e-1", "cl-1")+","+bad+"]"))
	if resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("mixed batch: %d %s", resp.Status, resp.Body)
	}
	var p query.Problem
	resp.JSON(t, &p)
	if len(p.Errors) != 1 || p.Errors[0].Index == nil || *p.Errors[0].Index != 1 || p.Errors[0].ID != "e-bad" ||
		!strings.Contains(p.Errors[0].Reason, "partner_id is required") {
		t.Errorf("rejections = %+v, want index 1 (e-bad): partner_id is required", p.Errors)
	}
	if n := len(topicMessages(t, b.Addr(), 2)); n != 0 {
		t.Fatalf("%d messages produced from a refused batch", n)
	}

	// A valid batch: 202 once acknowledged, each event keyed by its cluster.
	resp = api.Post(t, "/api/v1/events", []byte("["+deviceEvent("e-1", "cl-1")+","+deviceEvent("e-2", "cl-2")+"]"))
	if resp.Status != http.StatusAccepted || strings.TrimSpace(string(resp.Body)) != `{"accepted":2}` {
		t.Fatalf("valid batch: %d %s", resp.Status, resp.Body)
	}
	msgs := topicMessages(t, b.Addr(), 2)
	keys := map[string]string{}
	for _, m := range msgs {
		var ev struct{ ID string }
		_ = json.Unmarshal(m.Value, &ev)
		keys[ev.ID] = string(m.Key)
	}
	if len(msgs) != 2 || keys["e-1"] != "cl-1" || keys["e-2"] != "cl-2" {
		t.Errorf("produced %d messages, keys %v; want e-1→cl-1, e-2→cl-2", len(msgs), keys)
	}

	for _, tc := range []struct {
		name, body, ctype string
		status            int
	}{
		{"not JSON", `[{"specversion":`, "application/json", 400},
		{"an object, not an array", deviceEvent("e-3", "cl-1"), "application/json", 400},
		{"two arrays", "[] []", "application/json", 400},
		{"empty array", "[]", "application/json", 400},
		{"too many events", "[" + strings.Repeat(deviceEvent("e", "c")+",", 50) + deviceEvent("e", "c") + "]", "application/json", 413},
		{"too many bytes", "[" + strings.Repeat(" ", 70<<10) + "]", "application/json", 413},
		{"not JSON media type", "[]", "text/plain", 415},
		{"CloudEvents batch media type", "[" + deviceEvent("e-4", "cl-1") + "]", "application/cloudevents-batch+json", 202},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := api.Do(t, http.MethodPost, "/api/v1/events", []byte(tc.body), http.Header{"Content-Type": {tc.ctype}})
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
		})
	}
}

// A broker that does not answer gives 503 with Retry-After, not a hang.
func TestPostEventsBrokerDown(t *testing.T) {
	b, err := broker.StartEmbedded(broker.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	addr := b.Addr()
	b.Close()
	pub := ingest.NewPublisher([]string{addr}, ingest.NewRegistry("flexhub."), ingest.NewMetrics(nil))
	defer pub.Close()
	srv, err := query.NewServer(query.Config{Logger: quietLog(), RequestTimeout: 3 * time.Second},
		query.Deps{Warehouse: whtest.Database(t), Events: pub})
	if err != nil {
		t.Fatal(err)
	}
	api := &apitest.Client{Handler: srv.Handler()}
	resp := api.Post(t, "/api/v1/events", []byte("["+deviceEvent("e-1", "cl-1")+"]"))
	if resp.Status != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, want 503 with Retry-After: %s", resp.Status, resp.Body)
	}
}

func TestRoutingAnswersProblems(t *testing.T) {
	srv, err := query.NewServer(query.Config{Logger: quietLog()}, query.Deps{Warehouse: whtest.Database(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/api/v1/nothing-here", 404},
		{http.MethodDelete, "/api/v1/events", 405},
		{http.MethodPost, "/api/v1/events", 503}, // no Kafka producer in this process
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader("[]")))
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s = %d %s, want %d problem+json", tc.method, tc.path, rec.Code, rec.Header().Get("Content-Type"), tc.status)
		}
		var p query.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tc.status || p.Type == "" || p.Title == "" {
			t.Errorf("%s %s: body %s is not a problem with status %d", tc.method, tc.path, rec.Body, tc.status)
		}
	}
}

func TestHealthReadinessAndDocument(t *testing.T) {
	w := whtest.Database(t)
	failing := errors.New("broker unreachable")
	for _, tc := range []struct {
		name   string
		checks []query.ReadinessCheck
		status int
	}{
		{"ready", []query.ReadinessCheck{{Name: "clickhouse", Check: w.Ping}}, 200},
		{"not ready", []query.ReadinessCheck{{Name: "clickhouse", Check: w.Ping},
			{Name: "kafka", Check: func(context.Context) error { return failing }}}, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := query.NewServer(query.Config{Logger: quietLog()}, query.Deps{Warehouse: w, Ready: tc.checks})
			if err != nil {
				t.Fatal(err)
			}
			api := &apitest.Client{Handler: srv.Handler()}
			if resp := api.Get(t, "/healthz"); resp.Status != 200 {
				t.Errorf("healthz %d", resp.Status)
			}
			resp := api.Do(t, http.MethodGet, "/readyz", nil, nil)
			if resp.Status != tc.status {
				t.Errorf("readyz = %d %s, want %d", resp.Status, resp.Body, tc.status)
			}
			if tc.status == 503 && !strings.Contains(string(resp.Body), "broker unreachable") {
				t.Errorf("readyz does not say what fails: %s", resp.Body)
			}
			doc := api.Get(t, "/api/v1/openapi.json")
			var spec struct {
				OpenAPI string         `json:"openapi"`
				Paths   map[string]any `json:"paths"`
			}
			doc.JSON(t, &spec)
			if spec.OpenAPI != "3.1.0" || spec.Paths["/api/v1/customers/{customer_id}/license-usage"] == nil {
				t.Errorf("document: openapi %q, %d paths", spec.OpenAPI, len(spec.Paths))
			}
		})
	}
}
