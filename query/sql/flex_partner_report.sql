-- The partner's License Usage report over [from, to]: one row per
-- customer subscription (subscription '' is consumption without a Flex
-- subscription) with, per license type, the purchased quantity in force
-- on the last day, the peak and the last day's consumption, the worst
-- day's overage and the days in overage; totals over the types. Status:
-- overage when any day of the window was over, else the last day's.
-- Filtered by customer name (case-insensitive substring), overage and
-- model; sorted by {sort} (a whitelisted column) and paged; total counts
-- the rows before paging.
WITH
names AS (
    SELECT customer_id, argMax(name, updated_at) AS customer_name
    FROM {db:Identifier}.customer_versions
    WHERE partner_id = {partner_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
),
per_type AS (
    SELECT customer_id, subscription_id, license_type, argMax(flex_model, day) AS model,
           argMax(purchased, day) AS last_purchased, max(consumed) AS peak, argMax(consumed, day) AS latest,
           max(overage) AS worst, countIf(overage > 0) AS over_days
    FROM {db:Identifier}.flex_usage_daily FINAL
    WHERE partner_id = {partner_id:String}
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, subscription_id, license_type
),
per_sub AS (
    SELECT customer_id, subscription_id, any(model) AS flex_model,
           toUInt64(sum(last_purchased)) AS purchased, toUInt64(sum(peak)) AS consumed, toUInt64(sum(worst)) AS overage,
           arraySort(x -> indexOf({type_order:Array(String)}, x.1),
                     groupArray((toString(license_type), toUInt64(last_purchased), toUInt64(peak), toUInt64(latest),
                                 toUInt64(worst), toUInt64(over_days)))) AS licenses
    FROM per_type
    GROUP BY customer_id, subscription_id
),
last_status AS (
    SELECT customer_id, subscription_id, argMax(status, day) AS last_status, argMax(ea_below_minimum, day) AS below_minimum
    FROM {db:Identifier}.flex_subscription_daily FINAL
    WHERE partner_id = {partner_id:String}
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, subscription_id
),
rows AS (
    SELECT s.customer_id AS customer_id, n.customer_name AS customer_name, s.subscription_id AS subscription_id,
           s.flex_model AS flex_model,
           if(s.overage > 0 AND st.last_status != 'no_subscription', 'overage', toString(st.last_status)) AS status,
           st.below_minimum AS ea_below_minimum,
           s.purchased AS purchased, s.consumed AS consumed, s.overage AS overage, s.licenses AS licenses
    FROM per_sub AS s
    LEFT JOIN names AS n ON n.customer_id = s.customer_id
    LEFT JOIN last_status AS st ON st.customer_id = s.customer_id AND st.subscription_id = s.subscription_id
    WHERE ({q:String} = '' OR positionCaseInsensitiveUTF8(n.customer_name, {q:String}) > 0)
      AND (NOT {overage_only:Bool} OR s.overage > 0)
      AND ({model:String} = '' OR s.flex_model = {model:String})
)
SELECT customer_id, customer_name, subscription_id, flex_model, status, ea_below_minimum,
       purchased, consumed, overage, licenses, count() OVER () AS total
FROM rows
ORDER BY if({descending:Bool}, {sort:Identifier}, NULL) DESC, if({descending:Bool}, NULL, {sort:Identifier}) ASC,
         customer_name, customer_id, subscription_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
