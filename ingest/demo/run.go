package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/segmentio/kafka-go"
)

// RunConfig says where and how much to produce.
type RunConfig struct {
	Brokers     []string
	TopicPrefix string // topics are the prefix plus the family, as ingest reads them
	World       Config
	History     int           // days of history to seed, ending today
	Interval    time.Duration // how often fresh events stream after the seed
	Logger      *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// A stream is one family's share of the demo. seed runs once before the
// history, day for each day of history (day 0 is the first, date its
// midnight), tick at every interval afterwards; any of them may be nil.
// Streams run in order, so a later one sees what an earlier one set up.
type stream struct {
	name string
	seed func(w *World, rng *rand.Rand, today time.Time, history int, p *producer)
	day  func(w *World, rng *rand.Rand, day int, date time.Time, p *producer)
	tick func(w *World, rng *rand.Rand, day int, now time.Time, p *producer)
}

// streams are the demo's families, in order.
var streams = []stream{inventoryStream, commerceStream, partnerStream, callingStream}

// Run seeds the history (unless the inventory topic already holds events,
// as after a restart on the same data) and then streams fresh events every
// interval, until ctx ends.
func Run(ctx context.Context, cfg RunConfig) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.History < 1 {
		cfg.History = 1
	}
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchSize: 5000, BatchTimeout: 5 * time.Millisecond, Compression: kafka.Lz4}
	defer w.Close()

	world := Generate(cfg.World)
	rng := rand.New(rand.NewPCG(cfg.World.Seed+1, 7))
	today := cfg.Now().UTC().Truncate(24 * time.Hour)
	seeded, err := topicHasEvents(ctx, cfg.Brokers, cfg.TopicPrefix+"ucm.inventory")
	if err != nil {
		return err
	}
	// After a restart the world is rebuilt and evolved the same way, but
	// nothing of the history is produced again.
	p := &producer{w: w, prefix: cfg.TopicPrefix, discard: seeded}
	start := time.Now()
	if err := history(world, rng, today, cfg.History, p, func() error { return p.flushIfFull(ctx) }); err != nil {
		return err
	}
	if err := p.flush(ctx); err != nil {
		return err
	}
	p.discard = false
	if seeded {
		cfg.Logger.Info("demo history already in Kafka; streaming only")
	} else {
		cfg.Logger.Info("demo history produced", "partners", len(world.Partners), "customers", len(world.Customers),
			"clusters", len(world.Clusters), "days", cfg.History, "events", p.total, "took", time.Since(start).Round(time.Millisecond))
	}

	if cfg.Interval <= 0 {
		return nil
	}
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := cfg.Now().UTC()
		day := cfg.History - 1 + int(now.Sub(today).Hours()/24)
		for _, s := range streams {
			if s.tick != nil {
				s.tick(world, rng, day, now, p)
			}
		}
		if err := p.flush(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// history runs every stream's seed, then every day of the history,
// calling afterDay after each day (Run flushes there).
func history(world *World, rng *rand.Rand, today time.Time, days int, p *producer, afterDay func() error) error {
	epoch := today.AddDate(0, 0, -(days - 1))
	for _, s := range streams {
		if s.seed != nil {
			s.seed(world, rng, today, days, p)
		}
	}
	for d := 0; d < days; d++ {
		if d > 0 {
			world.Evolve(rng, d)
		}
		for _, s := range streams {
			if s.day != nil {
				s.day(world, rng, d, epoch.AddDate(0, 0, d), p)
			}
		}
		if err := afterDay(); err != nil {
			return err
		}
	}
	return nil
}

// Events is the history Run would seed, in memory: every event of every
// stream for cfg's world over days days ending today, with its topic
// (prefix plus family) and key. Tests and benchmarks load it without
// Kafka.
func Events(cfg Config, topicPrefix string, today time.Time, days int) (*World, []kafka.Message) {
	world := Generate(cfg)
	rng := rand.New(rand.NewPCG(cfg.Seed+1, 7))
	p := &producer{prefix: topicPrefix}
	_ = history(world, rng, today.UTC().Truncate(24*time.Hour), max(days, 1), p, func() error { return nil })
	return world, p.buf
}

// inventoryStream: every cluster syncs nightly at its own minute; after
// the seed a tenth of the clusters re-sync at every tick.
var inventoryStream = stream{
	name: "inventory",
	day: func(w *World, rng *rand.Rand, day int, date time.Time, p *producer) {
		for _, cl := range w.Clusters {
			at := date.Add(time.Duration(60+rng.IntN(240)) * time.Minute)
			p.addAll("ucm.inventory", cl.ID, SyncEvents(cl, at, day))
		}
	},
	tick: func(w *World, rng *rand.Rand, day int, now time.Time, p *producer) {
		n := max(1, len(w.Clusters)/10)
		for i := 0; i < n; i++ {
			cl := w.Clusters[w.nextSync%len(w.Clusters)]
			w.nextSync++
			p.addAll("ucm.inventory", cl.ID, SyncEvents(cl, now, day))
		}
	},
}

// producer buffers messages and writes them in large batches; while
// discard is set (replaying a history already in Kafka) it drops them.
type producer struct {
	w       *kafka.Writer
	prefix  string
	discard bool
	buf     []kafka.Message
	total   int
}

// add queues one event of family, keyed by key.
func (p *producer) add(family, key string, value []byte) {
	if p.discard {
		return
	}
	p.buf = append(p.buf, kafka.Message{Topic: p.prefix + family, Key: []byte(key), Value: value})
}

func (p *producer) addAll(family, key string, values [][]byte) {
	for _, v := range values {
		p.add(family, key, v)
	}
}

func (p *producer) flushIfFull(ctx context.Context) error {
	if len(p.buf) >= 20_000 {
		return p.flush(ctx)
	}
	return nil
}

func (p *producer) flush(ctx context.Context) error {
	if len(p.buf) == 0 {
		return nil
	}
	if err := p.w.WriteMessages(ctx, p.buf...); err != nil {
		return fmt.Errorf("demo: produce %d events: %w", len(p.buf), err)
	}
	p.total += len(p.buf)
	p.buf = p.buf[:0]
	return nil
}

// topicHasEvents tells whether any partition of topic holds a message.
func topicHasEvents(ctx context.Context, brokers []string, topic string) (bool, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return false, fmt.Errorf("demo: metadata: %w", err)
	}
	if len(meta.Topics) == 0 || meta.Topics[0].Error != nil {
		return false, nil
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range meta.Topics[0].Partitions {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p.ID))
	}
	resp, err := client.ListOffsets(ctx, req)
	if err != nil {
		return false, fmt.Errorf("demo: offsets: %w", err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil && !errors.Is(p.Error, kafka.UnknownTopicOrPartition) {
			return false, fmt.Errorf("demo: offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		if p.LastOffset > 0 {
			return true, nil
		}
	}
	return false, nil
}

// SyncEvents is one cluster sync as UCM inventory events: every user active
// on the day, every device of those users and every shared device, then the
// cluster.synced event that completes the sync.
func SyncEvents(cl *Cluster, at time.Time, day int) [][]byte {
	at = at.UTC().Truncate(time.Millisecond)
	ts := at.Format(time.RFC3339Nano)
	syncID := fmt.Sprintf("s-%s-%s", cl.ID[3:], at.Format("20060102T150405.000"))
	cu := cl.Customer
	var out [][]byte
	head := func(id, typ string) []byte {
		return fmt.Appendf(nil, `{"specversion":"1.0","id":"%s/%s","source":"/ucm/clusters/%s","type":"com.flexhub.ucm.%s","time":"%s","subject":"customers/%s","data":{"partner_id":"%s","customer_id":"%s","cluster_id":"%s","sync_id":"%s","synced_at":"%s"`,
			syncID, id, cl.ID, typ, ts, cu.ID, cu.Partner.ID, cu.ID, cl.ID, syncID, ts)
	}
	device := func(d *Device, owner string) {
		b := head(d.ID, "device.observed")
		b = fmt.Appendf(b, `,"device_id":"%s","device_type":"%s","associated_user_id":"%s","telepresence":%t,"location":"%s"}}`,
			d.ID, d.Type, owner, d.TelePresence, d.Location)
		out = append(out, b)
	}
	users, devices := 0, 0
	for _, u := range cl.Users {
		if !u.activeOn(day) {
			continue
		}
		b := head(u.ID, "user.observed")
		b = fmt.Appendf(b, `,"user_id":"%s","directory_number":"%s","enterprise_directory_profile":%t,"snr":%t,"extension_mobility":%t,"voicemail":%t,"mobile_uc_client":%t,"tablet_uc_client":%t}}`,
			u.ID, u.DirectoryNumber, u.EnterpriseDirectoryProfile, u.SNR, u.ExtensionMobility, u.Voicemail, u.MobileUC, u.TabletUC)
		out = append(out, b)
		users++
		for _, d := range u.Devices {
			device(d, u.ID)
			devices++
		}
	}
	for _, d := range cl.Shared {
		device(d, "")
		devices++
	}
	b := head("sync", "cluster.synced")
	b = fmt.Appendf(b, `,"cluster_name":"%s","region":"%s","version":"%s","publisher":"%s","user_count":%d,"device_count":%d}}`,
		cl.Name, cl.Region, cl.Version, cl.Publisher, users, devices)
	return append(out, b)
}
