package dispatcher

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	zapobserver "go.uber.org/zap/zaptest/observer"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
)

func TestStalledPartitionIsReported(t *testing.T) {
	core, logs := zapobserver.New(zapcore.WarnLevel)
	reader := sdkmetric.NewManualReader()
	m, err := newMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	spec := subscriber("a", "http://127.0.0.1:1")
	timeout, delay, retries, policy := "PT1S", "PT0.5S", int32(2), eventingduckv1.BackoffPolicyLinear
	spec.Delivery = &eventingduckv1.DeliverySpec{Timeout: &timeout, Retry: &retries, BackoffPolicy: &policy, BackoffDelay: &delay}
	sub, err := newSubscription(channel(""), spec)
	if err != nil {
		t.Fatal(err)
	}
	// Three attempts of 1 s, and backoffs of 0.5 s and 1 s between them.
	const cycle = 4500 * time.Millisecond

	c := &consumer{group: "kafka.ns.ch.a", channel: channel(""), logger: zap.New(core), metrics: m, attrs: attribute.NewSet()}
	c.sub.Store(sub)
	p := &partition{c: c, id: 3, window: newWindow(roomy), stalled: -1, abortCtx: context.Background()}
	mustAdd(t, p.window, 1, 7, 8)
	_, since, _ := p.window.head()

	p.checkStall(since.Add(cycle))
	if logs.Len() != 0 {
		t.Fatalf("warned within the retry cycle: %v", logs.All())
	}
	p.checkStall(since.Add(cycle + time.Millisecond))
	p.checkStall(since.Add(2 * cycle)) // once per event
	checkStallWarnings(t, logs, 7)

	// The next event gets its own warning when it stalls in turn.
	p.window.finish(7)
	_, since, _ = p.window.head()
	p.checkStall(since.Add(cycle + time.Millisecond))
	checkStallWarnings(t, logs, 7, 8)
	if n := counterValue(t, reader, "kn.kafkachannel.dispatch.stalled", ""); n != 2 {
		t.Errorf("stalled counted %d, want 2", n)
	}
}

func checkStallWarnings(t *testing.T, logs *zapobserver.ObservedLogs, offsets ...int64) {
	t.Helper()
	entries := logs.All()
	if len(entries) != len(offsets) {
		t.Fatalf("%d warnings, want %d: %v", len(entries), len(offsets), entries)
	}
	for i, e := range entries {
		fields := e.ContextMap()
		if fields["channel"] != "ns/ch" || fields["group"] != "kafka.ns.ch.a" || fields["partition"] != int32(3) || fields["offset"] != offsets[i] {
			t.Errorf("warning %q with %v, want channel ns/ch, group kafka.ns.ch.a, partition 3, offset %d", e.Message, fields, offsets[i])
		}
	}
}

func TestRetryCycle(t *testing.T) {
	exponential, linear := eventingduckv1.BackoffPolicyExponential, eventingduckv1.BackoffPolicyLinear
	spec := func(timeout string, retries int32, policy *eventingduckv1.BackoffPolicyType, retryAfterMax string) *eventingduckv1.DeliverySpec {
		delay := "PT1S"
		d := &eventingduckv1.DeliverySpec{Retry: &retries, BackoffPolicy: policy, BackoffDelay: &delay}
		if timeout != "" {
			d.Timeout = &timeout
		}
		if retryAfterMax != "" {
			d.RetryAfterMax = &retryAfterMax
		}
		return d
	}
	for name, tc := range map[string]struct {
		delivery *eventingduckv1.DeliverySpec
		want     time.Duration
	}{
		"linear":                    {spec("PT2S", 3, &linear, ""), 4*2*time.Second + (1+2+3)*time.Second},
		"exponential":               {spec("PT2S", 3, &exponential, ""), 4*2*time.Second + (2+4+8)*time.Second},
		"retry-after above backoff": {spec("PT2S", 2, &linear, "PT10S"), 3*2*time.Second + 2*10*time.Second},
		"no timeout":                {spec("", 3, &linear, ""), never},
		"overflowing backoff":       {spec("PT2S", 100, &exponential, ""), never},
	} {
		sub := subscriber("a", "http://127.0.0.1:1")
		sub.Delivery = tc.delivery
		s, err := newSubscription(channel(""), sub)
		if err != nil {
			t.Fatal(err)
		}
		if got := retryCycle(s.Retry); got != tc.want {
			t.Errorf("%s: retry cycle %v, want %v", name, got, tc.want)
		}
	}
}

// A claimed partition's dead-letter, retry and stall counters are exported at
// 0 before anything happens: a counter series that first appears at 1 hides
// that first increase from Prometheus' rate() and increase(), so an alert on
// the first dead letter or stall would never fire.
func TestRareCountersStartAtZero(t *testing.T) {
	e := newEnv(t, 1)
	reader := sdkmetric.NewManualReader()
	d := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err := d.Reconcile(channel("", subscriber("a", newSink(t, nil).URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	for _, name := range []string{"kn.kafkachannel.dispatch.dead_lettered", "kn.kafkachannel.dispatch.retries", "kn.kafkachannel.dispatch.stalled"} {
		waitFor(t, name+" exported", func() bool {
			points, total := counterPoints(t, reader, name)
			return points > 0 && total == 0
		})
	}
}

// counterPoints counts an Int64 counter's points and sums their values.
func counterPoints(t *testing.T, reader sdkmetric.Reader, name string) (points int, total int64) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, dp := range sum.DataPoints {
					points++
					total += dp.Value
				}
			}
		}
	}
	return points, total
}
