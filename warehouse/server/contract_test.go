package server_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/contract"
	"github.com/flexhub/flexhub/warehouse/server"
)

var seq atomic.Int64

// TestContract runs the backend contract against the ClickHouse server
// named by FLEXHUB_TEST_CLICKHOUSE, each subtest in a database of its own.
func TestContract(t *testing.T) {
	dsn := os.Getenv("FLEXHUB_TEST_CLICKHOUSE")
	if dsn == "" {
		t.Skip("FLEXHUB_TEST_CLICKHOUSE not set: server backend contract suite skipped (set it to tcp://host:9000 to run)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := server.Open(ctx, dsn)
	if err != nil {
		// Not the DSN itself: it may hold a password.
		t.Fatalf("open FLEXHUB_TEST_CLICKHOUSE: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	contract.Run(t, func(t *testing.T) warehouse.Warehouse {
		name := strings.ToLower(t.Name())
		name = regexp.MustCompile(`[^a-z0-9_]+`).ReplaceAllString(name, "_")
		db := fmt.Sprintf("flexhub_contract_%s_%d_%s", run, seq.Add(1), name)
		if len(db) > 100 {
			db = db[:100]
		}
		w := warehouse.InDatabase(s, db)
		if err := w.Exec(context.Background(), "CREATE DATABASE {db:Identifier}", nil); err != nil {
			t.Fatalf("create database %s: %v", db, err)
		}
		t.Cleanup(func() {
			if os.Getenv("FLEXHUB_KEEP_TEST_DB") == "" {
				_ = w.Exec(context.Background(), "DROP DATABASE IF EXISTS {db:Identifier} SYNC", nil)
			}
		})
		return w
	})
}
