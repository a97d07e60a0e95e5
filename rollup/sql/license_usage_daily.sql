-- Daily license consumption per cluster from the latest completed sync of
-- each cluster on each day in [from, to]. A sync is complete once its
-- cluster.synced event has arrived (it follows the sync's user and device
-- events on the same partition).
--
-- First classification rule (refined per Flex model later):
--   KW  a user with a directory number, SNR, extension mobility, voicemail,
--       a mobile or tablet UC client, or at least one associated device;
--   CA  a device that is not TelePresence and has no associated user;
--   TP  every TelePresence device.
-- Users and devices count once per sync even when a sync was sent twice.
INSERT INTO {db:Identifier}.license_usage_daily
    (day, partner_id, customer_id, cluster_id, license_type, consumed, sync_id, computed_at)
WITH
latest AS (
    SELECT cluster_id,
           toDate(synced_at) AS day,
           argMax(sync_id, synced_at) AS sync_id,
           argMax(partner_id, synced_at) AS partner_id,
           argMax(customer_id, synced_at) AS customer_id
    FROM {db:Identifier}.ucm_cluster_syncs
    WHERE synced_at >= toDateTime64({from:Date}, 3, 'UTC')
      AND synced_at < toDateTime64({to:Date} + 1, 3, 'UTC')
    GROUP BY cluster_id, day
),
devices AS (
    SELECT cluster_id, sync_id, device_id,
           any(associated_user_id) AS associated_user_id,
           max(telepresence OR device_type = 'telepresence') AS is_tp
    FROM {db:Identifier}.ucm_devices
    WHERE synced_at >= toDateTime64({from:Date}, 3, 'UTC')
      AND synced_at < toDateTime64({to:Date} + 1, 3, 'UTC')
      AND (cluster_id, sync_id) IN (SELECT cluster_id, sync_id FROM latest)
    GROUP BY cluster_id, sync_id, device_id
),
device_counts AS (
    SELECT cluster_id, sync_id,
           countIf(is_tp) AS tp,
           countIf(NOT is_tp AND associated_user_id = '') AS ca
    FROM devices
    GROUP BY cluster_id, sync_id
),
owners AS (
    SELECT DISTINCT cluster_id, sync_id, associated_user_id AS user_id
    FROM devices
    WHERE associated_user_id != ''
),
users AS (
    SELECT cluster_id, sync_id, user_id,
           max(directory_number != '' OR snr OR extension_mobility OR voicemail
               OR mobile_uc_client OR tablet_uc_client) AS has_service
    FROM {db:Identifier}.ucm_users
    WHERE synced_at >= toDateTime64({from:Date}, 3, 'UTC')
      AND synced_at < toDateTime64({to:Date} + 1, 3, 'UTC')
      AND (cluster_id, sync_id) IN (SELECT cluster_id, sync_id FROM latest)
    GROUP BY cluster_id, sync_id, user_id
),
user_counts AS (
    SELECT u.cluster_id AS cluster_id, u.sync_id AS sync_id,
           countIf(u.has_service OR o.user_id != '') AS kw
    FROM users AS u
    LEFT JOIN owners AS o
        ON o.cluster_id = u.cluster_id AND o.sync_id = u.sync_id AND o.user_id = u.user_id
    GROUP BY u.cluster_id, u.sync_id
)
SELECT l.day, l.partner_id, l.customer_id, l.cluster_id,
       t.1 AS license_type, toUInt32(t.2) AS consumed, l.sync_id,
       {computed_at:DateTime64(3)}
FROM latest AS l
LEFT JOIN user_counts AS uc ON uc.cluster_id = l.cluster_id AND uc.sync_id = l.sync_id
LEFT JOIN device_counts AS dc ON dc.cluster_id = l.cluster_id AND dc.sync_id = l.sync_id
ARRAY JOIN [('KW', uc.kw), ('CA', dc.ca), ('TP', dc.tp)] AS t
