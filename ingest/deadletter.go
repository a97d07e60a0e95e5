package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Dead-letter message headers. The value and key are the original event's,
// byte for byte, so a fixed producer can re-send it unchanged.
const (
	HeaderReason       = "flexhub-dead-letter-reason"
	HeaderKind         = "flexhub-dead-letter-kind"
	HeaderSourceTopic  = "flexhub-source-topic"
	HeaderSourcePart   = "flexhub-source-partition"
	HeaderSourceOffset = "flexhub-source-offset"
	HeaderFailedAt     = "flexhub-failed-at"
)

// DeadLetter is an event that broke its contract.
type DeadLetter struct {
	Message kafka.Message
	Reason  error
}

// DeadLetters produces to the dead-letter topic. Delivery is at-least-once:
// a batch replayed after a crash may dead-letter the same event again, which
// the source headers identify.
type DeadLetters struct {
	writer  *kafka.Writer
	metrics *Metrics
}

// NewDeadLetters writes to topic on brokers.
func NewDeadLetters(brokers []string, topic string, m *Metrics) *DeadLetters {
	return &DeadLetters{metrics: m, writer: &kafka.Writer{
		Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, MaxAttempts: 3,
		AllowAutoTopicCreation: true,
	}}
}

// Send produces the dead letters and waits for the broker's acknowledgement.
func (d *DeadLetters) Send(ctx context.Context, sourceTopic string, dead []DeadLetter) error {
	msgs := make([]kafka.Message, len(dead))
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for i, dl := range dead {
		kind := "invalid"
		var ie *InvalidEvent
		if errors.As(dl.Reason, &ie) {
			kind = ie.Kind
		}
		msgs[i] = kafka.Message{Key: dl.Message.Key, Value: dl.Message.Value, Headers: []kafka.Header{
			{Key: HeaderReason, Value: []byte(dl.Reason.Error())},
			{Key: HeaderKind, Value: []byte(kind)},
			{Key: HeaderSourceTopic, Value: []byte(sourceTopic)},
			{Key: HeaderSourcePart, Value: []byte(strconv.Itoa(dl.Message.Partition))},
			{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(dl.Message.Offset, 10))},
			{Key: HeaderFailedAt, Value: []byte(now)},
		}}
	}
	if err := d.writer.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("dead-letter %d events: %w", len(msgs), err)
	}
	for _, m := range msgs {
		d.metrics.DeadLetters.WithLabelValues(sourceTopic, string(m.Headers[1].Value)).Inc()
		d.metrics.Events.WithLabelValues(sourceTopic, "dead_lettered").Inc()
	}
	return nil
}

// Close flushes the writer.
func (d *DeadLetters) Close() error { return d.writer.Close() }
