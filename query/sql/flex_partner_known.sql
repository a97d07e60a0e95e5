-- Whether the caller may see the partner: it has customers or inventory.
-- scope: partner-wide (the report itself applies the customer scope).
SELECT (SELECT count() FROM {db:Identifier}.customer_versions
        WHERE partner_id = {partner_id:String}
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String}))
     + (SELECT count() FROM {db:Identifier}.ucm_cluster_syncs
        WHERE partner_id = {partner_id:String}
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})) > 0 AS known
