package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/broker"
	"github.com/flexhub/flexhub/ingest/demo"
	"github.com/flexhub/flexhub/internal/benchfig"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

// BenchmarkInventoryIngest measures, in one run over the same 1M
// pre-produced UCM inventory events on the same broker:
//
//   - flexhub ingest end to end: from start until every row is visible in
//     ClickHouse (consume, validate, batch, ledger, insert, commit);
//   - the baseline: ClickHouse's own Kafka table engine with materialized
//     views parsing the same JSON into the same tables (no validation, no
//     dead letters, no exactly-once), in the embedded engine;
//   - the ceiling: a raw streaming insert of the same rows, already decoded.
//
// Peak RSS is the process's high-water mark during each phase (reset in
// between). Targets (issue 2): ≥ 250k events/s end to end, ≥ 5× the Kafka
// engine, ≥ 40% of the raw insert.
func BenchmarkInventoryIngest(b *testing.B) {
	const total = 1_000_000
	const partitions = 4
	ctx := context.Background()
	addr := startBenchBroker(b)
	if err := broker.EnsureTopics(ctx, []string{addr}, []broker.TopicSpec{
		{Name: testTopic, Partitions: partitions}, {Name: testDLQ, Partitions: 1}}); err != nil {
		b.Fatal(err)
	}
	wr := &kafka.Writer{Addr: kafka.TCP(addr), Topic: testTopic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchSize: 10_000, BatchTimeout: 5 * time.Millisecond}
	var bytes int64
	benchEvents(total, func(chunk []kafka.Message) {
		for _, m := range chunk {
			bytes += int64(len(m.Value))
		}
		if err := wr.WriteMessages(ctx, chunk...); err != nil {
			b.Fatal(err)
		}
	})
	wr.Close()
	fmt.Printf("\n1M UCM inventory events pre-produced: %d partitions, %.0f MB of JSON (%d bytes/event)\n",
		partitions, float64(bytes)/1e6, bytes/total)

	reg := NewRegistry("flexhub.")
	whtest.Engine(b) // boot the engine outside the measurements

	// flexhub ingest, end to end.
	w := whtest.Database(b)
	benchfig.ResetPeakRSS()
	cpu0, bcpu0 := benchfig.ProcessCPU(os.Getpid()), benchfig.ProcessCPU(benchBrokerPid)
	start := time.Now()
	im := NewMetrics(nil)
	in := NewIngestor(Config{Brokers: []string{addr}, Group: "bench-flexhub", Topics: []string{testTopic},
		DeadLetterTopic: testDLQ}, reg, w, NewDeadLetters([]string{addr}, testDLQ, im), im, quietLog())
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()
	waitRows(b, w, total, 10*time.Minute)
	flexSecs := time.Since(start).Seconds()
	flexRSS := benchfig.PeakRSS()
	flexCPU, brokerCPU := benchfig.ProcessCPU(os.Getpid())-cpu0, benchfig.ProcessCPU(benchBrokerPid)-bcpu0
	if os.Getenv("FLEXHUB_BENCH_DEBUG") != "" {
		for _, t := range []string{"ucm_users", "ucm_devices", "ucm_cluster_syncs"} {
			var m dto.Metric
			_ = im.InsertSeconds.WithLabelValues(t).(prometheus.Histogram).Write(&m)
			fmt.Printf("  %s: %d inserts, %.2fs\n", t, m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum())
		}
		var m dto.Metric
		_ = im.BatchSize.Write(&m)
		fmt.Printf("  batches %d, mean %.0f events\n", m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()/float64(m.GetHistogram().GetSampleCount()))
	}
	stop()
	<-done

	// Baseline: the Kafka table engine and materialized views.
	kw := whtest.Database(b)
	benchfig.ResetPeakRSS()
	kcpu0, kbcpu0 := benchfig.ProcessCPU(os.Getpid()), benchfig.ProcessCPU(benchBrokerPid)
	start = time.Now()
	for _, stmt := range kafkaEngineDDL(addr, partitions) {
		if err := kw.Exec(ctx, stmt, nil); err != nil {
			b.Fatalf("kafka engine: %v", err)
		}
	}
	waitRows(b, kw, total, 30*time.Minute)
	kafkaSecs := time.Since(start).Seconds()
	kafkaRSS := benchfig.PeakRSS()
	kafkaCPU, kafkaBrokerCPU := benchfig.ProcessCPU(os.Getpid())-kcpu0, benchfig.ProcessCPU(benchBrokerPid)-kbcpu0
	if err := kw.Exec(ctx, "DROP TABLE {db:Identifier}.kafka_inventory SYNC", nil); err != nil {
		b.Fatal(err)
	}

	// Ceiling: the same rows decoded ahead, then streamed in as RowBinary in
	// 50k-row blocks per table.
	rw := whtest.Database(b)
	dec := reg.NewDecoder()
	var blocks []*warehouse.Batch
	cur := map[string]*warehouse.Batch{}
	benchEvents(total, func(chunk []kafka.Message) {
		for _, m := range chunk {
			ev, err := dec.Decode(m.Value)
			if err != nil {
				b.Fatal(err)
			}
			bt := cur[ev.Type.Table]
			if bt == nil || bt.Rows() >= 50_000 {
				bt = warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
				cur[ev.Type.Table] = bt
				blocks = append(blocks, bt)
			}
			if err := bt.Append(ev.Values()...); err != nil {
				b.Fatal(err)
			}
		}
	})
	benchfig.ResetPeakRSS()
	rawCPU0 := benchfig.ProcessCPU(os.Getpid())
	start = time.Now()
	for _, bt := range blocks {
		if err := rw.Insert(ctx, bt, ""); err != nil {
			b.Fatal(err)
		}
	}
	waitRows(b, rw, total, time.Minute)
	rawSecs := time.Since(start).Seconds()
	rawRSS := benchfig.PeakRSS()
	rawCPU := benchfig.ProcessCPU(os.Getpid()) - rawCPU0

	flex, kafkaEng, raw := total/flexSecs, total/kafkaSecs, total/rawSecs
	report := fmt.Sprintf(`
BenchmarkInventoryIngest (1M events, %d partitions, 2-core machine; CPU = seconds of this process + the broker's)
  path                              events/s     seconds   peak RSS   CPU s
  flexhub ingest, end to end      %10.0f   %9.2f   %5d MB   %4.1f+%.1f   target ≥ 250000 events/s
  Kafka engine + MVs (baseline)   %10.0f   %9.2f   %5d MB   %4.1f+%.1f   flexhub = %.1f× (target ≥ 5×)
  raw streaming insert (ceiling)  %10.0f   %9.2f   %5d MB   %4.1f       flexhub = %.0f%% (target ≥ 40%%)
`, partitions, flex, flexSecs, flexRSS>>20, flexCPU, brokerCPU, kafkaEng, kafkaSecs, kafkaRSS>>20, kafkaCPU, kafkaBrokerCPU, flex/kafkaEng,
		raw, rawSecs, rawRSS>>20, rawCPU, 100*flex/raw)
	fmt.Print(report)
	benchfig.WriteResult("ingest.txt", report)
	b.ReportMetric(flex, "events/s")
	b.ReportMetric(flex/kafkaEng, "x_kafka_engine")
	b.ReportMetric(100*flex/raw, "%_of_raw_insert")
}

// benchEvents hands the demo world's nightly syncs, day after day, to fn
// in chunks, cut at n events; the same n events every time.
func benchEvents(n int, fn func([]kafka.Message)) {
	world := demo.Generate(demo.DefaultConfig())
	at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	chunk := make([]kafka.Message, 0, 50_000)
	sent := 0
	for day := 0; sent < n; day++ {
		for _, cl := range world.Clusters {
			for _, ev := range demo.SyncEvents(cl, at.AddDate(0, 0, day), day) {
				if sent+len(chunk) == n {
					break
				}
				chunk = append(chunk, kafka.Message{Key: []byte(cl.ID), Value: ev})
			}
			if len(chunk) >= 40_000 || sent+len(chunk) == n {
				fn(chunk)
				sent += len(chunk)
				chunk = chunk[:0]
			}
			if sent == n {
				return
			}
		}
	}
}

// startBenchBroker runs the embedded broker in a child process.
func startBenchBroker(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FLEXHUB_BENCH_BROKER=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	benchBrokerPid = cmd.Process.Pid
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("bench broker: %v", err)
	}
	return strings.TrimSpace(line)
}

func waitRows(b *testing.B, w warehouse.Warehouse, want int64, limit time.Duration) {
	b.Helper()
	deadline := time.Now().Add(limit)
	for {
		res, err := w.Query(context.Background(), `SELECT
			(SELECT count() FROM {db:Identifier}.ucm_users) + (SELECT count() FROM {db:Identifier}.ucm_devices)
			+ (SELECT count() FROM {db:Identifier}.ucm_cluster_syncs)`, nil)
		if err != nil {
			b.Fatal(err)
		}
		n := warehouse.Int(res.Rows[0][0])
		if n >= want {
			if n > want {
				b.Fatalf("%d rows, want %d", n, want)
			}
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d rows after %s", n, want, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kafkaEngineDDL is ClickHouse's own way in: a Kafka engine table reading
// each message as one JSON string, and a materialized view per event type
// extracting the same columns flexhub writes.
func kafkaEngineDDL(addr string, partitions int) []string {
	ref := `JSONExtractString(json, 'data', 'partner_id') AS partner_id,
		JSONExtractString(json, 'data', 'customer_id') AS customer_id,
		JSONExtractString(json, 'data', 'cluster_id') AS cluster_id,
		JSONExtractString(json, 'data', 'sync_id') AS sync_id,
		parseDateTime64BestEffort(JSONExtractString(json, 'data', 'synced_at'), 3, 'UTC') AS synced_at,
		JSONExtractString(json, 'id') AS event_id`
	mv := func(name, table, typ, cols string) string {
		return fmt.Sprintf(`CREATE MATERIALIZED VIEW {db:Identifier}.%s TO {db:Identifier}.%s AS
		SELECT %s, %s FROM {db:Identifier}.kafka_inventory WHERE JSONExtractString(json, 'type') = '%s'`, name, table, ref, cols, typ)
	}
	return []string{
		fmt.Sprintf(`CREATE TABLE {db:Identifier}.kafka_inventory (json String) ENGINE = Kafka
		SETTINGS kafka_broker_list = '%s', kafka_topic_list = '%s', kafka_group_name = 'bench-kafka-engine',
		kafka_format = 'JSONAsString', kafka_num_consumers = %d, kafka_max_block_size = 65536,
		kafka_thread_per_consumer = 1, kafka_poll_max_batch_size = 65536`, addr, testTopic, min(partitions, 2)),
		mv("mv_users", "ucm_users", TypeUserObserved, `JSONExtractString(json, 'data', 'user_id') AS user_id,
		JSONExtractString(json, 'data', 'directory_number') AS directory_number,
		JSONExtractBool(json, 'data', 'enterprise_directory_profile') AS enterprise_directory_profile,
		JSONExtractBool(json, 'data', 'snr') AS snr, JSONExtractBool(json, 'data', 'extension_mobility') AS extension_mobility,
		JSONExtractBool(json, 'data', 'voicemail') AS voicemail, JSONExtractBool(json, 'data', 'mobile_uc_client') AS mobile_uc_client,
		JSONExtractBool(json, 'data', 'tablet_uc_client') AS tablet_uc_client`),
		mv("mv_devices", "ucm_devices", TypeDeviceObserved, `JSONExtractString(json, 'data', 'device_id') AS device_id,
		JSONExtractString(json, 'data', 'device_type') AS device_type,
		JSONExtractString(json, 'data', 'associated_user_id') AS associated_user_id,
		JSONExtractBool(json, 'data', 'telepresence') AS telepresence, JSONExtractString(json, 'data', 'location') AS location`),
		mv("mv_syncs", "ucm_cluster_syncs", TypeClusterSynced, `JSONExtractString(json, 'data', 'cluster_name') AS cluster_name,
		JSONExtractString(json, 'data', 'region') AS region, JSONExtractString(json, 'data', 'version') AS version,
		JSONExtractString(json, 'data', 'publisher') AS publisher,
		JSONExtractUInt(json, 'data', 'user_count') AS user_count, JSONExtractUInt(json, 'data', 'device_count') AS device_count`),
	}
}

var benchBrokerPid int
