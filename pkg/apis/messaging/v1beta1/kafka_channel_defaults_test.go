package v1beta1

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"knative.dev/eventing/pkg/apis/messaging"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

func TestSetDefaults(t *testing.T) {
	fromConfig, err := config.NewKafkaFromMap(map[string]string{
		config.NumPartitionsKey: "6", config.ReplicationFactorKey: "3", config.RetentionKey: "P1D",
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  context.Context
		in   KafkaChannelSpec
		want KafkaChannelSpec
	}{{
		name: "built-in fallbacks without config-kafka",
		ctx:  context.Background(),
		want: KafkaChannelSpec{NumPartitions: 1, ReplicationFactor: 1, RetentionDuration: "PT168H"},
	}, {
		name: "config-kafka in the context",
		ctx:  config.ToContext(context.Background(), fromConfig),
		want: KafkaChannelSpec{NumPartitions: 6, ReplicationFactor: 3, RetentionDuration: "P1D"},
	}, {
		name: "explicit values win over config-kafka",
		ctx:  config.ToContext(context.Background(), fromConfig),
		in:   KafkaChannelSpec{NumPartitions: 2, ReplicationFactor: 2, RetentionDuration: "PT1H"},
		want: KafkaChannelSpec{NumPartitions: 2, ReplicationFactor: 2, RetentionDuration: "PT1H"},
	}, {
		name: "only the unset fields are filled",
		ctx:  config.ToContext(context.Background(), fromConfig),
		in:   KafkaChannelSpec{NumPartitions: 2},
		want: KafkaChannelSpec{NumPartitions: 2, ReplicationFactor: 3, RetentionDuration: "P1D"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &KafkaChannel{Spec: tc.in}
			c.SetDefaults(tc.ctx)
			if diff := cmp.Diff(tc.want, c.Spec); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetDefaultsAnnotatesDuckVersion(t *testing.T) {
	c := &KafkaChannel{}
	c.SetDefaults(context.Background())
	if got := c.Annotations[messaging.SubscribableDuckVersionAnnotation]; got != "v1" {
		t.Errorf("subscribable duck annotation = %q, want v1", got)
	}

	// A value already there is the client's to keep.
	c.Annotations[messaging.SubscribableDuckVersionAnnotation] = "v2"
	c.SetDefaults(context.Background())
	if got := c.Annotations[messaging.SubscribableDuckVersionAnnotation]; got != "v2" {
		t.Errorf("subscribable duck annotation = %q, want v2 kept", got)
	}
}

func TestSetDefaultsDeadLetterSinkNamespace(t *testing.T) {
	// A dead-letter ref without a namespace points into the channel's namespace.
	c := &KafkaChannel{Spec: KafkaChannelSpec{ChannelableSpec: eventingduckv1.ChannelableSpec{
		Delivery: &eventingduckv1.DeliverySpec{DeadLetterSink: &duckv1.Destination{
			Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "dls"},
		}},
	}}}
	c.Namespace = "ns"
	c.SetDefaults(apis.WithinCreate(context.Background()))
	if got := c.Spec.Delivery.DeadLetterSink.Ref.Namespace; got != "ns" {
		t.Errorf("dead-letter ref namespace = %q, want ns", got)
	}
}
