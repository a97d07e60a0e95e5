-- Call-queue totals of {week} over the partner's customers (partner_id
-- set) or one customer (customer_id set), from the calling_customer_weekly
-- rows in force (customers without call queues add zeros), the rules and
-- when they were computed.
SELECT sum(queues) AS queues, sum(queue_calls) AS queue_calls, sum(queue_answered) AS answered,
       sum(queue_moved) AS moved_to_queue, sum(queue_hung_up) AS hung_up, sum(queue_left_message) AS left_message,
       sum(queue_short_abandons) AS short_abandons, sum(queue_answer_wait_ms) AS answer_wait_ms,
       sum(queue_abandon_wait_ms) AS abandon_wait_ms, sum(queue_in_service_level) AS in_service_level,
       argMax((rule_service_level_s, rule_short_abandon_s), computed_at) AS rule,
       max(computed_at) AS last_computed_at
FROM {db:Identifier}.calling_customer_weekly FINAL
WHERE week = {week:Date}
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
