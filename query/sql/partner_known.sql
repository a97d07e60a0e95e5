-- Whether the partner exists for the caller: the commerce system knows a
-- customer of it. Partner-wide on purpose: a sales admin may open the
-- overview of their partner even when none of their customers is in it.
SELECT count() > 0 AS known
FROM {db:Identifier}.customer_versions
WHERE partner_id = {partner_id:String}
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
