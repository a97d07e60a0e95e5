package schemas_test

import (
	"context"
	"strings"
	"testing"

	"github.com/flexhub/flexhub/schemas"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/whtest"
)

func TestMigrateIsIdempotentAndRecorded(t *testing.T) {
	w := whtest.Database(t) // applies every migration once
	ctx := context.Background()
	if err := schemas.Migrate(ctx, w, schemas.Layout{}); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	ms, err := schemas.Migrations(schemas.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Query(ctx, "SELECT count() FROM {db:Identifier}.schema_migrations FINAL", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := warehouse.Int(res.Rows[0][0]); got != int64(len(ms)) {
		t.Fatalf("recorded %d migrations, want %d", got, len(ms))
	}
	res, err = w.Query(ctx, "SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name", warehouse.P("db", warehouse.Database(w)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range res.Rows {
		names = append(names, r[0].(string))
	}
	// The first rule's table gave way to the Flex tables (migration 0008).
	if strings.Contains(","+strings.Join(names, ",")+",", ",license_usage_daily,") {
		t.Errorf("license_usage_daily was not dropped: %v", names)
	}
	for _, want := range []string{"ingest_batches", "ucm_devices", "ucm_users", "ucm_cluster_syncs", "flex_usage_daily"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("table %s missing; have %v", want, names)
		}
	}
}

// The cluster layout must turn every table into a replicated local table
// plus a Distributed table of the same name.
func TestClusterLayoutRendersReplicatedAndDistributed(t *testing.T) {
	ddl, err := schemas.RenderDDL(schemas.Layout{Cluster: "flexhub", Database: "flexhub"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CREATE TABLE IF NOT EXISTS `flexhub`.ucm_users_local ON CLUSTER 'flexhub'",
		"ReplicatedMergeTree('/clickhouse/tables/{shard}/flexhub/ucm_users_local', '{replica}')",
		"ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flexhub/ingest_batches_local', '{replica}', planned_at)",
		"ENGINE = Distributed('flexhub', 'flexhub', 'ucm_users_local', cityHash64(customer_id))",
		"replicated_deduplication_window = 10000",
	} {
		if !strings.Contains(ddl, want) {
			t.Errorf("cluster DDL lacks %q", want)
		}
	}
	single, err := schemas.RenderDDL(schemas.Layout{Database: "flexhub"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(single, "Replicated") || strings.Contains(single, "Distributed") {
		t.Error("single-node DDL must not mention replication")
	}
}
