-- Whether the caller may see the customer: it has UCM inventory, a
-- subscription or a commerce record under a partner the caller sees. An
-- unknown (or foreign) customer is a 404; a known one with nothing in the
-- window gets empty figures. Also its name and its partners, so the views
-- that follow read by the tables' key (partner_id, customer_id).
SELECT notEmpty(partners) AS known,
       (SELECT argMax(name, updated_at) FROM {db:Identifier}.customer_versions
        WHERE customer_id = {customer_id:String}
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))) AS name,
       arrayDistinct(arrayConcat(
           (SELECT groupUniqArray(partner_id) FROM {db:Identifier}.ucm_cluster_syncs
            WHERE customer_id = {customer_id:String}
              AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
              AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))),
           (SELECT groupUniqArray(partner_id) FROM {db:Identifier}.subscription_versions
            WHERE customer_id = {customer_id:String}
              AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
              AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))),
           (SELECT groupUniqArray(partner_id) FROM {db:Identifier}.customer_versions
            WHERE customer_id = {customer_id:String}
              AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
              AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))))) AS partners
