-- Call quality of one week per customer and endpoint type. A call is poor
-- when any of its media streams is poor: round-trip time above rtt_ms,
-- packet loss above packet_loss_pct, jitter above jitter_ms, or a measured
-- MOS below mos_floor (a MOS of 0 is "not measured" and never poor). A call
-- counts once for each reason it has; thresholds are compared in Float32,
-- the precision the streams are stored in, so a value equal to a threshold
-- is never beyond it. Each call counts once (FINAL: its latest record).
INSERT INTO {db:Identifier}.calling_quality_weekly
    (week, partner_id, customer_id, endpoint_type, calls, poor_calls,
     poor_round_trip_time, poor_packet_loss, poor_jitter, poor_mos, computed_at)
SELECT {week:Date}, partner_id, customer_id, endpoint_type,
       count(), countIf(poor != 0),
       countIf(bitTest(poor, 0)), countIf(bitTest(poor, 1)), countIf(bitTest(poor, 2)), countIf(bitTest(poor, 3)),
       {computed_at:DateTime64(3, 'UTC')}
FROM (
    SELECT partner_id, customer_id, endpoint_type,
           toUInt8(arrayExists(x -> x > toFloat32({rtt_ms:Float64}), `streams.rtt_ms`))
         + 2 * arrayExists(x -> x > toFloat32({packet_loss_pct:Float64}), `streams.packet_loss_pct`)
         + 4 * arrayExists(x -> x > toFloat32({jitter_ms:Float64}), `streams.jitter_ms`)
         + 8 * arrayExists(x -> x > 0 AND x < toFloat32({mos_floor:Float64}), `streams.mos`) AS poor
    FROM {db:Identifier}.calling_call_records FINAL
    WHERE started_at >= toDateTime64({week:Date}, 3, 'UTC')
      AND started_at < toDateTime64({week:Date} + 7, 3, 'UTC')
      AND ({all_customers:Bool} OR has({customer_ids:Array(String)}, customer_id))
)
GROUP BY partner_id, customer_id, endpoint_type
