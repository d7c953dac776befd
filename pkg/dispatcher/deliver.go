package dispatcher

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/knative-kafka/knative-kafka/pkg/delivery"
)

// kafkaExtensions are added by kafka_sarama.NewMessageFromConsumerMessage; they
// describe where the record sits in Kafka, not the event, so they are removed to
// deliver the event as it was sent.
var kafkaExtensions = []string{"ce_kafkaoffset", "ce_kafkapartition", "ce_kafkatopic"}

// result is how one event's delivery ended.
type result struct {
	outcome    string
	statusCode int
	retries    int
	duration   time.Duration
	err        error
}

// done tells whether the event's offset may be marked.
func (r result) done() bool { return r.outcome != outcomeAborted }

// sender sends one record to a subscription.
type sender struct {
	*delivery.Sender
}

// send delivers msg and tells how it ended. ending tells whether the session is
// ending, when the delivery gives up rather than retry; ctx is cancelled when
// the attempts in flight must stop.
func (s sender) send(ctx context.Context, sub *subscription, msg *sarama.ConsumerMessage, ending func() bool) result {
	start := time.Now()
	d := s.Send(traceContext(ctx, msg), &recordMessage{msg: msg}, &sub.Spec, ending)
	r := result{duration: time.Since(start), err: d.Err, statusCode: d.SubscriberStatus, retries: max(d.SubscriberAttempts-1, 0)}
	switch {
	case d.Err != nil && (errors.Is(d.Err, delivery.ErrStopped) || ctx.Err() != nil):
		r.outcome = outcomeAborted
	case d.Err != nil:
		r.outcome = outcomeDropped
	case d.DeadLettered:
		r.outcome = outcomeDeadLettered
	default:
		r.outcome = outcomeDelivered
	}
	return r
}

// decode reads a record as a CloudEvents message (binary or structured mode).
func decode(msg *sarama.ConsumerMessage) *kafka_sarama.Message {
	m := kafka_sarama.NewMessageFromConsumerMessage(msg)
	for _, k := range kafkaExtensions {
		delete(m.Headers, k)
	}
	return m
}

// traceContext makes the trace context carried in the record's headers
// (traceparent, tracestate) the parent of the delivery's spans.
func traceContext(ctx context.Context, msg *sarama.ConsumerMessage) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, recordCarrier(msg.Headers))
}

// recordCarrier reads a record's headers for a propagator, under their
// lower-cased names; of headers that differ only in case, the last one
// counts. Propagators read two or three keys: looking them up in the
// headers, rather than copying every header into a map first, spares a
// dozen allocations per event.
type recordCarrier []*sarama.RecordHeader

var _ propagation.TextMapCarrier = recordCarrier(nil)

func (c recordCarrier) Get(key string) string {
	value := ""
	for _, h := range c {
		if lowerEquals(h.Key, key) {
			value = string(h.Value)
		}
	}
	return value
}

// Set does nothing: the carrier is only extracted from.
func (recordCarrier) Set(string, string) {}

func (c recordCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for _, h := range c {
		if k := strings.ToLower(string(h.Key)); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// lowerEquals tells whether name, lower-cased, is key. Header names are
// ASCII: a byte of a non-ASCII name never equals one of an ASCII key.
func lowerEquals(name []byte, key string) bool {
	if len(name) != len(key) {
		return false
	}
	for i, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b != key[i] {
			return false
		}
	}
	return true
}
