-- One page of the usage table of {week}: every customer (of the partner,
-- or the one customer) whose latest version at the week's end lists
-- Calling, and every customer with calling figures that week (zeros for a
-- Calling customer without any), with its latest name and its calls of the
-- week before; total is the number of rows of the whole table.
--
-- One aggregation over the customer versions (src 0) and the
-- calling_customer_weekly rows in force (src 1 the week, 2 the week before)
-- rather than joins: it reads each table once. Sorting ({sort} a column,
-- {descending}): missing values last, then by name and id.
-- The inner columns are named v_… because ClickHouse resolves a name to a
-- SELECT alias before a column: sumIf(calls, …) AS calls next to
-- sumIf(calls, …) AS calls_previous_week would nest one in the other.
WITH table AS (
    SELECT customer_id,
           argMaxIf(v_name, v_updated_at, src = 0) AS name,
           argMaxIf(v_calling, v_updated_at, src = 0 AND v_updated_at < toDateTime64({week:Date} + 7, 3, 'UTC')) AS had_calling,
           maxIf(1, src = 1) AS has_figures,
           sumIf(v_calls, src = 1) AS calls, sumIf(v_seconds, src = 1) AS call_seconds,
           sumIf(v_without_user, src = 1) AS calls_without_user,
           sumIf(v_licensed, src = 1) AS licensed_users, sumIf(v_active, src = 1) AS active_users,
           sumIf(v_no_calls, src = 1) AS users_no_calls, sumIf(v_low, src = 1) AS users_low,
           sumIf(v_medium, src = 1) AS users_medium, sumIf(v_high, src = 1) AS users_high,
           maxIf(1, src = 2) AS has_previous, sumIf(v_calls, src = 2) AS calls_previous_week
    FROM (
        SELECT 0 AS src, customer_id, name AS v_name, updated_at AS v_updated_at, has(products, 'calling') AS v_calling,
               0 AS v_calls, 0 AS v_seconds, 0 AS v_without_user, 0 AS v_licensed, 0 AS v_active,
               0 AS v_no_calls, 0 AS v_low, 0 AS v_medium, 0 AS v_high
        FROM {db:Identifier}.customer_versions
        WHERE 1
          AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
          AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
        UNION ALL
        SELECT if(week = {week:Date}, 1, 2), customer_id, '', toDateTime64(0, 3, 'UTC'), false,
               calls, call_seconds, calls_without_user, licensed_users, active_users,
               users_no_calls, users_low, users_medium, users_high
        FROM {db:Identifier}.calling_customer_weekly FINAL
        WHERE week IN ({week:Date}, {week:Date} - 7)
          AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
          AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    )
    GROUP BY customer_id
    HAVING had_calling OR has_figures
)
SELECT *,
       count() OVER () AS total,
       multiIf({sort:String} = 'calls', toFloat64(calls),
               {sort:String} = 'call_minutes', toFloat64(call_seconds),
               {sort:String} = 'licensed_users', toFloat64(licensed_users),
               {sort:String} = 'active_users', toFloat64(active_users),
               {sort:String} = 'users_no_calls', toFloat64(users_no_calls),
               {sort:String} = 'calls_per_active_user',
                   if(active_users > 0, round((calls - calls_without_user) / active_users, 1), NULL),
               {sort:String} = 'calls_change_pct',
                   if(has_previous AND calls_previous_week > 0, round((calls - calls_previous_week) / calls_previous_week * 100, 2), NULL),
               0) AS sort_value
FROM table
ORDER BY sort_value IS NULL,
         if({descending:Bool}, sort_value, 0) DESC,
         if({descending:Bool}, 0, sort_value),
         if({descending:Bool} AND {sort:String} = 'customer_name', lower(name), '') DESC,
         if({descending:Bool} AND {sort:String} = 'customer_name', '', lower(name)),
         customer_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
