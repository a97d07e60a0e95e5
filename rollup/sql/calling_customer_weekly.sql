-- One week per customer: calls, minutes, the customer's users by usage
-- volume, licensed users, and the totals of the detail rows of the same
-- computation (generation computed_at), written last so the generation
-- comes into force only once all its rows are in.
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
     users_no_calls, users_low, users_medium, users_high, poor_calls, queue_calls, queue_feature_calls,
     rule_rtt_ms, rule_packet_loss_pct, rule_jitter_ms, rule_mos_floor, rule_service_level_s, rule_short_abandon_s,
     computed_at)
WITH
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
)
SELECT {week:Date}, partner_id, customer_id,
       sum(calls), sum(call_seconds), sum(calls_without_user),
       sum(licensed_users), sum(active_users), sum(users_no_calls), sum(users_low), sum(users_medium), sum(users_high),
       sum(poor_calls), sum(queue_calls), sum(queue_feature_calls),
       {rtt_ms:Float64}, {packet_loss_pct:Float64}, {jitter_ms:Float64}, {mos_floor:Float64},
       {service_level_s:UInt32}, {short_abandon_s:UInt32},
       {computed_at:DateTime64(3, 'UTC')}
FROM (
    SELECT partner_id, customer_id,
           sum(n_calls) AS calls, sum(n_seconds) AS call_seconds, sumIf(n_calls, user_id = '') AS calls_without_user,
           toUInt64(0) AS licensed_users, toUInt64(0) AS active_users, toUInt64(0) AS users_no_calls,
           toUInt64(0) AS users_low, toUInt64(0) AS users_medium, toUInt64(0) AS users_high,
           toUInt64(0) AS poor_calls, toUInt64(0) AS queue_calls, sum(n_queue_feature) AS queue_feature_calls
    FROM per_user
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0,
           countIf(licensed), countIf(user_calls > 0), countIf(licensed AND user_calls = 0),
           countIf(user_calls BETWEEN 1 AND 5), countIf(user_calls BETWEEN 6 AND 20), countIf(user_calls > 20),
           0, 0, 0
    FROM users
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(poor_calls), 0, 0
    FROM {db:Identifier}.calling_quality_weekly
    WHERE week = {week:Date} AND computed_at = {computed_at:DateTime64(3, 'UTC')}
    GROUP BY partner_id, customer_id
    UNION ALL
    SELECT partner_id, customer_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(queue_calls), 0
    FROM {db:Identifier}.calling_queue_weekly
    WHERE week = {week:Date} AND computed_at = {computed_at:DateTime64(3, 'UTC')}
    GROUP BY partner_id, customer_id
)
GROUP BY partner_id, customer_id
