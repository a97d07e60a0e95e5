-- Partner overview: license assignments, usage activity, customer admins'
-- sign-ins and partner admins (all as ingest writes them; nothing is
-- overwritten, so any past day can be reproduced), the tags the API writes
-- (every change kept, for as_of), and the daily rollups the overview reads.

-- Every license assignment change: a user given or losing one USER license
-- of a Meetings, Calling or translation subscription.
CREATE TABLE IF NOT EXISTS {{table "license_assignment_events"}} {{onCluster}}
(
    partner_id      LowCardinality(String), -- the partner reselling to the customer
    customer_id     String, -- the partner's customer (organisation)
    subscription_id String, -- the subscription or trial the license comes from
    product         LowCardinality(String), -- meetings, calling, realtime_translation
    user_id         String, -- the user
    action          LowCardinality(String), -- assigned or unassigned
    changed_at      DateTime64(3, 'UTC'), -- when (the latest change of a user is the state)
    event_id        String, -- CloudEvents id of the event the row came from
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3), -- when ingest wrote the row (drives the rollups' watermarks)
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "license_assignment_events" "MergeTree"}}
ORDER BY (partner_id, customer_id, subscription_id, user_id, changed_at)
{{dedupSettings}};
{{distribute "license_assignment_events" "cityHash64(customer_id)"}}

-- Users active in Meetings or Calling, one row per event (a user, product
-- and day may repeat; figures count distinct users).
CREATE TABLE IF NOT EXISTS {{table "usage_activity"}} {{onCluster}}
(
    partner_id  LowCardinality(String), -- the partner reselling to the customer
    customer_id String, -- the partner's customer (organisation)
    user_id     String, -- the user
    product     LowCardinality(String), -- meetings or calling
    day         Date, -- the UTC day the user was active
    event_id    String, -- CloudEvents id of the event the row came from
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3), -- when ingest wrote the row (drives the rollups' watermarks)
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "usage_activity" "MergeTree"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, day, customer_id, product, user_id)
{{dedupSettings}};
{{distribute "usage_activity" "cityHash64(customer_id)"}}

-- Sign-ins of the customer's admins to the customer's admin portal (the
-- status no recent activity).
CREATE TABLE IF NOT EXISTS {{table "admin_sign_ins"}} {{onCluster}}
(
    partner_id   LowCardinality(String), -- the partner reselling to the customer
    customer_id  String, -- the partner's customer (organisation)
    admin_id     String, -- the customer's administrator
    signed_in_at DateTime64(3, 'UTC'), -- when
    event_id     String, -- CloudEvents id of the event the row came from
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3), -- when ingest wrote the row (drives the rollups' watermarks)
    -- the rollup looks up what arrived since its watermark
    INDEX ingested ingested_at TYPE minmax GRANULARITY 4
)
ENGINE = {{engine "admin_sign_ins" "MergeTree"}}
ORDER BY (partner_id, customer_id, signed_in_at)
{{dedupSettings}};
{{distribute "admin_sign_ins" "cityHash64(customer_id)"}}

-- Partner admins assigned to (or removed from) customers, with their role.
CREATE TABLE IF NOT EXISTS {{table "partner_admin_assignments"}} {{onCluster}}
(
    partner_id  LowCardinality(String), -- the partner
    customer_id String, -- the customer the admin manages
    admin_id    String, -- the partner admin
    name        String, -- display name
    email       String, -- email address
    role        LowCardinality(String), -- full_admin, full_sales_admin, sales_admin, readonly_admin
    action      LowCardinality(String), -- assigned or unassigned (the latest change of an admin is the state)
    changed_at  DateTime64(3, 'UTC'), -- when
    event_id    String, -- CloudEvents id of the event the row came from
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3), -- when ingest wrote the row (drives the rollups' watermarks)
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
    partner_id  LowCardinality(String), -- the partner owning the tag
    tag_id      String, -- tag-<uuid>
    name        String, -- the tag's name from this change on
    deleted     Bool, -- deleted by this change
    changed_at  DateTime64(3, 'UTC'), -- when (the API's clock)
    changed_by  String, -- the subject of the caller who changed it
    recorded_at DateTime64(6, 'UTC') DEFAULT now64(6) -- when written; orders changes within one millisecond
)
ENGINE = {{engine "partner_tag_changes" "MergeTree"}}
ORDER BY (partner_id, tag_id, changed_at);
{{distribute "partner_tag_changes" "cityHash64(partner_id)"}}

-- Attach (attached = true) and detach of a tag on a customer, likewise.
CREATE TABLE IF NOT EXISTS {{table "customer_tag_changes"}} {{onCluster}}
(
    partner_id  LowCardinality(String), -- the partner owning the tag
    customer_id String, -- the customer
    tag_id      String, -- the tag
    attached    Bool, -- attached (true) or detached (false) by this change
    changed_at  DateTime64(3, 'UTC'), -- when (the API's clock)
    changed_by  String, -- the subject of the caller who changed it
    recorded_at DateTime64(6, 'UTC') DEFAULT now64(6) -- when written; orders changes within one millisecond
)
ENGINE = {{engine "customer_tag_changes" "MergeTree"}}
ORDER BY (partner_id, customer_id, tag_id, changed_at);
{{distribute "customer_tag_changes" "cityHash64(customer_id)"}}

-- One row per subscription (any product) known to the commerce system at
-- the end of each day: the version in force, its license figures and the
-- overview sets it belongs to that day (README: Partner overview).
CREATE TABLE IF NOT EXISTS {{table "partner_subscription_daily"}} {{onCluster}}
(
    day                 Date, -- the day whose end the row describes
    partner_id          LowCardinality(String), -- the partner
    customer_id         String, -- the customer
    customer_name       String, -- the customer's name that day
    subscription_id     String, -- the subscription or trial
    product             LowCardinality(String), -- ucm_flex, meetings, calling, realtime_translation
    trial               Bool, -- a trial
    status              LowCardinality(String), -- status of the version in force
    live                Bool, -- active, suspended or pending order setup, and not ended (README: Partner overview)
    auto_renew          Bool, -- renews automatically
    start_date          Date, -- first day of the term
    end_date            Nullable(Date), -- last day of the term
    renewal_date        Nullable(Date), -- the next automatic renewal (the day after the end when not given)
    added_on            Date, -- the earlier of its first start date and the day it was first known
    total               UInt32, -- purchased licenses
    assigned            UInt32, -- users holding one of its licenses at the end of the day
    assigned_week_ago   UInt32, -- the same 7 days earlier
    used                UInt32, -- holders active in the product in the 7 days ending that day
    used_week_ago       UInt32, -- the same 7 days earlier
    used_3m             UInt32, -- users active in the product in the 3 months ending that day while holding one of its licenses in them
    peer_assigned_pct   Nullable(Float64), -- median assigned share (%) of comparable subscriptions; NULL when not compared
    in_recently_added   Bool, -- in the set recently added (0 to 90 days)
    in_expiring         Bool, -- in the set expiring within 90 days
    in_renewing         Bool, -- in the set renewing within 90 days
    in_low_allocation   Bool, -- in the set low license allocation
    in_over_limit       Bool, -- in the set over the license limit
    computed_at         DateTime64(3, 'UTC') -- when the rollup computed the row (the latest wins)
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
    day                 Date, -- the day whose end the row describes
    partner_id          LowCardinality(String), -- the partner
    customer_id         String, -- the customer
    name                String, -- organisation name that day
    managed_by          LowCardinality(String), -- partner or external
    products            Array(LowCardinality(String)), -- products ordered
    added_at            DateTime64(3, 'UTC'), -- when the customer was added to the partner
    status              LowCardinality(String), -- the first of statuses
    statuses            Array(LowCardinality(String)), -- every status that holds, in precedence order
    status_rank         UInt8, -- position of status in the precedence (1 = suspended … 8 = subscription)
    has_subscription    Bool, -- an active subscription is live
    has_trial           Bool, -- an active trial is live
    last_admin_sign_in  Nullable(DateTime64(3, 'UTC')), -- the customer's admins' latest sign-in by then
    computed_at         DateTime64(3, 'UTC') -- when the rollup computed the row (the latest wins)
)
ENGINE = {{engine "partner_customer_daily" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(day)
ORDER BY (partner_id, day, customer_id);
{{distribute "partner_customer_daily" "cityHash64(customer_id)"}}
