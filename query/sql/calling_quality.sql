-- Call quality of {week} over the partner's customers (or one customer),
-- from the rows of the generation in force for each customer: one row per
-- customer (kind customer, with its name) and one per endpoint type (kind
-- endpoint).
WITH
gen AS (
    SELECT customer_id, max(computed_at) AS computed_at
    FROM {db:Identifier}.calling_customer_weekly
    WHERE week = {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
),
quality AS (
    SELECT customer_id, endpoint_type, calls, poor_calls,
           poor_round_trip_time, poor_packet_loss, poor_jitter, poor_mos
    FROM {db:Identifier}.calling_quality_weekly
    WHERE week = {week:Date}
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
      AND (customer_id, computed_at) IN (SELECT customer_id, computed_at FROM gen)
),
names AS (
    SELECT customer_id, argMax(name, updated_at) AS name
    FROM {db:Identifier}.customer_versions
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
)
SELECT 'customer' AS kind, q.customer_id AS key, any(n.name) AS name,
       sum(q.calls) AS calls, sum(q.poor_calls) AS poor_calls,
       sum(q.poor_round_trip_time) AS poor_round_trip_time, sum(q.poor_packet_loss) AS poor_packet_loss,
       sum(q.poor_jitter) AS poor_jitter, sum(q.poor_mos) AS poor_mos
FROM quality AS q
LEFT JOIN names AS n ON n.customer_id = q.customer_id
GROUP BY q.customer_id
UNION ALL
SELECT 'endpoint' AS kind, endpoint_type AS key, '' AS name,
       sum(calls), sum(poor_calls), sum(poor_round_trip_time), sum(poor_packet_loss), sum(poor_jitter), sum(poor_mos)
FROM quality
GROUP BY endpoint_type
