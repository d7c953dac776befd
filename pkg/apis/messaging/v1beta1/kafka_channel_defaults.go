package v1beta1

import (
	"context"

	"knative.dev/eventing/pkg/apis/messaging"
	"knative.dev/pkg/apis"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// SetDefaults fills the topic shape from config-kafka (or the built-in fallbacks).
func (c *KafkaChannel) SetDefaults(ctx context.Context) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	// Record the Subscribable duck version this channel speaks, as eventing's channels do.
	if _, ok := c.Annotations[messaging.SubscribableDuckVersionAnnotation]; !ok {
		c.Annotations[messaging.SubscribableDuckVersionAnnotation] = "v1"
	}
	c.Spec.SetDefaults(apis.WithinParent(ctx, c.ObjectMeta))
}

// SetDefaults fills unset topic fields and the delivery defaults.
func (s *KafkaChannelSpec) SetDefaults(ctx context.Context) {
	d := config.FromContextOrDefaults(ctx).Defaults
	if s.NumPartitions == 0 {
		s.NumPartitions = d.NumPartitions
	}
	if s.ReplicationFactor == 0 {
		s.ReplicationFactor = d.ReplicationFactor
	}
	if s.RetentionDuration == "" {
		s.RetentionDuration = d.RetentionDuration
	}
	s.Delivery.SetDefaults(ctx)
}
