-- Partners whose overview inputs changed since the watermark, with the
-- first day each change touches: a subscription or customer version from
-- the day it took effect, a license assignment from the day it happened, a
-- day of usage activity or an admin sign-in from its day. Every later day
-- reads the state as of its end, so it is recomputed too. The window
-- overlaps the watermark by a minute, like changed_days.sql.
SELECT partner_id, min(day) AS first_day
FROM
(
    SELECT toString(partner_id) AS partner_id, toDate(changed_at) AS day
    FROM {db:Identifier}.subscription_versions
    WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE AND ingested_at <= {until:DateTime64(3)}
    UNION ALL
    SELECT toString(partner_id), toDate(updated_at)
    FROM {db:Identifier}.customer_versions
    WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE AND ingested_at <= {until:DateTime64(3)}
    UNION ALL
    SELECT toString(partner_id), toDate(changed_at)
    FROM {db:Identifier}.license_assignment_events
    WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE AND ingested_at <= {until:DateTime64(3)}
    UNION ALL
    SELECT toString(partner_id), day
    FROM {db:Identifier}.usage_activity
    WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE AND ingested_at <= {until:DateTime64(3)}
    UNION ALL
    SELECT toString(partner_id), toDate(signed_in_at)
    FROM {db:Identifier}.admin_sign_ins
    WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE AND ingested_at <= {until:DateTime64(3)}
)
GROUP BY partner_id
ORDER BY partner_id
