-- The weeks computed for every customer, with the rules they used.
SELECT week, rule_rtt_ms, rule_packet_loss_pct, rule_jitter_ms, rule_mos_floor,
       rule_service_level_s, rule_short_abandon_s
FROM {db:Identifier}.calling_weeks FINAL
ORDER BY week
