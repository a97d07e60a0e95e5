-- One page of a partner's customer list as of a day: each customer's
-- statuses (partner_customer_daily) and the tags attached to it at the end
-- of the day (the latest change of each tag and attachment then), filtered,
-- searched by name and sorted. total counts every customer that matches.
WITH
tags AS (
    SELECT tag_id,
           argMax(name, (changed_at, recorded_at)) AS name,
           argMax(deleted, (changed_at, recorded_at)) AS deleted
    FROM {db:Identifier}.partner_tag_changes
    WHERE partner_id = {partner_id:String}
      AND changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
    GROUP BY tag_id
),
links AS (
    SELECT customer_id, tag_id
    FROM {db:Identifier}.customer_tag_changes
    WHERE partner_id = {partner_id:String}
      AND changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY customer_id, tag_id
    HAVING argMax(attached, (changed_at, recorded_at))
),
customer_tags AS (
    SELECT l.customer_id AS tagged_customer,
           arraySort(x -> (lowerUTF8(x.2), x.1), groupArray((t.tag_id, t.name))) AS tag_list
    FROM links AS l
    INNER JOIN tags AS t ON t.tag_id = l.tag_id
    WHERE NOT t.deleted
    GROUP BY l.customer_id
),
base AS (
    SELECT customer_id, name, managed_by, products, added_at, status, statuses, status_rank, last_admin_sign_in
    FROM {db:Identifier}.partner_customer_daily FINAL
    WHERE partner_id = {partner_id:String} AND day = {day:Date}
      AND ({managed_by:String} = '' OR managed_by = {managed_by:String})
      AND (empty({products:Array(String)}) OR hasAny(products, {products:Array(String)}))
      AND (empty({statuses:Array(String)}) OR hasAny(statuses, {statuses:Array(String)}))
      AND ({subscription_type:String} = ''
           OR ({subscription_type:String} = 'subscription' AND has_subscription)
           OR ({subscription_type:String} = 'trial' AND has_trial))
      AND ({q:String} = '' OR positionCaseInsensitiveUTF8(name, {q:String}) > 0)
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
),
listed AS (
    SELECT b.customer_id AS customer_id, b.name AS name, b.managed_by AS managed_by, b.products AS products,
           b.added_at AS added_at, b.status AS status, b.statuses AS statuses, b.status_rank AS status_rank,
           b.last_admin_sign_in AS last_admin_sign_in, ct.tag_list AS tag_list,
           multiIf({sort:String} = 'status', toString(b.status_rank),
                   {sort:String} = 'managed_by', toString(b.managed_by),
                   {sort:String} = 'added_at', toString(b.added_at),
                   lowerUTF8(b.name)) AS sort_key
    FROM base AS b
    LEFT JOIN customer_tags AS ct ON ct.tagged_customer = b.customer_id
    WHERE hasAll(arrayMap(x -> x.1, ct.tag_list), {tags:Array(String)})
)
SELECT customer_id, name, status, statuses, tag_list, products, managed_by, added_at, last_admin_sign_in,
       count() OVER () AS total
FROM listed
ORDER BY if({desc:Bool}, '', sort_key) ASC, if({desc:Bool}, sort_key, '') DESC, lowerUTF8(name), customer_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
SETTINGS join_use_nulls = 0
