package ingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/broker"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

const testTopic = "flexhub.ucm.inventory"
const testDLQ = "flexhub.deadletter"

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// userEvent builds a valid user.observed event for cluster cl, user n.
func userEvent(cl string, n int) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":"u-%s-%d","source":"/ucm/clusters/%s","type":"com.flexhub.ucm.user.observed","time":"2026-11-20T02:00:00Z","data":{"partner_id":"p1","customer_id":"c1","cluster_id":"%s","sync_id":"s1","synced_at":"2026-11-20T02:00:00Z","user_id":"user-%d","directory_number":"+3120%06d","enterprise_directory_profile":true,"voicemail":true}}`,
		cl, n, cl, cl, n, n)
}

type env struct {
	b   *broker.Embedded
	w   warehouse.Warehouse
	reg *Registry
	m   *Metrics
}

func newEnv(t *testing.T, partitions int) *env {
	t.Helper()
	b, err := broker.StartEmbedded(broker.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx := context.Background()
	if err := broker.EnsureTopics(ctx, []string{b.Addr()}, []broker.TopicSpec{
		{Name: testTopic, Partitions: partitions}, {Name: testDLQ, Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	return &env{b: b, w: whtest.Database(t), reg: NewRegistry("flexhub."), m: NewMetrics(nil)}
}

func (e *env) produce(t *testing.T, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(e.b.Addr()), Topic: testTopic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, BatchSize: 10000}
	defer w.Close()
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func (e *env) ingestor(cfg Config) *Ingestor {
	cfg.Brokers = []string{e.b.Addr()}
	cfg.Topics = []string{testTopic}
	cfg.DeadLetterTopic = testDLQ
	if cfg.BatchMaxWait == 0 {
		cfg.BatchMaxWait = 50 * time.Millisecond
	}
	cfg.RetryMin = 20 * time.Millisecond
	cfg.RetryMax = 200 * time.Millisecond
	return NewIngestor(cfg, e.reg, e.w, NewDeadLetters(cfg.Brokers, testDLQ, e.m), e.m, quietLog())
}

// run starts the ingestor and returns a stop function that drains it.
func run(t *testing.T, in *Ingestor) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ingest run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("ingest did not drain within 30s")
		}
	}
}

func (e *env) count(t *testing.T, sql string) int64 {
	t.Helper()
	res, err := e.w.Query(context.Background(), sql, nil)
	if err != nil {
		t.Fatal(err)
	}
	return warehouse.Int(res.Rows[0][0])
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestIngestWritesEveryEventOnce(t *testing.T) {
	e := newEnv(t, 4)
	var msgs []kafka.Message
	// 3 clusters × 1000 users = 3000 events, spread over partitions by key.
	for c := 0; c < 3; c++ {
		cl := fmt.Sprintf("cl-%d", c)
		for i := 0; i < 1000; i++ {
			msgs = append(msgs, kafka.Message{Key: []byte(cl), Value: userEvent(cl, i)})
		}
	}
	e.produce(t, msgs...)
	in := e.ingestor(Config{BatchMaxEvents: 700})
	stop := run(t, in)
	eventually(t, "3000 users", func() bool {
		return e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users") >= 3000
	})
	stop()
	// A second ingestor in the same group resumes after the committed
	// offsets and writes nothing again.
	stop = run(t, e.ingestor(Config{}))
	time.Sleep(500 * time.Millisecond)
	stop()
	if n := e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users"); n != 3000 {
		t.Fatalf("users = %d, want 3000", n)
	}
	if n := e.count(t, "SELECT uniqExact(event_id) FROM {db:Identifier}.ucm_users"); n != 3000 {
		t.Fatalf("distinct events = %d, want 3000", n)
	}
}

// A crash after a batch was planned and partly written: the restarted
// consumer must rebuild exactly that batch and leave one copy of each event.
func TestReplayOfPlannedBatchAfterCrash(t *testing.T) {
	e := newEnv(t, 1)
	var msgs []kafka.Message
	for i := 0; i < 100; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte("cl-x"), Value: userEvent("cl-x", i)})
	}
	e.produce(t, msgs...)
	ctx := context.Background()
	cfg := Config{BatchMaxEvents: 1000}
	cfg.defaults()

	// What a crashed consumer left behind: the plan for offsets 0..59 and
	// the rows of that batch, inserted under the batch's token, but no
	// committed offset.
	l := &ledger{w: e.w, group: cfg.Group}
	plan := plannedBatch{First: 0, Last: 59, Events: 60}
	if err := l.plan(ctx, testTopic, 0, plan); err != nil {
		t.Fatal(err)
	}
	typ, _ := e.reg.Type(TypeUserObserved)
	b := warehouse.MustBatch(typ.Table, typ.Columns)
	dec := e.reg.NewDecoder()
	for i := 0; i < 60; i++ {
		ev, err := dec.Decode(userEvent("cl-x", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append(ev.Values()...); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.w.Insert(ctx, b, token(cfg.Group, testTopic, 0, plan, typ.Table)); err != nil {
		t.Fatal(err)
	}

	stop := run(t, e.ingestor(cfg))
	eventually(t, "all 100 events", func() bool {
		return e.count(t, "SELECT uniqExact(event_id) FROM {db:Identifier}.ucm_users") >= 100
	})
	stop()
	// 60 replayed (deduplicated) + 40 new = 100 rows, not 160.
	if n := e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users"); n != 100 {
		t.Fatalf("rows = %d, want 100 (the replayed batch must be deduplicated)", n)
	}
	// The replayed batch kept its boundaries: no second plan starting at 0
	// with another end, and the rest was planned from 60.
	res, err := e.w.Query(ctx, "SELECT first_offset, last_offset FROM {db:Identifier}.ingest_batches FINAL ORDER BY first_offset", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || warehouse.Int(res.Rows[0][1]) != 59 || warehouse.Int(res.Rows[1][0]) != 60 || warehouse.Int(res.Rows[1][1]) != 99 {
		t.Fatalf("ledger = %v, want [0,59] then [60,99]", res.Rows)
	}
}

func TestBadEventsGoToDeadLetterTopicWithReason(t *testing.T) {
	e := newEnv(t, 1)
	good := userEvent("cl-d", 1)
	big := `{"specversion":"1.0","id":"big","source":"/x","type":"com.flexhub.ucm.user.observed","time":"2026-11-20T02:00:00Z","data":{"pad":"` + strings.Repeat("x", MaxEventBytes) + `"}}`
	cases := []struct {
		name, value, kind, reasonHas string
	}{
		{"malformed JSON", `{"specversion":"1.0",`, "malformed", "not a JSON object"},
		{"not an object", `[1,2]`, "malformed", "not a JSON object"},
		{"unknown type", strings.Replace(string(good), "ucm.user.observed", "ucm.user.teleported", 1), "unknown_type", "unknown event type"},
		{"wrong specversion", strings.Replace(string(good), `"1.0"`, `"0.3"`, 1), "envelope", "specversion"},
		{"missing id", strings.Replace(string(good), `"id":"u-cl-d-1",`, "", 1), "envelope", "id is required"},
		{"bad time", strings.Replace(string(good), `"time":"2026-11-20T02:00:00Z"`, `"time":"yesterday"`, 1), "envelope", "RFC 3339"},
		{"missing field", strings.Replace(string(good), `"user_id":"user-1",`, "", 1), "data", "user_id is required"},
		{"wrong type", strings.Replace(string(good), `"voicemail":true`, `"voicemail":"yes"`, 1), "data", "voicemail"},
		{"unknown field", strings.Replace(string(good), `"voicemail":true`, `"voicemail":true,"shoe_size":44`, 1), "data", "shoe_size"},
		{"bad id pattern", strings.Replace(string(good), `"customer_id":"c1"`, `"customer_id":"c 1; drop"`, 1), "data", "customer_id"},
		{"oversized", big, "oversized", "limit"},
	}
	var msgs []kafka.Message
	for i, c := range cases {
		msgs = append(msgs, kafka.Message{Key: []byte("cl-d"), Value: []byte(c.value)})
		// A good event after each bad one: the partition must not stall.
		msgs = append(msgs, kafka.Message{Key: []byte("cl-d"), Value: userEvent("cl-d", 100+i)})
	}
	e.produce(t, msgs...)
	stop := run(t, e.ingestor(Config{}))
	eventually(t, "good events", func() bool {
		return e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users") >= int64(len(cases))
	})
	stop()
	if n := e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users"); n != int64(len(cases)) {
		t.Fatalf("users = %d, want %d", n, len(cases))
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{e.b.Addr()}, Topic: testDLQ, Partition: 0, MaxWait: 100 * time.Millisecond, MaxBytes: 4 << 20})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i, c := range cases {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("dead letter %d (%s): %v", i, c.name, err)
		}
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		t.Run(c.name, func(t *testing.T) {
			if string(m.Value) != c.value {
				t.Errorf("dead letter value differs from the original event")
			}
			if h[HeaderKind] != c.kind {
				t.Errorf("kind = %q, want %q (reason %q)", h[HeaderKind], c.kind, h[HeaderReason])
			}
			if !strings.Contains(h[HeaderReason], c.reasonHas) {
				t.Errorf("reason %q lacks %q", h[HeaderReason], c.reasonHas)
			}
			if h[HeaderSourceTopic] != testTopic || h[HeaderSourceOffset] != fmt.Sprint(2*i) {
				t.Errorf("source = %s@%s, want %s@%d", h[HeaderSourceTopic], h[HeaderSourceOffset], testTopic, 2*i)
			}
		})
	}
}

// While ClickHouse refuses writes, nothing is committed and nothing is
// lost; when it comes back, ingest recovers by itself.
func TestClickHouseUnavailableIsRetriedWithoutLoss(t *testing.T) {
	e := newEnv(t, 1)
	ctx := context.Background()
	// A detached table makes every insert fail inside the engine.
	if err := e.w.Exec(ctx, "DETACH TABLE {db:Identifier}.ucm_users", nil); err != nil {
		t.Fatal(err)
	}
	var msgs []kafka.Message
	for i := 0; i < 500; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte("cl-u"), Value: userEvent("cl-u", i)})
	}
	e.produce(t, msgs...)
	stop := run(t, e.ingestor(Config{BatchMaxEvents: 200}))
	eventually(t, "insert retries", func() bool {
		return testutilCounter(e.m.Retries.WithLabelValues("insert")) >= 3
	})
	if err := e.w.Exec(ctx, "ATTACH TABLE {db:Identifier}.ucm_users", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "500 users after recovery", func() bool {
		return e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users") >= 500
	})
	stop()
	if n := e.count(t, "SELECT count() FROM {db:Identifier}.ucm_users"); n != 500 {
		t.Fatalf("users = %d, want 500", n)
	}
}
