-- The overview's figures of every subscription known at the end of one
-- day, for the given partners (an empty list: every partner). README:
-- Partner overview, for the definitions.
--
--   version in force   the latest version with changed_at before the end of
--                      the day (ties: the later ingested one)
--   live               active, suspended or awaiting order setup, and not
--                      ended: no end date, the end date not passed, or an
--                      automatic renewal not passed
--   added_on           the earlier of its first start date and the day the
--                      commerce system first knew it
--   total              the purchased licenses (sum over license types)
--   assigned           users holding one of its licenses at the end of the
--                      day (the latest assignment change of each user)
--   used               of those, users active in the product in the 7 days
--                      ending that day
--   *_week_ago         the same for the day 7 days earlier
--   used_3m            users active in the product in the 3 months ending
--                      that day who held one of its licenses at some time in
--                      those months
--   low allocation     assigned/total below ratio × the median of
--                      comparable subscriptions (same partner, same product,
--                      same size band; the whole product when the band has
--                      fewer than min_peers; none when that is too small)
INSERT INTO {db:Identifier}.partner_subscription_daily
    (day, partner_id, customer_id, customer_name, subscription_id, product, trial, status, live, auto_renew,
     start_date, end_date, renewal_date, added_on, total, assigned, assigned_week_ago, used, used_week_ago, used_3m,
     peer_assigned_pct, in_recently_added, in_expiring, in_renewing, in_low_allocation, in_over_limit, computed_at)
WITH
versions AS (
    SELECT partner_id, customer_id, subscription_id,
           argMax((product, trial, status, start_date, end_date, renewal_date, auto_renew,
                   toUInt32(arraySum(mapValues(licenses)))), (changed_at, ingested_at)) AS v,
           least(min(start_date), toDate(min(changed_at))) AS first_added
    FROM {db:Identifier}.subscription_versions
    WHERE changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id, subscription_id
),
subs AS (
    SELECT partner_id, customer_id, subscription_id,
           toString(v.1) AS product, v.2 AS trial, toString(v.3) AS status, v.4 AS start_date, v.5 AS end_date,
           if(v.7, coalesce(v.6, v.5 + 1), NULL) AS renewal_date, v.7 AS auto_renew, v.8 AS total,
           first_added AS added_on,
           status IN ('active', 'suspended', 'pending_order_setup')
               AND (end_date IS NULL OR end_date >= {day:Date} OR (auto_renew AND renewal_date >= {day:Date})) AS live_raw
    FROM versions
),
holders AS (
    SELECT partner_id, customer_id, subscription_id, user_id,
           argMax(action, (changed_at, action)) = 'assigned' AS held_now,
           argMaxIf(action, (changed_at, action), changed_at < toDateTime64({day:Date} - 6, 3, 'UTC')) = 'assigned' AS held_week_ago,
           argMaxIf(action, (changed_at, action), changed_at < toDateTime64(addMonths({day:Date}, -3) + 1, 3, 'UTC')) = 'assigned'
               OR countIf(action = 'assigned' AND changed_at >= toDateTime64(addMonths({day:Date}, -3) + 1, 3, 'UTC')) > 0 AS held_3m
    FROM {db:Identifier}.license_assignment_events
    WHERE changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id, subscription_id, user_id
),
active AS (
    SELECT partner_id, customer_id, toString(product) AS product, user_id,
           max(day >= {day:Date} - 6) AS active_7d,
           max(day >= {day:Date} - 13 AND day <= {day:Date} - 7) AS active_prev_7d
    FROM {db:Identifier}.usage_activity
    WHERE day <= {day:Date} AND day > addMonths({day:Date}, -3)
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id, product, user_id
),
figures AS (
    SELECT h.partner_id AS partner_id, h.customer_id AS customer_id, h.subscription_id AS subscription_id,
           toUInt32(countIf(h.held_now)) AS assigned,
           toUInt32(countIf(h.held_week_ago)) AS assigned_week_ago,
           toUInt32(countIf(h.held_now AND a.active_7d)) AS used,
           toUInt32(countIf(h.held_week_ago AND a.active_prev_7d)) AS used_week_ago,
           toUInt32(countIf(h.held_3m AND a.user_id != '')) AS used_3m
    FROM holders AS h
    INNER JOIN subs AS s
        ON s.partner_id = h.partner_id AND s.customer_id = h.customer_id AND s.subscription_id = h.subscription_id
    LEFT JOIN active AS a
        ON a.partner_id = h.partner_id AND a.customer_id = h.customer_id AND a.product = s.product AND a.user_id = h.user_id
    GROUP BY h.partner_id, h.customer_id, h.subscription_id
),
names AS (
    SELECT partner_id, customer_id, argMax(name, (updated_at, ingested_at)) AS name
    FROM {db:Identifier}.customer_versions
    WHERE updated_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id
),
joined AS (
    SELECT s.partner_id AS partner_id, s.customer_id AS customer_id, n.name AS customer_name,
           s.subscription_id AS subscription_id, s.product AS product, s.trial AS trial, s.status AS status,
           ifNull(s.live_raw, false) AS live, s.auto_renew AS auto_renew, s.start_date AS start_date,
           s.end_date AS end_date, s.renewal_date AS renewal_date, s.added_on AS added_on, s.total AS total,
           f.assigned AS assigned, f.assigned_week_ago AS assigned_week_ago, f.used AS used,
           f.used_week_ago AS used_week_ago, f.used_3m AS used_3m,
           live AND s.product IN ('meetings', 'calling', 'realtime_translation') AND s.total > 0 AS comparable,
           if(s.total > 0, f.assigned / s.total, 0) AS assigned_ratio,
           arrayCount(b -> s.total >= b, {size_bands:Array(UInt32)}) AS band
    FROM subs AS s
    LEFT JOIN figures AS f
        ON f.partner_id = s.partner_id AND f.customer_id = s.customer_id AND f.subscription_id = s.subscription_id
    LEFT JOIN names AS n
        ON n.partner_id = s.partner_id AND n.customer_id = s.customer_id
),
peers AS (
    SELECT *,
           countIf(comparable) OVER (PARTITION BY partner_id, product, band) AS band_peers,
           quantileExactInclusiveIf(0.5)(assigned_ratio, comparable) OVER (PARTITION BY partner_id, product, band) AS band_median,
           countIf(comparable) OVER (PARTITION BY partner_id, product) AS product_peers,
           quantileExactInclusiveIf(0.5)(assigned_ratio, comparable) OVER (PARTITION BY partner_id, product) AS product_median
    FROM joined
)
SELECT {day:Date}, partner_id, customer_id, customer_name, subscription_id, product, trial, status, live, auto_renew,
       start_date, end_date, renewal_date, added_on, total, assigned, assigned_week_ago, used, used_week_ago, used_3m,
       (multiIf(NOT comparable, NULL,
                band_peers >= {min_peers:UInt32}, band_median,
                product_peers >= {min_peers:UInt32}, product_median,
                NULL) AS peer_ratio) * 100,
       live AND dateDiff('day', added_on, {day:Date}) BETWEEN 0 AND 90,
       ifNull(live AND NOT auto_renew AND dateDiff('day', {day:Date}, end_date) BETWEEN 0 AND 90, false),
       ifNull(live AND auto_renew AND dateDiff('day', {day:Date}, renewal_date) BETWEEN 0 AND 90, false),
       ifNull(peer_ratio IS NOT NULL AND assigned_ratio < {low_ratio:Float64} * peer_ratio, false),
       live AND product IN ('meetings', 'calling', 'realtime_translation') AND assigned > total,
       {computed_at:DateTime64(3)}
FROM peers
-- On a cluster the customers' rollup reads these rows right after: write
-- them through to the shards before returning.
SETTINGS join_use_nulls = 0, distributed_foreground_insert = 1
