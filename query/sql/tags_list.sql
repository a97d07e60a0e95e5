-- A partner's tags at the end of a day (deleted ones left out), by name,
-- each with how many of the customers the caller may see carry it then.
-- tag_id narrows it to one tag ('' for all).
WITH
tags AS (
    SELECT tag_id,
           argMax(name, (changed_at, recorded_at)) AS name,
           argMax(deleted, (changed_at, recorded_at)) AS deleted,
           min(changed_at) AS created_at,
           max(changed_at) AS updated_at
    FROM {db:Identifier}.partner_tag_changes
    WHERE partner_id = {partner_id:String}
      AND changed_at < {until:DateTime64(3)}
      AND ({tag_id:String} = '' OR tag_id = {tag_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
    GROUP BY tag_id
),
links AS (
    SELECT tag_id, customer_id
    FROM {db:Identifier}.customer_tag_changes
    WHERE partner_id = {partner_id:String}
      AND changed_at < {until:DateTime64(3)}
      AND ({tag_id:String} = '' OR tag_id = {tag_id:String})
      AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
      AND ({scope_all_customers:Bool} OR has({scope_customer_ids:Array(String)}, customer_id))
    GROUP BY tag_id, customer_id
    HAVING argMax(attached, (changed_at, recorded_at))
),
counts AS (
    SELECT tag_id AS counted_tag, count() AS customers FROM links GROUP BY tag_id
)
SELECT t.tag_id, t.name, c.customers, t.created_at, t.updated_at
FROM tags AS t
LEFT JOIN counts AS c ON c.counted_tag = t.tag_id
WHERE NOT t.deleted
ORDER BY lowerUTF8(t.name), t.tag_id
SETTINGS join_use_nulls = 0
