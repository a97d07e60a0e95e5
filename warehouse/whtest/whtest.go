// Package whtest gives tests a real warehouse: the embedded ClickHouse
// engine, opened once per test process, with a fresh migrated database per
// test so tests never see each other's rows.
package whtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/flexhub/flexhub/schemas"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/embedded"
)

var (
	once   sync.Once
	engine *embedded.Engine
	err    error
	seq    atomic.Int64
)

// Engine returns the process-wide embedded engine, opening it on first use
// under a temporary directory.
func Engine(t testing.TB) *embedded.Engine {
	t.Helper()
	once.Do(func() {
		removeStaleDirs()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("flexhub-test-chdb-%d", os.Getpid()))
		if err = os.RemoveAll(dir); err != nil {
			return
		}
		engine, err = embedded.Open(embedded.Config{LibPath: embedded.DefaultLibPath(), DataDir: dir})
	})
	if err != nil {
		t.Fatalf("embedded engine: %v (run `make libchdb` first)", err)
	}
	return engine
}

// removeStaleDirs deletes the engine directories of test processes that
// have ended: the engine stays open until its process exits, so a process
// cannot clean up after itself.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "flexhub-test-chdb-*"))
	for _, d := range dirs {
		pid, perr := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "flexhub-test-chdb-"))
		if perr != nil || syscall.Kill(pid, 0) != nil {
			_ = os.RemoveAll(d)
		}
	}
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// Database returns the engine scoped to a new, migrated database named after
// the test.
func Database(t testing.TB) warehouse.Warehouse {
	t.Helper()
	e := Engine(t)
	name := strings.ToLower(t.Name())
	name = unsafeChars.ReplaceAllString(name, "_")
	if len(name) > 40 {
		name = name[:40]
	}
	db := fmt.Sprintf("t%d_%s", seq.Add(1), name)
	w := warehouse.InDatabase(e, db)
	ctx := context.Background()
	if err := schemas.Migrate(ctx, w, schemas.Layout{}); err != nil {
		t.Fatalf("migrate %s: %v", db, err)
	}
	t.Cleanup(func() {
		if os.Getenv("FLEXHUB_KEEP_TEST_DB") == "" {
			_ = w.Exec(context.Background(), "DROP DATABASE IF EXISTS {db:Identifier} SYNC", nil)
		}
	})
	return w
}
