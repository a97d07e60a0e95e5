-- A week computed for every customer, and the rules it was computed with.
INSERT INTO {db:Identifier}.calling_weeks
    (week, rule_rtt_ms, rule_packet_loss_pct, rule_jitter_ms, rule_mos_floor,
     rule_service_level_s, rule_short_abandon_s, computed_at)
VALUES ({week:Date}, {rtt_ms:Float64}, {packet_loss_pct:Float64}, {jitter_ms:Float64}, {mos_floor:Float64},
        {service_level_s:UInt32}, {short_abandon_s:UInt32}, {computed_at:DateTime64(3, 'UTC')})
