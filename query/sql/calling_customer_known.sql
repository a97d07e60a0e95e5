-- Whether the caller may see the customer (in commerce or in the calling
-- figures), and its name (the latest version's; empty when commerce does
-- not know it).
SELECT count() > 0 AS known, argMaxIf(name, updated_at, name != '') AS name
FROM (
    SELECT name, updated_at
    FROM {db:Identifier}.customer_versions
    WHERE customer_id = {customer_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    UNION ALL
    SELECT '' AS name, toDateTime64(0, 3, 'UTC') AS updated_at
    FROM {db:Identifier}.calling_customer_weekly
    WHERE customer_id = {customer_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    LIMIT 1
)
