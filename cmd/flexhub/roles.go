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
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
		fs.StringVar(&from, "from", "", "recompute the Flex license-usage rollups and the partner overview from this day (YYYY-MM-DD) and exit")
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
		if err := wk.LicenseUsageDays(ctx, f, t); err != nil {
			return err
		}
		return wk.PartnerOverviewDays(ctx, f, t)
	}
	if week != "" {
		return nil
	}
	return wk.RunOnce(ctx)
}

// newRollupWorker builds the rollup worker with the configured partner
// overview thresholds and calling rules.
func newRollupWorker(c *config, w warehouse.Warehouse, reg prometheus.Registerer) (*rollup.Worker, error) {
	wk := rollup.NewWorker(w, c.RollupInterval, reg, slog.Default())
	if err := wk.SetPartnerOverviewConfig(c.Overview); err != nil {
		return nil, err
	}
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
		var auth query.Authenticator = query.OpenAccess{}
		if ac := c.authConfig(); ac.Enabled() {
			ac.Assignments = query.WarehouseAssignments(w, 30*time.Second)
			creds, err := query.NewCredentials(ac)
			if err != nil {
				return err
			}
			auth = creds
		} else {
			log.Warn("no credentials configured: the API is open and every caller is the operator (see README, Access control)")
		}
		api, err := query.NewServer(query.Config{Logger: log, RateLimit: c.RateLimit, RateBurst: c.RateBurst, SQLLimits: c.sqlLimits()},
			query.Deps{Warehouse: w, Events: pub, Ready: ready, Metrics: promReg, Auth: auth})
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
	if !r.api {
		// A process without the API still answers Prometheus and the
		// orchestrator's probes on --listen.
		httpSrv, err = serveOps(c.Listen, promReg, w, list, &wg, errs)
		if err != nil {
			return err
		}
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

// serveOps serves /metrics, /healthz and /readyz for a process whose roles
// do not include the API.
func serveOps(addr string, promReg *prometheus.Registry, w interface{ Ping(context.Context) error }, brokers []string, wg *sync.WaitGroup, errs chan<- error) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(promReg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		err := w.Ping(ctx)
		if err == nil && len(brokers) > 0 {
			err = broker.Ping(ctx, brokers)
		}
		rw.Header().Set("Content-Type", "application/json")
		if err != nil {
			rw.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(rw).Encode(map[string]string{"status": "not_ready", "error": err.Error()})
			return
		}
		_, _ = rw.Write([]byte(`{"status":"ready"}` + "\n"))
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("metrics: %w", err)
		}
	}()
	return srv, nil
}
