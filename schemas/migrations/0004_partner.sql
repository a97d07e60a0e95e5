-- Partner overview: license assignments, usage activity, customer admins'
-- sign-ins and partner admins (all as ingest writes them; nothing is
-- overwritten, so any past day can be reproduced), the tags the API writes
-- (every change kept, for as_of), and the daily rollups the overview reads.

CREATE TABLE IF NOT EXISTS {{table "license_assignment_events"}} {{onCluster}}
(
    partner_id      LowCardinality(String),
    customer_id     String,
    subscription_id String,
    product         LowCardinality(String),
    user_id         String,
    action          LowCardinality(String),
    changed_at      DateTime64(3, 'UTC'),
    event_id        String,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "license_assignment_events" "MergeTree"}}
ORDER BY (partner_id, customer_id, subscription_id, user_id, changed_at)
{{dedupSettings}};
{{distribute "license_assignment_events" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "usage_activity"}} {{onCluster}}
(
    partner_id  LowCardinality(String),
    customer_id String,
    user_id     String,
    product     LowCardinality(String),
    day         Date,
    event_id    String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "usage_activity" "MergeTree"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, day, customer_id, product, user_id)
{{dedupSettings}};
{{distribute "usage_activity" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "admin_sign_ins"}} {{onCluster}}
(
    partner_id   LowCardinality(String),
    customer_id  String,
    admin_id     String,
    signed_in_at DateTime64(3, 'UTC'),
    event_id     String,
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "admin_sign_ins" "MergeTree"}}
ORDER BY (partner_id, customer_id, signed_in_at)
{{dedupSettings}};
{{distribute "admin_sign_ins" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "partner_admin_assignments"}} {{onCluster}}
(
    partner_id  LowCardinality(String),
    customer_id String,
    admin_id    String,
    name        String,
    email       String,
    role        LowCardinality(String),
    action      LowCardinality(String),
    changed_at  DateTime64(3, 'UTC'),
    event_id    String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "partner_admin_assignments" "MergeTree"}}
ORDER BY (partner_id, customer_id, admin_id, changed_at)
{{dedupSettings}};
{{distribute "partner_admin_assignments" "cityHash64(customer_id)"}}

-- Tags, written by the API: every create, rename and delete is a row; the
-- latest row of a tag at or before a moment is the tag then. changed_by is
-- the principal's subject (for the audit log); recorded_at orders changes
-- made within the same millisecond.
CREATE TABLE IF NOT EXISTS {{table "partner_tag_changes"}} {{onCluster}}
(
    partner_id  LowCardinality(String),
    tag_id      String,
    name        String,
    deleted     Bool,
    changed_at  DateTime64(3, 'UTC'),
    changed_by  String,
    recorded_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = {{engine "partner_tag_changes" "MergeTree"}}
ORDER BY (partner_id, tag_id, changed_at);
{{distribute "partner_tag_changes" "cityHash64(partner_id)"}}

-- Attach (attached = true) and detach of a tag on a customer, likewise.
CREATE TABLE IF NOT EXISTS {{table "customer_tag_changes"}} {{onCluster}}
(
    partner_id  LowCardinality(String),
    customer_id String,
    tag_id      String,
    attached    Bool,
    changed_at  DateTime64(3, 'UTC'),
    changed_by  String,
    recorded_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = {{engine "customer_tag_changes" "MergeTree"}}
ORDER BY (partner_id, customer_id, tag_id, changed_at);
{{distribute "customer_tag_changes" "cityHash64(customer_id)"}}

-- One row per subscription (any product) known to the commerce system at
-- the end of each day: the version in force, its license figures and the
-- overview sets it belongs to that day (README: Partner overview).
CREATE TABLE IF NOT EXISTS {{table "partner_subscription_daily"}} {{onCluster}}
(
    day                 Date,
    partner_id          LowCardinality(String),
    customer_id         String,
    customer_name       String,
    subscription_id     String,
    product             LowCardinality(String),
    trial               Bool,
    status              LowCardinality(String),
    live                Bool,
    auto_renew          Bool,
    start_date          Date,
    end_date            Nullable(Date),
    renewal_date        Nullable(Date),
    added_on            Date,
    total               UInt32,
    assigned            UInt32,
    assigned_week_ago   UInt32,
    used                UInt32,
    used_week_ago       UInt32,
    used_3m             UInt32,
    peer_assigned_pct   Nullable(Float64),
    in_recently_added   Bool,
    in_expiring         Bool,
    in_renewing         Bool,
    in_low_allocation   Bool,
    in_over_limit       Bool,
    computed_at         DateTime64(3, 'UTC')
)
ENGINE = {{engine "partner_subscription_daily" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, day, customer_id, subscription_id);
{{distribute "partner_subscription_daily" "cityHash64(customer_id)"}}

-- One row per customer known at the end of each day: the customer version
-- in force and its statuses (all that hold, in precedence order; status is
-- the first).
CREATE TABLE IF NOT EXISTS {{table "partner_customer_daily"}} {{onCluster}}
(
    day                 Date,
    partner_id          LowCardinality(String),
    customer_id         String,
    name                String,
    managed_by          LowCardinality(String),
    products            Array(LowCardinality(String)),
    added_at            DateTime64(3, 'UTC'),
    status              LowCardinality(String),
    statuses            Array(LowCardinality(String)),
    status_rank         UInt8,
    has_subscription    Bool,
    has_trial           Bool,
    last_admin_sign_in  Nullable(DateTime64(3, 'UTC')),
    computed_at         DateTime64(3, 'UTC')
)
ENGINE = {{engine "partner_customer_daily" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, day, customer_id);
{{distribute "partner_customer_daily" "cityHash64(customer_id)"}}
