package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is every setting, from flags with FLEXHUB_* environment defaults.
type config struct {
	DataDir        string
	ClickHouse     string
	Database       string
	Cluster        string
	Kafka          string
	KafkaPort      int
	TopicPrefix    string
	Partitions     int
	Group          string
	Listen         string
	BatchMaxEvents int
	BatchMaxWait   time.Duration
	RollupInterval time.Duration
	CallingRules   string
	LogLevel       string
	Demo           bool
	DemoHistory    int
	DemoInterval   time.Duration
}

// setting documents one flag; the README table is generated from these.
type setting struct {
	name, env, help string
}

func envOr(env, def string) string {
	if v, ok := os.LookupEnv(env); ok {
		return v
	}
	return def
}

func envInt(env string, def int) int {
	if v, ok := os.LookupEnv(env); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "flexhub: %s=%q is not an integer; using %d\n", env, v, def)
	}
	return def
}

func envDur(env string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(env); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "flexhub: %s=%q is not a duration; using %s\n", env, v, def)
	}
	return def
}

func envBool(env string, def bool) bool {
	if v, ok := os.LookupEnv(env); ok {
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return def
}

// bind registers the flags every subcommand shares.
func (c *config) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", envOr("FLEXHUB_DATA_DIR", "./data"), "where the embedded engine and broker keep their data (FLEXHUB_DATA_DIR)")
	fs.StringVar(&c.ClickHouse, "clickhouse", envOr("FLEXHUB_CLICKHOUSE", ""), "ClickHouse server DSN, e.g. tcp://host:9000?username=u&password=p; empty runs the embedded engine (FLEXHUB_CLICKHOUSE)")
	fs.StringVar(&c.Database, "database", envOr("FLEXHUB_DATABASE", "flexhub"), "ClickHouse database (FLEXHUB_DATABASE)")
	fs.StringVar(&c.Cluster, "cluster", envOr("FLEXHUB_CLUSTER", ""), "ClickHouse cluster name for replicated/Distributed DDL; empty is single node (FLEXHUB_CLUSTER)")
	fs.StringVar(&c.Kafka, "kafka", envOr("FLEXHUB_KAFKA", ""), "Kafka bootstrap servers host:port,…; empty starts the embedded broker (FLEXHUB_KAFKA)")
	fs.IntVar(&c.KafkaPort, "kafka-port", envInt("FLEXHUB_KAFKA_PORT", 19092), "loopback port of the embedded broker (FLEXHUB_KAFKA_PORT)")
	fs.StringVar(&c.TopicPrefix, "topic-prefix", envOr("FLEXHUB_TOPIC_PREFIX", "flexhub."), "prefix of every topic name (FLEXHUB_TOPIC_PREFIX)")
	fs.IntVar(&c.Partitions, "partitions", envInt("FLEXHUB_PARTITIONS", 4), "partitions of topics flexhub creates (FLEXHUB_PARTITIONS)")
	fs.StringVar(&c.Group, "group", envOr("FLEXHUB_GROUP", "flexhub-ingest"), "Kafka consumer group of ingest (FLEXHUB_GROUP)")
	fs.StringVar(&c.Listen, "listen", envOr("FLEXHUB_LISTEN", "127.0.0.1:8080"), "HTTP listen address of the API (FLEXHUB_LISTEN)")
	fs.IntVar(&c.BatchMaxEvents, "batch-max-events", envInt("FLEXHUB_BATCH_MAX_EVENTS", 50000), "ingest batch size limit (FLEXHUB_BATCH_MAX_EVENTS)")
	fs.DurationVar(&c.BatchMaxWait, "batch-max-wait", envDur("FLEXHUB_BATCH_MAX_WAIT", 500*time.Millisecond), "ingest batch time limit (FLEXHUB_BATCH_MAX_WAIT)")
	fs.DurationVar(&c.RollupInterval, "rollup-interval", envDur("FLEXHUB_ROLLUP_INTERVAL", 30*time.Second), "how often the rollup worker runs (FLEXHUB_ROLLUP_INTERVAL)")
	fs.StringVar(&c.CallingRules, "calling-rules", envOr("FLEXHUB_CALLING_RULES", ""), "calling thresholds over the defaults, e.g. rtt_ms=500,packet_loss_pct=10,jitter_ms=30,mos_floor=3.5,service_level_s=20,short_abandon_s=5 (FLEXHUB_CALLING_RULES)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("FLEXHUB_LOG_LEVEL", "info"), "debug, info, warn or error (FLEXHUB_LOG_LEVEL)")
	fs.BoolVar(&c.Demo, "demo", envBool("FLEXHUB_DEMO", false), "serve: seed a synthetic demo world and keep streaming events (FLEXHUB_DEMO)")
	fs.IntVar(&c.DemoHistory, "demo-history", envInt("FLEXHUB_DEMO_HISTORY", 30), "demo: days of history to seed (FLEXHUB_DEMO_HISTORY)")
	fs.DurationVar(&c.DemoInterval, "demo-interval", envDur("FLEXHUB_DEMO_INTERVAL", 30*time.Second), "demo: how often fresh syncs are streamed (FLEXHUB_DEMO_INTERVAL)")
}

func (c *config) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

func (c *config) deadLetterTopic() string { return c.TopicPrefix + "deadletter" }
