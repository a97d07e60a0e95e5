-- The names of the custom report's customers (the daily detail streams
-- without a join, so it needs no more memory than a block).
SELECT customer_id, argMax(name, updated_at) AS customer_name
FROM {db:Identifier}.customer_versions
WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY customer_id
