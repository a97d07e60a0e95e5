-- Every UCM cluster of a customer seen by a sync up to the end of {date},
-- with its latest name, region, version and publisher, and the snapshot
-- that counts on {date} (none when it last synced more than the carry
-- period before). The Flex model of the day is the attributed
-- subscription's (flex2 without one).
SELECT c.cluster_id, c.cluster_name, c.region, c.version, c.publisher, c.first_seen, c.last_synced,
       d.snapshot_day, d.sync_id != '' AS counted, d.classes,
       (SELECT argMax(flex_model, attributed)
        FROM {db:Identifier}.flex_subscription_daily FINAL
        WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String} AND day = {date:Date} AND attributed
          AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
          AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))) AS flex_model
FROM (
    SELECT cluster_id, argMax(cluster_name, synced_at) AS cluster_name, argMax(region, synced_at) AS region,
           argMax(version, synced_at) AS version, argMax(publisher, synced_at) AS publisher,
           min(synced_at) AS first_seen, max(synced_at) AS last_synced
    FROM {db:Identifier}.ucm_cluster_syncs
    WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String}
      AND synced_at < toDateTime64({date:Date} + 1, 3, 'UTC')
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY cluster_id
) AS c
LEFT JOIN (
    SELECT cluster_id, snapshot_day, sync_id, classes
    FROM {db:Identifier}.flex_cluster_daily FINAL
    WHERE partner_id IN {partners:Array(String)} AND customer_id = {customer_id:String} AND day = {date:Date}
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
) AS d ON d.cluster_id = c.cluster_id
ORDER BY c.region, c.cluster_name, c.cluster_id
