-- A customer's call-queue figures of {week} per queue, from the rows of the
-- generation in force.
SELECT queue_id, queue_name, queue_calls, answered, moved_to_queue, hung_up, left_message, short_abandons,
       answer_wait_ms, abandon_wait_ms, answered_in_service_level
FROM {db:Identifier}.calling_queue_weekly
WHERE partner_id = {partner_id:String}
  AND week = {week:Date}
  AND customer_id = {customer_id:String}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
  AND computed_at = (
      SELECT max(computed_at) FROM {db:Identifier}.calling_customer_weekly
      WHERE partner_id = {partner_id:String}
        AND week = {week:Date}
        AND customer_id = {customer_id:String}
        AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
        AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id)))
ORDER BY lower(queue_name), queue_id
