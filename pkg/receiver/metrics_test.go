package receiver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

func TestMetrics(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	reader := sdkmetric.NewManualReader()
	r := startReceiver(t, testOptions{
		lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs,
		meter: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)), waitReady: true,
	})
	for range 2 {
		mustDo(t, binaryEvent(t, r.channelURL(), "ok", nil, "{}"))
	}
	mustDo(t, binaryEvent(t, r.url+"/ns/unknown", "x", nil, "{}"))
	// Nor may a Host header the sender chose.
	byHost := binaryEvent(t, r.url+"/", "x", nil, "{}")
	byHost.Host = "sender-chosen-4711.example"
	mustDo(t, byHost)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	events := counts(t, find(t, rm, eventsMetric))
	known := attribute.NewSet(
		attribute.String("kn.channel.namespace", testNS), attribute.String("kn.channel.name", testChannel),
		statusCodeKey.Int(http.StatusAccepted))
	// An unknown channel's name must not become an attribute value.
	unknown := attribute.NewSet(statusCodeKey.Int(http.StatusNotFound))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if strings.Contains(fmt.Sprintf("%+v", m.Data), "sender-chosen-4711") {
				t.Errorf("metric %s of %s carries the request's Host header", m.Name, sm.Scope.Name)
			}
		}
	}
	if events[known] != 2 || events[unknown] != 2 {
		t.Errorf("events = %v, want 2 x %v and 2 x %v", events, known.Encoded(attribute.DefaultEncoder()), unknown.Encoded(attribute.DefaultEncoder()))
	}
	hist, ok := find(t, rm, produceDurationMetric).Data.(metricdata.Histogram[float64])
	if !ok || len(hist.DataPoints) != 1 || hist.DataPoints[0].Count != 2 {
		t.Errorf("produce duration = %+v, want one series of 2 samples", hist)
	}
}

func find(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Metrics{}
}

func counts(t *testing.T, m metricdata.Metrics) map[attribute.Set]int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is %T, want a sum", m.Name, m.Data)
	}
	out := map[attribute.Set]int64{}
	for _, dp := range sum.DataPoints {
		out[dp.Attributes] = dp.Value
	}
	return out
}
