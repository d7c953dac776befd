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

// metrics are the dispatcher's OpenTelemetry instruments. A consumer group's
// series are reported while it runs on this replica, and no longer once it
// stopped (forget): with subscribers coming and going, series kept for the
// life of the process would pass the SDK's per-instrument cardinality limit,
// past which new series merge into one overflow series that no per-group alert
// sees. The SDK never drops a synchronous instrument's series, so the counters
// are observable ones, reported from the counts kept here; the latency
// histogram, which has no observable kind, is per outcome and response code
// only, a bounded set.
type metrics struct {
	latency metric.Float64Histogram
	// latencySets are the histogram's attribute sets, by outcome and status code.
	latencySets telemetry.Series[outcomeKey]

	events, retries, deadLettered, stalled                  metric.Int64ObservableCounter
	eventCounts, retryCounts, deadLetterCounts, stallCounts telemetry.Counters[seriesKey]
}

// seriesKey is one series of a group's counters: its group, and the outcome,
// status code or partition the instrument counts by, if any.
type seriesKey struct {
	group string
	outcomeKey
	partition int32
}

type outcomeKey struct {
	outcome    string
	statusCode int
}

func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	m := mp.Meter(meterName)
	var (
		ms  metrics
		err error
	)
	if ms.latency, err = m.Float64Histogram("kn.kafkachannel.dispatch.duration",
		metric.WithDescription("Time to deliver one event, retries, reply and dead-letter included, by outcome and the subscriber's last response code"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)); err != nil {
		return nil, err
	}
	if ms.events, err = m.Int64ObservableCounter("kn.kafkachannel.dispatch.events",
		metric.WithDescription("Events whose delivery ended, by outcome and the subscriber's last response code"),
		metric.WithUnit("{event}")); err != nil {
		return nil, err
	}
	if ms.retries, err = m.Int64ObservableCounter("kn.kafkachannel.dispatch.retries",
		metric.WithDescription("Delivery attempts to subscribers beyond the first"),
		metric.WithUnit("{attempt}")); err != nil {
		return nil, err
	}
	if ms.deadLettered, err = m.Int64ObservableCounter("kn.kafkachannel.dispatch.dead_lettered",
		metric.WithDescription("Events sent to a dead-letter sink after their retries"),
		metric.WithUnit("{event}")); err != nil {
		return nil, err
	}
	if ms.stalled, err = m.Int64ObservableCounter("kn.kafkachannel.dispatch.stalled",
		metric.WithDescription("Events that held their partition for longer than their whole retry cycle"),
		metric.WithUnit("{event}")); err != nil {
		return nil, err
	}
	// The registration lasts as long as the process's Dispatcher.
	if _, err = m.RegisterCallback(ms.observe, ms.events, ms.retries, ms.deadLettered, ms.stalled); err != nil {
		return nil, err
	}
	return &ms, nil
}

func (m *metrics) observe(_ context.Context, o metric.Observer) error {
	m.eventCounts.Observe(o, m.events)
	m.retryCounts.Observe(o, m.retries)
	m.deadLetterCounts.Observe(o, m.deadLettered)
	m.stallCounts.Observe(o, m.stalled)
	return nil
}

// recordDelivery records the end of one of group's deliveries; base are the group's attributes.
func (m *metrics) recordDelivery(ctx context.Context, group string, base attribute.Set, r result) {
	outcome := outcomeKey{r.outcome, r.statusCode}
	m.latency.Record(ctx, r.duration.Seconds(), m.latencySets.Get(outcome, func() attribute.Set {
		return attribute.NewSet(outcome.attributes()...)
	}))
	m.eventCounts.Add(seriesKey{group: group, outcomeKey: outcome}, 1, func() attribute.Set {
		return attribute.NewSet(append(base.ToSlice(), outcome.attributes()...)...)
	})
	if r.retries > 0 {
		m.retryCounts.Add(seriesKey{group: group}, int64(r.retries), same(base))
	}
	if r.outcome == outcomeDeadLettered {
		m.deadLetterCounts.Add(seriesKey{group: group}, 1, same(base))
	}
}

// initPartition sets a claimed partition's rare counters to 0: a counter
// series that first appears at 1 hides its first increase from Prometheus'
// rate() and increase(), and so from the alerts on dead letters and stalls.
func (m *metrics) initPartition(group string, base attribute.Set, partition int32) {
	m.deadLetterCounts.Add(seriesKey{group: group}, 0, same(base))
	m.retryCounts.Add(seriesKey{group: group}, 0, same(base))
	m.addStalls(group, base, partition, 0)
}

// recordStall records that a partition's oldest event outlived its retry cycle.
func (m *metrics) recordStall(group string, base attribute.Set, partition int32) {
	m.addStalls(group, base, partition, 1)
}

func (m *metrics) addStalls(group string, base attribute.Set, partition int32, n int64) {
	m.stallCounts.Add(seriesKey{group: group, partition: partition}, n, func() attribute.Set {
		return attribute.NewSet(append(base.ToSlice(), telemetry.Partition.Int(int(partition)))...)
	})
}

// forget stops reporting group's series: it no longer runs on this replica.
// A group that comes back starts its counters from 0 again, which Prometheus
// takes as a counter reset.
func (m *metrics) forget(group string) {
	ofGroup := func(k seriesKey) bool { return k.group == group }
	for _, c := range []*telemetry.Counters[seriesKey]{&m.eventCounts, &m.retryCounts, &m.deadLetterCounts, &m.stallCounts} {
		c.DeleteFunc(ofGroup)
	}
}

func (k outcomeKey) attributes() []attribute.KeyValue {
	return []attribute.KeyValue{attrOutcome.String(k.outcome), attrStatusCode.Int(k.statusCode)}
}

// same builds a series with the group's own attributes.
func same(base attribute.Set) func() attribute.Set {
	return func() attribute.Set { return base }
}
