-- The license distribution trend: for each given day (the last day of each
-- week), the purchased, assigned and used licenses of the live
-- subscriptions and trials of the products.
SELECT day, sum(toUInt64(total)) AS total, sum(toUInt64(assigned)) AS assigned, sum(toUInt64(used)) AS used
FROM {db:Identifier}.partner_subscription_daily FINAL
WHERE partner_id = {partner_id:String} AND day IN {days:Array(Date)}
  AND live AND has({products:Array(String)}, product)
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY day
ORDER BY day
