-- Days whose inventory changed since the watermark: any cluster sync that
-- arrived after it (late and re-sent syncs included). The window overlaps the
-- watermark by a minute so a sync whose insert was in flight while the last
-- run read is not missed; recomputing a day is idempotent.
SELECT DISTINCT toDate(synced_at) AS day
FROM {db:Identifier}.ucm_cluster_syncs
WHERE ingested_at > {since:DateTime64(3)} - INTERVAL 1 MINUTE
  AND ingested_at <= {until:DateTime64(3)}
ORDER BY day
