-- One page of a section's table: the day's subscriptions in the section's
-- set, in the section's order (the most urgent first), then by customer
-- name and subscription id.
--   recently_added  fewest days since added first
--   expiring        fewest days to expiry first
--   renewing        fewest days to renewal first
--   low_allocation  lowest assigned share first
--   over_limit      most licenses over the limit first
SELECT customer_id, customer_name, subscription_id, auto_renew, total, assigned, assigned_week_ago,
       used, used_week_ago, used_3m,
       dateDiff('day', added_on, {day:Date}) AS days_since_added,
       age('month', added_on, {day:Date}) AS months_since_added,
       dateDiff('day', {day:Date}, end_date) AS days_to_expiry,
       dateDiff('day', {day:Date}, renewal_date) AS days_to_renewal,
       if(end_date IS NULL, NULL, greatest(0, age('month', {day:Date}, assumeNotNull(end_date)))) AS remaining_months
FROM {db:Identifier}.partner_subscription_daily FINAL
WHERE partner_id = {partner_id:String} AND day = {day:Date}
  AND has({products:Array(String)}, product)
  AND multiIf({section:String} = 'recently_added', in_recently_added,
              {section:String} = 'expiring', in_expiring,
              {section:String} = 'renewing', in_renewing,
              {section:String} = 'low_allocation', in_low_allocation,
              {section:String} = 'over_limit', in_over_limit,
              false)
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
ORDER BY multiIf({section:String} = 'recently_added', toFloat64(dateDiff('day', added_on, {day:Date})),
                 {section:String} = 'expiring', toFloat64(ifNull(dateDiff('day', {day:Date}, end_date), 0)),
                 {section:String} = 'renewing', toFloat64(ifNull(dateDiff('day', {day:Date}, renewal_date), 0)),
                 {section:String} = 'low_allocation', if(total = 0, 0., assigned / total),
                 {section:String} = 'over_limit', -toFloat64(toInt64(assigned) - toInt64(total)),
                 0.),
         lowerUTF8(customer_name), customer_id, subscription_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
