// Package broker provides the Kafka side of flexhub: an embedded
// Kafka-protocol broker for the default single-machine setup, and topic
// administration through kafka-go for any cluster.
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Embedded is an in-process Kafka-protocol broker (kfake) that persists its
// log under a data directory and listens on loopback, so any Kafka client
// (kcat, kafka-go) can produce to it.
type Embedded struct {
	Cluster *kfake.Cluster
	addr    string
}

// EmbeddedConfig configures the embedded broker.
type EmbeddedConfig struct {
	DataDir string // "" keeps the log in memory only
	Port    int    // 0 picks a free port
	// Partitions is the default partition count of auto-created topics.
	Partitions int
}

// StartEmbedded starts the broker.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	port := cfg.Port
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("broker: pick port: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	opts := []kfake.Opt{
		kfake.Ports(port),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, "127.0.0.1:"+strconv.Itoa(port))
		}),
		kfake.ClusterID("flexhub-embedded"),
	}
	if cfg.Partitions > 0 {
		opts = append(opts, kfake.DefaultNumPartitions(cfg.Partitions))
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("broker: start embedded kafka: %w", err)
	}
	return &Embedded{Cluster: c, addr: c.ListenAddrs()[0]}, nil
}

// Addr is the bootstrap address (host:port).
func (e *Embedded) Addr() string { return e.addr }

// Close stops the broker, flushing its log. A nil broker is a no-op, so
// callers can defer Close whether or not they started one.
func (e *Embedded) Close() {
	if e != nil {
		e.Cluster.Close()
	}
}

// Ping tells whether the cluster answers a metadata request.
func Ping(ctx context.Context, brokers []string) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	if _, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}}); err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	return nil
}

// Brokers splits a comma-separated bootstrap list.
func Brokers(list string) []string {
	var out []string
	for _, b := range strings.Split(list, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// TopicSpec names a topic and its partition count.
type TopicSpec struct {
	Name       string
	Partitions int
	Replicas   int // 0 means 1
}

// EnsureTopics creates the topics that do not exist yet, through the
// cluster's controller. Existing topics are left as they are.
func EnsureTopics(ctx context.Context, brokers []string, topics []TopicSpec) error {
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		if lastErr = ensureTopics(ctx, brokers, topics); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), lastErr)
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
	return lastErr
}

func ensureTopics(ctx context.Context, brokers []string, topics []TopicSpec) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return fmt.Errorf("broker: metadata: %w", err)
	}
	have := map[string]bool{}
	for _, t := range meta.Topics {
		if t.Error == nil {
			have[t.Name] = true
		}
	}
	var req kafka.CreateTopicsRequest
	for _, t := range topics {
		if have[t.Name] {
			continue
		}
		rf := t.Replicas
		if rf == 0 {
			rf = 1
		}
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t.Name, NumPartitions: t.Partitions, ReplicationFactor: rf})
	}
	if len(req.Topics) == 0 {
		return nil
	}
	resp, err := client.CreateTopics(ctx, &req)
	if err != nil {
		return fmt.Errorf("broker: create topics: %w", err)
	}
	for name, e := range resp.Errors {
		if e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			return fmt.Errorf("broker: create topic %s: %w", name, e)
		}
		slog.Debug("topic ready", "topic", name)
	}
	return nil
}
