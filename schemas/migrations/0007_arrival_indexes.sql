-- Rollups find what arrived since their watermark by ingested_at; a minmax
-- index per granule lets them skip the parts written before it (each insert
-- writes a part whose rows arrived together). The tables of migrations 0004
-- and 0005 were created with such an index; these were not.
ALTER TABLE {{table "ucm_cluster_syncs"}} {{onCluster}} ADD INDEX IF NOT EXISTS ingested ingested_at TYPE minmax GRANULARITY 4;
ALTER TABLE {{table "customer_versions"}} {{onCluster}} ADD INDEX IF NOT EXISTS ingested ingested_at TYPE minmax GRANULARITY 4;
ALTER TABLE {{table "subscription_versions"}} {{onCluster}} ADD INDEX IF NOT EXISTS ingested ingested_at TYPE minmax GRANULARITY 4;
