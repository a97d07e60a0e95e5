package ingest

import (
	"context"
	"fmt"

	"github.com/flexhub/flexhub/warehouse"
)

// The batch ledger makes delivery exactly-once.
//
// Before a batch of one partition is written, its boundaries — the first and
// last Kafka offset it covers — are recorded in {db}.ingest_batches. Every
// insert of the batch carries a deduplication token derived from those
// boundaries, and ClickHouse drops any block it has already stored under the
// same token. After a crash at any point, the consumer restarts from the
// committed Kafka offset, finds the planned batch that starts there, rebuilds
// exactly the same batch (same messages, same order, same tokens) and writes
// it again: blocks that made it before the crash are dropped as duplicates,
// blocks that did not are written. Only then is the offset committed.
//
//	crash before the plan      → nothing was written; a new batch is formed
//	crash after the plan       → the same batch is replayed; dedup keeps one copy
//	crash after the insert     → replay is dropped entirely; offset committed
//	crash after the commit     → the next batch starts after it
type ledger struct {
	w     warehouse.Warehouse
	group string
}

// plannedBatch is a recorded batch boundary.
type plannedBatch struct {
	First, Last int64
	Events      int
}

const planBatchSQL = `INSERT INTO {db:Identifier}.ingest_batches (consumer_group, topic, partition, first_offset, last_offset, events)
VALUES ({group:String}, {topic:String}, {partition:UInt32}, {first:UInt64}, {last:UInt64}, {events:UInt32})`

// The plan at exactly the committed offset is the only one that can be
// pending: the batch before it was committed, the one after it never began.
const pendingPlanSQL = `SELECT first_offset, last_offset, events
FROM {db:Identifier}.ingest_batches FINAL
WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
  AND first_offset = {from:UInt64}
ORDER BY planned_at DESC
LIMIT 1`

func (l *ledger) plan(ctx context.Context, topic string, partition int, b plannedBatch) error {
	err := l.w.Exec(ctx, planBatchSQL, warehouse.P(
		"group", l.group, "topic", topic, "partition", partition,
		"first", b.First, "last", b.Last, "events", b.Events))
	if err != nil {
		return fmt.Errorf("ledger: plan %s/%d [%d,%d]: %w", topic, partition, b.First, b.Last, err)
	}
	return nil
}

// pending returns the batch planned to start at offset from, if any.
func (l *ledger) pending(ctx context.Context, topic string, partition int, from int64) (*plannedBatch, error) {
	res, err := l.w.Query(ctx, pendingPlanSQL, warehouse.P(
		"group", l.group, "topic", topic, "partition", partition, "from", from))
	if err != nil {
		return nil, fmt.Errorf("ledger: pending %s/%d@%d: %w", topic, partition, from, err)
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	r := res.Rows[0]
	return &plannedBatch{First: warehouse.Int(r[0]), Last: warehouse.Int(r[1]), Events: int(warehouse.Int(r[2]))}, nil
}

// token is the deduplication token of one table's insert within a batch.
func token(group, topic string, partition int, b plannedBatch, table string) string {
	return fmt.Sprintf("%s/%s/%d/%d-%d/%s", group, topic, partition, b.First, b.Last, table)
}
