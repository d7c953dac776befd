package kafkachannel

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	kclisters "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/telemetry"
)

// The lag gauge follows Kafka, not the dispatcher: records nobody consumes
// (a stalled partition, a dead dispatcher) make it grow at the next
// measurement, and a subscriber that left is no longer reported.
func TestLagMeterReportsWhatKafkaHolds(t *testing.T) {
	const topic = "knative-messaging-kafka.ns.ch"
	b := kafkatest.Start(t, kfake.SeedTopics(2, topic))
	adm, err := admin.NewKafka(b.Addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	channels := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	kc := &v1beta1.KafkaChannel{}
	kc.Namespace, kc.Name, kc.Status.TopicName = "ns", "ch", topic
	kc.Spec.Subscribers = []eventingduckv1.SubscriberSpec{{UID: types.UID("a")}}
	must(t, channels.Add(kc))
	reader := sdkmetric.NewManualReader()
	var kafkaDown error
	l, err := newLagMeter(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)), kclisters.NewKafkaChannelLister(channels),
		func() (admin.LagReader, error) { return adm, kafkaDown }, zap.NewNop().Sugar())
	must(t, err)
	group := contract.ConsumerGroup("ns", "ch", "a")
	ctx := context.Background()

	kafkatest.Produce(t, b.Addrs, topic, 0, 5)
	kafkatest.CommitAt(t, b.Addrs, group, topic, map[int32]int64{0: 5, 1: 0})
	l.measure(ctx)
	checkLag(t, reader, group, map[int]int64{0: 0, 1: 0})

	kafkatest.Produce(t, b.Addrs, topic, 1, 7) // no consumer reads them
	checkLag(t, reader, group, map[int]int64{0: 0, 1: 0})
	l.measure(ctx)
	checkLag(t, reader, group, map[int]int64{0: 0, 1: 7})

	// While Kafka cannot be asked, no figure rather than a stale one.
	kafkaDown = errors.New("no Kafka admin")
	l.measure(ctx)
	checkLag(t, reader, group, map[int]int64{})
	kafkaDown = nil
	l.measure(ctx)
	checkLag(t, reader, group, map[int]int64{0: 0, 1: 7})

	kc = kc.DeepCopy()
	kc.Spec.Subscribers = nil
	must(t, channels.Update(kc))
	l.measure(ctx)
	checkLag(t, reader, group, map[int]int64{})
}

// checkLag compares the gauge's points of group, by partition, with want.
func checkLag(t *testing.T, reader sdkmetric.Reader, group string, want map[int]int64) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	must(t, reader.Collect(context.Background(), &rm))
	got := map[int]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			gauge, ok := m.Data.(metricdata.Gauge[int64])
			if m.Name != "kn.kafkachannel.consumer.lag" || !ok {
				continue
			}
			for _, dp := range gauge.DataPoints {
				g, _ := dp.Attributes.Value(telemetry.ConsumerGroup)
				p, _ := dp.Attributes.Value(telemetry.Partition)
				if g.AsString() == group {
					got[int(p.AsInt64())] = dp.Value
				}
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("lag of %s by partition: %v, want %v", group, got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
