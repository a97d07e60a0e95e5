-- The customers a partner admin is assigned to now: per customer the
-- admin's latest assignment change is "assigned". The admin is the token's
-- subject, matched on admin id or email.
SELECT customer_id
FROM (
    SELECT customer_id, argMax(action, changed_at) AS last_action
    FROM {db:Identifier}.partner_admin_assignments
    WHERE partner_id = {partner_id:String}
      AND (admin_id = {subject:String} OR email = {subject:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
)
WHERE last_action = 'assigned'
ORDER BY customer_id
