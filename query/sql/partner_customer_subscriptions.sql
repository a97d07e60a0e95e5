-- Every version of a customer's subscriptions and trials known at the end
-- of a day, oldest first per subscription, with the subscription's license
-- figures of that day (zero when the overview rollup has not computed it).
SELECT sv.subscription_id, sv.order_id, sv.product, sv.flex_model, sv.trial, sv.status, sv.start_date, sv.end_date,
       sv.renewal_date, sv.auto_renew, sv.licenses, sv.invoice_ref, sv.changed_at,
       d.assigned, d.used, d.total, d.computed
FROM
(
    SELECT *
    FROM {db:Identifier}.subscription_versions
    WHERE customer_id = {customer_id:String} AND partner_id = {partner_id:String}
      AND changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
) AS sv
LEFT JOIN
(
    SELECT subscription_id, assigned, used, total, 1 AS computed
    FROM {db:Identifier}.partner_subscription_daily FINAL
    WHERE customer_id = {customer_id:String} AND partner_id = {partner_id:String} AND day = {day:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
) AS d ON d.subscription_id = sv.subscription_id
ORDER BY sv.subscription_id, sv.changed_at, sv.ingested_at
SETTINGS join_use_nulls = 0
