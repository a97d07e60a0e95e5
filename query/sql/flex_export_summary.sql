-- The custom report's summary: per customer, subscription and license
-- type over [from, to], the purchased quantity in force on the last day,
-- the peak consumption and its first day, the last day's consumption, the
-- worst day's overage and the days in overage, the subscription's status
-- on the last day (overage if any day was over) and the EA minimum flag.
-- For the partner's customers ({partner_id}) or a set of customers
-- ({customers}; empty: all).
WITH
names AS (
    SELECT customer_id, argMax(name, updated_at) AS customer_name
    FROM {db:Identifier}.customer_versions
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
),
per_type AS (
    SELECT customer_id, subscription_id, license_type, argMax(flex_model, day) AS model,
           argMax(purchased, day) AS last_purchased, max(consumed) AS peak,
           argMin(day, (-toInt64(consumed), day)) AS peak_day, argMax(consumed, day) AS latest,
           max(overage) AS worst, countIf(overage > 0) AS over_days
    FROM {db:Identifier}.flex_usage_daily FINAL
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, subscription_id, license_type
),
last_status AS (
    SELECT customer_id, subscription_id, argMax(status, day) AS last_status, argMax(ea_below_minimum, day) AS below_minimum,
           max(overage) > 0 AS ever_over
    FROM {db:Identifier}.flex_subscription_daily FINAL
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, subscription_id
)
SELECT n.customer_name, t.customer_id, t.subscription_id, toString(t.model), toString(t.license_type),
       toInt64(t.last_purchased), toInt64(t.peak), t.peak_day, toInt64(t.latest), toInt64(t.worst), toInt64(t.over_days),
       multiIf(t.subscription_id = '', 'no_subscription', st.ever_over OR t.worst > 0, 'overage',
               st.last_status = '', 'compliant', toString(st.last_status)), st.below_minimum
FROM per_type AS t
LEFT JOIN names AS n ON n.customer_id = t.customer_id
LEFT JOIN last_status AS st ON st.customer_id = t.customer_id AND st.subscription_id = t.subscription_id
ORDER BY n.customer_name, t.customer_id, t.subscription_id = '', t.subscription_id,
         indexOf({type_order:Array(String)}, toString(t.license_type))
