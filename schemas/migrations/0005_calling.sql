-- Calling: call detail records, call-queue outcomes and calling license
-- changes as the calling platform sends them, and the weekly figures the
-- rollup worker computes from them.
--
-- Weeks run Sunday 00:00:00 UTC to Saturday 23:59:59.999 UTC and are named
-- by their Sunday (toStartOfWeek(t, 0, 'UTC')). The raw tables of calls and
-- queue stays are partitioned by that week, so a week's rollup reads one
-- partition, and keep one row per call (per stay) by their key: a record
-- sent again replaces the earlier one (ReplacingMergeTree on ingested_at,
-- read with FINAL). Every raw table carries a minmax index on ingested_at,
-- so finding what arrived since the last rollup skips the parts written
-- before it.

CREATE TABLE IF NOT EXISTS {{table "calling_call_records"}} {{onCluster}}
(
    partner_id                LowCardinality(String),
    customer_id               String,
    call_id                   String,
    user_id                   String,
    started_at                DateTime64(3, 'UTC'),
    duration_seconds          UInt32,
    direction                 LowCardinality(String),
    endpoint_type             LowCardinality(String),
    `streams.media`           Array(LowCardinality(String)),
    `streams.mos`             Array(Float32),
    `streams.jitter_ms`       Array(Float32),
    `streams.packet_loss_pct` Array(Float32),
    `streams.rtt_ms`          Array(Float32),
    `streams.packets`         Array(UInt32),
    features                  Array(LowCardinality(String)),
    event_id                  String,
    ingested_at               DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX ingested_at_minmax ingested_at TYPE minmax GRANULARITY 1
)
ENGINE = {{engine "calling_call_records" "ReplacingMergeTree(ingested_at)"}}
PARTITION BY toStartOfWeek(started_at, 0, 'UTC')
ORDER BY (partner_id, customer_id, call_id)
{{dedupSettings}};
{{distribute "calling_call_records" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "calling_queue_calls"}} {{onCluster}}
(
    partner_id   LowCardinality(String),
    customer_id  String,
    queue_id     String,
    queue_name   String,
    call_id      String,
    enqueued_at  DateTime64(3, 'UTC'),
    outcome      LowCardinality(String),
    ended_at     DateTime64(3, 'UTC'),
    agent_id     String,
    to_queue_id  String,
    event_id     String,
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX ingested_at_minmax ingested_at TYPE minmax GRANULARITY 1
)
ENGINE = {{engine "calling_queue_calls" "ReplacingMergeTree(ingested_at)"}}
PARTITION BY toStartOfWeek(enqueued_at, 0, 'UTC')
ORDER BY (partner_id, customer_id, queue_id, call_id, enqueued_at)
{{dedupSettings}};
{{distribute "calling_queue_calls" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "calling_user_licenses"}} {{onCluster}}
(
    partner_id   LowCardinality(String),
    customer_id  String,
    user_id      String,
    state        LowCardinality(String),
    changed_at   DateTime64(3, 'UTC'),
    event_id     String,
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX ingested_at_minmax ingested_at TYPE minmax GRANULARITY 1
)
ENGINE = {{engine "calling_user_licenses" "MergeTree"}}
ORDER BY (partner_id, customer_id, user_id, changed_at)
{{dedupSettings}};
{{distribute "calling_user_licenses" "cityHash64(customer_id)"}}

-- The weekly figures. One computation of a week (or of some customers of a
-- week) writes every row it produces with the same computed_at, the
-- generation: the detail tables first, calling_customer_weekly last. A
-- customer's figures for a week are the rows of the generation its newest
-- calling_customer_weekly row names, so a recomputation switches over at
-- once, and rows a correction no longer produces (a call that is no longer
-- poor) drop out of the figures; ReplacingMergeTree keeps one row per key.

-- Per customer and week, everything the partner-wide views read, so that
-- they read one row per customer: calls and usage buckets of its users,
-- licensed users; poor calls by reason and, per endpoint type, calls and
-- poor calls; calls per feature; the call-queue sums; the rules the week
-- was computed with. Its computed_at is the generation in force.
CREATE TABLE IF NOT EXISTS {{table "calling_customer_weekly"}} {{onCluster}}
(
    week                      Date,
    partner_id                LowCardinality(String),
    customer_id               String,
    calls                     UInt64,
    call_seconds              UInt64,
    calls_without_user        UInt64,
    licensed_users            UInt32,
    active_users              UInt32,
    users_no_calls            UInt32,
    users_low                 UInt32,
    users_medium              UInt32,
    users_high                UInt32,
    poor_calls                UInt64,
    poor_round_trip_time      UInt64,
    poor_packet_loss          UInt64,
    poor_jitter               UInt64,
    poor_mos                  UInt64,
    endpoint_calls            Map(LowCardinality(String), UInt64),
    endpoint_poor             Map(LowCardinality(String), UInt64),
    endpoint_poor_round_trip_time Map(LowCardinality(String), UInt64),
    endpoint_poor_packet_loss Map(LowCardinality(String), UInt64),
    endpoint_poor_jitter      Map(LowCardinality(String), UInt64),
    endpoint_poor_mos         Map(LowCardinality(String), UInt64),
    feature_calls             Map(LowCardinality(String), UInt64),
    queue_feature_calls       UInt64,
    queues                    UInt32,
    queue_calls               UInt64,
    queue_answered            UInt64,
    queue_moved               UInt64,
    queue_hung_up             UInt64,
    queue_left_message        UInt64,
    queue_short_abandons      UInt64,
    queue_answer_wait_ms      UInt64,
    queue_abandon_wait_ms     UInt64,
    queue_in_service_level    UInt64,
    rule_rtt_ms               Float64,
    rule_packet_loss_pct      Float64,
    rule_jitter_ms            Float64,
    rule_mos_floor            Float64,
    rule_service_level_s      UInt32,
    rule_short_abandon_s      UInt32,
    computed_at               DateTime64(3, 'UTC')
)
ENGINE = {{engine "calling_customer_weekly" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYear(week)
ORDER BY (partner_id, week, customer_id);
{{distribute "calling_customer_weekly" "cityHash64(customer_id)"}}

-- Call quality per customer, week and endpoint type: calls, poor calls,
-- and poor calls by what made them poor (a call can have several reasons).
CREATE TABLE IF NOT EXISTS {{table "calling_quality_weekly"}} {{onCluster}}
(
    week                  Date,
    partner_id            LowCardinality(String),
    customer_id           String,
    endpoint_type         LowCardinality(String),
    calls                 UInt64,
    poor_calls            UInt64,
    poor_round_trip_time  UInt64,
    poor_packet_loss      UInt64,
    poor_jitter           UInt64,
    poor_mos              UInt64,
    computed_at           DateTime64(3, 'UTC')
)
ENGINE = {{engine "calling_quality_weekly" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYear(week)
ORDER BY (partner_id, week, customer_id, endpoint_type);
{{distribute "calling_quality_weekly" "cityHash64(customer_id)"}}

-- Every poor call of a week, tagged with what made it poor.
CREATE TABLE IF NOT EXISTS {{table "calling_poor_calls"}} {{onCluster}}
(
    week                 Date,
    partner_id           LowCardinality(String),
    customer_id          String,
    call_id              String,
    user_id              String,
    started_at           DateTime64(3, 'UTC'),
    endpoint_type        LowCardinality(String),
    direction            LowCardinality(String),
    reasons              Array(LowCardinality(String)),
    streams              UInt8,
    poor_streams         UInt8,
    max_rtt_ms           Float32,
    max_packet_loss_pct  Float32,
    max_jitter_ms        Float32,
    min_mos              Float32,
    computed_at          DateTime64(3, 'UTC')
)
ENGINE = {{engine "calling_poor_calls" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(week)
ORDER BY (partner_id, week, customer_id, started_at, call_id);
{{distribute "calling_poor_calls" "cityHash64(customer_id)"}}

-- Calls per customer, week and calling feature used.
CREATE TABLE IF NOT EXISTS {{table "calling_feature_weekly"}} {{onCluster}}
(
    week         Date,
    partner_id   LowCardinality(String),
    customer_id  String,
    feature      LowCardinality(String),
    calls        UInt64,
    computed_at  DateTime64(3, 'UTC')
)
ENGINE = {{engine "calling_feature_weekly" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYear(week)
ORDER BY (partner_id, week, customer_id, feature);
{{distribute "calling_feature_weekly" "cityHash64(customer_id)"}}

-- Call-queue figures per customer, week and queue. Waits are summed in
-- milliseconds so averages over any set of queues are exact.
CREATE TABLE IF NOT EXISTS {{table "calling_queue_weekly"}} {{onCluster}}
(
    week                       Date,
    partner_id                 LowCardinality(String),
    customer_id                String,
    queue_id                   String,
    queue_name                 String,
    queue_calls                UInt64,
    answered                   UInt64,
    moved_to_queue             UInt64,
    hung_up                    UInt64,
    left_message               UInt64,
    short_abandons             UInt64,
    answer_wait_ms             UInt64,
    abandon_wait_ms            UInt64,
    answered_in_service_level  UInt64,
    computed_at                DateTime64(3, 'UTC')
)
ENGINE = {{engine "calling_queue_weekly" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYear(week)
ORDER BY (partner_id, week, customer_id, queue_id);
{{distribute "calling_queue_weekly" "cityHash64(customer_id)"}}

-- The weeks the rollup has computed for every customer, and the rules it
-- used; a completed week missing here (or computed under other rules) is
-- computed again.
CREATE TABLE IF NOT EXISTS {{table "calling_weeks"}} {{onCluster}}
(
    week                  Date,
    rule_rtt_ms           Float64,
    rule_packet_loss_pct  Float64,
    rule_jitter_ms        Float64,
    rule_mos_floor        Float64,
    rule_service_level_s  UInt32,
    rule_short_abandon_s  UInt32,
    computed_at           DateTime64(3, 'UTC')
)
ENGINE = {{engine "calling_weeks" "ReplacingMergeTree(computed_at)"}}
ORDER BY week;
{{distribute "calling_weeks" "rand()"}}
