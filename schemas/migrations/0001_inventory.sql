-- UCM cluster inventory as synced from each customer's clusters, and the
-- ingest ledger that makes delivery from Kafka exactly-once.

-- The ingest ledger: the boundaries of every batch planned per partition, for exactly-once replay after a crash.
CREATE TABLE IF NOT EXISTS {{table "ingest_batches"}} {{onCluster}}
(
    consumer_group LowCardinality(String), -- Kafka consumer group of ingest
    topic          LowCardinality(String), -- Kafka topic
    partition      UInt32, -- Kafka partition
    first_offset   UInt64, -- first offset of the planned batch
    last_offset    UInt64, -- last offset of the planned batch
    events         UInt32, -- events in the batch
    planned_at     DateTime64(3, 'UTC') DEFAULT now64(3) -- when the batch was planned
)
ENGINE = {{engine "ingest_batches" "ReplacingMergeTree(planned_at)"}}
ORDER BY (consumer_group, topic, partition, first_offset)
TTL toDateTime(planned_at) + INTERVAL 30 DAY;
{{distribute "ingest_batches" "rand()"}}

-- One row per completed inventory sync of a UCM cluster (its cluster.synced event).
CREATE TABLE IF NOT EXISTS {{table "ucm_cluster_syncs"}} {{onCluster}}
(
    partner_id      LowCardinality(String), -- the partner reselling to the customer
    customer_id     String, -- the partner's customer (organisation)
    cluster_id      String, -- UCM cluster
    sync_id         String, -- one inventory sync of a cluster
    synced_at       DateTime64(3, 'UTC'), -- when the sync ran
    cluster_name    String, -- cluster name as UCM reports it
    region          LowCardinality(String), -- UCM-cloud data centre
    version         LowCardinality(String), -- UCM version of the publisher
    publisher       String, -- publisher node host name
    user_count      UInt32, -- users the sync reported
    device_count    UInt32, -- devices the sync reported
    event_id        String, -- CloudEvents id of the event the row came from
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) -- when ingest wrote the row (drives the rollups' watermarks)
)
ENGINE = {{engine "ucm_cluster_syncs" "MergeTree"}}
PARTITION BY toYYYYMM(synced_at)
ORDER BY (partner_id, customer_id, cluster_id, synced_at)
{{dedupSettings}};
{{distribute "ucm_cluster_syncs" "cityHash64(customer_id)"}}

-- The users each cluster sync saw.
CREATE TABLE IF NOT EXISTS {{table "ucm_users"}} {{onCluster}}
(
    partner_id                   LowCardinality(String), -- the partner reselling to the customer
    customer_id                  String, -- the partner's customer (organisation)
    cluster_id                   String, -- UCM cluster
    sync_id                      String, -- one inventory sync of a cluster
    synced_at                    DateTime64(3, 'UTC'), -- when the sync ran
    user_id                      String, -- end user id in UCM
    directory_number             String, -- personal directory number, empty when none
    enterprise_directory_profile Bool, -- has a profile in the enterprise directory
    snr                          Bool, -- single number reach configured
    extension_mobility           Bool, -- uses extension mobility
    voicemail                    Bool, -- has voicemail
    mobile_uc_client             Bool, -- smartphone in the directory profile, configured for UC clients
    tablet_uc_client             Bool, -- tablet configured for UC clients
    event_id                     String, -- CloudEvents id of the event the row came from
    ingested_at                  DateTime64(3, 'UTC') DEFAULT now64(3) -- when ingest wrote the row (drives the rollups' watermarks)
)
ENGINE = {{engine "ucm_users" "MergeTree"}}
PARTITION BY toYYYYMM(synced_at)
ORDER BY (partner_id, customer_id, cluster_id, sync_id, user_id)
{{dedupSettings}};
{{distribute "ucm_users" "cityHash64(customer_id)"}}

-- The devices each cluster sync saw.
CREATE TABLE IF NOT EXISTS {{table "ucm_devices"}} {{onCluster}}
(
    partner_id         LowCardinality(String), -- the partner reselling to the customer
    customer_id        String, -- the partner's customer (organisation)
    cluster_id         String, -- UCM cluster
    sync_id            String, -- one inventory sync of a cluster
    synced_at          DateTime64(3, 'UTC'), -- when the sync ran
    device_id          String, -- device name in UCM (e.g. SEP…)
    device_type        LowCardinality(String), -- desk_phone, conference_phone, video_device, analog_adapter, softphone, mobile_client, tablet_client, telepresence
    associated_user_id String, -- owner; empty for a shared endpoint
    telepresence       Bool, -- registered as a TelePresence endpoint
    location           LowCardinality(String), -- where a shared endpoint stands
    event_id           String, -- CloudEvents id of the event the row came from
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3) -- when ingest wrote the row (drives the rollups' watermarks)
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
    day           Date, -- calendar day (UTC)
    partner_id    LowCardinality(String), -- the partner reselling to the customer
    customer_id   String, -- the partner's customer (organisation)
    cluster_id    String, -- UCM cluster
    license_type  LowCardinality(String), -- license type code
    consumed      UInt32, -- licenses consumed that day
    sync_id       String, -- the sync the figure comes from
    computed_at   DateTime64(3, 'UTC') -- when the rollup computed the row (the newest wins)
)
ENGINE = {{engine "license_usage_daily" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, customer_id, day, cluster_id, license_type);
{{distribute "license_usage_daily" "cityHash64(customer_id)"}}

-- What each rollup has processed, so a restart continues where it stopped.
CREATE TABLE IF NOT EXISTS {{table "rollup_watermarks"}} {{onCluster}}
(
    rollup      LowCardinality(String), -- rollup name
    watermark   DateTime64(3, 'UTC'), -- ingested_at up to which the rollup has processed
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3) -- when the watermark moved
)
ENGINE = {{engine "rollup_watermarks" "ReplacingMergeTree(updated_at)"}}
ORDER BY rollup;
{{distribute "rollup_watermarks" "rand()"}}
