package v1beta1

import (
	"context"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// validChannel is a defaulted channel with one subscriber and a delivery spec.
func validChannel() *KafkaChannel {
	return &KafkaChannel{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ch"},
		Spec: KafkaChannelSpec{
			NumPartitions:     3,
			ReplicationFactor: 1,
			RetentionDuration: "PT168H",
			ChannelableSpec: eventingduckv1.ChannelableSpec{
				SubscribableSpec: eventingduckv1.SubscribableSpec{Subscribers: []eventingduckv1.SubscriberSpec{{
					UID:           "uid-1",
					SubscriberURI: apis.HTTP("sink.ns.svc.cluster.local"),
				}}},
				Delivery: &eventingduckv1.DeliverySpec{Retry: ptr.To[int32](3)},
			},
		},
	}
}

// errorPaths lists the field paths of every error in fe, sorted.
func errorPaths(fe *apis.FieldError) []string {
	var out []string
	for _, e := range fe.WrappedErrors() {
		out = append(out, e.Paths...)
	}
	sort.Strings(out)
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*KafkaChannel)
		wantPaths []string
	}{{
		name:   "valid",
		mutate: func(*KafkaChannel) {},
	}, {
		name:      "zero partitions",
		mutate:    func(c *KafkaChannel) { c.Spec.NumPartitions = 0 },
		wantPaths: []string{"spec.numPartitions"},
	}, {
		name:      "negative replication factor",
		mutate:    func(c *KafkaChannel) { c.Spec.ReplicationFactor = -1 },
		wantPaths: []string{"spec.replicationFactor"},
	}, {
		name:      "retention not ISO-8601",
		mutate:    func(c *KafkaChannel) { c.Spec.RetentionDuration = "168h" },
		wantPaths: []string{"spec.retentionDuration"},
	}, {
		name:      "retention zero",
		mutate:    func(c *KafkaChannel) { c.Spec.RetentionDuration = "PT0S" },
		wantPaths: []string{"spec.retentionDuration"},
	}, {
		name:      "subscriber without uid",
		mutate:    func(c *KafkaChannel) { c.Spec.Subscribers[0].UID = "" },
		wantPaths: []string{"spec.subscribers[0].uid"},
	}, {
		name:      "subscriber without any URI",
		mutate:    func(c *KafkaChannel) { c.Spec.Subscribers[0].SubscriberURI = nil },
		wantPaths: []string{"spec.subscribers[0].subscriberUri"},
	}, {
		// Eventing v0.50's Subscription requires spec.subscriber, so its
		// reconciler never writes a reply-only subscriber, and the dispatcher
		// has nowhere to send one's events: refused, as the dispatcher does.
		name: "subscriber with only a reply URI",
		mutate: func(c *KafkaChannel) {
			c.Spec.Subscribers[0].SubscriberURI = nil
			c.Spec.Subscribers[0].ReplyURI = apis.HTTP("reply.ns.svc.cluster.local")
		},
		wantPaths: []string{"spec.subscribers[0].subscriberUri"},
	}, {
		name: "subscriber delivery with a bad backoff policy",
		mutate: func(c *KafkaChannel) {
			bad := eventingduckv1.BackoffPolicyType("random")
			c.Spec.Subscribers[0].Delivery = &eventingduckv1.DeliverySpec{BackoffPolicy: &bad}
		},
		wantPaths: []string{"spec.subscribers[0].delivery.backoffPolicy"},
	}, {
		name:      "channel delivery with negative retries",
		mutate:    func(c *KafkaChannel) { c.Spec.Delivery.Retry = ptr.To[int32](-1) },
		wantPaths: []string{"spec.delivery.retry"},
	}, {
		name: "dead-letter sink with neither ref nor uri",
		mutate: func(c *KafkaChannel) {
			c.Spec.Delivery.DeadLetterSink = &duckv1.Destination{}
		},
		wantPaths: []string{"spec.delivery.deadLetterSink.ref", "spec.delivery.deadLetterSink.uri"},
	}, {
		name: "unordered delivery annotation",
		mutate: func(c *KafkaChannel) {
			c.Annotations = map[string]string{DeliveryOrderAnnotation: "unordered:8"}
		},
	}, {
		name: "bad delivery-order annotation",
		mutate: func(c *KafkaChannel) {
			c.Annotations = map[string]string{DeliveryOrderAnnotation: "sometimes"}
		},
		// knative.dev/pkg splits paths on dots, so a dotted key prints as ".[key]" rather than "[key]".
		wantPaths: []string{"metadata.annotations.[knative-kafka.dev/delivery-order]"},
	}, {
		name: "dedicated dispatcher annotation",
		mutate: func(c *KafkaChannel) {
			c.Annotations = map[string]string{DispatcherAnnotation: DedicatedDispatcher}
		},
	}, {
		name: "bad dispatcher annotation",
		mutate: func(c *KafkaChannel) {
			c.Annotations = map[string]string{DispatcherAnnotation: "own"}
		},
		wantPaths: []string{"metadata.annotations.[knative-kafka.dev/dispatcher]"},
	}, {
		name: "every bad field reported at once",
		mutate: func(c *KafkaChannel) {
			c.Spec.NumPartitions, c.Spec.ReplicationFactor, c.Spec.RetentionDuration = -1, 0, ""
		},
		wantPaths: []string{"spec.numPartitions", "spec.replicationFactor", "spec.retentionDuration"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validChannel()
			tc.mutate(c)
			got := errorPaths(c.Validate(context.Background()))
			if diff := cmp.Diff(tc.wantPaths, got); diff != "" {
				t.Errorf("error paths (-want +got):\n%s\nerror: %v", diff, c.Validate(context.Background()))
			}
		})
	}
}

func TestValidateImmutability(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*KafkaChannel)
		wantPaths []string
	}{{
		name: "subscribers and delivery may change",
		mutate: func(c *KafkaChannel) {
			c.Spec.Subscribers = nil
			c.Spec.Delivery.Retry = ptr.To[int32](10)
		},
	}, {
		name:   "partitions may grow",
		mutate: func(c *KafkaChannel) { c.Spec.NumPartitions = 12 },
	}, {
		name:      "partitions may not shrink",
		mutate:    func(c *KafkaChannel) { c.Spec.NumPartitions = 2 },
		wantPaths: []string{"spec.numPartitions"},
	}, {
		name:      "replication factor is immutable",
		mutate:    func(c *KafkaChannel) { c.Spec.ReplicationFactor = 3 },
		wantPaths: []string{"spec.replicationFactor"},
	}, {
		name:      "retention is immutable",
		mutate:    func(c *KafkaChannel) { c.Spec.RetentionDuration = "P14D" },
		wantPaths: []string{"spec.retentionDuration"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			original, updated := validChannel(), validChannel()
			tc.mutate(updated)
			ctx := apis.WithinUpdate(context.Background(), original)
			got := errorPaths(updated.Validate(ctx))
			if diff := cmp.Diff(tc.wantPaths, got); diff != "" {
				t.Errorf("error paths (-want +got):\n%s", diff)
			}
			// Outside an update there is no baseline, so no immutability error.
			if tc.wantPaths != nil {
				if err := updated.Validate(context.Background()); err != nil {
					t.Errorf("on create: unexpected error %v", err)
				}
			}
		})
	}
}

func TestParseDeliveryOrder(t *testing.T) {
	tests := []struct {
		in      string
		want    DeliveryOrder
		wantErr bool
	}{
		{in: "", want: DeliveryOrder{Ordered: true, InFlight: 1}},
		{in: "ordered", want: DeliveryOrder{Ordered: true, InFlight: 1}},
		{in: "unordered", want: DeliveryOrder{InFlight: DefaultUnorderedInFlight}},
		{in: "unordered:1000", want: DeliveryOrder{InFlight: 1000}},
		{in: "unordered:0", wantErr: true},
		{in: "unordered:1001", wantErr: true},
		{in: "unordered:x", wantErr: true},
		{in: "Ordered", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseDeliveryOrder(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseDeliveryOrder(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}

	// An annotation written around the webhook falls back to ordered rather than failing.
	c := &KafkaChannel{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{DeliveryOrderAnnotation: "bogus"}}}
	if got := c.DeliveryOrderOf(); !got.Ordered || got.InFlight != 1 {
		t.Errorf("DeliveryOrderOf(bogus) = %+v, want ordered", got)
	}
}

// Under the azure flavor the webhook refuses a channel whose event hub the
// namespace's tier cannot have; the same channel is fine on plain Kafka.
func TestValidateEventHubLimits(t *testing.T) {
	azure := func(t *testing.T, tier string) context.Context {
		k, err := config.NewKafkaFromMap(map[string]string{config.FlavorKey: "azure", "azure.tier": tier})
		if err != nil {
			t.Fatal(err)
		}
		return config.ToContext(context.Background(), k)
	}
	big := func(c *KafkaChannel) { c.Spec.NumPartitions, c.Spec.RetentionDuration = 48, "P30D" }
	tests := []struct {
		name      string
		ctx       context.Context
		wantPaths []string
	}{
		{"plain kafka", context.Background(), nil},
		{"azure standard: 32 partitions and 7 days at most", azure(t, "standard"), []string{"spec.numPartitions", "spec.retentionDuration"}},
		{"azure premium: within its quotas", azure(t, "premium"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validChannel()
			big(c)
			got := errorPaths(c.Validate(tc.ctx))
			if diff := cmp.Diff(tc.wantPaths, got); diff != "" {
				t.Errorf("error paths (-want +got):\n%s\nerror: %v", diff, c.Validate(tc.ctx))
			}
		})
	}
}
