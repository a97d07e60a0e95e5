-- The custom report's daily detail, one row per customer, subscription
-- and day over [from, to], in the table's key order so it streams (the
-- aggregation runs in order, no sort, no join): the model, the day's
-- status, and per license type (KW, CA, PRO, ENH, ACC, TP) the purchased
-- quantity in force, the consumption and the overage. The status follows
-- flex_subscription_daily's rule (rollup/sql), computed here from the same
-- rows rather than joined. For the partner's customers ({partner_id}) or a
-- set of customers ({customers}; empty: all).
SELECT day, customer_id, subscription_id, model,
       multiIf(subscription_id = '', 'no_subscription', over > 0, 'overage',
               model = 'flex3_ea' AND kw_p < {ea_minimum:UInt32}, 'below_minimum', 'compliant') AS status,
       kw_p, kw_c, kw_o, ca_p, ca_c, ca_o, pro_p, pro_c, pro_o,
       enh_p, enh_c, enh_o, acc_p, acc_c, acc_o, tp_p, tp_c, tp_o
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
    ORDER BY customer_id, subscription_id, day
)
SETTINGS optimize_aggregation_in_order = 1, optimize_read_in_order = 1
