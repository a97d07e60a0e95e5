-- Commerce: every version of each customer and subscription, as the
-- commerce system sent them. Nothing is overwritten: the version in force
-- at a moment is the latest one at or before it, so any past day can be
-- reproduced (as_of) and late versions correct history.

-- Every version of every customer.
CREATE TABLE IF NOT EXISTS {{table "customer_versions"}} {{onCluster}}
(
    partner_id          LowCardinality(String), -- the partner reselling to the customer
    customer_id         String, -- the partner's customer (organisation)
    name                String, -- organisation name
    managed_by          LowCardinality(String), -- partner (own organisation) or external (managed as external administrator)
    products            Array(LowCardinality(String)), -- products ordered
    provisioning_status LowCardinality(String), -- provisioning of the UCM clusters
    added_at            DateTime64(3, 'UTC'), -- when the customer was added to the partner
    updated_at          DateTime64(3, 'UTC'), -- when this version took effect (the latest wins)
    event_id            String, -- CloudEvents id of the event the row came from
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3) -- when ingest wrote the row (drives the rollups' watermarks)
)
ENGINE = {{engine "customer_versions" "MergeTree"}}
ORDER BY (partner_id, customer_id, updated_at)
{{dedupSettings}};
{{distribute "customer_versions" "cityHash64(customer_id)"}}

-- Every version of every subscription and trial.
CREATE TABLE IF NOT EXISTS {{table "subscription_versions"}} {{onCluster}}
(
    partner_id      LowCardinality(String), -- the partner reselling to the customer
    customer_id     String, -- the partner's customer (organisation)
    subscription_id String, -- subscription id (the order's transaction id), or the trial id
    order_id        String, -- the order that made this version
    product         LowCardinality(String), -- ucm_flex, meetings, calling, realtime_translation
    flex_model      LowCardinality(String), -- flex2, flex3_nu, flex3_ea for ucm_flex; empty otherwise
    trial           Bool, -- a trial rather than a paid subscription
    status          LowCardinality(String), -- active, suspended, pending_order_setup, cancelled, expired
    start_date      Date, -- first day of the term
    end_date        Nullable(Date), -- last day of the term; NULL when open-ended
    renewal_date    Nullable(Date), -- next automatic renewal
    auto_renew      Bool, -- renews automatically
    licenses        Map(LowCardinality(String), UInt32), -- purchased quantity per license type
    invoice_ref     String, -- invoice reference
    changed_at      DateTime64(3, 'UTC'), -- when this version took effect (the latest at or before a moment is in force)
    event_id        String, -- CloudEvents id of the event the row came from
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) -- when ingest wrote the row (drives the rollups' watermarks)
)
ENGINE = {{engine "subscription_versions" "MergeTree"}}
ORDER BY (partner_id, customer_id, subscription_id, changed_at)
{{dedupSettings}};
{{distribute "subscription_versions" "cityHash64(customer_id)"}}
