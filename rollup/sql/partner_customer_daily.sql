-- Every customer known at the end of one day, for the given partners (an
-- empty list: every partner), with its statuses. Reads the day's rows of
-- partner_subscription_daily, so it runs after that rollup.
--
-- Statuses, in precedence order (status is the first that holds):
--   suspended              a live subscription or trial is suspended (unpaid)
--   expired                nothing is live: no active, suspended or pending
--                          subscription or trial
--   license_overage        a live subscription has more licenses assigned
--                          than purchased
--   expiring_soon          a live subscription or trial without automatic
--                          renewal ends within expiring_soon_days
--   ready_for_order_setup  a live subscription awaits order setup
--   no_recent_activity     none of the customer's admins signed in within
--                          the last no_recent_activity_days days (a customer
--                          added more recently than that is not judged yet)
--   trial                  a live trial is active
--   subscription           a live subscription is active
INSERT INTO {db:Identifier}.partner_customer_daily
    (day, partner_id, customer_id, name, managed_by, products, added_at, status, statuses, status_rank,
     has_subscription, has_trial, last_admin_sign_in, computed_at)
WITH
customers AS (
    SELECT partner_id, customer_id,
           argMax((name, managed_by, products, added_at), (updated_at, ingested_at)) AS v
    FROM {db:Identifier}.customer_versions
    WHERE updated_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id
),
subs AS (
    SELECT partner_id, customer_id,
           max(live AND status = 'active' AND NOT trial) AS has_subscription,
           max(live AND status = 'active' AND trial) AS has_trial,
           max(live AND status = 'suspended') AS suspended,
           max(live AND status = 'pending_order_setup') AS pending,
           max(live) AS any_live,
           max(ifNull(live AND NOT auto_renew
                      AND dateDiff('day', {day:Date}, end_date) BETWEEN 0 AND {expiring_soon_days:UInt32}, false)) AS expiring_soon,
           max(in_over_limit) AS overage
    FROM {db:Identifier}.partner_subscription_daily FINAL
    WHERE day = {day:Date}
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id
),
sign_ins AS (
    SELECT partner_id, customer_id, max(signed_in_at) AS last_sign_in
    FROM {db:Identifier}.admin_sign_ins
    WHERE signed_in_at < toDateTime64({day:Date} + 1, 3, 'UTC')
      AND (empty({partners:Array(String)}) OR has({partners:Array(String)}, partner_id))
    GROUP BY partner_id, customer_id
),
flags AS (
    SELECT c.partner_id AS partner_id, c.customer_id AS customer_id, c.v AS v,
           s.has_subscription AS has_subscription, s.has_trial AS has_trial,
           if(si.customer_id = '', NULL, si.last_sign_in) AS last_sign_in,
           arrayFilter(x -> x != '', [
               if(s.suspended, 'suspended', ''),
               if(NOT s.any_live, 'expired', ''),
               if(s.overage, 'license_overage', ''),
               if(s.expiring_soon, 'expiring_soon', ''),
               if(s.pending, 'ready_for_order_setup', ''),
               if((si.customer_id = '' OR toDate(si.last_sign_in) <= {day:Date} - {no_recent_activity_days:UInt32})
                  AND toDate(c.v.4) <= {day:Date} - {no_recent_activity_days:UInt32}, 'no_recent_activity', ''),
               if(s.has_trial, 'trial', ''),
               if(s.has_subscription, 'subscription', '')]) AS statuses
    FROM customers AS c
    LEFT JOIN subs AS s ON s.partner_id = c.partner_id AND s.customer_id = c.customer_id
    LEFT JOIN sign_ins AS si ON si.partner_id = c.partner_id AND si.customer_id = c.customer_id
)
SELECT {day:Date}, partner_id, customer_id, v.1, v.2, v.3, v.4,
       statuses[1],
       statuses,
       indexOf(['suspended', 'expired', 'license_overage', 'expiring_soon', 'ready_for_order_setup',
                'no_recent_activity', 'trial', 'subscription'], statuses[1]),
       has_subscription, has_trial, last_sign_in,
       {computed_at:DateTime64(3)}
FROM flags
SETTINGS join_use_nulls = 0
