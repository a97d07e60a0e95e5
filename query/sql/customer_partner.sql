-- The partner of a customer the caller may see, from its latest version
-- (none: unknown or out of scope).
SELECT partner_id
FROM {db:Identifier}.customer_versions
WHERE customer_id = {customer_id:String}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
ORDER BY updated_at DESC, ingested_at DESC
LIMIT 1
