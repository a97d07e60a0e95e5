-- The partner's License Usage report for the last {days} days ending
-- {today}, one page, read from the windows the rollup keeps ready
-- (flex_subscription_window); the same answer as flex_partner_report.sql
-- gives from the daily figures, which serves explicit periods.
WITH
names AS (
    SELECT customer_id, argMax(name, updated_at) AS customer_name
    FROM {db:Identifier}.customer_versions
    WHERE partner_id = {partner_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
),
subs AS (
    SELECT customer_id, subscription_id, flex_model AS model, purchased AS last_purchased, consumed AS peak,
           overage AS worst, status AS last_status, ea_below_minimum AS below_minimum
    FROM {db:Identifier}.flex_subscription_window FINAL
    WHERE partner_id = {partner_id:String}
      AND as_of = {today:Date} AND days = {days:UInt8}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
),
rows AS (
    SELECT s.customer_id AS customer_id, n.customer_name AS customer_name, s.subscription_id AS subscription_id,
           toString(s.model) AS flex_model,
           multiIf(s.subscription_id = '', 'no_subscription', s.worst > 0, 'overage',
                   s.last_status = '', 'compliant', toString(s.last_status)) AS status,
           s.below_minimum AS ea_below_minimum,
           toUInt64(s.last_purchased) AS purchased, toUInt64(s.peak) AS consumed, toUInt64(s.worst) AS overage
    FROM subs AS s
    LEFT JOIN names AS n ON n.customer_id = s.customer_id
    WHERE ({q:String} = '' OR positionCaseInsensitiveUTF8(n.customer_name, {q:String}) > 0)
      AND (NOT {overage_only:Bool} OR s.worst > 0)
      AND ({model:String} = '' OR s.model = {model:String})
)
SELECT customer_id, customer_name, subscription_id, flex_model, status, ea_below_minimum,
       purchased, consumed, overage, count() OVER () AS total
FROM rows
ORDER BY if({descending:Bool}, {sort:Identifier}, NULL) DESC, if({descending:Bool}, NULL, {sort:Identifier}) ASC,
         customer_name, customer_id, subscription_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
