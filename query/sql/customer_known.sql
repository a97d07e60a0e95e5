-- Whether the customer has any inventory the caller may see: an unknown
-- (or foreign) customer is a 404, a known one with nothing in the window an
-- empty series.
SELECT count() > 0 AS known
FROM {db:Identifier}.ucm_cluster_syncs
WHERE customer_id = {customer_id:String}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
