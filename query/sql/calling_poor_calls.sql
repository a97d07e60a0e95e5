-- One page of a customer's poor calls of {week} (generation in force), in
-- the order they started, each tagged with what made it poor.
SELECT call_id, user_id, started_at, endpoint_type, direction, reasons, streams, poor_streams,
       max_rtt_ms, max_packet_loss_pct, max_jitter_ms, min_mos
FROM {db:Identifier}.calling_poor_calls
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
ORDER BY started_at, call_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
