-- One attach (attached) or detach of a tag on a customer as the API makes
-- it; only inside the caller's partner and customers.
INSERT INTO {db:Identifier}.customer_tag_changes (partner_id, customer_id, tag_id, attached, changed_at, changed_by)
SELECT partner_id, customer_id, tag_id, attached, changed_at, changed_by
FROM
(
    SELECT {partner_id:String} AS partner_id, {customer_id:String} AS customer_id, {tag_id:String} AS tag_id,
           {attached:Bool} AS attached, {changed_at:DateTime64(3)} AS changed_at, {changed_by:String} AS changed_by
)
WHERE ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
  AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
