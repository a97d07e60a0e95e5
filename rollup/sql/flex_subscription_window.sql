-- The License Usage report's windows (flex_subscription_window) as of
-- until's day, for every customer whose compliance figures this pass wrote
-- and, on a new day, for all. Each day's row of a subscription, read from
-- the newest day back, carries the aggregates of the window that reaches
-- it; it stands for every window length up to the next older row's (or
-- {window_days}). Keys no longer present are written again as deleted.
INSERT INTO {db:Identifier}.flex_subscription_window
    (as_of, days, partner_id, customer_id, subscription_id, flex_model, purchased, consumed, overage,
     ea_below_minimum, status, computed_at, is_deleted)
WITH
bounds AS (
    SELECT toDate({until:DateTime64(3)}) AS today,
           toDate({since:DateTime64(3)} - INTERVAL 1 MINUTE) AS since_day
),
targets AS (
    SELECT DISTINCT customer_id
    FROM {db:Identifier}.flex_subscription_daily
    WHERE (computed_at = {computed_at:DateTime64(3)}
           OR (SELECT since_day FROM bounds) < (SELECT today FROM bounds))
      AND day >= (SELECT today FROM bounds) - ({window_days:UInt8} - 1)
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
),
fresh AS (
    SELECT partner_id, customer_id, subscription_id, toUInt8(n) AS days, model, last_purchased, peak, worst, ea,
           if(worst > 0 AND last_status != 'no_subscription', 'overage', last_status) AS status
    FROM (
        SELECT partner_id, customer_id, subscription_id,
               dateDiff('day', day, (SELECT today FROM bounds)) + 1 AS n0,
               if(older = toDate(0), {window_days:UInt8} + 1, dateDiff('day', older, (SELECT today FROM bounds)) + 1) AS n_end,
               peak, worst, last_purchased, last_status, ea, model
        FROM (
            SELECT partner_id, customer_id, subscription_id, day,
                   max(consumed) OVER newest_first AS peak,
                   max(overage) OVER newest_first AS worst,
                   first_value(purchased) OVER newest_first AS last_purchased,
                   toString(first_value(status) OVER newest_first) AS last_status,
                   first_value(ea_below_minimum) OVER newest_first AS ea,
                   toString(first_value(flex_model) OVER newest_first) AS model,
                   leadInFrame(day, 1, toDate(0)) OVER (PARTITION BY customer_id, subscription_id ORDER BY day DESC
                                                       ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS older
            FROM {db:Identifier}.flex_subscription_daily FINAL
            WHERE day >= (SELECT today FROM bounds) - ({window_days:UInt8} - 1)
              AND day <= (SELECT today FROM bounds)
              AND customer_id IN (SELECT customer_id FROM targets)
            WINDOW newest_first AS (PARTITION BY customer_id, subscription_id ORDER BY day DESC
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
    )
    ARRAY JOIN range(toUInt64(n0), toUInt64(n_end)) AS n
)
SELECT (SELECT today FROM bounds), days, partner_id, customer_id, subscription_id, model, last_purchased, peak, worst,
       ea, status, {computed_at:DateTime64(3)}, toUInt8(0)
FROM fresh
UNION ALL
SELECT as_of, days, partner_id, customer_id, subscription_id, flex_model, 0, 0, 0, false, status,
       {computed_at:DateTime64(3)}, toUInt8(1)
FROM {db:Identifier}.flex_subscription_window FINAL
WHERE as_of = (SELECT today FROM bounds)
  AND customer_id IN (SELECT customer_id FROM targets)
  AND (customer_id, subscription_id, days) NOT IN (SELECT customer_id, subscription_id, days FROM fresh)
