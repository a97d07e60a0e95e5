// Command flexhub is the one binary: every role of the pipeline, alone or
// together. Wiring only; the work is in ingest/, rollup/, query/, schemas/.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/flexhub/flexhub/broker"
	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/schemas"
	"github.com/flexhub/flexhub/warehouse"
	"github.com/flexhub/flexhub/warehouse/embedded"
	"github.com/flexhub/flexhub/warehouse/server"
)

const usage = `flexhub — license usage and calling analytics for partners

Usage: flexhub <command> [flags]

Commands:
  serve     every role in one process: broker (embedded unless --kafka), ingest, rollups, API
  ingest    consume the event topics into ClickHouse
  rollup    run the rollups on a schedule (--once: one pass; --from/--to: recompute days;
            --week: recompute a completed calling week)
  api       serve the HTTP API
  migrate   apply ClickHouse migrations (--print: show the DDL instead)
  demo      produce a synthetic demo world to Kafka
  sql       run an ad-hoc read-only query (--format table|json|csv|parquet|arrow, --api URL)
  apikey    make an API key for a service (prints the key and its hashed entry)

Run 'flexhub <command> -h' for the flags; every flag also reads a FLEXHUB_* variable.
`

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, args)
	case "ingest":
		err = cmdIngest(ctx, args)
	case "rollup":
		err = cmdRollup(ctx, args)
	case "api":
		err = cmdAPI(ctx, args)
	case "migrate":
		err = cmdMigrate(ctx, args)
	case "demo":
		err = cmdDemo(ctx, args)
	case "sql":
		err = cmdSQL(ctx, args)
	case "apikey":
		err = cmdAPIKey(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "flexhub: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "flexhub %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

// parse binds the shared flags plus extra ones and parses args.
func parse(name string, args []string, extra func(fs *flag.FlagSet)) (*config, error) {
	c, _, err := parseArgs(name, args, extra)
	return c, err
}

func parseArgs(name string, args []string, extra func(fs *flag.FlagSet)) (*config, []string, error) {
	c := &config{}
	fs := flag.NewFlagSet("flexhub "+name, flag.ContinueOnError)
	c.bind(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := c.Overview.Validate(); err != nil {
		return nil, nil, fmt.Errorf("partner overview: %w", err)
	}
	slog.SetDefault(c.logger())
	return c, fs.Args(), nil
}

// openWarehouse opens the embedded engine or a server, bound to the
// configured database.
func openWarehouse(ctx context.Context, c *config) (warehouse.Warehouse, error) {
	if c.ClickHouse != "" {
		s, err := server.Open(ctx, c.ClickHouse)
		if err != nil {
			return nil, fmt.Errorf("clickhouse %s: %w", redact(c.ClickHouse), err)
		}
		return warehouse.InDatabase(s, c.Database), nil
	}
	e, err := embedded.Open(embedded.Config{LibPath: embedded.DefaultLibPath(), DataDir: filepath.Join(c.DataDir, "clickhouse")})
	if err != nil {
		return nil, err
	}
	return warehouse.InDatabase(e, c.Database), nil
}

func redact(dsn string) string {
	if i := strings.Index(dsn, "password="); i >= 0 {
		end := strings.IndexByte(dsn[i:], '&')
		if end < 0 {
			return dsn[:i] + "password=***"
		}
		return dsn[:i] + "password=***" + dsn[i+end:]
	}
	return dsn
}

// brokers returns the bootstrap list, starting the embedded broker when no
// cluster was named. The returned close func stops it.
func brokers(ctx context.Context, c *config, reg *ingest.Registry) ([]string, *broker.Embedded, error) {
	var emb *broker.Embedded
	list := broker.Brokers(c.Kafka)
	if len(list) == 0 {
		var err error
		emb, err = broker.StartEmbedded(broker.EmbeddedConfig{
			DataDir: filepath.Join(c.DataDir, "kafka"), Port: c.KafkaPort, Partitions: c.Partitions})
		if err != nil {
			return nil, nil, err
		}
		list = []string{emb.Addr()}
	}
	topics := []broker.TopicSpec{{Name: c.deadLetterTopic(), Partitions: 1}}
	for _, f := range reg.Families() {
		topics = append(topics, broker.TopicSpec{Name: f.Topic, Partitions: c.Partitions})
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := broker.EnsureTopics(tctx, list, topics); err != nil {
		if emb != nil {
			emb.Close()
		}
		return nil, nil, err
	}
	return list, emb, nil
}

func topicNames(reg *ingest.Registry) []string {
	var out []string
	for _, f := range reg.Families() {
		out = append(out, f.Topic)
	}
	return out
}

func cmdMigrate(ctx context.Context, args []string) error {
	var print bool
	c, err := parse("migrate", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&print, "print", false, "print the DDL for --cluster/--database instead of applying it")
	})
	if err != nil {
		return err
	}
	layout := schemas.Layout{Cluster: c.Cluster, Database: c.Database}
	if print {
		ddl, err := schemas.RenderDDL(layout)
		if err != nil {
			return err
		}
		fmt.Printf("-- Generated by `flexhub migrate --print --cluster %s --database %s`; do not edit.\n-- Regenerate with: go test ./schemas -run DeployClusterDDL -update\n\n%s", c.Cluster, c.Database, ddl)
		return nil
	}
	w, err := openWarehouse(ctx, c)
	if err != nil {
		return err
	}
	defer w.Close()
	return schemas.Migrate(ctx, w, layout)
}

func cmdSQL(ctx context.Context, args []string) error {
	var format, out, api string
	c, rest, err := parseArgs("sql", args, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "table", "table, json, csv, parquet or arrow")
		fs.StringVar(&out, "out", "", "write the result to this file instead of standard output")
		fs.StringVar(&api, "api", "", "send the statement to a running API (e.g. http://127.0.0.1:8080) with the token in FLEXHUB_TOKEN, instead of opening the warehouse")
	})
	if err != nil {
		return err
	}
	stmt := strings.Join(rest, " ")
	if strings.TrimSpace(stmt) == "" {
		return errors.New(`usage: flexhub sql [--format table|json|csv|parquet|arrow] [--out FILE] [--api URL] "SELECT …" (tables as flexhub.name)`)
	}
	var dst io.Writer = os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		dst = f
	}
	wire := query.TableFormat(format)
	if format == "table" {
		wire = query.FormatJSON
	}
	if api != "" {
		return sqlViaAPI(ctx, api, stmt, wire, format == "table", dst)
	}
	// The same guard and limits as POST /api/v1/sql: one read-only SELECT.
	guarded, err := query.GuardSQL(stmt, c.sqlLimits())
	if err != nil {
		return err
	}
	w, err := openWarehouse(ctx, c)
	if err != nil {
		return fmt.Errorf("%w (while serve runs on this data dir, use --api)", err)
	}
	defer w.Close()
	if format == "table" {
		return printTable(ctx, w, guarded, dst)
	}
	tw := query.NewTableWriter(wire, dst)
	if err := w.QueryStream(ctx, guarded, nil, tw.Write); err != nil {
		return err
	}
	_, err = tw.Close()
	return err
}

// printTable prints the result aligned in columns.
func printTable(ctx context.Context, w warehouse.Warehouse, stmt string, dst io.Writer) error {
	res, err := w.Query(ctx, stmt, nil)
	if err != nil {
		return err
	}
	renderTable(dst, res.Columns, res.Rows)
	return nil
}

func renderTable(dst io.Writer, cols []warehouse.Column, rows [][]any) {
	tw := tabwriter.NewWriter(dst, 0, 2, 2, ' ', 0)
	for i, col := range cols {
		if i > 0 {
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprint(tw, col.Name)
	}
	fmt.Fprintln(tw)
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			if t, ok := v.(time.Time); ok {
				v = t.Format(time.RFC3339Nano)
			}
			fmt.Fprint(tw, v)
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
}

// sqlViaAPI posts the statement to POST /api/v1/sql.
func sqlViaAPI(ctx context.Context, base, stmt string, format query.TableFormat, table bool, dst io.Writer) error {
	body, _ := json.Marshal(query.SQLRequest{SQL: stmt, Format: format})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/api/v1/sql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok := os.Getenv("FLEXHUB_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	if !table {
		_, err = io.Copy(dst, resp.Body)
		return err
	}
	var res struct {
		Columns []warehouse.Column `json:"columns"`
		Rows    [][]any            `json:"rows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return err
	}
	renderTable(dst, res.Columns, res.Rows)
	return nil
}

// cmdAPIKey makes a new API key for a service and prints the entry to add
// to the --auth-api-keys-file.
func cmdAPIKey(args []string) error {
	fs := flag.NewFlagSet("flexhub apikey", flag.ContinueOnError)
	name := fs.String("name", "", "what the key is for (required)")
	role := fs.String("role", "operator", "role of the key")
	partner := fs.String("partner", "", "partner the key is confined to (all roles but operator)")
	customers := fs.String("customers", "", "comma-separated customers (sales_admin, customer_admin)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("--name is required")
	}
	var cs []string
	if *customers != "" {
		cs = strings.Split(*customers, ",")
	}
	key, entry, err := query.NewAPIKey(*name, query.Role(*role), *partner, cs)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(entry, "", "  ")
	fmt.Printf("API key (shown once; keep it secret):\n  %s\n\nAdd this entry to the \"keys\" list of the --auth-api-keys-file:\n%s\n", key, b)
	return nil
}
