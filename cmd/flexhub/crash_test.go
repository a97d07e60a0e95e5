package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/broker"
)

// Ingest is killed with SIGKILL mid-stream, again and again, while events
// keep arriving; after a last clean run every event is in ClickHouse exactly
// once.
func TestIngestSurvivesKillNineExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary repeatedly")
	}
	const (
		topic      = "flexhub.ucm.inventory"
		partitions = 4
		total      = 40_000
		kills      = 5
	)
	b, err := broker.StartEmbedded(broker.EmbeddedConfig{DataDir: filepath.Join(t.TempDir(), "kafka")})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := broker.EnsureTopics(ctx, []string{b.Addr()}, []broker.TopicSpec{
		{Name: topic, Partitions: partitions}, {Name: "flexhub.deadletter", Partitions: 1}}); err != nil {
		t.Fatal(err)
	}

	// Producer: 40 000 user events over 40 clusters, in small bursts, so
	// that events arrive while ingest is being killed.
	produced := make(chan error, 1)
	go func() {
		w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: topic, Balancer: &kafka.Hash{},
			RequiredAcks: kafka.RequireAll, BatchTimeout: 2 * time.Millisecond, BatchSize: 2000}
		defer w.Close()
		const burst = 2000
		for i := 0; i < total; i += burst {
			msgs := make([]kafka.Message, 0, burst)
			for j := i; j < i+burst; j++ {
				cl := "cl-" + strconv.Itoa(j%40)
				msgs = append(msgs, kafka.Message{Key: []byte(cl), Value: crashUserEvent(cl, j)})
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				produced <- err
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
		produced <- nil
	}()

	dataDir := t.TempDir()
	ops := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	args := []string{"ingest", "--kafka", b.Addr(), "--data-dir", dataDir, "--listen", ops,
		"--batch-max-events", "700", "--batch-max-wait", "40ms", "--partitions", strconv.Itoa(partitions)}
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < kills; i++ {
		c := start(t, args...)
		// Long enough to boot the engine and write some batches, short
		// enough to die in the middle of the stream.
		time.Sleep(time.Duration(1200+rng.IntN(1500)) * time.Millisecond)
		c.kill(t)
		t.Logf("kill %d done", i+1)
	}
	if err := <-produced; err != nil {
		t.Fatal(err)
	}

	c := start(t, args...)
	// Earlier runs may have committed everything already; the last run must
	// be up (and handling signals) before it is stopped.
	waitFor(t, c, "ingest to join its group", func() bool { return strings.Contains(c.out.String(), "partition assigned") })
	deadline := time.Now().Add(3 * time.Minute)
	for {
		done, err := committedAll(ctx, b.Addr(), "flexhub-ingest", topic, partitions)
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingest did not catch up (err %v)\n%s", err, c.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// An ingest-only process answers Prometheus and the probes on --listen.
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		resp, err := http.Get("http://" + ops + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || (path == "/metrics" && !strings.Contains(string(body), "flexhub_ingest_batch_events")) {
			t.Errorf("%s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	c.stop(t)

	row := sql(t, dataDir, "SELECT count(), uniqExact(event_id) FROM flexhub.ucm_users")
	if row[0] != fmt.Sprint(total) || row[1] != fmt.Sprint(total) {
		t.Fatalf("rows = %s, distinct events = %s; want %d of each (exactly once)", row[0], row[1], total)
	}
	replays := sql(t, dataDir, "SELECT count() FROM flexhub.ingest_batches FINAL")
	t.Logf("%d events exactly once after %d kills; %s batches planned", total, kills, replays[0])
}

func crashUserEvent(cl string, n int) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":"ev-%d","source":"/ucm/clusters/%s","type":"com.flexhub.ucm.user.observed","time":"2026-11-20T02:00:00Z","data":{"partner_id":"p1","customer_id":"c1","cluster_id":"%s","sync_id":"s1","synced_at":"2026-11-20T02:00:00Z","user_id":"user-%d","voicemail":true}}`,
		n, cl, cl, n)
}
