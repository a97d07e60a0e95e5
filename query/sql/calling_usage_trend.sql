-- The usage of each of the eight weeks ending with {week} over the
-- partner's customers (partner_id set) or one customer (customer_id set):
-- sums of the calling_customer_weekly rows in force of the customers with
-- calling figures, and when they were computed.
SELECT week,
       count() AS customers,
       sum(calls) AS calls, sum(call_seconds) AS call_seconds, sum(calls_without_user) AS calls_without_user,
       sum(licensed_users) AS licensed_users, sum(active_users) AS active_users,
       sum(users_no_calls) AS users_no_calls, sum(users_low) AS users_low,
       sum(users_medium) AS users_medium, sum(users_high) AS users_high,
       max(computed_at) AS last_computed_at
FROM {db:Identifier}.calling_customer_weekly FINAL
WHERE week > {week:Date} - 56 AND week <= {week:Date}
  AND ({partner_id:String} = '' OR partner_id = {partner_id:String})
  AND ({customer_id:String} = '' OR customer_id = {customer_id:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY week
