-- A customer's weekly Flex figures (weeks start on Sunday) for the weeks
-- that overlap [from, to], summed over its subscriptions.
SELECT week, license_type, toUInt64(sum(consumed_peak)) AS consumed_peak, toUInt64(sum(purchased)) AS purchased,
       toUInt64(sum(overage_peak)) AS overage_peak, max(overage_days) AS overage_days
FROM {db:Identifier}.flex_usage_weekly FINAL
WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String}
  AND week >= toStartOfWeek({from:Date}, 0) AND week <= {to:Date}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
GROUP BY week, license_type
ORDER BY week, license_type
