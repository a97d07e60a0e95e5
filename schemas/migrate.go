// Package schemas holds flexhub's contracts: the JSON Schemas of the events
// (schemas/events) and the ClickHouse migrations (schemas/migrations).
//
// Migrations are templates, so one file emits both layouts:
//   - single node (the embedded engine, or one server): plain MergeTree
//     tables named {db}.table;
//   - a cluster: Replicated*MergeTree tables named {db}.table_local on every
//     replica, and a Distributed table {db}.table over them, so queries keep
//     the same table names.
package schemas

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/flexhub/flexhub/warehouse"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

//go:embed events/*.json
var EventSchemas embed.FS

// Layout chooses the DDL flavour.
type Layout struct {
	// Cluster names a ClickHouse cluster (remote_servers); "" is single node.
	Cluster string
	// Database is needed literally only by Distributed tables.
	Database string
}

// Migration is one versioned file.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

var fileRe = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations renders every migration for the layout, in version order.
func Migrations(l Layout) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		m := fileRe.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("schemas: migration file %q does not match NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		text, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		rendered, err := render(e.Name(), string(text), l)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: m[2], Statements: splitStatements(rendered)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("schemas: two migrations with version %d", out[i].Version)
		}
	}
	return out, nil
}

func render(name, text string, l Layout) (string, error) {
	clustered := l.Cluster != ""
	funcs := template.FuncMap{
		"table": func(t string) string {
			if clustered {
				return "{db:Identifier}." + t + "_local"
			}
			return "{db:Identifier}." + t
		},
		"onCluster": func() string {
			if clustered {
				return "ON CLUSTER '" + l.Cluster + "'"
			}
			return ""
		},
		"engine": func(t, engine string) string {
			if !clustered {
				return engine
			}
			name, args := engine, ""
			if i := strings.IndexByte(engine, '('); i >= 0 {
				name, args = engine[:i], strings.TrimSuffix(engine[i+1:], ")")
			}
			zk := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s_local', '{replica}'", l.Database, t)
			if args != "" {
				zk += ", " + args
			}
			return "Replicated" + name + "(" + zk + ")"
		},
		"dedupSettings": func() string {
			// Insert deduplication by token is what makes ingest exactly-once;
			// plain MergeTree keeps no block hashes unless told to.
			if clustered {
				return "SETTINGS replicated_deduplication_window = 10000"
			}
			return "SETTINGS non_replicated_deduplication_window = 10000"
		},
		// dropTable removes a table a later design no longer uses: on a
		// cluster the Distributed table and the local tables under it.
		"dropTable": func(t string) string {
			if !clustered {
				return "DROP TABLE IF EXISTS {db:Identifier}." + t + ";"
			}
			return fmt.Sprintf("DROP TABLE IF EXISTS {db:Identifier}.%s ON CLUSTER '%s' SYNC;\nDROP TABLE IF EXISTS {db:Identifier}.%s_local ON CLUSTER '%s' SYNC;",
				t, l.Cluster, t, l.Cluster)
		},
		"distribute": func(t, key string) string {
			if !clustered {
				return ""
			}
			return fmt.Sprintf("CREATE TABLE IF NOT EXISTS {db:Identifier}.%s ON CLUSTER '%s' AS {db:Identifier}.%s_local\nENGINE = Distributed('%s', '%s', '%s_local', %s);",
				t, l.Cluster, t, l.Cluster, l.Database, t, key)
		},
	}
	tmpl, err := template.New(name).Funcs(funcs).Parse(text)
	if err != nil {
		return "", fmt.Errorf("schemas: parse %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, l); err != nil {
		return "", fmt.Errorf("schemas: render %s: %w", name, err)
	}
	return buf.String(), nil
}

// splitStatements cuts a file at lines ending in ';' and drops comments.
func splitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trim, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			if s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// The migrations table itself follows the layout, so every replica of a
// cluster knows what was applied.
const migrationsTableTemplate = `CREATE TABLE IF NOT EXISTS {{table "schema_migrations"}} {{onCluster}}
(
    version    UInt32,
    name       String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine "schema_migrations" "ReplacingMergeTree(applied_at)"}}
ORDER BY version;
{{distribute "schema_migrations" "rand()"}}`

func bootstrapStatements(l Layout) ([]string, error) {
	create := "CREATE DATABASE IF NOT EXISTS {db:Identifier}"
	if l.Cluster != "" {
		create += " ON CLUSTER '" + l.Cluster + "'"
	}
	text, err := render("schema_migrations", migrationsTableTemplate, l)
	if err != nil {
		return nil, err
	}
	return append([]string{create}, splitStatements(text)...), nil
}

const appliedVersionsSQL = `SELECT version FROM {db:Identifier}.schema_migrations FINAL ORDER BY version`

const recordMigrationSQL = `INSERT INTO {db:Identifier}.schema_migrations (version, name) VALUES ({version:UInt32}, {name:String})`

// Migrate creates the database and applies every migration not yet recorded
// in {db}.schema_migrations. Statements are idempotent (IF NOT EXISTS), so a
// migration interrupted halfway is simply applied again.
func Migrate(ctx context.Context, w warehouse.Warehouse, l Layout) error {
	db := warehouse.Database(w)
	if db == "" {
		return fmt.Errorf("schemas: migrate needs a warehouse bound to a database (warehouse.InDatabase)")
	}
	if l.Database == "" {
		l.Database = db
	}
	boot, err := bootstrapStatements(l)
	if err != nil {
		return err
	}
	for _, stmt := range boot {
		if err := w.Exec(ctx, stmt, nil); err != nil {
			return fmt.Errorf("schemas: create database %s and its migrations table: %w", db, err)
		}
	}
	res, err := w.Query(ctx, appliedVersionsSQL, nil)
	if err != nil {
		return fmt.Errorf("schemas: read applied migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, r := range res.Rows {
		applied[int(warehouse.Int(r[0]))] = true
	}
	ms, err := Migrations(l)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		for i, stmt := range m.Statements {
			if err := w.Exec(ctx, stmt, nil); err != nil {
				return fmt.Errorf("schemas: migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		if err := w.Exec(ctx, recordMigrationSQL, warehouse.P("version", m.Version, "name", m.Name)); err != nil {
			return fmt.Errorf("schemas: record migration %d: %w", m.Version, err)
		}
		slog.Info("migration applied", "version", m.Version, "name", m.Name, "database", db)
	}
	return nil
}

// RenderDDL returns every migration as SQL text with {db:Identifier}
// replaced by the database name, for review or for deploy/ (cluster DDL).
func RenderDDL(l Layout) (string, error) {
	ms, err := Migrations(l)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	q := "`" + l.Database + "`"
	boot, err := bootstrapStatements(l)
	if err != nil {
		return "", err
	}
	sb.WriteString("-- database and migrations table\n")
	for _, s := range boot {
		sb.WriteString(strings.ReplaceAll(s, "{db:Identifier}", q))
		sb.WriteString(";\n\n")
	}
	for _, m := range ms {
		fmt.Fprintf(&sb, "-- %04d_%s\n", m.Version, m.Name)
		for _, s := range m.Statements {
			sb.WriteString(strings.ReplaceAll(s, "{db:Identifier}", q))
			sb.WriteString(";\n\n")
		}
	}
	return sb.String(), nil
}
