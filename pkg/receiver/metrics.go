package receiver

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"knative.dev/eventing/pkg/channel"
	"knative.dev/eventing/pkg/observability"

	"github.com/knative-kafka/knative-kafka/pkg/telemetry"
)

// ScopeName is the OpenTelemetry instrumentation scope of the receiver's metrics.
const ScopeName = "github.com/knative-kafka/knative-kafka/pkg/receiver"

const (
	eventsMetric          = "kn.kafkachannel.receiver.events"
	produceDurationMetric = "kn.kafkachannel.receiver.produce.duration"
)

var (
	statusCodeKey = attribute.Key("http.response.status_code")
	errorTypeKey  = attribute.Key("error.type")
)

// metrics are the receiver's OpenTelemetry instruments.
type metrics struct {
	events  metric.Int64Counter
	produce metric.Float64Histogram
	series  telemetry.Series[seriesKey]
}

func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	meter := mp.Meter(ScopeName)
	events, err := meter.Int64Counter(eventsMetric,
		metric.WithDescription("Requests to the receiver, by channel and response code"),
		metric.WithUnit("{event}"))
	if err != nil {
		return nil, err
	}
	produce, err := meter.Float64Histogram(produceDurationMetric,
		metric.WithDescription("Time from handing a record to Kafka until its ack or error"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
	if err != nil {
		return nil, err
	}
	return &metrics{events: events, produce: produce}, nil
}

// recordEvent counts one answered request. ref is nil when the request named
// no known channel: sender-chosen names must not become attribute values,
// or anyone could blow up the metrics' cardinality.
func (m *metrics) recordEvent(ctx context.Context, ref *channel.ChannelReference, code int) {
	key := seriesKey{code: code}
	if ref != nil {
		key.channel = *ref
	}
	m.events.Add(ctx, 1, m.series.Get(key, key.attributes))
}

func (m *metrics) recordProduce(ctx context.Context, ref channel.ChannelReference, took time.Duration, err error) {
	key := seriesKey{channel: ref, produce: true}
	if err != nil {
		key.errorType = errorType(err)
	}
	m.produce.Record(ctx, took.Seconds(), m.series.Get(key, key.attributes))
}

// seriesKey names one series of one of the instruments.
type seriesKey struct {
	// channel is zero for a request that named no known channel.
	channel   channel.ChannelReference
	produce   bool
	code      int
	errorType string
}

func (k seriesKey) attributes() attribute.Set {
	attrs := make([]attribute.KeyValue, 0, 3)
	if k.channel != (channel.ChannelReference{}) {
		attrs = append(attrs, observability.ChannelNamespace.With(k.channel.Namespace), observability.ChannelName.With(k.channel.Name))
	}
	if !k.produce {
		attrs = append(attrs, statusCodeKey.Int(k.code))
	} else if k.errorType != "" {
		attrs = append(attrs, errorTypeKey.String(k.errorType))
	}
	return attribute.NewSet(attrs...)
}

// errorType is a low-cardinality name for a produce error.
func errorType(err error) string {
	switch {
	case errors.Is(err, errProduceTimeout):
		return "timeout"
	case errors.Is(err, errNotConnected):
		return "not_connected"
	case isTooLarge(err):
		return "too_large"
	}
	return "unavailable"
}
