-- Calling usage of {week} per customer (the partner's, or one): every
-- customer whose latest version at the week's end lists Calling, and every
-- customer with calling figures that week (zeros for a Calling customer
-- without any), with its name and its calls of the week before.
WITH
names AS (
    SELECT customer_id,
           argMax(name, updated_at) AS name,
           has(argMaxIf(products, updated_at, updated_at < toDateTime64({week:Date} + 7, 3, 'UTC')), 'calling') AS had_calling
    FROM {db:Identifier}.customer_versions
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
),
weekly AS (
    SELECT week, customer_id, calls, call_seconds, calls_without_user, licensed_users, active_users,
           users_no_calls, users_low, users_medium, users_high
    FROM {db:Identifier}.calling_customer_weekly FINAL
    WHERE week IN ({week:Date}, {week:Date} - 7)
      AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
)
SELECT ids.customer_id AS customer_id, n.name AS name,
       w.calls AS calls, w.call_seconds AS call_seconds, w.calls_without_user AS calls_without_user,
       w.licensed_users AS licensed_users, w.active_users AS active_users,
       w.users_no_calls AS users_no_calls, w.users_low AS users_low,
       w.users_medium AS users_medium, w.users_high AS users_high,
       p.present AS has_previous, p.calls AS calls_previous_week
FROM (
    SELECT customer_id FROM names WHERE had_calling
    UNION DISTINCT
    SELECT customer_id FROM weekly WHERE week = {week:Date}
) AS ids
LEFT JOIN names AS n ON n.customer_id = ids.customer_id
LEFT JOIN (SELECT * FROM weekly WHERE week = {week:Date}) AS w ON w.customer_id = ids.customer_id
LEFT JOIN (SELECT customer_id, calls, true AS present FROM weekly WHERE week = {week:Date} - 7) AS p
    ON p.customer_id = ids.customer_id
