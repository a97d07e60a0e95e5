package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are ingest's Prometheus series.
type Metrics struct {
	Events        *prometheus.CounterVec   // events by topic and outcome
	Rows          *prometheus.CounterVec   // rows written by table
	DeadLetters   *prometheus.CounterVec   // dead-lettered events by source topic and kind
	BatchSize     prometheus.Histogram     // events per batch
	InsertSeconds *prometheus.HistogramVec // insert latency by table
	Lag           *prometheus.GaugeVec     // consumer lag by topic and partition
	Retries       *prometheus.CounterVec   // retried steps (ledger, insert, dead-letter, commit)
	Published     *prometheus.CounterVec   // events accepted by the HTTP endpoint, by topic
}

// NewMetrics registers ingest's metrics on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flexhub_ingest_events_total",
			Help: "Events consumed, by topic and outcome (ingested, dead_lettered)."}, []string{"topic", "outcome"}),
		Rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flexhub_ingest_rows_total",
			Help: "Rows written to ClickHouse, by table (replayed batches count again)."}, []string{"table"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flexhub_ingest_dead_letters_total",
			Help: "Events sent to the dead-letter topic, by source topic and kind of fault."}, []string{"topic", "kind"}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "flexhub_ingest_batch_events",
			Help: "Events per written batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 10)}),
		InsertSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flexhub_ingest_insert_seconds",
			Help: "ClickHouse insert latency per table.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 15)}, []string{"table"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "flexhub_ingest_consumer_lag",
			Help: "Messages behind the partition's high-water mark at the last fetch."}, []string{"topic", "partition"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flexhub_ingest_retries_total",
			Help: "Retried batch steps while ClickHouse or the broker failed."}, []string{"step"}),
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flexhub_api_events_published_total",
			Help: "Events accepted over HTTP and produced to Kafka, by topic."}, []string{"topic"}),
	}
	if reg != nil {
		reg.MustRegister(m.Events, m.Rows, m.DeadLetters, m.BatchSize, m.InsertSeconds, m.Lag, m.Retries, m.Published)
	}
	return m
}
