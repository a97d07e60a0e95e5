-- Call-queue figures of {week} (generation in force) over the customers
-- with call queues (see calling_features.sql), per customer
-- ({by_queue} false: the partner's table, with names and a row of zeros
-- for a customer whose queues had no call that week) or per queue of one
-- customer ({by_queue} true).
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
gen AS (
    SELECT customer_id, max(computed_at) AS computed_at
    FROM {db:Identifier}.calling_customer_weekly
    WHERE week = {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
),
queues AS (
    SELECT customer_id, queue_id, queue_name, queue_calls, answered, moved_to_queue, hung_up, left_message,
           short_abandons, answer_wait_ms, abandon_wait_ms, answered_in_service_level
    FROM {db:Identifier}.calling_queue_weekly
    WHERE week = {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
      AND (customer_id, computed_at) IN (SELECT customer_id, computed_at FROM gen)
),
names AS (
    SELECT customer_id, argMax(name, updated_at) AS name
    FROM {db:Identifier}.customer_versions
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
)
SELECT if({by_queue:Bool}, q.queue_id, ids.customer_id) AS key,
       if({by_queue:Bool}, any(q.queue_name), any(n.name)) AS name,
       uniqExactIf(q.queue_id, q.queue_id != '') AS queues,
       sum(q.queue_calls) AS queue_calls, sum(q.answered) AS answered, sum(q.moved_to_queue) AS moved_to_queue,
       sum(q.hung_up) AS hung_up, sum(q.left_message) AS left_message, sum(q.short_abandons) AS short_abandons,
       sum(q.answer_wait_ms) AS answer_wait_ms, sum(q.abandon_wait_ms) AS abandon_wait_ms,
       sum(q.answered_in_service_level) AS answered_in_service_level
FROM (
    SELECT customer_id FROM enabled
    UNION DISTINCT
    SELECT customer_id FROM queues
) AS ids
LEFT JOIN queues AS q ON q.customer_id = ids.customer_id
LEFT JOIN names AS n ON n.customer_id = ids.customer_id
WHERE NOT {by_queue:Bool} OR q.queue_id != ''
GROUP BY key
