-- The partner's License Usage report over [from, to], one page: one row
-- per customer subscription (subscription '' is consumption without a
-- Flex subscription) from the daily compliance figures — the total
-- purchased on the last day, the peak of the daily total consumption, the
-- worst day's total overage; status overage when any day was over, else
-- the last day's. Filtered by customer name (case-insensitive substring),
-- overage and model; sorted by {sort} (a whitelisted column), paged; total
-- counts the rows before paging. The license types of the page's rows
-- come from flex_partner_report_licenses.sql.
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
    SELECT customer_id, subscription_id, argMax(flex_model, day) AS model,
           argMax(purchased, day) AS last_purchased, max(consumed) AS peak, max(overage) AS worst,
           argMax(status, day) AS last_status, argMax(ea_below_minimum, day) AS below_minimum
    FROM {db:Identifier}.flex_subscription_daily FINAL
    WHERE partner_id = {partner_id:String}
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, subscription_id
),
rows AS (
    SELECT s.customer_id AS customer_id, n.customer_name AS customer_name, s.subscription_id AS subscription_id,
           toString(s.model) AS flex_model,
           -- (a pass that has not yet written the compliance row: the rule's first two steps)
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
