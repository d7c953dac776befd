package telemetry

import (
	"context"
	"maps"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// A series deleted from Counters is no longer exported by the SDK; the others
// keep their counts.
func TestCountersDeletedSeriesAreNoLongerExported(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test")
	var c Counters[string]
	counter, err := meter.Int64ObservableCounter("events")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		c.Observe(o, counter)
		return nil
	}, counter); err != nil {
		t.Fatal(err)
	}
	group := func(name string) func() attribute.Set {
		return func() attribute.Set { return attribute.NewSet(ConsumerGroup.String(name)) }
	}
	c.Add("a", 2, group("a"))
	c.Add("a", 1, group("a"))
	c.Add("b", 0, group("b"))
	if got, want := exported(t, reader), map[string]int64{"a": 3, "b": 0}; !maps.Equal(got, want) {
		t.Fatalf("exported %v, want %v", got, want)
	}
	c.DeleteFunc(func(k string) bool { return k == "a" })
	if got, want := exported(t, reader), map[string]int64{"b": 0}; !maps.Equal(got, want) {
		t.Fatalf("after deleting a: exported %v, want %v", got, want)
	}
}

// exported is each consumer group's value of the collected counter.
func exported(t *testing.T, reader sdkmetric.Reader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := dp.Attributes.Value(ConsumerGroup)
				out[v.AsString()] = dp.Value
			}
		}
	}
	return out
}
