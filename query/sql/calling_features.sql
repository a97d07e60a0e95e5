-- Feature use by calls in {week} over the customers with call queues (the
-- partner's, or one): a customer has call queues enabled when a call of
-- it went through a queue (a queue stay, or a call record using the
-- call_queue feature) in the eight weeks ending with {week}.
--   kind enabled   one row: how many such customers
--   kind calls     one row: their calls in {week}
--   kind feature   per feature: their calls that used it
WITH
enabled AS (
    SELECT customer_id
    FROM {db:Identifier}.calling_customer_weekly FINAL
    WHERE week >= {week:Date} - 49 AND week <= {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
    HAVING sum(queue_calls + queue_feature_calls) > 0
),
this_week AS (
    SELECT customer_id, calls, computed_at
    FROM {db:Identifier}.calling_customer_weekly FINAL
    WHERE week = {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
      AND customer_id IN (SELECT customer_id FROM enabled)
)
SELECT 'enabled' AS kind, '' AS feature, count() AS n FROM enabled
UNION ALL
SELECT 'calls' AS kind, '' AS feature, sum(calls) AS n FROM this_week
UNION ALL
SELECT 'feature' AS kind, feature, sum(calls) AS n
FROM {db:Identifier}.calling_feature_weekly
WHERE week = {week:Date}
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
  AND (customer_id, computed_at) IN (SELECT customer_id, computed_at FROM this_week)
GROUP BY feature
