-- Whether the caller may see the customer (in commerce or in the calling
-- figures), its partner, and its name (the latest version's; empty when
-- commerce does not know it). Knowing the partner lets the next statements
-- use the tables' primary keys, which start with partner_id.
SELECT count() > 0 AS known,
       argMax(v_partner, v_updated_at) AS partner_id,
       argMaxIf(v_name, v_updated_at, v_name != '') AS name
FROM (
    SELECT partner_id AS v_partner, name AS v_name, updated_at AS v_updated_at
    FROM {db:Identifier}.customer_versions
    WHERE customer_id = {customer_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    UNION ALL
    SELECT partner_id, '', toDateTime64(0, 3, 'UTC')
    FROM {db:Identifier}.calling_customer_weekly
    WHERE customer_id = {customer_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    LIMIT 1
)
