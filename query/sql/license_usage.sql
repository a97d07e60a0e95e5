-- A customer's daily license consumption per license type over [from, to]:
-- the sum over the customer's clusters of each cluster's consumption that
-- day (license_usage_daily keeps one row per cluster, day and type).
SELECT day, license_type, toUInt64(sum(consumed)) AS consumed
FROM {db:Identifier}.license_usage_daily FINAL
WHERE customer_id = {customer_id:String}
  AND day >= {from:Date} AND day <= {to:Date}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY day, license_type
ORDER BY day, license_type
