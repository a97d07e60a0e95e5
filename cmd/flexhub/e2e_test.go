package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/query/apitest"
)

// syncEvents is one cluster sync: users, devices, then the cluster.synced
// event. Hand count with the Flex decision table (README), for a customer
// without a Flex subscription (classified as Flex 2.0):
//
//	u1 directory number only → KW (U3); u2 owns d1 → KW (U2); u3 nothing →
//	no license (U0); d1 desk phone of u2 → covered by u2; d2 analog adapter,
//	no owner → CA (D2); d3 TelePresence → TP (D1)
//
// KW 2, CA 1, TP 1.
func syncEvents(customer, cluster string, at time.Time) []string {
	ts := at.UTC().Format(time.RFC3339)
	syncID := cluster + ":" + strconv.FormatInt(at.Unix(), 10)
	ref := fmt.Sprintf(`"partner_id":"p-e2e","customer_id":%q,"cluster_id":%q,"sync_id":%q,"synced_at":%q`, customer, cluster, syncID, ts)
	ev := func(id, typ, data string) string {
		return fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"/ucm/clusters/%s","type":"com.flexhub.ucm.%s","time":%q,"subject":"customers/%s","data":{%s,%s}}`,
			syncID+"/"+id, cluster, typ, ts, customer, ref, data)
	}
	return []string{
		ev("u1", "user.observed", `"user_id":"u1","directory_number":"+31201110001"`),
		ev("u2", "user.observed", `"user_id":"u2"`),
		ev("u3", "user.observed", `"user_id":"u3"`),
		ev("d1", "device.observed", `"device_id":"SEP01","device_type":"desk_phone","associated_user_id":"u2"`),
		ev("d2", "device.observed", `"device_id":"ATA01","device_type":"analog_adapter","location":"hallway"`),
		ev("d3", "device.observed", `"device_id":"TP01","device_type":"telepresence","telepresence":true,"location":"conference_room"`),
		ev("sync", "cluster.synced", `"cluster_name":"AMS-UCM-01","region":"eu-west-ams","version":"15.0.1","publisher":"pub01.example","user_count":3,"device_count":3`),
	}
}

func TestEndToEndKafkaAndHTTPIntoTheAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dataDir := t.TempDir()
	apiPort, kafkaPort := freePort(t), freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	kafkaAddr := fmt.Sprintf("127.0.0.1:%d", kafkaPort)
	srv := start(t, "serve", "--data-dir", dataDir, "--listen", fmt.Sprintf("127.0.0.1:%d", apiPort),
		"--kafka-port", strconv.Itoa(kafkaPort), "--rollup-interval", "500ms", "--batch-max-wait", "50ms")

	waitFor(t, srv, "readiness", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	now := time.Now().UTC()
	ctx := context.Background()
	// One customer through Kafka with kafka-go, as a UCM sync agent would.
	w := &kafka.Writer{Addr: kafka.TCP(kafkaAddr), Topic: "flexhub.ucm.inventory", Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	var msgs []kafka.Message
	for _, e := range syncEvents("c-kafka", "cl-kafka", now.Add(-time.Minute)) {
		msgs = append(msgs, kafka.Message{Key: []byte("cl-kafka"), Value: []byte(e)})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()

	// Another through the HTTP endpoint; every answer is checked against
	// the OpenAPI document.
	api := &apitest.Client{BaseURL: base}
	body := "[" + strings.Join(syncEvents("c-http", "cl-http", now.Add(-time.Minute)), ",") + "]"
	if resp := api.Post(t, "/api/v1/events", []byte(body)); resp.Status != http.StatusAccepted {
		t.Fatalf("POST events = %d %s", resp.Status, resp.Body)
	}

	// An invalid event is refused with its reason and nothing is produced.
	if resp := api.Post(t, "/api/v1/events", []byte(`[{"specversion":"1.0","id":"x"}]`)); resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid event: %d %s", resp.Status, resp.Body)
	}

	for _, customer := range []string{"c-kafka", "c-http"} {
		var got query.LicenseUsage
		waitFor(t, srv, "license usage of "+customer, func() bool {
			resp, err := http.Get(base + "/api/v1/customers/" + customer + "/license-usage?window=7d")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		waitFor(t, srv, "the rollup of "+customer, func() bool {
			api.Get(t, "/api/v1/customers/"+customer+"/license-usage?window=7d").JSON(t, &got)
			return got.Latest != nil
		})
		want := map[string]int64{"KW": 2, "CA": 1, "TP": 1}
		for k, v := range want {
			if got.Latest.Usage[k] != v {
				t.Errorf("%s: %s = %d, want %d (usage %v)", customer, k, got.Latest.Usage[k], v, got.Latest.Usage)
			}
		}
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"flexhub_ingest_events_total", "flexhub_ingest_insert_seconds", "flexhub_api_request_duration_seconds", "flexhub_ingest_consumer_lag"} {
		if !bytes.Contains(b, []byte(m)) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	srv.stop(t)
}

func waitFor(t *testing.T, c *child, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, c.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Times are UTC whatever the process's time zone: a parameter's wall time
// is read as UTC and dates fall on UTC days.
func TestEngineWorksInUTCWhateverTheProcessTimeZone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	cmd := exec.Command(flexhubBinary(t), "sql", "--data-dir", t.TempDir(), "--log-level", "warn",
		"SELECT timezone() AS tz, toUnixTimestamp(toDateTime('2026-01-01 00:00:00')) AS u, toDate(toDateTime64(1767222000, 3)) AS d")
	cmd.Env = append(os.Environ(), "TZ=Europe/Amsterdam")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// 2026-01-01 00:00:00 UTC is 1767225600; 1767222000 is 2025-12-31 23:00 UTC.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if got := strings.Fields(lines[len(lines)-1]); len(got) != 3 || got[0] != "UTC" || got[1] != "1767225600" || !strings.HasPrefix(got[2], "2025-12-31") {
		t.Errorf("under TZ=Europe/Amsterdam the engine says %q", lines[len(lines)-1])
	}
}
