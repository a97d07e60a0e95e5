-- The license types of the License Usage report's page: for the given
-- customers over [from, to], per subscription and license type the
-- purchased quantity in force on the last day, the peak and the last day's
-- consumption, the worst day's overage and the days in overage.
SELECT customer_id, subscription_id, license_type, argMax(purchased, day) AS last_purchased,
       max(consumed) AS peak, argMax(consumed, day) AS latest, max(overage) AS worst, countIf(overage > 0) AS over_days
FROM {db:Identifier}.flex_usage_daily FINAL
WHERE partner_id = {partner_id:String}
  AND customer_id IN {customers:Array(String)}
  AND day >= {from:Date} AND day <= {to:Date}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY customer_id, subscription_id, license_type
