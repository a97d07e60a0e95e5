-- Every poor call of one week (the rule of calling_quality_weekly.sql),
-- tagged with what made it poor — round_trip_time, packet_loss, jitter,
-- mos — with how many of its streams were poor and the worst value of each
-- metric over its streams (arrayMin of no values is 0: min_mos 0 means no
-- stream measured MOS).
INSERT INTO {db:Identifier}.calling_poor_calls
    (week, partner_id, customer_id, call_id, user_id, started_at, endpoint_type, direction,
     reasons, streams, poor_streams, max_rtt_ms, max_packet_loss_pct, max_jitter_ms, min_mos, computed_at)
SELECT {week:Date}, partner_id, customer_id, call_id, user_id, started_at, endpoint_type, direction,
       arrayFilter(r -> r != '', [
           if(arrayExists(x -> x > toFloat32({rtt_ms:Float64}), `streams.rtt_ms`), 'round_trip_time', ''),
           if(arrayExists(x -> x > toFloat32({packet_loss_pct:Float64}), `streams.packet_loss_pct`), 'packet_loss', ''),
           if(arrayExists(x -> x > toFloat32({jitter_ms:Float64}), `streams.jitter_ms`), 'jitter', ''),
           if(arrayExists(x -> x > 0 AND x < toFloat32({mos_floor:Float64}), `streams.mos`), 'mos', '')]) AS tags,
       toUInt8(length(`streams.rtt_ms`)),
       toUInt8(arrayCount((r, l, j, m) -> r > toFloat32({rtt_ms:Float64}) OR l > toFloat32({packet_loss_pct:Float64})
                                         OR j > toFloat32({jitter_ms:Float64}) OR (m > 0 AND m < toFloat32({mos_floor:Float64})),
                          `streams.rtt_ms`, `streams.packet_loss_pct`, `streams.jitter_ms`, `streams.mos`)),
       arrayMax(`streams.rtt_ms`), arrayMax(`streams.packet_loss_pct`), arrayMax(`streams.jitter_ms`),
       arrayMin(arrayFilter(m -> m > 0, `streams.mos`)),
       {computed_at:DateTime64(3, 'UTC')}
FROM {db:Identifier}.calling_call_records FINAL
WHERE started_at >= toDateTime64({week:Date}, 3, 'UTC')
  AND started_at < toDateTime64({week:Date} + 7, 3, 'UTC')
  AND ({all_customers:Bool} OR has({customer_ids:Array(String)}, customer_id))
  AND notEmpty(tags)
