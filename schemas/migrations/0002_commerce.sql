-- Commerce: every version of each customer and subscription, as the
-- commerce system sent them. Nothing is overwritten: the version in force
-- at a moment is the latest one at or before it, so any past day can be
-- reproduced (as_of) and late versions correct history.

CREATE TABLE IF NOT EXISTS {{table "customer_versions"}} {{onCluster}}
(
    partner_id          LowCardinality(String),
    customer_id         String,
    name                String,
    managed_by          LowCardinality(String),
    products            Array(LowCardinality(String)),
    provisioning_status LowCardinality(String),
    added_at            DateTime64(3, 'UTC'),
    updated_at          DateTime64(3, 'UTC'),
    event_id            String,
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "customer_versions" "MergeTree"}}
ORDER BY (partner_id, customer_id, updated_at)
{{dedupSettings}};
{{distribute "customer_versions" "cityHash64(customer_id)"}}

CREATE TABLE IF NOT EXISTS {{table "subscription_versions"}} {{onCluster}}
(
    partner_id      LowCardinality(String),
    customer_id     String,
    subscription_id String,
    order_id        String,
    product         LowCardinality(String),
    flex_model      LowCardinality(String),
    trial           Bool,
    status          LowCardinality(String),
    start_date      Date,
    end_date        Nullable(Date),
    renewal_date    Nullable(Date),
    auto_renew      Bool,
    licenses        Map(LowCardinality(String), UInt32),
    invoice_ref     String,
    changed_at      DateTime64(3, 'UTC'),
    event_id        String,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "subscription_versions" "MergeTree"}}
ORDER BY (partner_id, customer_id, subscription_id, changed_at)
{{dedupSettings}};
{{distribute "subscription_versions" "cityHash64(customer_id)"}}
