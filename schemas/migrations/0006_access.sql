-- The audit log: who downloaded which report for which customers and
-- period, who changed which tag, who ran which SQL. Written by the API
-- before the action takes effect; never updated.
CREATE TABLE IF NOT EXISTS {{table "audit_log"}} {{onCluster}}
(
    at           DateTime64(3, 'UTC'), -- when the action was taken
    subject      String, -- who: the token subject or apikey:<name>
    role         LowCardinality(String), -- the role they acted in
    partner_id   LowCardinality(String), -- the partner the action concerns
    action       LowCardinality(String), -- report.download, tag.create, tag.rename, tag.delete, tag.attach, tag.detach, sql.run
    customer_ids Array(String), -- the customers the action concerned
    period_from  Nullable(Date), -- first day of a downloaded report
    period_to    Nullable(Date), -- last day of a downloaded report
    detail       String, -- JSON: format, tag, statement, …
    request_id   String -- X-Request-Id of the request
)
ENGINE = {{engine "audit_log" "MergeTree"}}
PARTITION BY toYYYYMM(at)
ORDER BY (partner_id, at, subject);
{{distribute "audit_log" "rand()"}}
