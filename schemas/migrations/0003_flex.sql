-- Flex license usage and compliance (README: Flex license usage). Every
-- table is written by the `flex_usage` rollup (rollup/flex.go), recomputed
-- for the clusters, customers and days new data touches, and read with
-- FINAL: ReplacingMergeTree keeps the newest computation of each key. They
-- supersede license_usage_daily (0001), which nothing writes any more.

-- What each cluster's snapshot of the day consumes, counted per rule of the
-- classification decision table (rollup/flex_rules.go): classes maps a rule
-- id (U1, U2, U3, D1, D2, D4) to how many users or devices it matched. The
-- license types follow from the rule and the Flex model of the day, so a
-- subscription changing model needs no pass over the raw inventory.
-- snapshot_day < day marks a snapshot carried forward from an earlier day
-- (a cluster that did not sync that day).
CREATE TABLE IF NOT EXISTS {{table "flex_cluster_daily"}} {{onCluster}}
(
    day           Date, -- calendar day (UTC)
    partner_id    LowCardinality(String), -- the partner reselling to the customer
    customer_id   String, -- the partner's customer (organisation)
    cluster_id    String, -- UCM cluster
    cluster_name  String, -- the cluster's name at the snapshot
    region        LowCardinality(String), -- data centre of the cluster
    sync_id       String, -- the snapshot (completed sync) that counts that day
    synced_at     DateTime64(3, 'UTC'), -- when that snapshot was taken
    snapshot_day  Date, -- the snapshot's day; earlier than day when carried forward
    classes       Map(LowCardinality(String), UInt32), -- users or devices matched per decision-table rule (U1, U2, U3, D1, D2, D4)
    computed_at   DateTime64(3, 'UTC'), -- the rollup pass that wrote the row (the newest wins)
    -- the rollup's later statements look up the rows of their own pass
    INDEX pass computed_at TYPE minmax GRANULARITY 4
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
    day             Date, -- calendar day (UTC)
    partner_id      LowCardinality(String), -- the partner reselling to the customer
    customer_id     String, -- the partner's customer (organisation)
    subscription_id String, -- Flex subscription; '' for consumption without one
    flex_model      LowCardinality(String), -- flex2, flex3_nu or flex3_ea
    license_type    LowCardinality(String), -- KW, CA, TP, PRO, ENH or ACC
    purchased       UInt32, -- quantity in force that day
    consumed        UInt32, -- licenses the customer's clusters consume that day
    overage         UInt32, -- max(0, consumed - purchased)
    attributed      Bool, -- this subscription carries the customer's consumption that day
    computed_at     DateTime64(3, 'UTC'), -- the rollup pass that wrote the row (the newest wins)
    is_deleted      UInt8, -- 1: the key no longer holds (hidden by FINAL)
    -- the rollup's later statements look up the rows of their own pass
    INDEX pass computed_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "flex_usage_daily" "ReplacingMergeTree(computed_at, is_deleted)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, customer_id, subscription_id, day, license_type)
-- small granules: the report reads a page's customers scattered over the key
SETTINGS index_granularity = 1024;
{{distribute "flex_usage_daily" "cityHash64(customer_id)"}}

-- Compliance per subscription and day: totals, the license types in
-- overage, and the Enterprise Agreement minimum (1000 KW purchased).
-- status: compliant, overage, below_minimum (an EA bought under its
-- minimum; overage wins when both hold), no_subscription.
CREATE TABLE IF NOT EXISTS {{table "flex_subscription_daily"}} {{onCluster}}
(
    day               Date, -- calendar day (UTC)
    partner_id        LowCardinality(String), -- the partner reselling to the customer
    customer_id       String, -- the partner's customer (organisation)
    subscription_id   String, -- Flex subscription; '' for consumption without one
    flex_model        LowCardinality(String), -- flex2, flex3_nu or flex3_ea
    purchased         UInt32, -- total purchased in force over the license types
    consumed          UInt32, -- total consumed over the license types
    overage           UInt32, -- total overage over the license types
    overage_types     Array(LowCardinality(String)), -- license types in overage
    ea_below_minimum  Bool, -- an EA with fewer than 1000 KW purchased
    status            LowCardinality(String), -- compliant, overage, below_minimum, no_subscription
    attributed        Bool, -- this subscription carries the customer's consumption that day
    computed_at       DateTime64(3, 'UTC'), -- the rollup pass that wrote the row (the newest wins)
    is_deleted        UInt8, -- 1: the key no longer holds (hidden by FINAL)
    -- the rollup's later statements look up the rows of their own pass
    INDEX pass computed_at TYPE minmax GRANULARITY 4
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
    week            Date, -- the week's Sunday
    partner_id      LowCardinality(String), -- the partner reselling to the customer
    customer_id     String, -- the partner's customer (organisation)
    subscription_id String, -- Flex subscription; '' for consumption without one
    flex_model      LowCardinality(String), -- flex2, flex3_nu or flex3_ea
    license_type    LowCardinality(String), -- KW, CA, TP, PRO, ENH or ACC
    days            UInt8, -- days of the week with figures
    consumed_peak   UInt32, -- the week's highest daily consumption
    consumed_latest UInt32, -- consumption on the week's last day with figures
    purchased       UInt32, -- quantity in force on that day
    overage_peak    UInt32, -- the week's worst daily overage
    overage_days    UInt8, -- days in overage
    computed_at     DateTime64(3, 'UTC'), -- the rollup pass that wrote the row (the newest wins)
    is_deleted      UInt8 -- 1: the key no longer holds (hidden by FINAL)
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
    as_of             Date, -- the window's last day (the rollup's today)
    days              UInt8, -- the window's length in days
    partner_id        LowCardinality(String), -- the partner reselling to the customer
    customer_id       String, -- the partner's customer (organisation)
    subscription_id   String, -- Flex subscription; '' for consumption without one
    flex_model        LowCardinality(String), -- flex2, flex3_nu or flex3_ea
    purchased         UInt32, -- total purchased on the window's last day with figures
    consumed          UInt32, -- the peak daily total consumption
    overage           UInt32, -- the worst day's total overage
    ea_below_minimum  Bool, -- an EA with fewer than 1000 KW purchased on the last day
    status            LowCardinality(String), -- overage if any day was over, else the last day's status
    computed_at       DateTime64(3, 'UTC'), -- the rollup pass that wrote the row (the newest wins)
    is_deleted        UInt8 -- 1: the key no longer holds (hidden by FINAL)
)
ENGINE = {{engine "flex_subscription_window" "ReplacingMergeTree(computed_at, is_deleted)"}}
PARTITION BY as_of
ORDER BY (partner_id, as_of, days, customer_id, subscription_id)
TTL as_of + INTERVAL 3 DAY;
{{distribute "flex_subscription_window" "cityHash64(customer_id)"}}
