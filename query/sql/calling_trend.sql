-- The calling totals of each of the {weeks} weeks ending with {week} (eight
-- for a trend, one for the week's rules and computation time) over the
-- partner's customers (partner_id set) or one customer (customer_id set):
-- the calling_customer_weekly row in force of every customer with calling
-- data that week, the rules it was computed with and when.
SELECT week,
       count() AS customers,
       sum(calls) AS calls, sum(call_seconds) AS call_seconds, sum(calls_without_user) AS calls_without_user,
       sum(licensed_users) AS licensed_users, sum(active_users) AS active_users,
       sum(users_no_calls) AS users_no_calls, sum(users_low) AS users_low,
       sum(users_medium) AS users_medium, sum(users_high) AS users_high,
       sum(poor_calls) AS poor_calls,
       argMax(rule_rtt_ms, computed_at) AS rule_rtt_ms,
       argMax(rule_packet_loss_pct, computed_at) AS rule_packet_loss_pct,
       argMax(rule_jitter_ms, computed_at) AS rule_jitter_ms,
       argMax(rule_mos_floor, computed_at) AS rule_mos_floor,
       argMax(rule_service_level_s, computed_at) AS rule_service_level_s,
       argMax(rule_short_abandon_s, computed_at) AS rule_short_abandon_s,
       max(computed_at) AS last_computed_at
FROM {db:Identifier}.calling_customer_weekly FINAL
WHERE week > {week:Date} - 7 * {weeks:UInt8} AND week <= {week:Date}
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY week
ORDER BY week
