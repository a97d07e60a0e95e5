package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/valyala/fastjson"
)

// Publisher takes events from systems without a Kafka client (the HTTP
// endpoint): it validates every event with the same contracts as ingest and
// produces them to their family's topic, keyed like any other producer
// would key them.
type Publisher struct {
	reg     *Registry
	writer  *kafka.Writer
	metrics *Metrics
}

// Rejection is one invalid event of a published batch.
type Rejection struct {
	Index  int
	ID     string
	Reason string
}

// NewPublisher produces to brokers.
func NewPublisher(brokers []string, reg *Registry, m *Metrics) *Publisher {
	return &Publisher{reg: reg, metrics: m, writer: &kafka.Writer{
		Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 2 * time.Millisecond, BatchSize: 5000, MaxAttempts: 3,
	}}
}

// Publish validates all events; if any is invalid nothing is produced and
// the rejections say why. Otherwise it returns once the broker has
// acknowledged every event.
func (p *Publisher) Publish(ctx context.Context, events []json.RawMessage) ([]Rejection, error) {
	msgs := make([]kafka.Message, 0, len(events))
	var rejected []Rejection
	dec := p.reg.NewDecoder()
	for i, raw := range events {
		ev, err := dec.Decode(raw)
		if err != nil {
			id := eventID(raw)
			var ie *InvalidEvent
			reason := err.Error()
			if errors.As(err, &ie) {
				reason = ie.Reason
			}
			rejected = append(rejected, Rejection{Index: i, ID: id, Reason: reason})
			continue
		}
		msgs = append(msgs, kafka.Message{Topic: p.reg.TopicOf(ev.Type), Key: ev.Key(), Value: raw})
	}
	if len(rejected) > 0 {
		return rejected, nil
	}
	if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
		return nil, fmt.Errorf("produce %d events: %w", len(msgs), err)
	}
	for _, m := range msgs {
		p.metrics.Published.WithLabelValues(m.Topic).Inc()
	}
	return nil, nil
}

// Close flushes the writer.
func (p *Publisher) Close() error { return p.writer.Close() }

// eventID digs out the id of an event that failed its checks, for the
// rejection; "" when there is none to be had.
func eventID(raw []byte) string {
	v, err := fastjson.ParseBytes(raw)
	if err != nil {
		return ""
	}
	return string(v.GetStringBytes("id"))
}
