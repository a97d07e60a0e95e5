package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// The embedded broker must keep what was produced across a restart on the
// same data directory, and serve kafka-go's consumer-group protocol.
func TestEmbeddedPersistsAcrossRestartAndServesGroups(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()

	b, err := StartEmbedded(EmbeddedConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := EnsureTopics(ctx, []string{b.Addr()}, []TopicSpec{{Name: "t1", Partitions: 3}}); err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: "t1", Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	const n = 300
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i % 17)), Value: []byte(fmt.Sprint(i))}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	addr := b.Addr()
	b.Close()

	// Restart on the same port and directory.
	port := 0
	fmt.Sscanf(addr[len("127.0.0.1:"):], "%d", &port)
	b, err = StartEmbedded(EmbeddedConfig{DataDir: dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	g, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: "g1", Brokers: []string{b.Addr()}, Topics: []string{"t1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	t0 := time.Now()
	gen, err := g.Next(ctx)
	t.Logf("join %v", time.Since(t0))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, pa := range gen.Assignments["t1"] {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr()}, Topic: "t1", Partition: pa.ID, MaxWait: 200 * time.Millisecond})
		if err := r.SetOffset(kafka.FirstOffset); err != nil {
			t.Fatal(err)
		}
		last, err := r.ReadLag(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i < last; i++ {
			if _, err := r.ReadMessage(ctx); err != nil {
				t.Fatal(err)
			}
			got++
		}
		r.Close()
	}
	t.Logf("read %v", time.Since(t0))
	if got != n {
		t.Fatalf("read %d messages after restart, want %d", got, n)
	}
}
