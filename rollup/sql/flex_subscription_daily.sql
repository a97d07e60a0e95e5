-- Compliance per subscription and day, from the flex_usage_daily rows this
-- pass wrote (computed_at identifies them): totals over the license types,
-- the types in overage, and the Enterprise Agreement minimum (an EA whose
-- purchased KW in force is under {ea_minimum}). Status, first that holds:
-- no_subscription (consumption without a Flex subscription), overage (any
-- type), below_minimum (EA), compliant.
INSERT INTO {db:Identifier}.flex_subscription_daily
    (day, partner_id, customer_id, subscription_id, flex_model, purchased, consumed, overage,
     overage_types, ea_below_minimum, status, attributed, computed_at, is_deleted)
SELECT day, partner_id, customer_id, subscription_id,
       argMaxIf(flex_model, is_deleted = 0, is_deleted = 0) AS model,
       toUInt32(sumIf(purchased, is_deleted = 0)),
       toUInt32(sumIf(consumed, is_deleted = 0)),
       toUInt32(sumIf(overage, is_deleted = 0)),
       arraySort(groupArrayIf(toString(license_type), overage > 0 AND is_deleted = 0)) AS over_types,
       model = 'flex3_ea' AND sumIf(purchased, license_type = 'KW' AND is_deleted = 0) < {ea_minimum:UInt32} AS below_minimum,
       multiIf(subscription_id = '', 'no_subscription', notEmpty(over_types), 'overage', below_minimum, 'below_minimum', 'compliant'),
       max(attributed AND is_deleted = 0),
       {computed_at:DateTime64(3)}, toUInt8(min(is_deleted))
FROM {db:Identifier}.flex_usage_daily
WHERE computed_at = {computed_at:DateTime64(3)}
GROUP BY day, partner_id, customer_id, subscription_id
