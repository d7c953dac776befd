package receiver

import (
	"context"

	"github.com/IBM/sarama"
	kafkasarama "github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	"go.opentelemetry.io/otel/propagation"
)

// traceContext carries W3C trace context (traceparent, tracestate) into
// record headers, whatever global propagator the process configured.
var traceContext = propagation.TraceContext{}

// newRecord encodes ev for topic in the CloudEvents Kafka binding's binary
// mode (ce_* headers, data as value), with the trace context of ctx.
//
// Key: the partitionkey extension (set by WriteProducerMessage), else the
// subject, else none, which spreads records over the partitions.
func newRecord(ctx context.Context, topic string, ev *event.Event) (*sarama.ProducerMessage, error) {
	msg := &sarama.ProducerMessage{Topic: topic}
	if err := kafkasarama.WriteProducerMessage(binding.WithForceBinary(ctx), binding.ToMessage(ev), msg); err != nil {
		return nil, err
	}
	if msg.Key == nil && ev.Subject() != "" {
		msg.Key = sarama.StringEncoder(ev.Subject())
	}
	// After WriteProducerMessage, which starts the header list afresh.
	traceContext.Inject(ctx, recordHeaders{msg})
	return msg, nil
}

// recordHeaders is a propagation.TextMapCarrier over a record's headers.
type recordHeaders struct {
	msg *sarama.ProducerMessage
}

var _ propagation.TextMapCarrier = recordHeaders{}

func (h recordHeaders) Get(key string) string {
	for _, hd := range h.msg.Headers {
		if string(hd.Key) == key {
			return string(hd.Value)
		}
	}
	return ""
}

func (h recordHeaders) Set(key, value string) {
	for i, hd := range h.msg.Headers {
		if string(hd.Key) == key {
			h.msg.Headers[i].Value = []byte(value)
			return
		}
	}
	h.msg.Headers = append(h.msg.Headers, sarama.RecordHeader{Key: []byte(key), Value: []byte(value)})
}

func (h recordHeaders) Keys() []string {
	keys := make([]string, len(h.msg.Headers))
	for i, hd := range h.msg.Headers {
		keys[i] = string(hd.Key)
	}
	return keys
}
