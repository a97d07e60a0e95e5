-- One page of the call-queue table of {week}: the customers (of the
-- partner, or the one customer) with call queues enabled — a call of theirs
-- went through a queue (a queue stay, or a call record using the call_queue
-- feature) in the eight weeks ending with {week} — with their figures of
-- the week (zeros when their queues had no call) and latest names, and the
-- number of rows of the whole table (the week's totals come from
-- calling_totals.sql).
--
-- One aggregation over the customer versions (src 0) and the eight weeks'
-- calling_customer_weekly rows in force (src 1) rather than joins. Sorting
-- ({sort} a column, {descending}): missing values last, then by name
-- and id.
-- The inner columns are named v_… because ClickHouse resolves a name to a
-- SELECT alias before a column: sumIf(calls, …) AS calls next to
-- sumIf(calls, …) AS calls_previous_week would nest one in the other.
WITH table AS (
    SELECT customer_id,
           argMaxIf(v_name, v_updated_at, src = 0) AS name,
           sumIf(v_queues, v_week = {week:Date}) AS queues, sumIf(v_queue_calls, v_week = {week:Date}) AS queue_calls,
           sumIf(v_answered, v_week = {week:Date}) AS answered, sumIf(v_moved, v_week = {week:Date}) AS moved_to_queue,
           sumIf(v_hung_up, v_week = {week:Date}) AS hung_up, sumIf(v_left_message, v_week = {week:Date}) AS left_message,
           sumIf(v_short, v_week = {week:Date}) AS short_abandons, sumIf(v_answer_ms, v_week = {week:Date}) AS answer_wait_ms,
           sumIf(v_abandon_ms, v_week = {week:Date}) AS abandon_wait_ms, sumIf(v_in_sl, v_week = {week:Date}) AS in_service_level
    FROM (
        SELECT 0 AS src, customer_id, name AS v_name, updated_at AS v_updated_at, toDate(0) AS v_week,
               0 AS v_queue_use,
               0 AS v_queues, 0 AS v_queue_calls, 0 AS v_answered, 0 AS v_moved, 0 AS v_hung_up,
               0 AS v_left_message, 0 AS v_short, 0 AS v_answer_ms, 0 AS v_abandon_ms, 0 AS v_in_sl
        FROM {db:Identifier}.customer_versions
        WHERE 1
          AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
          AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
        UNION ALL
        SELECT 1, customer_id, '', toDateTime64(0, 3, 'UTC'), week,
               queue_calls + queue_feature_calls,
               queues, queue_calls, queue_answered, queue_moved, queue_hung_up, queue_left_message,
               queue_short_abandons, queue_answer_wait_ms, queue_abandon_wait_ms, queue_in_service_level
        FROM {db:Identifier}.calling_customer_weekly FINAL
        WHERE week > {week:Date} - 56 AND week <= {week:Date}
          AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
          AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    )
    GROUP BY customer_id
    HAVING sumIf(v_queue_use, src = 1) > 0
)
SELECT customer_id, name, queues, queue_calls, answered, moved_to_queue, hung_up, left_message, short_abandons,
       answer_wait_ms, abandon_wait_ms, in_service_level,
       count() OVER () AS total,
       multiIf({sort:String} = 'queues', toFloat64(queues),
               {sort:String} = 'queue_calls', toFloat64(queue_calls),
               {sort:String} = 'abandoned', toFloat64(hung_up + left_message),
               {sort:String} = 'abandoned_pct',
                   if(queue_calls > short_abandons, round((hung_up + left_message) / (queue_calls - short_abandons) * 100, 2), NULL),
               {sort:String} = 'avg_time_to_answer_seconds',
                   if(answered + moved_to_queue > 0, round(answer_wait_ms / 1000 / (answered + moved_to_queue), 1), NULL),
               {sort:String} = 'avg_wait_before_abandon_seconds',
                   if(hung_up + left_message > 0, round(abandon_wait_ms / 1000 / (hung_up + left_message), 1), NULL),
               {sort:String} = 'service_level_pct',
                   if(queue_calls > short_abandons, round(in_service_level / (queue_calls - short_abandons) * 100, 2), NULL),
               0) AS sort_value
FROM table
ORDER BY sort_value IS NULL,
         if({descending:Bool}, sort_value, 0) DESC,
         if({descending:Bool}, 0, sort_value),
         if({descending:Bool} AND {sort:String} = 'customer_name', lower(name), '') DESC,
         if({descending:Bool} AND {sort:String} = 'customer_name', '', lower(name)),
         customer_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
