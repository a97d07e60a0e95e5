-- Call quality totals over the partner's customers (partner_id set) or one
-- customer (customer_id set), from the calling_customer_weekly rows in
-- force: for each of the eight weeks ending with {week} the calls and
-- poor calls (week rows), and for {week} the poor calls by reason, calls
-- and poor calls (by reason) per endpoint type, the rules and when they
-- were computed (the endpoints row; it reads the maps of one week only).
SELECT 'week' AS kind, week, sum(calls) AS calls, sum(poor_calls) AS poor_calls,
       0 AS poor_round_trip_time, 0 AS poor_packet_loss, 0 AS poor_jitter, 0 AS poor_mos,
       CAST(map(), 'Map(LowCardinality(String), UInt64)') AS endpoint_calls, endpoint_calls AS endpoint_poor,
       endpoint_calls AS endpoint_poor_round_trip_time, endpoint_calls AS endpoint_poor_packet_loss,
       endpoint_calls AS endpoint_poor_jitter, endpoint_calls AS endpoint_poor_mos,
       (0., 0., 0., 0.) AS rule, max(computed_at) AS last_computed_at
FROM {db:Identifier}.calling_customer_weekly FINAL
WHERE week > {week:Date} - 56 AND week <= {week:Date}
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY week
UNION ALL
SELECT 'endpoints', {week:Date}, 0, 0,
       sum(poor_round_trip_time), sum(poor_packet_loss), sum(poor_jitter), sum(poor_mos),
       sumMap(endpoint_calls), sumMap(endpoint_poor), sumMap(endpoint_poor_round_trip_time),
       sumMap(endpoint_poor_packet_loss), sumMap(endpoint_poor_jitter), sumMap(endpoint_poor_mos),
       argMax((rule_rtt_ms, rule_packet_loss_pct, rule_jitter_ms, rule_mos_floor), computed_at), max(computed_at)
FROM {db:Identifier}.calling_customer_weekly FINAL
WHERE week = {week:Date}
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
