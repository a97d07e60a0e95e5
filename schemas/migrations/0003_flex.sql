-- Flex license usage and compliance (README: Flex license usage). Every
-- table is written by the `flex` rollup (rollup/flex.go), recomputed for
-- the clusters, customers and days new data touches, and read with FINAL:
-- ReplacingMergeTree keeps the newest computation of each key.

-- What each cluster's snapshot of the day consumes, counted per rule of the
-- classification decision table (rollup/flex_rules.go): classes maps a rule
-- id (U1, U2, U3, D1, D2, D4) to how many users or devices it matched. The
-- license types follow from the rule and the Flex model of the day, so a
-- subscription changing model needs no pass over the raw inventory.
-- snapshot_day < day marks a snapshot carried forward from an earlier day
-- (a cluster that did not sync that day).
CREATE TABLE IF NOT EXISTS {{table "flex_cluster_daily"}} {{onCluster}}
(
    day           Date,
    partner_id    LowCardinality(String),
    customer_id   String,
    cluster_id    String,
    cluster_name  String,
    region        LowCardinality(String),
    sync_id       String,
    synced_at     DateTime64(3, 'UTC'),
    snapshot_day  Date,
    classes       Map(LowCardinality(String), UInt32),
    computed_at   DateTime64(3, 'UTC')
)
ENGINE = {{engine "flex_cluster_daily" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, customer_id, day, cluster_id);
{{distribute "flex_cluster_daily" "cityHash64(customer_id)"}}

-- Purchased and consumed licenses per subscription, license type and day:
-- purchased is the quantity in force that day (the latest subscription
-- version changed at or before the day's end), consumed the customer's
-- clusters classified under the subscription's Flex model, overage
-- max(0, consumed - purchased). subscription_id '' holds the consumption of
-- a customer with no Flex subscription in force (classified as Flex 2.0).
-- attributed marks the subscription that carries the customer's
-- consumption that day. A key that no longer holds (a cancelled
-- subscription) is written again with is_deleted = 1.
CREATE TABLE IF NOT EXISTS {{table "flex_usage_daily"}} {{onCluster}}
(
    day             Date,
    partner_id      LowCardinality(String),
    customer_id     String,
    subscription_id String,
    flex_model      LowCardinality(String),
    license_type    LowCardinality(String),
    purchased       UInt32,
    consumed        UInt32,
    overage         UInt32,
    attributed      Bool,
    computed_at     DateTime64(3, 'UTC'),
    is_deleted      UInt8
)
ENGINE = {{engine "flex_usage_daily" "ReplacingMergeTree(computed_at, is_deleted)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, customer_id, subscription_id, day, license_type);
{{distribute "flex_usage_daily" "cityHash64(customer_id)"}}

-- Compliance per subscription and day: totals, the license types in
-- overage, and the Enterprise Agreement minimum (1000 KW purchased).
-- status: compliant, overage, below_minimum (an EA bought under its
-- minimum; overage wins when both hold), no_subscription.
CREATE TABLE IF NOT EXISTS {{table "flex_subscription_daily"}} {{onCluster}}
(
    day               Date,
    partner_id        LowCardinality(String),
    customer_id       String,
    subscription_id   String,
    flex_model        LowCardinality(String),
    purchased         UInt32,
    consumed          UInt32,
    overage           UInt32,
    overage_types     Array(LowCardinality(String)),
    ea_below_minimum  Bool,
    status            LowCardinality(String),
    attributed        Bool,
    computed_at       DateTime64(3, 'UTC'),
    is_deleted        UInt8
)
ENGINE = {{engine "flex_subscription_daily" "ReplacingMergeTree(computed_at, is_deleted)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, customer_id, subscription_id, day);
{{distribute "flex_subscription_daily" "cityHash64(customer_id)"}}

-- Weekly figures (weeks start on Sunday, as the Partner Hub's weekly
-- refresh): the peak and the last day's consumption, the purchased
-- quantity in force on the week's last day with data, the worst day's
-- overage and the days in overage.
CREATE TABLE IF NOT EXISTS {{table "flex_usage_weekly"}} {{onCluster}}
(
    week            Date,
    partner_id      LowCardinality(String),
    customer_id     String,
    subscription_id String,
    flex_model      LowCardinality(String),
    license_type    LowCardinality(String),
    days            UInt8,
    consumed_peak   UInt32,
    consumed_latest UInt32,
    purchased       UInt32,
    overage_peak    UInt32,
    overage_days    UInt8,
    computed_at     DateTime64(3, 'UTC'),
    is_deleted      UInt8
)
ENGINE = {{engine "flex_usage_weekly" "ReplacingMergeTree(computed_at, is_deleted)"}}
PARTITION BY toYYYYMM(week)
ORDER BY (partner_id, customer_id, subscription_id, week, license_type);
{{distribute "flex_usage_weekly" "cityHash64(customer_id)"}}

-- The License Usage report's windows, ready to read: for each subscription
-- and each window of the last `days` days (1 to 90) ending on as_of (the
-- rollup's today), the total purchased on the window's last day with
-- figures, the peak daily total consumption, the worst day's total overage
-- and the status (overage when any day was over, else the last day's).
-- Rewritten for every customer whose daily figures change and, each new
-- day, for all; old days expire.
CREATE TABLE IF NOT EXISTS {{table "flex_subscription_window"}} {{onCluster}}
(
    as_of             Date,
    days              UInt8,
    partner_id        LowCardinality(String),
    customer_id       String,
    subscription_id   String,
    flex_model        LowCardinality(String),
    purchased         UInt32,
    consumed          UInt32,
    overage           UInt32,
    ea_below_minimum  Bool,
    status            LowCardinality(String),
    computed_at       DateTime64(3, 'UTC'),
    is_deleted        UInt8
)
ENGINE = {{engine "flex_subscription_window" "ReplacingMergeTree(computed_at, is_deleted)"}}
PARTITION BY as_of
ORDER BY (partner_id, as_of, days, customer_id, subscription_id)
TTL as_of + INTERVAL 3 DAY;
{{distribute "flex_subscription_window" "cityHash64(customer_id)"}}
