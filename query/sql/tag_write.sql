-- One change of a tag (create, rename, delete) as the API makes it; only
-- inside the caller's partner.
INSERT INTO {db:Identifier}.partner_tag_changes (partner_id, tag_id, name, deleted, changed_at, changed_by)
SELECT partner_id, tag_id, name, deleted, changed_at, changed_by
FROM
(
    SELECT {partner_id:String} AS partner_id, {tag_id:String} AS tag_id, {name:String} AS name,
           {deleted:Bool} AS deleted, {changed_at:DateTime64(3)} AS changed_at, {changed_by:String} AS changed_by
)
WHERE ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
