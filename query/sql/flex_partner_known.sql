-- Whether the caller may see the partner (it has customers or inventory),
-- and whether the report's windows are computed as of {today}.
-- scope: partner-wide (the report itself applies the customer scope).
SELECT (SELECT count() FROM {db:Identifier}.customer_versions
        WHERE partner_id = {partner_id:String}
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String}))
     + (SELECT count() FROM {db:Identifier}.ucm_cluster_syncs
        WHERE partner_id = {partner_id:String}
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})) > 0 AS known,
       (SELECT count() FROM {db:Identifier}.flex_subscription_window
        WHERE partner_id = {partner_id:String} AND as_of = {today:Date}
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})) > 0 AS windows_ready
