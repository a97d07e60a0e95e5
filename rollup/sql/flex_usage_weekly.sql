-- Weekly figures (weeks start on Sunday) for every customer-week whose
-- daily figures this pass wrote: days with figures, the peak and the last
-- day's consumption, the purchased quantity of the last day, the worst
-- day's overage and the days in overage. A key no longer present is
-- written again as deleted.
INSERT INTO {db:Identifier}.flex_usage_weekly
    (week, partner_id, customer_id, subscription_id, flex_model, license_type, days, consumed_peak,
     consumed_latest, purchased, overage_peak, overage_days, computed_at, is_deleted)
WITH
touched AS (
    SELECT DISTINCT customer_id, toStartOfWeek(day, 0) AS week
    FROM {db:Identifier}.flex_usage_daily
    WHERE computed_at = {computed_at:DateTime64(3)}
),
fresh AS (
    SELECT toStartOfWeek(day, 0) AS week, partner_id, customer_id, subscription_id,
           argMax(flex_model, day) AS flex_model, license_type,
           toUInt8(count()) AS days, max(consumed) AS consumed_peak, argMax(consumed, day) AS consumed_latest,
           argMax(purchased, day) AS purchased, max(overage) AS overage_peak, toUInt8(countIf(overage > 0)) AS overage_days
    FROM {db:Identifier}.flex_usage_daily FINAL
    WHERE day >= (SELECT min(week) FROM touched)
      AND (customer_id, toStartOfWeek(day, 0)) IN (SELECT customer_id, week FROM touched)
    GROUP BY week, partner_id, customer_id, subscription_id, license_type
)
SELECT week, partner_id, customer_id, subscription_id, flex_model, license_type, days, consumed_peak,
       consumed_latest, purchased, overage_peak, overage_days, {computed_at:DateTime64(3)}, toUInt8(0)
FROM fresh
UNION ALL
SELECT week, partner_id, customer_id, subscription_id, flex_model, license_type, 0, 0, 0, 0, 0, 0,
       {computed_at:DateTime64(3)}, toUInt8(1)
FROM {db:Identifier}.flex_usage_weekly FINAL
WHERE (customer_id, week) IN (SELECT customer_id, week FROM touched)
  AND (customer_id, week, subscription_id, license_type) NOT IN
      (SELECT customer_id, week, subscription_id, license_type FROM fresh)
