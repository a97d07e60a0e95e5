-- Calls of one week per customer and calling feature: a call counts once
-- for every feature it used (the contract keeps a call's features
-- distinct). Each call counts once (FINAL: its latest record).
INSERT INTO {db:Identifier}.calling_feature_weekly
    (week, partner_id, customer_id, feature, calls, computed_at)
SELECT {week:Date}, partner_id, customer_id, feature, count(), {computed_at:DateTime64(3, 'UTC')}
FROM {db:Identifier}.calling_call_records FINAL
ARRAY JOIN features AS feature
WHERE started_at >= toDateTime64({week:Date}, 3, 'UTC')
  AND started_at < toDateTime64({week:Date} + 7, 3, 'UTC')
  AND ({all_customers:Bool} OR has({customer_ids:Array(String)}, customer_id))
GROUP BY partner_id, customer_id, feature
