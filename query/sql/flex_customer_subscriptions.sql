-- A customer's Flex subscriptions as of the last day of [from, to] each
-- has figures: per license type purchased, consumed and overage that day,
-- the peak consumption and worst overage over the window; the
-- subscription's compliance status that day.
SELECT u.subscription_id, u.model, u.license_type, u.as_of, u.last_purchased, u.last_consumed, u.last_overage,
       u.peak, u.peak_day, u.overage_peak, s.last_status, s.below_minimum, s.carries
FROM (
    SELECT subscription_id, argMax(flex_model, day) AS model, license_type, max(day) AS as_of,
           argMax(purchased, day) AS last_purchased, argMax(consumed, day) AS last_consumed, argMax(overage, day) AS last_overage,
           max(consumed) AS peak, argMin(day, (-toInt64(consumed), day)) AS peak_day, max(overage) AS overage_peak
    FROM {db:Identifier}.flex_usage_daily FINAL
    WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String}
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY subscription_id, license_type
) AS u
LEFT JOIN (
    SELECT subscription_id, argMax(status, day) AS last_status, argMax(ea_below_minimum, day) AS below_minimum,
           argMax(attributed, day) AS carries
    FROM {db:Identifier}.flex_subscription_daily FINAL
    WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String}
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY subscription_id
) AS s ON s.subscription_id = u.subscription_id
ORDER BY u.subscription_id = '', u.subscription_id, u.license_type
