package dispatcher

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/knative-kafka/knative-kafka/pkg/telemetry"
)

// meterName scopes the dispatcher's instruments.
const meterName = "github.com/knative-kafka/knative-kafka/pkg/dispatcher"

// Outcomes of one event's delivery, the "outcome" attribute of the event counter.
const (
	outcomeDelivered    = "delivered"
	outcomeDeadLettered = "dead_lettered"
	outcomeDropped      = "dropped"
	// outcomeAborted: the session ended first; the event is not marked and is redelivered.
	outcomeAborted = "aborted"
)

// Attribute keys, following the OpenTelemetry messaging and HTTP conventions.
var (
	attrStatusCode = attribute.Key("http.response.status_code")
	attrOutcome    = attribute.Key("kn.kafkachannel.outcome")
)

// metrics are the dispatcher's OpenTelemetry instruments.
type metrics struct {
	latency      metric.Float64Histogram
	events       metric.Int64Counter
	retries      metric.Int64Counter
	deadLettered metric.Int64Counter
	stalled      metric.Int64Counter
}

func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	m := mp.Meter(meterName)
	var (
		ms  metrics
		err error
	)
	if ms.latency, err = m.Float64Histogram("kn.kafkachannel.dispatch.duration",
		metric.WithDescription("Time to deliver one event, retries, reply and dead-letter included"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)); err != nil {
		return nil, err
	}
	if ms.events, err = m.Int64Counter("kn.kafkachannel.dispatch.events",
		metric.WithDescription("Events whose delivery ended, by outcome and the subscriber's last response code"),
		metric.WithUnit("{event}")); err != nil {
		return nil, err
	}
	if ms.retries, err = m.Int64Counter("kn.kafkachannel.dispatch.retries",
		metric.WithDescription("Delivery attempts to subscribers beyond the first"),
		metric.WithUnit("{attempt}")); err != nil {
		return nil, err
	}
	if ms.deadLettered, err = m.Int64Counter("kn.kafkachannel.dispatch.dead_lettered",
		metric.WithDescription("Events sent to a dead-letter sink after their retries"),
		metric.WithUnit("{event}")); err != nil {
		return nil, err
	}
	if ms.stalled, err = m.Int64Counter("kn.kafkachannel.dispatch.stalled",
		metric.WithDescription("Events that held their partition for longer than their whole retry cycle"),
		metric.WithUnit("{event}")); err != nil {
		return nil, err
	}
	return &ms, nil
}

// recordDelivery records the end of one event's delivery.
func (m *metrics) recordDelivery(ctx context.Context, base attribute.Set, outcomes *outcomeSets, r result) {
	set := outcomeSet(outcomes, base, r.outcome, r.statusCode)
	m.latency.Record(ctx, r.duration.Seconds(), set)
	m.events.Add(ctx, 1, set)
	if r.retries > 0 {
		m.retries.Add(ctx, int64(r.retries), metric.WithAttributeSet(base))
	}
	if r.outcome == outcomeDeadLettered {
		m.deadLettered.Add(ctx, 1, metric.WithAttributeSet(base))
	}
}

// initPartition sets a claimed partition's rare counters to 0: a counter
// series that first appears at 1 hides its first increase from Prometheus'
// rate() and increase(), and so from the alerts on dead letters and stalls.
func (m *metrics) initPartition(ctx context.Context, base attribute.Set, partition int32) {
	m.deadLettered.Add(ctx, 0, metric.WithAttributeSet(base))
	m.retries.Add(ctx, 0, metric.WithAttributeSet(base))
	m.stalled.Add(ctx, 0, withPartition(base, partition))
}

// recordStall records that a partition's oldest event outlived its retry cycle.
func (m *metrics) recordStall(ctx context.Context, base attribute.Set, partition int32) {
	m.stalled.Add(ctx, 1, withPartition(base, partition))
}

func withPartition(base attribute.Set, partition int32) metric.MeasurementOption {
	return metric.WithAttributes(append(base.ToSlice(), telemetry.Partition.Int(int(partition)))...)
}

// outcomeSets keeps the attribute sets of one consumer group's delivery
// outcomes: a group's deliveries end in a handful of (outcome, status code)
// pairs.
type outcomeSets = telemetry.Series[outcomeKey]

type outcomeKey struct {
	outcome    string
	statusCode int
}

// outcomeSet is base with the outcome and status code of one delivery.
func outcomeSet(sets *outcomeSets, base attribute.Set, outcome string, statusCode int) metric.MeasurementOption {
	return sets.Get(outcomeKey{outcome, statusCode}, func() attribute.Set {
		return attribute.NewSet(append(base.ToSlice(), attrOutcome.String(outcome), attrStatusCode.Int(statusCode))...)
	})
}
