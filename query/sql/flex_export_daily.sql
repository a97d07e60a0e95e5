-- The custom report's daily detail, one row per day, customer and
-- subscription over [from, to], in key order so it streams: the model,
-- the day's status, and per license type (KW, CA, PRO, ENH, ACC, TP) the
-- purchased quantity in force, the consumption and the overage. The
-- status follows flex_subscription_daily's rule (rollup/sql), computed
-- here from the same rows rather than joined, so the export streams in
-- constant memory. For the partner's customers ({partner_id}) or a set of
-- customers ({customers}; empty: all).
SELECT u.day, n.customer_name, u.customer_id, u.subscription_id, u.model,
       multiIf(u.subscription_id = '', 'no_subscription', u.over > 0, 'overage',
               u.model = 'flex3_ea' AND u.kw_p < {ea_minimum:UInt32}, 'below_minimum', 'compliant') AS status,
       u.kw_p, u.kw_c, u.kw_o, u.ca_p, u.ca_c, u.ca_o, u.pro_p, u.pro_c, u.pro_o,
       u.enh_p, u.enh_c, u.enh_o, u.acc_p, u.acc_c, u.acc_o, u.tp_p, u.tp_c, u.tp_o
FROM (
    SELECT customer_id, subscription_id, day, toString(any(flex_model)) AS model, toInt64(sum(overage)) AS over,
           toInt64(sumIf(purchased, license_type = 'KW')) AS kw_p, toInt64(sumIf(consumed, license_type = 'KW')) AS kw_c, toInt64(sumIf(overage, license_type = 'KW')) AS kw_o,
           toInt64(sumIf(purchased, license_type = 'CA')) AS ca_p, toInt64(sumIf(consumed, license_type = 'CA')) AS ca_c, toInt64(sumIf(overage, license_type = 'CA')) AS ca_o,
           toInt64(sumIf(purchased, license_type = 'PRO')) AS pro_p, toInt64(sumIf(consumed, license_type = 'PRO')) AS pro_c, toInt64(sumIf(overage, license_type = 'PRO')) AS pro_o,
           toInt64(sumIf(purchased, license_type = 'ENH')) AS enh_p, toInt64(sumIf(consumed, license_type = 'ENH')) AS enh_c, toInt64(sumIf(overage, license_type = 'ENH')) AS enh_o,
           toInt64(sumIf(purchased, license_type = 'ACC')) AS acc_p, toInt64(sumIf(consumed, license_type = 'ACC')) AS acc_c, toInt64(sumIf(overage, license_type = 'ACC')) AS acc_o,
           toInt64(sumIf(purchased, license_type = 'TP')) AS tp_p, toInt64(sumIf(consumed, license_type = 'TP')) AS tp_c, toInt64(sumIf(overage, license_type = 'TP')) AS tp_o
    FROM {db:Identifier}.flex_usage_daily FINAL
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
      AND day >= {from:Date} AND day <= {to:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, subscription_id, day
) AS u
LEFT JOIN (
    SELECT customer_id, argMax(name, updated_at) AS customer_name
    FROM {db:Identifier}.customer_versions
    WHERE ({partner_id:String} = '' OR partner_id = {partner_id:String})
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id
) AS n ON n.customer_id = u.customer_id
ORDER BY u.customer_id, u.subscription_id, u.day
SETTINGS optimize_aggregation_in_order = 1
