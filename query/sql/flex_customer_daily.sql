-- A customer's Flex figures per day and license type over [from, to],
-- summed over its subscriptions (only the attributed one consumes), with
-- the customer's compliance of the day; one row per day and type.
SELECT day, license_type, toUInt64(sum(consumed)) AS consumed, toUInt64(sum(purchased)) AS purchased,
       toUInt64(sum(overage)) AS overage
FROM {db:Identifier}.flex_usage_daily FINAL
WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String}
  AND day >= {from:Date} AND day <= {to:Date}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY day, license_type
ORDER BY day, license_type
