package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/rollup"
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

	// Access control (empty: the API is open, every caller the operator).
	AuthHS256SecretFile string
	AuthRS256KeyFile    string
	AuthJWKSFile        string
	AuthIssuer          string
	AuthAudience        string
	AuthAPIKeysFile     string
	RateLimit           float64
	RateBurst           int
	SQLMaxSeconds       int
	SQLMaxRows          int64
	// The partner overview's rollup (rollup.PartnerOverviewConfig).
	Overview rollup.PartnerOverviewConfig
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
	ov := rollup.DefaultPartnerOverviewConfig()
	c.Overview = ov
	fs.IntVar(&c.Overview.ExpiringSoonDays, "expiring-soon-days", envInt("FLEXHUB_EXPIRING_SOON_DAYS", ov.ExpiringSoonDays), "overview: a customer is expiring soon when a subscription or trial that does not renew ends within this many days (FLEXHUB_EXPIRING_SOON_DAYS)")
	fs.IntVar(&c.Overview.NoRecentActivityDays, "no-recent-activity-days", envInt("FLEXHUB_NO_RECENT_ACTIVITY_DAYS", ov.NoRecentActivityDays), "overview: a customer has no recent activity when none of its admins signed in within this many days (FLEXHUB_NO_RECENT_ACTIVITY_DAYS)")
	fs.Float64Var(&c.Overview.LowAllocationRatio, "low-allocation-ratio", envFloat("FLEXHUB_LOW_ALLOCATION_RATIO", ov.LowAllocationRatio), "overview: low license allocation is an assigned share below this fraction of comparable subscriptions' median (FLEXHUB_LOW_ALLOCATION_RATIO)")
	fs.IntVar(&c.Overview.LowAllocationMinPeers, "low-allocation-min-peers", envInt("FLEXHUB_LOW_ALLOCATION_MIN_PEERS", ov.LowAllocationMinPeers), "overview: fewest comparable subscriptions a median is taken over (FLEXHUB_LOW_ALLOCATION_MIN_PEERS)")
	fs.Func("low-allocation-size-bands", "overview: license counts where the size bands of comparable subscriptions start, e.g. 10,50,250,1000 (FLEXHUB_LOW_ALLOCATION_SIZE_BANDS)", func(v string) error {
		bands, err := parseBands(v)
		c.Overview.LowAllocationSizeBands = bands
		return err
	})
	if v, ok := os.LookupEnv("FLEXHUB_LOW_ALLOCATION_SIZE_BANDS"); ok {
		if bands, err := parseBands(v); err == nil {
			c.Overview.LowAllocationSizeBands = bands
		} else {
			fmt.Fprintf(os.Stderr, "flexhub: FLEXHUB_LOW_ALLOCATION_SIZE_BANDS=%q: %v; using %v\n", v, err, ov.LowAllocationSizeBands)
		}
	}
	fs.IntVar(&c.Overview.BackfillDays, "overview-backfill-days", envInt("FLEXHUB_OVERVIEW_BACKFILL_DAYS", ov.BackfillDays), "overview: how many days back the rollup computes by itself (first run, late data) (FLEXHUB_OVERVIEW_BACKFILL_DAYS)")
	fs.StringVar(&c.AuthHS256SecretFile, "auth-hs256-secret-file", envOr("FLEXHUB_AUTH_HS256_SECRET_FILE", ""), "accept JWTs signed with HS256 by this secret, at least 32 bytes (FLEXHUB_AUTH_HS256_SECRET_FILE)")
	fs.StringVar(&c.AuthRS256KeyFile, "auth-rs256-public-key-file", envOr("FLEXHUB_AUTH_RS256_PUBLIC_KEY_FILE", ""), "accept JWTs signed with RS256 by this PEM public key (FLEXHUB_AUTH_RS256_PUBLIC_KEY_FILE)")
	fs.StringVar(&c.AuthJWKSFile, "auth-jwks-file", envOr("FLEXHUB_AUTH_JWKS_FILE", ""), "accept JWTs signed by a key of this JWKS file (FLEXHUB_AUTH_JWKS_FILE)")
	fs.StringVar(&c.AuthIssuer, "auth-issuer", envOr("FLEXHUB_AUTH_ISSUER", ""), "required iss of JWTs (FLEXHUB_AUTH_ISSUER)")
	fs.StringVar(&c.AuthAudience, "auth-audience", envOr("FLEXHUB_AUTH_AUDIENCE", ""), "required aud of JWTs (FLEXHUB_AUTH_AUDIENCE)")
	fs.StringVar(&c.AuthAPIKeysFile, "auth-api-keys-file", envOr("FLEXHUB_AUTH_API_KEYS_FILE", ""), "hashed static API keys, JSON (flexhub apikey makes one) (FLEXHUB_AUTH_API_KEYS_FILE)")
	fs.Float64Var(&c.RateLimit, "rate-limit", envFloat("FLEXHUB_RATE_LIMIT", 50), "API requests a second per principal; 0 is unlimited (FLEXHUB_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", envInt("FLEXHUB_RATE_BURST", 100), "API burst per principal (FLEXHUB_RATE_BURST)")
	fs.IntVar(&c.SQLMaxSeconds, "sql-max-seconds", envInt("FLEXHUB_SQL_MAX_SECONDS", 30), "ad-hoc SQL time limit (FLEXHUB_SQL_MAX_SECONDS)")
	fs.Int64Var(&c.SQLMaxRows, "sql-max-rows", int64(envInt("FLEXHUB_SQL_MAX_ROWS", 1_000_000)), "ad-hoc SQL result rows limit (FLEXHUB_SQL_MAX_ROWS)")
}

func envFloat(env string, def float64) float64 {
	if v, ok := os.LookupEnv(env); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
		fmt.Fprintf(os.Stderr, "flexhub: %s=%q is not a number; using %g\n", env, v, def)
	}
	return def
}

// parseBands reads "10,50,250,1000".
func parseBands(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("want license counts separated by commas, got %q", v)
		}
		out = append(out, n)
	}
	return out, nil
}

func (c *config) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

func (c *config) deadLetterTopic() string { return c.TopicPrefix + "deadletter" }

func (c *config) authConfig() query.AuthConfig {
	return query.AuthConfig{HS256SecretFile: c.AuthHS256SecretFile, RS256PublicKeyFile: c.AuthRS256KeyFile,
		JWKSFile: c.AuthJWKSFile, Issuer: c.AuthIssuer, Audience: c.AuthAudience, APIKeysFile: c.AuthAPIKeysFile,
		Leeway: 30 * time.Second}
}

func (c *config) sqlLimits() query.SQLLimits {
	lim := query.DefaultSQLLimits
	lim.MaxSeconds, lim.MaxRows = c.SQLMaxSeconds, c.SQLMaxRows
	return lim
}
