package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/flexhub/flexhub/warehouse"
)

// Config tunes the consumer.
type Config struct {
	Brokers         []string
	Group           string   // consumer group id
	Topics          []string // topics to consume
	DeadLetterTopic string
	// A batch closes at BatchMaxEvents events or BatchMaxWait after its
	// first event, whichever comes first.
	BatchMaxEvents int
	BatchMaxWait   time.Duration
	FetchMaxBytes  int
	// Retry backoff while ClickHouse or the broker fails.
	RetryMin, RetryMax time.Duration
	// DrainTimeout bounds how long shutdown spends writing the batch in hand.
	DrainTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Group == "" {
		c.Group = "flexhub-ingest"
	}
	if c.BatchMaxEvents <= 0 {
		c.BatchMaxEvents = 50_000
	}
	if c.BatchMaxWait <= 0 {
		c.BatchMaxWait = 500 * time.Millisecond
	}
	if c.FetchMaxBytes <= 0 {
		c.FetchMaxBytes = 16 << 20
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 200 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 10 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 30 * time.Second
	}
}

// Ingestor consumes the event topics into the warehouse.
type Ingestor struct {
	cfg     Config
	reg     *Registry
	w       warehouse.Warehouse
	ledger  *ledger
	dead    *DeadLetters
	metrics *Metrics
	log     *slog.Logger

	// active counts partition loops, so shutdown can let them drain before
	// the group is closed (closing ends the generation and its commits).
	active sync.WaitGroup

	mu       sync.Mutex
	caughtUp map[string]bool // topic/partition → no lag at last fetch
}

// NewIngestor wires an ingestor.
func NewIngestor(cfg Config, reg *Registry, w warehouse.Warehouse, dead *DeadLetters, m *Metrics, log *slog.Logger) *Ingestor {
	cfg.defaults()
	return &Ingestor{cfg: cfg, reg: reg, w: w, ledger: &ledger{w: w, group: cfg.Group},
		dead: dead, metrics: m, log: log.With("component", "ingest"), caughtUp: map[string]bool{}}
}

// Run consumes until ctx ends, then drains: the batch in hand is written and
// its offsets committed before Run returns.
func (in *Ingestor) Run(ctx context.Context) error {
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                in.cfg.Group,
		Brokers:           in.cfg.Brokers,
		Topics:            in.cfg.Topics,
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  time.Second,
		Logger:            nil,
		ErrorLogger:       kafka.LoggerFunc(func(msg string, args ...any) { in.log.Debug(fmt.Sprintf(msg, args...)) }),
	})
	if err != nil {
		return fmt.Errorf("ingest: consumer group: %w", err)
	}
	in.log.Info("consuming", "group", in.cfg.Group, "topics", in.cfg.Topics)
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			in.log.Warn("consumer group join failed, retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(in.cfg.RetryMin):
			}
			continue
		}
		topics := make([]string, 0, len(gen.Assignments))
		for t := range gen.Assignments {
			topics = append(topics, t)
		}
		sort.Strings(topics)
		for _, topic := range topics {
			for _, a := range gen.Assignments[topic] {
				topic, a := topic, a
				in.active.Add(1)
				gen.Start(func(genCtx context.Context) {
					defer in.active.Done()
					in.consumePartition(ctx, genCtx, gen, topic, a.ID, a.Offset)
				})
			}
		}
	}
	in.active.Wait()
	if err := group.Close(); err != nil {
		in.log.Debug("closing consumer group", "err", err)
	}
	in.log.Info("ingest drained")
	return nil
}

// CaughtUp reports whether every assigned partition had no lag at its last
// fetch (used by readiness and tests).
func (in *Ingestor) CaughtUp() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.caughtUp) == 0 {
		return false
	}
	for _, ok := range in.caughtUp {
		if !ok {
			return false
		}
	}
	return true
}

func (in *Ingestor) setCaughtUp(topic string, partition int, lag int64) {
	in.mu.Lock()
	in.caughtUp[topic+"/"+strconv.Itoa(partition)] = lag <= 0
	in.mu.Unlock()
	in.metrics.Lag.WithLabelValues(topic, strconv.Itoa(partition)).Set(float64(lag))
}

// partitionState follows one partition through its batches.
type partitionState struct {
	topic     string
	partition int
	reader    *kafka.Reader
	decoder   *Decoder
	carry     *kafka.Message // read past a replayed batch's end; starts the next batch
	checkPlan bool           // the next batch may have been planned before a crash

	// The batch being collected: events are decoded and encoded into the
	// table batches as they arrive, so only dead letters keep their
	// message.
	batches     map[string]*warehouse.Batch
	first, last int64
	events      int
	dead        []DeadLetter
}

func (st *partitionState) reset() {
	for _, b := range st.batches {
		b.Reset()
	}
	st.events, st.dead = 0, st.dead[:0]
}

// add decodes one message into the batch being collected.
func (st *partitionState) add(m *kafka.Message) {
	if st.events == 0 {
		st.first = m.Offset
	}
	st.last = m.Offset
	st.events++
	ev, err := st.decoder.Decode(m.Value)
	if err != nil {
		st.dead = append(st.dead, DeadLetter{Message: *m, Reason: err})
		return
	}
	b := st.batches[ev.Type.Table]
	if b == nil {
		b = warehouse.MustBatch(ev.Type.Table, ev.Type.Columns)
		st.batches[ev.Type.Table] = b
	}
	ev.Encode(b)
}

// consumePartition owns one partition for one generation. stopCtx ends on
// shutdown (drain and return); genCtx ends on rebalance (return; the next
// owner replays whatever was planned and not committed).
func (in *Ingestor) consumePartition(stopCtx, genCtx context.Context, gen *kafka.Generation, topic string, partition int, committed int64) {
	log := in.log.With("topic", topic, "partition", partition)
	// Reading stops on shutdown or rebalance. Writing goes on after a
	// shutdown, for at most DrainTimeout, so the batch in hand is drained;
	// after a rebalance it stops at once and the next owner replays it.
	readCtx, stopReading := context.WithCancel(genCtx)
	defer stopReading()
	writeCtx, stopWriting := context.WithCancel(genCtx)
	defer stopWriting()
	go func() {
		select {
		case <-stopCtx.Done():
			stopReading()
			select {
			case <-time.After(in.cfg.DrainTimeout):
				stopWriting()
			case <-writeCtx.Done():
			}
		case <-writeCtx.Done():
		}
	}()

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:         in.cfg.Brokers,
		Topic:           topic,
		Partition:       partition,
		MinBytes:        1,
		MaxBytes:        in.cfg.FetchMaxBytes,
		MaxWait:         100 * time.Millisecond,
		QueueCapacity:   4096,
		ReadLagInterval: -1,
	})
	defer reader.Close()
	start := committed
	if start < 0 {
		start = kafka.FirstOffset
	}
	if err := reader.SetOffset(start); err != nil {
		log.Error("cannot seek", "offset", start, "err", err)
		return
	}
	st := &partitionState{topic: topic, partition: partition, reader: reader,
		batches: map[string]*warehouse.Batch{}, decoder: in.reg.NewDecoder(), checkPlan: true}
	log.Info("partition assigned", "committed_offset", committed)

	for {
		plan, err := in.collect(readCtx, st)
		if st.events > 0 {
			if werr := in.writeBatch(writeCtx, gen, st, plan); werr != nil {
				log.Warn("batch abandoned; the partition's next owner replays it", "err", werr)
				return
			}
		}
		if err != nil {
			if readCtx.Err() == nil {
				log.Error("partition reader failed", "err", err)
			}
			return
		}
	}
}

// collect reads the next batch into st. When a batch was planned before a
// crash at the offset where this one starts, it reads exactly that batch
// again.
func (in *Ingestor) collect(ctx context.Context, st *partitionState) (*plannedBatch, error) {
	st.reset()
	var plan *plannedBatch
	var waitCtx context.Context = ctx
	cancelWait := func() {}
	defer func() { cancelWait() }()

	add := func(m *kafka.Message) (done bool, err error) {
		if st.events == 0 {
			if st.checkPlan {
				p, err := in.retryPending(ctx, st, m.Offset)
				if err != nil {
					return true, err
				}
				plan = p
				st.checkPlan = plan != nil // a replayed batch may be followed by another planned one
			}
			if plan == nil {
				waitCtx, cancelWait = context.WithTimeout(ctx, in.cfg.BatchMaxWait)
			}
		}
		if plan != nil && m.Offset > plan.Last {
			c := *m
			st.carry = &c
			return true, nil
		}
		st.add(m)
		if plan != nil {
			return m.Offset >= plan.Last, nil
		}
		return st.events >= in.cfg.BatchMaxEvents, nil
	}

	if st.carry != nil {
		m := st.carry
		st.carry = nil
		if done, err := add(m); done || err != nil {
			return plan, err
		}
	}
	for {
		m, err := st.reader.FetchMessage(waitCtx)
		if err != nil {
			if ctx.Err() != nil {
				return plan, ctx.Err()
			}
			if errors.Is(err, context.DeadlineExceeded) && st.events > 0 {
				return plan, nil // the batch's time is up
			}
			if errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			return plan, fmt.Errorf("fetch: %w", err)
		}
		if m.HighWaterMark > 0 {
			in.setCaughtUp(st.topic, st.partition, m.HighWaterMark-m.Offset-1)
		}
		done, err := add(&m)
		if err != nil || done {
			return plan, err
		}
	}
}

func (in *Ingestor) retryPending(ctx context.Context, st *partitionState, offset int64) (*plannedBatch, error) {
	backoff := in.cfg.RetryMin
	for {
		p, err := in.ledger.pending(ctx, st.topic, st.partition, offset)
		if err == nil {
			if p != nil {
				in.log.Info("replaying a batch planned before a restart", "topic", st.topic, "partition", st.partition, "first", p.First, "last", p.Last)
			}
			return p, nil
		}
		in.metrics.Retries.WithLabelValues("ledger").Inc()
		in.log.Warn("ledger unavailable, retrying", "err", err, "backoff", backoff)
		if !sleep(ctx, backoff) {
			return nil, ctx.Err()
		}
		backoff = min(backoff*2, in.cfg.RetryMax)
	}
}

// writeBatch plans, inserts, dead-letters and commits the batch collected
// in st, retrying with backoff until it succeeds or ctx ends.
func (in *Ingestor) writeBatch(ctx context.Context, gen *kafka.Generation, st *partitionState, replay *plannedBatch) error {
	plan := plannedBatch{First: st.first, Last: st.last, Events: st.events}
	tables := make([]string, 0, len(st.batches))
	for t, b := range st.batches {
		if b.Rows() > 0 {
			tables = append(tables, t)
		}
	}
	sort.Strings(tables)

	backoff := in.cfg.RetryMin
	for attempt := 0; ; attempt++ {
		step, err := in.tryWrite(ctx, gen, st, plan, replay != nil, tables, st.dead)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		in.metrics.Retries.WithLabelValues(step).Inc()
		in.log.Warn("batch write failed, retrying", "step", step, "topic", st.topic, "partition", st.partition,
			"first", plan.First, "last", plan.Last, "attempt", attempt+1, "backoff", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return fmt.Errorf("%s: %w", step, err)
		}
		backoff = min(backoff*2, in.cfg.RetryMax)
	}
	in.metrics.Events.WithLabelValues(st.topic, "ingested").Add(float64(st.events - len(st.dead)))
	in.metrics.BatchSize.Observe(float64(st.events))
	return nil
}

// tryWrite is one attempt; it names the step that failed.
func (in *Ingestor) tryWrite(ctx context.Context, gen *kafka.Generation, st *partitionState, plan plannedBatch, replay bool, tables []string, dead []DeadLetter) (string, error) {
	if !replay {
		// Re-planning on retry is harmless: the same boundaries again.
		if err := in.ledger.plan(ctx, st.topic, st.partition, plan); err != nil {
			return "ledger", err
		}
	}
	for _, table := range tables {
		t0 := time.Now()
		if err := in.w.Insert(ctx, st.batches[table], token(in.cfg.Group, st.topic, st.partition, plan, table)); err != nil {
			return "insert", fmt.Errorf("insert %s: %w", table, err)
		}
		in.metrics.InsertSeconds.WithLabelValues(table).Observe(time.Since(t0).Seconds())
		in.metrics.Rows.WithLabelValues(table).Add(float64(st.batches[table].Rows()))
	}
	if len(dead) > 0 {
		if err := in.dead.Send(ctx, st.topic, dead); err != nil {
			return "dead-letter", err
		}
	}
	if gen != nil {
		if err := gen.CommitOffsets(map[string]map[int]int64{st.topic: {st.partition: plan.Last + 1}}); err != nil {
			return "commit", err
		}
	}
	return "", nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
