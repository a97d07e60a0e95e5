-- What each cluster consumes on each day, from its latest completed sync of
-- the day (README: Flex license usage). A day without a sync takes the
-- cluster's latest earlier snapshot, for up to {carry_days} days.
--
-- Days recomputed, per cluster: from the first day touched by a sync that
-- arrived in (since, until] (a late or re-sent sync corrects its day and the
-- days it was carried into); every day after the watermark's day (a new
-- day carries yesterday's snapshots forward); and [force_from, force_to]
-- (flexhub rollup --from/--to). Never after until's day.
--
-- Each user or device of a snapshot is counted once, however often the
-- snapshot was sent, and classified by the decision table
-- (rollup/flex_rules.go, rendered into the two markers below).
INSERT INTO {db:Identifier}.flex_cluster_daily
    (day, partner_id, customer_id, cluster_id, cluster_name, region, sync_id, synced_at, snapshot_day, classes, computed_at)
WITH
touched AS (
    SELECT cluster_id, min(toDate(synced_at)) AS first_day
    FROM {db:Identifier}.ucm_cluster_syncs
    WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE
      AND ingested_at <= {until:DateTime64(3)}
      AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
    GROUP BY cluster_id
),
bounds AS (
    SELECT toDate({until:DateTime64(3)}) AS today,
           toDate({since:DateTime64(3)} - INTERVAL 1 MINUTE) AS since_day,
           least((SELECT coalesce(minOrNull(first_day), today + 1) FROM touched),
                 since_day + 1,
                 if({force_from:Date} <= {force_to:Date}, {force_from:Date}, today + 1)) AS lo,
           -- the earliest snapshot that can reach lo
           toDateTime64(toDate(greatest(toInt64(lo) - {carry_days:UInt16}, 0)), 3, 'UTC') AS scan_from
),
latest AS (
    SELECT s.cluster_id AS cluster_id, s.sday AS sday, s.snap AS sync_id, s.at AS at,
           s.partner AS partner_id, s.customer AS customer_id,
           s.name AS cluster_name, s.reg AS region,
           t.cluster_id != '' AS was_touched, t.first_day AS first_day
    FROM (
        SELECT cluster_id, toDate(synced_at) AS sday,
               argMax(sync_id, synced_at) AS snap, max(synced_at) AS at,
               argMax(partner_id, synced_at) AS partner, argMax(customer_id, synced_at) AS customer,
               argMax(cluster_name, synced_at) AS name, argMax(region, synced_at) AS reg
        FROM {db:Identifier}.ucm_cluster_syncs
        WHERE synced_at >= (SELECT scan_from FROM bounds)
          AND synced_at < toDateTime64((SELECT today FROM bounds) + 1, 3, 'UTC')
          AND (empty({customers:Array(String)}) OR has({customers:Array(String)}, customer_id))
        GROUP BY cluster_id, sday
    ) AS s
    LEFT JOIN touched AS t ON t.cluster_id = s.cluster_id
),
chosen AS (
    SELECT cluster_id, d AS day,
           argMax((sync_id, at, sday, partner_id, customer_id, cluster_name, region), sday) AS pick
    FROM latest
    ARRAY JOIN arrayMap(i -> sday + i, range(toUInt64({carry_days:UInt16}) + 1)) AS d
    WHERE d <= (SELECT today FROM bounds)
      AND ((was_touched AND d >= first_day)
           OR d > (SELECT since_day FROM bounds)
           OR (d >= {force_from:Date} AND d <= {force_to:Date}))
    GROUP BY cluster_id, d
),
users AS (
    SELECT cluster_id, sync_id, user_id AS owner,
           toUInt8(max(directory_number != '')) AS f_dn, toUInt8(max(enterprise_directory_profile)) AS f_profile,
           toUInt8(max(snr)) AS f_snr, toUInt8(max(extension_mobility)) AS f_em, toUInt8(max(voicemail)) AS f_vm,
           toUInt8(max(mobile_uc_client OR tablet_uc_client)) AS f_uc
    FROM {db:Identifier}.ucm_users
    WHERE synced_at >= (SELECT scan_from FROM bounds)
      AND synced_at < toDateTime64((SELECT today FROM bounds) + 1, 3, 'UTC')
      AND (cluster_id, sync_id) IN (SELECT DISTINCT cluster_id, pick.1 FROM chosen)
    GROUP BY cluster_id, sync_id, user_id
),
devices AS (
    SELECT cluster_id, sync_id, device_id, toString(any(device_type)) AS dtype,
           any(associated_user_id) AS owner, toUInt8(max(telepresence OR device_type = 'telepresence')) AS is_tp
    FROM {db:Identifier}.ucm_devices
    WHERE synced_at >= (SELECT scan_from FROM bounds)
      AND synced_at < toDateTime64((SELECT today FROM bounds) + 1, 3, 'UTC')
      AND (cluster_id, sync_id) IN (SELECT DISTINCT cluster_id, pick.1 FROM chosen)
    GROUP BY cluster_id, sync_id, device_id
),
persons AS (
    SELECT cluster_id, sync_id, owner,
           max(is_user) = 1 AS has_user,
           max(f_dn) = 1 AS dn, max(f_profile) = 1 AS profile, max(f_snr) = 1 AS snr,
           max(f_em) = 1 AS em, max(f_vm) = 1 AS vm, max(f_uc) = 1 AS uc,
           toInt64(sum(is_device AND NOT is_tp)) AS endpoints,
           toInt64(sum(is_device AND NOT is_tp AND dtype = 'analog_adapter')) AS basic,
           toInt64(sum(is_device AND is_tp)) AS tp,
           toInt64(sum(is_device AND NOT is_tp AND dtype IN ('desk_phone', 'conference_phone', 'video_device', 'analog_adapter'))) AS hard,
           toInt64(sum(is_device AND NOT is_tp AND dtype NOT IN ('desk_phone', 'conference_phone', 'video_device', 'analog_adapter'))) AS soft
    FROM (
        SELECT cluster_id, sync_id, owner, toUInt8(1) AS is_user, f_dn, f_profile, f_snr, f_em, f_vm, f_uc,
               toUInt8(0) AS is_device, toUInt8(0) AS is_tp, '' AS dtype
        FROM users
        UNION ALL
        SELECT cluster_id, sync_id, owner, toUInt8(0), toUInt8(0), toUInt8(0), toUInt8(0), toUInt8(0), toUInt8(0), toUInt8(0),
               toUInt8(1), is_tp, dtype
        FROM devices
    )
    GROUP BY cluster_id, sync_id, owner
),
snapshots AS (
    SELECT cluster_id, sync_id, sumMap(classes) AS classes
    FROM (
        SELECT cluster_id, sync_id, /*{{flex_classes}}*/ AS classes
        FROM (SELECT *, /*{{flex_user_class}}*/ AS user_class FROM persons)
    )
    GROUP BY cluster_id, sync_id
)
SELECT c.day, c.pick.4, c.pick.5, c.cluster_id, c.pick.6, c.pick.7, c.pick.1, c.pick.2, c.pick.3,
       s.classes, {computed_at:DateTime64(3)}
FROM chosen AS c
LEFT JOIN snapshots AS s ON s.cluster_id = c.cluster_id AND s.sync_id = c.pick.1
