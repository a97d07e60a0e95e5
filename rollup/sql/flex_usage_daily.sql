-- Purchased, consumed and overage per subscription, license type and day
-- (README: Flex license usage).
--
-- Customer-days recomputed: those whose cluster figures this pass wrote
-- (flex_cluster_daily rows with this pass's computed_at); from the day of every
-- subscription version that arrived in the window up to until's day; every
-- day after the watermark's day; and [force_from, force_to]. Without a
-- forced range, purchased quantities are materialised no further back than
-- {history_days}.
--
-- In force on a day: the subscription's latest version changed at or before
-- the day's end, with status active, suspended or pending_order_setup and
-- the day within start_date..end_date. A customer's clusters count against
-- the Flex subscription in force with the latest start date (ties: the
-- greatest id); other subscriptions in force that day show their purchased
-- quantities with nothing consumed. Consumption without any Flex
-- subscription in force goes to subscription '' under Flex 2.0.
INSERT INTO {db:Identifier}.flex_usage_daily
    (day, partner_id, customer_id, subscription_id, flex_model, license_type, purchased, consumed, overage, attributed, computed_at, is_deleted)
WITH
bounds AS (
    SELECT toDate({until:DateTime64(3)}) AS today,
           toDate({since:DateTime64(3)} - INTERVAL 1 MINUTE) AS since_day,
           today - {history_days:UInt16} AS horizon
),
subscribers AS (
    SELECT DISTINCT customer_id
    FROM {db:Identifier}.subscription_versions
    WHERE product = 'ucm_flex'
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
),
targets AS (
    SELECT DISTINCT customer_id, day FROM (
        SELECT customer_id, day
        FROM {db:Identifier}.flex_cluster_daily
        WHERE computed_at = {computed_at:DateTime64(3)}
          AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
        UNION ALL
        SELECT customer_id, day
        FROM {db:Identifier}.flex_cluster_daily
        WHERE ((day > (SELECT since_day FROM bounds)) OR (day >= {force_from:Date} AND day <= {force_to:Date}))
          AND day <= (SELECT today FROM bounds)
          AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
        UNION ALL
        SELECT customer_id, arrayJoin(arrayMap(i -> f + i, range(toUInt64(greatest(toInt64((SELECT today FROM bounds)) - toInt64(f) + 1, 0))))) AS day
        FROM (
            SELECT customer_id, greatest(min(toDate(changed_at)), (SELECT horizon FROM bounds)) AS f
            FROM {db:Identifier}.subscription_versions
            WHERE product = 'ucm_flex'
              AND ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE AND ingested_at <= {until:DateTime64(3)}
              AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
            GROUP BY customer_id
        )
        UNION ALL
        SELECT customer_id, d AS day
        FROM subscribers
        ARRAY JOIN arrayConcat(
            arrayFilter(x -> x > (SELECT since_day FROM bounds),
                        arrayMap(i -> (SELECT horizon FROM bounds) + i, range(toUInt64({history_days:UInt16}) + 1))),
            arrayMap(i -> {force_from:Date} + i,
                     range(toUInt64(greatest(toInt64({force_to:Date}) - toInt64({force_from:Date}) + 1, 0))))) AS d
    )
),
versions AS (
    SELECT partner_id, customer_id, subscription_id, flex_model, status, start_date, end_date, licenses,
           toDate(changed_at) AS valid_from,
           toDate(leadInFrame(changed_at, 1, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))
               OVER (PARTITION BY customer_id, subscription_id ORDER BY changed_at ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)) - 1 AS valid_to
    FROM (
        SELECT partner_id, customer_id, subscription_id, flex_model, status, start_date, end_date, licenses, changed_at
        FROM {db:Identifier}.subscription_versions
        WHERE product = 'ucm_flex'
          AND customer_id IN (SELECT customer_id FROM targets)
        ORDER BY customer_id, subscription_id, changed_at, ingested_at DESC
        LIMIT 1 BY customer_id, subscription_id, changed_at
    )
),
in_force AS (
    SELECT t.day AS day, v.partner_id AS partner_id, t.customer_id AS customer_id, v.subscription_id AS subscription_id,
           toString(v.flex_model) AS flex_model, v.licenses AS licenses, v.start_date AS start_date
    FROM targets AS t
    INNER JOIN versions AS v ON v.customer_id = t.customer_id
    WHERE t.day >= v.valid_from AND t.day <= v.valid_to
      AND v.status IN ('active', 'suspended', 'pending_order_setup')
      AND t.day >= v.start_date AND (v.end_date IS NULL OR t.day <= assumeNotNull(v.end_date))
),
attributed AS (
    SELECT customer_id, day,
           argMax(subscription_id, (start_date, subscription_id)) AS attributed_id,
           argMax(flex_model, (start_date, subscription_id)) AS attributed_model
    FROM in_force
    GROUP BY customer_id, day
),
usage AS (
    SELECT u.customer_id AS customer_id, u.day AS day, u.partner AS partner_id,
           a.attributed_id AS subscription_id,
           if(a.attributed_model = '', {unsubscribed_model:String}, a.attributed_model) AS flex_model, u.all_classes AS classes
    FROM (
        SELECT customer_id, day, any(partner_id) AS partner, sumMap(classes) AS all_classes
        FROM {db:Identifier}.flex_cluster_daily FINAL
        WHERE (customer_id, day) IN (SELECT customer_id, day FROM targets)
        GROUP BY customer_id, day
    ) AS u
    LEFT JOIN attributed AS a ON a.customer_id = u.customer_id AND a.day = u.day
),
consumed AS (
    SELECT customer_id, day, subscription_id, license_type, toUInt32(sum(n)) AS consumed
    FROM (
        SELECT customer_id, day, subscription_id, kv.2 AS n,
               arrayElement(multiIf(flex_model = 'flex3_nu', {flex_flex3_nu:Array(String)},
                                    flex_model = 'flex3_ea', {flex_flex3_ea:Array(String)},
                                    {flex_flex2:Array(String)}),
                            indexOf({flex_rules:Array(String)}, kv.1)) AS license_type
        FROM usage
        ARRAY JOIN arrayZip(mapKeys(classes), mapValues(classes)) AS kv
    )
    WHERE license_type != ''
    GROUP BY customer_id, day, subscription_id, license_type
),
fresh AS (
    SELECT day, partner_id, customer_id, subscription_id, flex_model, license_type, purchased, attributed FROM (
        SELECT i.day AS day, i.partner_id AS partner_id, i.customer_id AS customer_id, i.subscription_id AS subscription_id,
               i.flex_model AS flex_model, lt AS license_type, i.licenses[lt] AS purchased,
               a.attributed_id = i.subscription_id AS attributed
        FROM in_force AS i
        LEFT JOIN attributed AS a ON a.customer_id = i.customer_id AND a.day = i.day
        ARRAY JOIN multiIf(i.flex_model = 'flex3_nu', {flex_types_flex3_nu:Array(String)},
                           i.flex_model = 'flex3_ea', {flex_types_flex3_ea:Array(String)},
                           {flex_types_flex2:Array(String)}) AS lt
        UNION ALL
        SELECT day, partner_id, customer_id, '', flex_model, lt, toUInt32(0), true
        FROM usage
        ARRAY JOIN {flex_types_flex2:Array(String)} AS lt
        WHERE subscription_id = ''
    )
)
SELECT f.day, f.partner_id, f.customer_id, f.subscription_id, f.flex_model, f.license_type,
       f.purchased, c.consumed, toUInt32(greatest(toInt64(c.consumed) - toInt64(f.purchased), 0)), f.attributed,
       {computed_at:DateTime64(3)}, toUInt8(0)
FROM fresh AS f
LEFT JOIN consumed AS c
    ON c.customer_id = f.customer_id AND c.day = f.day AND c.subscription_id = f.subscription_id AND c.license_type = f.license_type
UNION ALL
SELECT day, partner_id, customer_id, subscription_id, flex_model, license_type, 0, 0, 0, false, {computed_at:DateTime64(3)}, toUInt8(1)
FROM {db:Identifier}.flex_usage_daily FINAL
WHERE (customer_id, day) IN (SELECT customer_id, day FROM targets)
  AND (customer_id, day, subscription_id, license_type) NOT IN
      (SELECT customer_id, day, subscription_id, license_type FROM fresh)
