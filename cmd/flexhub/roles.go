package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flexhub/flexhub/broker"
	"github.com/flexhub/flexhub/ingest"
	"github.com/flexhub/flexhub/ingest/demo"
	"github.com/flexhub/flexhub/query"
	"github.com/flexhub/flexhub/rollup"
	"github.com/flexhub/flexhub/schemas"
	"github.com/flexhub/flexhub/warehouse"
)

// roles selects what one process runs.
type roles struct {
	ingest, rollup, api, demo bool
}

func cmdServe(ctx context.Context, args []string) error {
	c, err := parse("serve", args, nil)
	if err != nil {
		return err
	}
	return runRoles(ctx, c, roles{ingest: true, rollup: true, api: true, demo: c.Demo})
}

func cmdIngest(ctx context.Context, args []string) error {
	c, err := parse("ingest", args, nil)
	if err != nil {
		return err
	}
	return runRoles(ctx, c, roles{ingest: true})
}

func cmdAPI(ctx context.Context, args []string) error {
	c, err := parse("api", args, nil)
	if err != nil {
		return err
	}
	return runRoles(ctx, c, roles{api: true})
}

func cmdRollup(ctx context.Context, args []string) error {
	var once bool
	var from, to, week string
	c, err := parse("rollup", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&once, "once", false, "run every rollup once and exit")
		fs.StringVar(&from, "from", "", "recompute license_usage_daily from this day (YYYY-MM-DD) and exit")
		fs.StringVar(&to, "to", "", "… to this day (YYYY-MM-DD, default: --from)")
		fs.StringVar(&week, "week", "", "recompute the calling figures of the completed week starting this Sunday (YYYY-MM-DD) and exit")
	})
	if err != nil {
		return err
	}
	if !once && from == "" && week == "" {
		return runRoles(ctx, c, roles{rollup: true})
	}
	w, err := openWarehouse(ctx, c)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := schemas.Migrate(ctx, w, schemas.Layout{Cluster: c.Cluster}); err != nil {
		return err
	}
	wk, err := newRollupWorker(c, w, nil)
	if err != nil {
		return err
	}
	if week != "" {
		d, err := time.Parse(time.DateOnly, week)
		if err != nil {
			return fmt.Errorf("--week: %w", err)
		}
		if err := wk.CallingWeek(ctx, d); err != nil {
			return err
		}
	}
	if from != "" {
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return fmt.Errorf("--from: %w", err)
		}
		t := f
		if to != "" {
			if t, err = time.Parse(time.DateOnly, to); err != nil {
				return fmt.Errorf("--to: %w", err)
			}
		}
		return wk.LicenseUsageDays(ctx, f, t)
	}
	if week != "" {
		return nil
	}
	return wk.RunOnce(ctx)
}

// newRollupWorker builds the rollup worker with the configured calling
// rules.
func newRollupWorker(c *config, w warehouse.Warehouse, reg prometheus.Registerer) (*rollup.Worker, error) {
	wk := rollup.NewWorker(w, c.RollupInterval, reg, slog.Default())
	rules, err := rollup.ParseCallingRules(c.CallingRules)
	if err != nil {
		return nil, fmt.Errorf("--calling-rules: %w", err)
	}
	return wk, wk.SetCallingRules(rules)
}

func cmdDemo(ctx context.Context, args []string) error {
	c, err := parse("demo", args, nil)
	if err != nil {
		return err
	}
	reg := ingest.NewRegistry(c.TopicPrefix)
	list, emb, err := brokers(ctx, c, reg)
	if err != nil {
		return err
	}
	if emb != nil {
		defer emb.Close()
		slog.Warn("no --kafka given: producing into a new embedded broker that ends with this command", "addr", emb.Addr())
	}
	return runDemo(ctx, c, list)
}

func runDemo(ctx context.Context, c *config, list []string) error {
	return demo.Run(ctx, demo.RunConfig{
		Brokers:     list,
		TopicPrefix: c.TopicPrefix,
		World:       demo.DefaultConfig(),
		History:     c.DemoHistory,
		Interval:    c.DemoInterval,
		Logger:      slog.Default().With("component", "demo"),
	})
}

// runRoles starts the selected roles and stops them in order on shutdown:
// the API stops taking events, the demo stops producing, ingest drains its
// batches, the rollup finishes its pass; then the warehouse and the broker
// close.
func runRoles(ctx context.Context, c *config, r roles) error {
	log := slog.Default()
	if _, err := rollup.ParseCallingRules(c.CallingRules); err != nil {
		return fmt.Errorf("--calling-rules: %w", err) // before any role starts
	}
	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg := ingest.NewRegistry(c.TopicPrefix)
	metrics := ingest.NewMetrics(promReg)

	var list []string
	var emb *broker.Embedded
	if r.ingest || r.api || r.demo {
		var err error
		if list, emb, err = brokers(ctx, c, reg); err != nil {
			return err
		}
		defer emb.Close()
	}
	w, err := openWarehouse(ctx, c)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := schemas.Migrate(ctx, w, schemas.Layout{Cluster: c.Cluster}); err != nil {
		return err
	}

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	start := func(name string, fn func(context.Context) error, ctx context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	// Each stage has its own context so shutdown can stop them in order.
	ingestCtx, stopIngest := context.WithCancel(context.Background())
	defer stopIngest()
	rollupCtx, stopRollup := context.WithCancel(context.Background())
	defer stopRollup()
	demoCtx, stopDemo := context.WithCancel(context.Background())
	defer stopDemo()

	var in *ingest.Ingestor
	if r.ingest {
		dead := ingest.NewDeadLetters(list, c.deadLetterTopic(), metrics)
		defer dead.Close()
		in = ingest.NewIngestor(ingest.Config{
			Brokers: list, Group: c.Group, Topics: topicNames(reg), DeadLetterTopic: c.deadLetterTopic(),
			BatchMaxEvents: c.BatchMaxEvents, BatchMaxWait: c.BatchMaxWait,
		}, reg, w, dead, metrics, log)
		start("ingest", in.Run, ingestCtx)
	}
	if r.rollup {
		wk, err := newRollupWorker(c, w, promReg)
		if err != nil {
			return err
		}
		start("rollup", wk.Run, rollupCtx)
	}
	var httpSrv *http.Server
	if r.api {
		pub := ingest.NewPublisher(list, reg, metrics)
		defer pub.Close()
		ready := []query.ReadinessCheck{{Name: "clickhouse", Check: w.Ping}}
		if len(list) > 0 {
			ready = append(ready, query.ReadinessCheck{Name: "kafka", Check: func(ctx context.Context) error {
				return broker.Ping(ctx, list)
			}})
		}
		api, err := query.NewServer(query.Config{Logger: log}, query.Deps{
			Warehouse: w, Events: publisher{pub}, Ready: ready, Metrics: promReg,
		})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", c.Listen)
		if err != nil {
			return fmt.Errorf("listen %s: %w", c.Listen, err)
		}
		httpSrv = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("api: %w", err)
			}
		}()
		base := "http://" + ln.Addr().String()
		fmt.Printf("\nflexhub is up (%s warehouse)\n", w.Kind())
		fmt.Printf("  API            %s/api/v1\n", base)
		fmt.Printf("  OpenAPI        %s/api/v1/openapi.json\n", base)
		fmt.Printf("  Metrics        %s/metrics\n", base)
		fmt.Printf("  Health         %s/healthz  %s/readyz\n", base, base)
		fmt.Printf("  Kafka          %s (topics %v, dead letters %s)\n\n", list[0], topicNames(reg), c.deadLetterTopic())
	}
	if r.demo {
		start("demo", func(ctx context.Context) error { return runDemo(ctx, c, list) }, demoCtx)
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errs:
		log.Error("a role failed; shutting down", "err", runErr)
	}
	if httpSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = httpSrv.Shutdown(sctx)
		cancel()
	}
	stopDemo()
	stopIngest()
	stopRollup()
	wg.Wait()
	return runErr
}

// publisher adapts ingest's publisher to the API's interface.
type publisher struct{ p *ingest.Publisher }

func (a publisher) Publish(ctx context.Context, events []json.RawMessage) ([]query.Rejection, error) {
	rej, err := a.p.Publish(ctx, events)
	out := make([]query.Rejection, len(rej))
	for i, r := range rej {
		out[i] = query.Rejection{Index: r.Index, ID: r.ID, Reason: r.Reason}
	}
	return out, err
}
