-- One week per customer: calls, minutes, the customer's users by usage
-- volume and licensed users, read from the call records; and the sums of
-- the detail rows of the same computation (generation computed_at) —
-- quality by reason and per endpoint type, calls per feature, call-queue
-- figures — so the partner-wide views read one row per customer. Written
-- last: the generation comes into force once all its rows are in.
--
-- Users by calls made or taken in the week (calls without a user count in
-- calls but in no bucket):
--   no_calls  licensed, no call          medium  6 to 20 calls
--   low       1 to 5 calls               high    21 calls or more
-- A user is licensed when the latest license change at or before the end
-- of the week is "assigned"; users with calls count in their bucket whether
-- licensed or not. Every customer with a call, a queue stay or any license
-- change up to the week's end gets a row, zeros included.
INSERT INTO {db:Identifier}.calling_customer_weekly
    (week, partner_id, customer_id, calls, call_seconds, calls_without_user, licensed_users, active_users,
     users_no_calls, users_low, users_medium, users_high,
     poor_calls, poor_round_trip_time, poor_packet_loss, poor_jitter, poor_mos,
     endpoint_calls, endpoint_poor, endpoint_poor_round_trip_time, endpoint_poor_packet_loss,
     endpoint_poor_jitter, endpoint_poor_mos, feature_calls, queue_feature_calls,
     queues, queue_calls, queue_answered, queue_moved, queue_hung_up, queue_left_message, queue_short_abandons,
     queue_answer_wait_ms, queue_abandon_wait_ms, queue_in_service_level,
     rule_rtt_ms, rule_packet_loss_pct, rule_jitter_ms, rule_mos_floor, rule_service_level_s, rule_short_abandon_s,
     computed_at)
WITH
CAST(map(), 'Map(String, UInt64)') AS no_map,
per_user AS (
    SELECT partner_id, customer_id, user_id,
           count() AS n_calls, sum(duration_seconds) AS n_seconds,
           countIf(has(features, 'call_queue')) AS n_queue_feature
    FROM {db:Identifier}.calling_call_records FINAL
    WHERE started_at >= toDateTime64({week:Date}, 3, 'UTC')
      AND started_at < toDateTime64({week:Date} + 7, 3, 'UTC')
      AND ({all_customers:Bool} OR has({customer_ids:Array(String)}, customer_id))
    GROUP BY partner_id, customer_id, user_id
),
licenses AS (
    SELECT argMax(partner_id, (changed_at, ingested_at)) AS partner_id, customer_id, user_id,
           argMax(state, (changed_at, ingested_at)) = 'assigned' AS licensed
    FROM {db:Identifier}.calling_user_licenses
    WHERE changed_at < toDateTime64({week:Date} + 7, 3, 'UTC')
      AND ({all_customers:Bool} OR has({customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, user_id
),
users AS (
    SELECT partner_id, customer_id, user_id, sum(n_calls) AS user_calls, max(licensed) AS licensed
    FROM (
        SELECT partner_id, customer_id, user_id, n_calls, false AS licensed FROM per_user WHERE user_id != ''
        UNION ALL
        SELECT partner_id, customer_id, user_id, toUInt64(0) AS n_calls, licensed FROM licenses
    )
    GROUP BY partner_id, customer_id, user_id
),
parts AS (
    SELECT partner_id, customer_id,
           sum(n_calls) AS p_calls, sum(n_seconds) AS p_seconds, sumIf(n_calls, user_id = '') AS p_without_user,
           0 AS p_licensed, 0 AS p_active, 0 AS p_no_calls, 0 AS p_low, 0 AS p_medium, 0 AS p_high,
           sum(n_queue_feature) AS p_queue_feature,
           0 AS p_poor, 0 AS p_poor_rtt, 0 AS p_poor_loss, 0 AS p_poor_jitter, 0 AS p_poor_mos,
           no_map AS p_ep_calls, no_map AS p_ep_poor, no_map AS p_ep_rtt,
           no_map AS p_ep_loss, no_map AS p_ep_jitter, no_map AS p_ep_mos, no_map AS p_features,
           0 AS p_queues, 0 AS p_q_calls, 0 AS p_q_answered, 0 AS p_q_moved, 0 AS p_q_hung_up, 0 AS p_q_left, 0 AS p_q_short,
           0 AS p_q_answer_ms, 0 AS p_q_abandon_ms, 0 AS p_q_sl
    FROM per_user
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0,
           countIf(licensed), countIf(user_calls > 0), countIf(licensed AND user_calls = 0),
           countIf(user_calls BETWEEN 1 AND 5), countIf(user_calls BETWEEN 6 AND 20), countIf(user_calls > 20),
           0, 0, 0, 0, 0, 0,
           no_map, no_map, no_map, no_map, no_map, no_map, no_map,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM users
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           sum(poor_calls), sum(poor_round_trip_time), sum(poor_packet_loss), sum(poor_jitter), sum(poor_mos),
           CAST(mapFromArrays(groupArray(endpoint_type), groupArray(calls)), 'Map(String, UInt64)'),
           CAST(mapFromArrays(groupArray(endpoint_type), groupArray(poor_calls)), 'Map(String, UInt64)'),
           CAST(mapFromArrays(groupArray(endpoint_type), groupArray(poor_round_trip_time)), 'Map(String, UInt64)'),
           CAST(mapFromArrays(groupArray(endpoint_type), groupArray(poor_packet_loss)), 'Map(String, UInt64)'),
           CAST(mapFromArrays(groupArray(endpoint_type), groupArray(poor_jitter)), 'Map(String, UInt64)'),
           CAST(mapFromArrays(groupArray(endpoint_type), groupArray(poor_mos)), 'Map(String, UInt64)'),
           no_map, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM {db:Identifier}.calling_quality_weekly
    WHERE week = {week:Date} AND computed_at = {computed_at:DateTime64(3, 'UTC')}
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           no_map, no_map, no_map, no_map, no_map, no_map,
           CAST(mapFromArrays(groupArray(feature), groupArray(calls)), 'Map(String, UInt64)'),
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM {db:Identifier}.calling_feature_weekly
    WHERE week = {week:Date} AND computed_at = {computed_at:DateTime64(3, 'UTC')}
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           no_map, no_map, no_map, no_map, no_map, no_map, no_map,
           count(), sum(queue_calls), sum(answered), sum(moved_to_queue), sum(hung_up), sum(left_message), sum(short_abandons),
           sum(answer_wait_ms), sum(abandon_wait_ms), sum(answered_in_service_level)
    FROM {db:Identifier}.calling_queue_weekly
    WHERE week = {week:Date} AND computed_at = {computed_at:DateTime64(3, 'UTC')}
    GROUP BY partner_id, customer_id
)
SELECT {week:Date}, partner_id, customer_id,
       sum(p_calls), sum(p_seconds), sum(p_without_user),
       sum(p_licensed), sum(p_active), sum(p_no_calls), sum(p_low), sum(p_medium), sum(p_high),
       sum(p_poor), sum(p_poor_rtt), sum(p_poor_loss), sum(p_poor_jitter), sum(p_poor_mos),
       sumMap(p_ep_calls), sumMap(p_ep_poor), sumMap(p_ep_rtt), sumMap(p_ep_loss), sumMap(p_ep_jitter), sumMap(p_ep_mos),
       sumMap(p_features), sum(p_queue_feature),
       sum(p_queues), sum(p_q_calls), sum(p_q_answered), sum(p_q_moved), sum(p_q_hung_up), sum(p_q_left), sum(p_q_short),
       sum(p_q_answer_ms), sum(p_q_abandon_ms), sum(p_q_sl),
       {rtt_ms:Float64}, {packet_loss_pct:Float64}, {jitter_ms:Float64}, {mos_floor:Float64},
       {service_level_s:UInt32}, {short_abandon_s:UInt32},
       {computed_at:DateTime64(3, 'UTC')}
FROM parts
GROUP BY partner_id, customer_id
