-- UCM cluster inventory as synced from each customer's clusters, and the
-- ingest ledger that makes delivery from Kafka exactly-once.

CREATE TABLE IF NOT EXISTS {{table "ingest_batches"}} {{onCluster}}
(
    consumer_group LowCardinality(String),
    topic          LowCardinality(String),
    partition      UInt32,
    first_offset   UInt64,
    last_offset    UInt64,
    events         UInt32,
    planned_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "ingest_batches" "ReplacingMergeTree(planned_at)"}}
ORDER BY (consumer_group, topic, partition, first_offset)
TTL toDateTime(planned_at) + INTERVAL 30 DAY;
{{distribute "ingest_batches" "rand()"}}

CREATE TABLE IF NOT EXISTS {{table "ucm_cluster_syncs"}} {{onCluster}}
(
    partner_id      LowCardinality(String),
    customer_id     String,
    cluster_id      String,
    sync_id         String,
    synced_at       DateTime64(3, 'UTC'),
    cluster_name    String,
    region          LowCardinality(String),
    version         LowCardinality(String),
    publisher       String,
    user_count      UInt32,
    device_count    UInt32,
    event_id        String,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "ucm_cluster_syncs" "MergeTree"}}
PARTITION BY toYYYYMM(synced_at)
ORDER BY (partner_id, customer_id, cluster_id, synced_at)
{{dedupSettings}};
{{distribute "ucm_cluster_syncs" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "ucm_users"}} {{onCluster}}
(
    partner_id                   LowCardinality(String),
    customer_id                  String,
    cluster_id                   String,
    sync_id                      String,
    synced_at                    DateTime64(3, 'UTC'),
    user_id                      String,
    directory_number             String,
    enterprise_directory_profile Bool,
    snr                          Bool,
    extension_mobility           Bool,
    voicemail                    Bool,
    mobile_uc_client             Bool,
    tablet_uc_client             Bool,
    event_id                     String,
    ingested_at                  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "ucm_users" "MergeTree"}}
PARTITION BY toYYYYMM(synced_at)
ORDER BY (partner_id, customer_id, cluster_id, sync_id, user_id)
{{dedupSettings}};
{{distribute "ucm_users" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "ucm_devices"}} {{onCluster}}
(
    partner_id         LowCardinality(String),
    customer_id        String,
    cluster_id         String,
    sync_id            String,
    synced_at          DateTime64(3, 'UTC'),
    device_id          String,
    device_type        LowCardinality(String),
    associated_user_id String,
    telepresence       Bool,
    location           LowCardinality(String),
    event_id           String,
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "ucm_devices" "MergeTree"}}
PARTITION BY toYYYYMM(synced_at)
ORDER BY (partner_id, customer_id, cluster_id, sync_id, device_id)
{{dedupSettings}};
{{distribute "ucm_devices" "cityHash64(customer_id)"}}

-- Daily license consumption per cluster: the latest completed sync of each
-- cluster on each day, classified. Rewritten by the rollup worker for every
-- day new syncs touch; ReplacingMergeTree keeps the newest computation.
CREATE TABLE IF NOT EXISTS {{table "license_usage_daily"}} {{onCluster}}
(
    day           Date,
    partner_id    LowCardinality(String),
    customer_id   String,
    cluster_id    String,
    license_type  LowCardinality(String),
    consumed      UInt32,
    sync_id       String,
    computed_at   DateTime64(3, 'UTC')
)
ENGINE = {{engine "license_usage_daily" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, customer_id, day, cluster_id, license_type);
{{distribute "license_usage_daily" "cityHash64(customer_id)"}}

-- What each rollup has processed, so a restart continues where it stopped.
CREATE TABLE IF NOT EXISTS {{table "rollup_watermarks"}} {{onCluster}}
(
    rollup      LowCardinality(String),
    watermark   DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "rollup_watermarks" "ReplacingMergeTree(updated_at)"}}
ORDER BY rollup;
{{distribute "rollup_watermarks" "rand()"}}
