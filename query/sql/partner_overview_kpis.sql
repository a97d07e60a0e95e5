-- Every KPI of the partner overview for one day and product set, in one
-- pass over the day's subscription rows (partner_subscription_daily, which
-- holds the set memberships): per customer first, then over customers.
-- Only customers and subscriptions the caller may see count.
SELECT
    (SELECT count()
     FROM {db:Identifier}.partner_customer_daily FINAL
     WHERE partner_id = {partner_id:String} AND day = {day:Date}
       AND hasAny(products, {products:Array(String)})
       AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
       AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))) AS total_customers,
    countIf(recent_n > 0) AS recent_customers,
    sum(recent_n) AS recent_subscriptions,
    sumIf(live_total, recent_n > 0) AS recent_customers_licenses,
    countIf(expiring_n > 0) AS expiring_customers,
    sum(expiring_n) AS expiring_subscriptions,
    sum(expiring_total) AS expiring_total,
    sum(expiring_assigned) AS expiring_assigned,
    sum(expiring_used) AS expiring_used,
    countIf(renewing_n > 0) AS renewing_customers,
    sum(renewing_n) AS renewing_subscriptions,
    sum(renewing_total) AS renewing_total,
    sum(renewing_assigned) AS renewing_assigned,
    sum(renewing_used) AS renewing_used,
    countIf(low_n > 0) AS low_customers,
    sum(low_n) AS low_subscriptions,
    sum(low_total) AS low_total,
    sum(low_assigned) AS low_assigned,
    sum(low_used) AS low_used,
    sum(low_unassigned) AS low_unassigned,
    countIf(over_n > 0) AS over_customers,
    sum(over_n) AS over_subscriptions,
    sum(over_licenses) AS over_licenses
FROM
(
    SELECT customer_id,
           countIf(in_recently_added) AS recent_n,
           sumIf(toUInt64(total), live) AS live_total,
           countIf(in_expiring) AS expiring_n,
           sumIf(toUInt64(total), in_expiring) AS expiring_total,
           sumIf(toUInt64(assigned), in_expiring) AS expiring_assigned,
           sumIf(toUInt64(used), in_expiring) AS expiring_used,
           countIf(in_renewing) AS renewing_n,
           sumIf(toUInt64(total), in_renewing) AS renewing_total,
           sumIf(toUInt64(assigned), in_renewing) AS renewing_assigned,
           sumIf(toUInt64(used), in_renewing) AS renewing_used,
           countIf(in_low_allocation) AS low_n,
           sumIf(toUInt64(total), in_low_allocation) AS low_total,
           sumIf(toUInt64(assigned), in_low_allocation) AS low_assigned,
           sumIf(toUInt64(used), in_low_allocation) AS low_used,
           sumIf(toUInt64(total) - least(toUInt64(total), toUInt64(assigned)), in_low_allocation) AS low_unassigned,
           countIf(in_over_limit) AS over_n,
           sumIf(toUInt64(assigned) - toUInt64(total), in_over_limit) AS over_licenses
    FROM {db:Identifier}.partner_subscription_daily FINAL
    WHERE partner_id = {partner_id:String} AND day = {day:Date}
      AND has({products:Array(String)}, product)
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
)
