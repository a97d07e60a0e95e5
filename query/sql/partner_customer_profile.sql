-- One customer as of the end of a day: the latest customer version then,
-- with the day's statuses (absent when the overview rollup has not
-- computed that day).
WITH
version AS (
    SELECT partner_id, customer_id,
           argMax((name, managed_by, products, provisioning_status, added_at), (updated_at, ingested_at)) AS v
    FROM {db:Identifier}.customer_versions
    WHERE customer_id = {customer_id:String}
      AND updated_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY partner_id, customer_id
),
daily AS (
    SELECT partner_id AS daily_partner, status, statuses, last_admin_sign_in, 1 AS computed
    FROM {db:Identifier}.partner_customer_daily FINAL
    WHERE customer_id = {customer_id:String} AND day = {day:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
)
SELECT v.partner_id, v.v.1 AS name, v.v.2 AS managed_by, v.v.3 AS products, v.v.4 AS provisioning_status,
       v.v.5 AS added_at, d.computed, d.status, d.statuses, d.last_admin_sign_in
FROM version AS v
LEFT JOIN daily AS d ON d.daily_partner = v.partner_id
ORDER BY v.partner_id
LIMIT 1
SETTINGS join_use_nulls = 0
