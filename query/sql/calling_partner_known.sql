-- Whether the partner has a customer the caller may see, in commerce or in
-- the calling figures: an unknown (or foreign) partner is a 404, a known
-- one without calling figures an empty answer.
SELECT (
    SELECT count() FROM {db:Identifier}.customer_versions
    WHERE partner_id = {partner_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
) + (
    SELECT count() FROM {db:Identifier}.calling_customer_weekly
    WHERE partner_id = {partner_id:String}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
) > 0 AS known
