-- Feature use by calls in {week} over the customers with call queues
-- enabled (see calling_queues.sql), of the partner or the one customer.
-- One row: how many such customers, their calls of the week, their calls
-- per feature, when the figures were computed. The feature maps are read
-- for {week} only.
WITH enabled AS (
    SELECT customer_id
    FROM {db:Identifier}.calling_customer_weekly FINAL
    WHERE week > {week:Date} - 56 AND week <= {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
    HAVING sum(queue_calls + queue_feature_calls) > 0
)
SELECT (SELECT count() FROM enabled) AS customers,
       sum(calls) AS calls, sumMap(feature_calls) AS features, max(computed_at) AS last_computed_at
FROM {db:Identifier}.calling_customer_weekly FINAL
WHERE week = {week:Date}
  AND customer_id IN (SELECT customer_id FROM enabled)
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
