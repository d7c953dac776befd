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
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// The ingress span carries Knative's channel attributes; a producer span
// follows the messaging conventions for Kafka; the record carries the
// producer span's context, so the dispatcher's spans descend from it. The
// partition key may be personal data: no span or metric carries its value.
func TestSpans(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(1, testTopic))
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	r := startReceiver(t, testOptions{
		lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true,
		tracer: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		meter:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	})
	const (
		key    = "customer-4711@example.com"
		sender = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	)
	resp := mustDo(t, binaryEvent(t, r.channelURL(), "traced-1", map[string]string{"Ce-Partitionkey": key, "Traceparent": sender}, `{}`))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	var server, producer sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server = s
		case trace.SpanKindProducer:
			producer = s
		}
	}
	if server == nil || producer == nil {
		t.Fatalf("want a server and a producer span, got %d spans", len(spans.Ended()))
	}
	if got := server.Parent(); got.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || got.SpanID().String() != "b7ad6b7169203331" || !got.IsRemote() {
		t.Errorf("server span's parent = %v, want the sender's span of traceparent %s", got, sender)
	}
	wantAttrs(t, server, map[string]string{
		"http.request.method": "POST", "http.response.status_code": "202", "url.path": "/" + testNS + "/" + testChannel,
		"messaging.system": "knative", "messaging.protocol": "http", "messaging.message_id": "traced-1",
		"messaging.destination": "http://" + testChannel + "-kn-channel." + testNS + ".svc.cluster.local",
	})
	wantAttrs(t, producer, map[string]string{
		"messaging.system": "kafka", "messaging.operation.type": "send", "messaging.destination.name": testTopic,
		"messaging.message.id": "traced-1", "messaging.destination.partition.id": "0", "messaging.kafka.offset": "0",
	})
	for _, s := range spans.Ended() {
		for _, kv := range s.Attributes() {
			if strings.Contains(kv.Value.Emit(), key) {
				t.Errorf("span %q attribute %s carries the partition key", s.Name(), kv.Key)
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if dump := fmt.Sprintf("%+v", rm); strings.Contains(dump, key) {
		t.Errorf("a metric carries the partition key: %s", dump)
	}
	if producer.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Error("the producer span is not a child of the server span")
	}
	records := kafkatest.Records(t, broker.Addrs, testTopic)
	tp, _ := header(records[0], "traceparent")
	if !strings.Contains(tp, producer.SpanContext().SpanID().String()) {
		t.Errorf("record traceparent %q does not name the producer span %s", tp, producer.SpanContext().SpanID())
	}
}

func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	got := map[attribute.Key]string{}
	for _, kv := range s.Attributes() {
		got[kv.Key] = kv.Value.Emit()
	}
	for k, v := range want {
		if got[attribute.Key(k)] != v {
			t.Errorf("span %q: %s = %q, want %q", s.Name(), k, got[attribute.Key(k)], v)
		}
	}
}
