-- The partner admins assigned to a customer at the end of a day: each
-- admin's latest assignment change then, if it assigned them.
SELECT admin_id,
       argMax(name, (changed_at, ingested_at)) AS name,
       argMax(email, (changed_at, ingested_at)) AS email,
       argMax(role, (changed_at, ingested_at)) AS role,
       argMax(changed_at, (changed_at, ingested_at)) AS since
FROM {db:Identifier}.partner_admin_assignments
WHERE customer_id = {customer_id:String} AND partner_id = {partner_id:String}
  AND changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY admin_id
HAVING argMax(action, (changed_at, ingested_at)) = 'assigned'
ORDER BY role, lowerUTF8(name), admin_id
