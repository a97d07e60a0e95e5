-- The audit log of the caller's partner over [from, to], newest first;
-- action and subject filter when given. -- scope: partner-wide (an entry's
-- customers are what the action touched, not rows to confine)
SELECT at, subject, role, partner_id, action, customer_ids, period_from, period_to, detail, request_id
FROM {db:Identifier}.audit_log
WHERE at >= toDateTime64({from:Date}, 3, 'UTC') AND at < toDateTime64({to:Date} + 1, 3, 'UTC')
  AND ({action:String} = '' OR action = {action:String})
  AND ({subject:String} = '' OR subject = {subject:String})
  AND ({scope_all_partners:Bool} OR partner_id = {scope_partner_id:String})
ORDER BY at DESC
LIMIT {limit:UInt32}
