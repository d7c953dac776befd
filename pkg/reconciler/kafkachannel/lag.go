package kafkachannel

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	kclisters "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/telemetry"
)

// LagInterval is how often the controller measures every subscriber's lag.
const LagInterval = 30 * time.Second

// meterName scopes the controller's instruments.
const meterName = "github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel"

// lagMeter measures, on a timer, how many records of each partition every
// subscriber's consumer group has not committed, from Kafka's committed
// offsets and high-water marks. A dispatcher only sees the lag of what it
// reads, so a stalled partition or a dead dispatcher would show none; Kafka
// shows it growing. The gauge reports the last measurement; a subscriber or
// channel that is gone leaves it, and so does everything while Kafka cannot
// be asked.
type lagMeter struct {
	channels kclisters.KafkaChannelLister
	// admin is the Admin of the Kafka configuration in force, or an error.
	admin  func() (admin.LagReader, error)
	logger *zap.SugaredLogger

	mu   sync.Mutex
	last map[lagKey]int64
}

type lagKey struct {
	topic, group string
	partition    int32
}

func newLagMeter(mp metric.MeterProvider, channels kclisters.KafkaChannelLister, adm func() (admin.LagReader, error), logger *zap.SugaredLogger) (*lagMeter, error) {
	l := &lagMeter{channels: channels, admin: adm, logger: logger}
	_, err := mp.Meter(meterName).Int64ObservableGauge("kn.kafkachannel.consumer.lag",
		metric.WithDescription("Records of a partition that a subscriber's consumer group has not committed, measured every 30 s"),
		metric.WithUnit("{record}"),
		metric.WithInt64Callback(l.observe))
	return l, err
}

// run measures every interval until ctx ends.
func (l *lagMeter) run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		l.measure(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// measure reads the lag of every subscriber of every channel with a topic.
func (l *lagMeter) measure(ctx context.Context) {
	adm, err := l.admin()
	if err != nil {
		// No figures rather than stale ones, which would hide a growing lag.
		l.logger.Debugw("Consumer lag not measured: no Kafka admin", zap.Error(err))
		l.report(nil)
		return
	}
	channels, err := l.channels.List(labels.Everything())
	if err != nil {
		return
	}
	next := map[lagKey]int64{}
	for _, kc := range channels {
		groups := subscriberGroups(kc)
		if len(groups) == 0 {
			continue
		}
		lags, err := adm.Lag(ctx, kc.Status.TopicName, groups)
		if err != nil {
			l.logger.Debugw("Consumer lag not measured", zap.String("topic", kc.Status.TopicName), zap.Error(err))
		}
		for group, lag := range lags {
			for p, n := range lag {
				next[lagKey{topic: kc.Status.TopicName, group: group, partition: p}] = n
			}
		}
	}
	l.report(next)
}

func (l *lagMeter) report(lag map[lagKey]int64) {
	l.mu.Lock()
	l.last = lag
	l.mu.Unlock()
}

// subscriberGroups are the consumer groups of a live channel's subscribers.
func subscriberGroups(kc *v1beta1.KafkaChannel) []string {
	if kc.Status.TopicName == "" || kc.DeletionTimestamp != nil {
		return nil
	}
	groups := make([]string, 0, len(kc.Spec.Subscribers))
	for _, sub := range kc.Spec.Subscribers {
		groups = append(groups, contract.ConsumerGroup(kc.Namespace, kc.Name, string(sub.UID)))
	}
	return groups
}

func (l *lagMeter) observe(_ context.Context, o metric.Int64Observer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, n := range l.last {
		o.Observe(n, metric.WithAttributes(telemetry.Topic.String(k.topic), telemetry.ConsumerGroup.String(k.group), telemetry.Partition.Int(int(k.partition))))
	}
	return nil
}
