-- Call-queue figures of one week per customer and queue, from every stay
-- of a call in a queue that began in the week (FINAL: the latest record
-- of each stay). A call moved from one queue to another is a stay in each.
--
--   wait             ended_at - enqueued_at (a negative wait counts as 0)
--   time to answer   the wait of a stay an agent answered or that moved the
--                    call to another queue (answer_wait_ms over answered +
--                    moved_to_queue)
--   short abandon    the caller hung up within short_abandon_s seconds
--                    (wait < short_abandon_s): not counted as abandoned, nor
--                    in the abandon and service-level denominators
--   abandoned        hung up (not short) or left a message; their waits sum
--                    in abandon_wait_ms
--   service level    answered by an agent within service_level_s seconds
--                    (wait <= service_level_s)
INSERT INTO {db:Identifier}.calling_queue_weekly
    (week, partner_id, customer_id, queue_id, queue_name, queue_calls, answered, moved_to_queue,
     hung_up, left_message, short_abandons, answer_wait_ms, abandon_wait_ms, answered_in_service_level, computed_at)
SELECT {week:Date}, partner_id, customer_id, queue_id,
       argMax(queue_name, enqueued_at),
       count(),
       countIf(outcome = 'answered'),
       countIf(outcome = 'moved_to_queue'),
       countIf(outcome = 'hung_up' AND NOT short),
       countIf(outcome = 'left_message'),
       countIf(short),
       sumIf(wait_ms, outcome IN ('answered', 'moved_to_queue')),
       sumIf(wait_ms, outcome = 'left_message' OR (outcome = 'hung_up' AND NOT short)),
       countIf(outcome = 'answered' AND wait_ms <= toUInt64({service_level_s:UInt32}) * 1000),
       {computed_at:DateTime64(3, 'UTC')}
FROM (
    SELECT partner_id, customer_id, queue_id, queue_name, enqueued_at, outcome,
           toUInt64(greatest(0, dateDiff('millisecond', enqueued_at, ended_at))) AS wait_ms,
           outcome = 'hung_up' AND wait_ms < toUInt64({short_abandon_s:UInt32}) * 1000 AS short
    FROM {db:Identifier}.calling_queue_calls FINAL
    WHERE enqueued_at >= toDateTime64({week:Date}, 3, 'UTC')
      AND enqueued_at < toDateTime64({week:Date} + 7, 3, 'UTC')
      AND ({all_customers:Bool} OR has({customer_ids:Array(String)}, customer_id))
)
GROUP BY partner_id, customer_id, queue_id
