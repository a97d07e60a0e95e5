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
	Brokers  []string
	Topic    string // the UCM inventory topic
	World    Config
	History  int           // days of daily syncs to seed, ending today
	Interval time.Duration // how often fresh syncs stream after the seed
	Logger   *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Run seeds the history (unless the topic already holds events, as after a
// restart on the same data) and then streams a fresh sync of a rotating
// share of the clusters every interval, until ctx ends.
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
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Topic: cfg.Topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchSize: 5000, BatchTimeout: 5 * time.Millisecond,
		Compression: kafka.Lz4}
	defer w.Close()

	world := Generate(cfg.World)
	rng := rand.New(rand.NewPCG(cfg.World.Seed+1, 7))
	today := cfg.Now().UTC().Truncate(24 * time.Hour)
	epoch := today.AddDate(0, 0, -(cfg.History - 1))
	seeded, err := topicHasEvents(ctx, cfg.Brokers, cfg.Topic)
	if err != nil {
		return err
	}
	p := &producer{w: w}
	start := time.Now()
	for d := 0; d < cfg.History; d++ {
		if d > 0 {
			world.Evolve(rng, d)
		}
		if seeded {
			continue // replay the world's evolution only
		}
		for _, cl := range world.Clusters {
			// Each cluster syncs nightly, at its own minute.
			at := epoch.AddDate(0, 0, d).Add(time.Duration(60+rng.IntN(240)) * time.Minute)
			if err := p.sync(ctx, cl, at, d); err != nil {
				return err
			}
		}
	}
	if err := p.flush(ctx); err != nil {
		return err
	}
	if seeded {
		cfg.Logger.Info("demo history already in Kafka; streaming only", "topic", cfg.Topic)
	} else {
		cfg.Logger.Info("demo history produced", "partners", len(world.Partners), "customers", len(world.Customers),
			"clusters", len(world.Clusters), "days", cfg.History, "events", p.total, "took", time.Since(start).Round(time.Millisecond))
	}

	if cfg.Interval <= 0 {
		return nil
	}
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	today0 := cfg.History - 1
	next := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := cfg.Now().UTC()
		day := today0 + int(now.Sub(today).Hours()/24)
		// A tenth of the clusters per tick: each re-syncs every ten ticks.
		n := max(1, len(world.Clusters)/10)
		for i := 0; i < n; i++ {
			cl := world.Clusters[next%len(world.Clusters)]
			next++
			if err := p.sync(ctx, cl, now, day); err != nil {
				return err
			}
		}
		if err := p.flush(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		cfg.Logger.Debug("demo syncs streamed", "clusters", n)
	}
}

// producer buffers messages and writes them in large batches.
type producer struct {
	w     *kafka.Writer
	buf   []kafka.Message
	total int
}

func (p *producer) sync(ctx context.Context, cl *Cluster, at time.Time, day int) error {
	for _, ev := range SyncEvents(cl, at, day) {
		p.buf = append(p.buf, kafka.Message{Key: []byte(cl.ID), Value: ev})
	}
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
