-- The tags attached to one customer at the end of a day (by name).
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
    SELECT tag_id
    FROM {db:Identifier}.customer_tag_changes
    WHERE partner_id = {partner_id:String} AND customer_id = {customer_id:String}
      AND changed_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY tag_id
    HAVING argMax(attached, (changed_at, recorded_at))
)
SELECT t.tag_id, t.name
FROM links AS l
INNER JOIN tags AS t ON t.tag_id = l.tag_id
WHERE NOT t.deleted
ORDER BY lowerUTF8(t.name), t.tag_id
