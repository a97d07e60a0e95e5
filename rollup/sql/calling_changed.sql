-- The (week, customer) pairs that calling data ingested since the watermark
-- touches: the week a call started in, the week a call entered a queue, and
-- for license changes the week of a customer's earliest change (a license
-- holds from then on, so every later week is touched too). The window
-- overlaps the watermark by a minute so an insert in flight during the last
-- run is not missed; recomputing is idempotent. The minmax index on
-- ingested_at lets each branch skip the parts written before the window.
SELECT week, customer_id, source
FROM (
    SELECT DISTINCT toStartOfWeek(started_at, 0, 'UTC') AS week, customer_id, 'call' AS source
    FROM {db:Identifier}.calling_call_records
    WHERE ingested_at > {since:DateTime64(3, 'UTC')} - INTERVAL 1 MINUTE
      AND ingested_at <= {until:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT DISTINCT toStartOfWeek(enqueued_at, 0, 'UTC') AS week, customer_id, 'queue' AS source
    FROM {db:Identifier}.calling_queue_calls
    WHERE ingested_at > {since:DateTime64(3, 'UTC')} - INTERVAL 1 MINUTE
      AND ingested_at <= {until:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT toStartOfWeek(min(changed_at), 0, 'UTC') AS week, customer_id, 'license' AS source
    FROM {db:Identifier}.calling_user_licenses
    WHERE ingested_at > {since:DateTime64(3, 'UTC')} - INTERVAL 1 MINUTE
      AND ingested_at <= {until:DateTime64(3, 'UTC')}
    GROUP BY customer_id
)
ORDER BY week, customer_id
