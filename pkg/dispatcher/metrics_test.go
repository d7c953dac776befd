package dispatcher

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"k8s.io/apimachinery/pkg/types"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/telemetry"
)

// Subscribers come and go on a replica: the series of each one's group are
// exported while it runs and no longer once it stopped, so that the series a
// replica exports stay within the SDK's per-instrument cardinality limit
// whatever the churn.
func TestMetricSeriesLeaveWithTheirGroup(t *testing.T) {
	const cycles = 4
	e := newEnv(t, 1)
	reader := sdkmetric.NewManualReader()
	d := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	s := newSink(t, nil)
	var running int
	for i := range cycles {
		uid := fmt.Sprintf("s%d", i)
		group := contract.ConsumerGroup(testNamespace, testChannel, uid)
		if err := d.Reconcile(channel("", subscriber(uid, s.URL))); err != nil {
			t.Fatal(err)
		}
		e.waitReady(types.UID(uid))
		ids := e.produce(1, i, i+1, uid)
		waitFor(t, "the event of "+uid, func() bool { return s.hasAll(ids) })
		waitFor(t, "the series of "+group, func() bool { return seriesOf(t, reader)[group] > 0 })
		if running == 0 {
			running = seriesOf(t, reader)[group]
		}

		// The next subscriber replaces this one.
		if err := d.Reconcile(channel("")); err != nil {
			t.Fatal(err)
		}
		series := seriesOf(t, reader)
		if n := series[group]; n > 0 {
			t.Errorf("%s stopped, yet %d of its series are exported", group, n)
		}
		total := 0
		for _, n := range series {
			total += n
		}
		if total > running {
			t.Errorf("after %d subscribers came and went, %d series are exported; one group running had %d", i+1, total, running)
		}
	}
}

// seriesOf counts the dispatcher's exported series by consumer group ("" for
// those of no group).
func seriesOf(t *testing.T, reader sdkmetric.Reader) map[string]int {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	count := func(attrs attribute.Set) {
		v, _ := attrs.Value(telemetry.ConsumerGroup)
		out[v.AsString()]++
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != meterName {
			continue
		}
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					count(dp.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					count(dp.Attributes)
				}
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return out
}
