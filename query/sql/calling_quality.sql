-- One page of the call-quality table of {week}: the customers (of the
-- partner, or the one customer) with calls that week, from their
-- calling_customer_weekly rows in force, with their latest names, and the
-- number of rows of the whole table (the week's totals come from
-- calling_totals.sql).
--
-- One aggregation over the customer versions (src 0) and the week's rows
-- (src 1) rather than a join. Sorting ({sort} a column, {descending}):
-- missing values last, then by name and id.
-- The inner columns are named v_… because ClickHouse resolves a name to a
-- SELECT alias before a column: sumIf(calls, …) AS calls next to
-- sumIf(calls, …) AS calls_previous_week would nest one in the other.
WITH table AS (
    SELECT customer_id,
           argMaxIf(v_name, v_updated_at, src = 0) AS name,
           sumIf(v_calls, src = 1) AS calls, sumIf(v_poor, src = 1) AS poor_calls,
           sumIf(v_rtt, src = 1) AS poor_round_trip_time, sumIf(v_loss, src = 1) AS poor_packet_loss,
           sumIf(v_jitter, src = 1) AS poor_jitter, sumIf(v_mos, src = 1) AS poor_mos
    FROM (
        SELECT 0 AS src, customer_id, name AS v_name, updated_at AS v_updated_at,
               0 AS v_calls, 0 AS v_poor, 0 AS v_rtt, 0 AS v_loss, 0 AS v_jitter, 0 AS v_mos
        FROM {db:Identifier}.customer_versions
        WHERE 1
          AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
          AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
        UNION ALL
        SELECT 1, customer_id, '', toDateTime64(0, 3, 'UTC'),
               calls, poor_calls, poor_round_trip_time, poor_packet_loss, poor_jitter, poor_mos
        FROM {db:Identifier}.calling_customer_weekly FINAL
        WHERE week = {week:Date} AND calls > 0
          AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
          AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    )
    GROUP BY customer_id
    HAVING calls > 0
)
SELECT customer_id, name, calls, poor_calls, poor_round_trip_time, poor_packet_loss, poor_jitter, poor_mos,
       count() OVER () AS total,
       multiIf({sort:String} = 'calls', toFloat64(calls),
               {sort:String} = 'poor_calls', toFloat64(poor_calls),
               {sort:String} = 'poor_pct', round(poor_calls / calls * 100, 2),
               0) AS sort_value
FROM table
ORDER BY sort_value IS NULL,
         if({descending:Bool}, sort_value, 0) DESC,
         if({descending:Bool}, 0, sort_value),
         if({descending:Bool} AND {sort:String} = 'customer_name', lower(name), '') DESC,
         if({descending:Bool} AND {sort:String} = 'customer_name', '', lower(name)),
         customer_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
