package v1beta1

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/pkg/apis"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// Validate checks the spec and, on update, that the topic's shape is not changed.
func (c *KafkaChannel) Validate(ctx context.Context) *apis.FieldError {
	errs := c.Spec.Validate(ctx).ViaField("spec")
	errs = errs.Also(validateAnnotations(c.Annotations).ViaField("metadata"))
	if apis.IsInUpdate(ctx) {
		if original, ok := apis.GetBaseline(ctx).(*KafkaChannel); ok && original != nil {
			errs = errs.Also(c.CheckImmutableFields(original))
		}
	}
	return errs
}

// Validate checks the topic shape and the Channelable part of the spec.
func (s *KafkaChannelSpec) Validate(ctx context.Context) *apis.FieldError {
	var errs *apis.FieldError
	if s.NumPartitions <= 0 {
		errs = errs.Also(apis.ErrInvalidValue(s.NumPartitions, "numPartitions", "must be greater than 0"))
	}
	if s.ReplicationFactor <= 0 {
		errs = errs.Also(apis.ErrInvalidValue(s.ReplicationFactor, "replicationFactor", "must be greater than 0"))
	}
	retention, err := config.ParseRetention(s.RetentionDuration)
	if err != nil {
		errs = errs.Also(apis.ErrInvalidValue(s.RetentionDuration, "retentionDuration", err.Error()))
	} else if k := config.FromContextOrDefaults(ctx); k.Flavor == config.FlavorAzure {
		errs = errs.Also(validateEventHub(k.Azure, s.NumPartitions, retention, s.RetentionDuration))
	}
	for i, sub := range s.Subscribers {
		errs = errs.Also(ValidateSubscriber(ctx, sub).ViaFieldIndex("subscribers", i))
	}
	if s.Delivery != nil {
		errs = errs.Also(s.Delivery.Validate(ctx).ViaField("delivery"))
	}
	return errs
}

// ValidateSubscriber is what an entry of spec.subscribers must be for the
// dispatcher to deliver to it. The webhook applies it under the cluster's
// eventing feature flags; the dispatcher, which does not start a refused
// subscriber, and the controller, which reports one on its status, apply it
// through CheckSubscriber, so that the three agree.
func ValidateSubscriber(ctx context.Context, sub eventingduckv1.SubscriberSpec) *apis.FieldError {
	var errs *apis.FieldError
	if sub.UID == "" {
		errs = errs.Also(apis.ErrMissingField("uid"))
	}
	// Eventing's Subscription requires a subscriber, so its reconciler never
	// writes a reply-only entry; one would leave the dispatcher nowhere to
	// send the events.
	if sub.SubscriberURI == nil {
		errs = errs.Also(apis.ErrMissingField("subscriberUri"))
	}
	return errs.Also(sub.Delivery.Validate(ctx).ViaField("delivery"))
}

// dataPlaneFeatures enables the optional delivery fields the dispatcher
// implements: the webhook already applied the cluster's feature flags.
var dataPlaneFeatures = feature.ToContext(context.Background(), feature.Flags{
	feature.DeliveryTimeout:    feature.Enabled,
	feature.DeliveryRetryAfter: feature.Enabled,
})

// CheckSubscriber is ValidateSubscriber as the data plane applies it.
func CheckSubscriber(sub eventingduckv1.SubscriberSpec) error {
	if fe := ValidateSubscriber(dataPlaneFeatures, sub); fe != nil {
		return fe
	}
	return nil
}

// validateEventHub refuses, under the azure flavor, a channel whose event hub
// the namespace's tier cannot have, rather than admitting it to fail TopicReady.
func validateEventHub(a config.Azure, partitions int32, retention time.Duration, spelled string) *apis.FieldError {
	var errs *apis.FieldError
	if err := a.CheckPartitions(partitions); err != nil {
		errs = errs.Also(apis.ErrInvalidValue(partitions, "numPartitions", err.Error()))
	}
	if err := a.CheckRetention(retention); err != nil {
		errs = errs.Also(apis.ErrInvalidValue(spelled, "retentionDuration", err.Error()))
	}
	return errs
}

// CheckImmutableFields refuses changes to the topic's shape other than more partitions.
func (c *KafkaChannel) CheckImmutableFields(original *KafkaChannel) *apis.FieldError {
	var errs *apis.FieldError
	if c.Spec.NumPartitions < original.Spec.NumPartitions {
		errs = errs.Also(&apis.FieldError{
			Message: fmt.Sprintf("numPartitions may only grow (from %d, got %d)", original.Spec.NumPartitions, c.Spec.NumPartitions),
			Paths:   []string{"spec.numPartitions"},
		})
	}
	if c.Spec.ReplicationFactor != original.Spec.ReplicationFactor {
		errs = errs.Also(immutable("spec.replicationFactor", original.Spec.ReplicationFactor, c.Spec.ReplicationFactor))
	}
	if c.Spec.RetentionDuration != original.Spec.RetentionDuration {
		errs = errs.Also(immutable("spec.retentionDuration", original.Spec.RetentionDuration, c.Spec.RetentionDuration))
	}
	return errs
}

func immutable(path string, was, got interface{}) *apis.FieldError {
	return &apis.FieldError{
		Message: "Immutable field changed (the topic is already created)",
		Paths:   []string{path},
		Details: fmt.Sprintf("was %v, got %v", was, got),
	}
}

func validateAnnotations(annotations map[string]string) (errs *apis.FieldError) {
	if v, ok := annotations[DeliveryOrderAnnotation]; ok {
		if _, err := ParseDeliveryOrder(v); err != nil {
			errs = errs.Also(apis.ErrInvalidValue(v, "", err.Error()).ViaFieldKey("annotations", DeliveryOrderAnnotation))
		}
	}
	if v, ok := annotations[DispatcherAnnotation]; ok {
		if _, err := parseDispatcher(v); err != nil {
			errs = errs.Also(apis.ErrInvalidValue(v, "", err.Error()).ViaFieldKey("annotations", DispatcherAnnotation))
		}
	}
	return errs
}

// SupportedSubResources limits the validating webhook to the channel itself:
// its status is the controller's alone, and re-validating the unchanged spec
// on every status write cost two webhook round trips per write and would
// refuse the controller's status once config-kafka turned against a spec
// it had admitted (a lower Event Hubs retention limit, say).
func (*KafkaChannel) SupportedSubResources() []string { return []string{""} }

// SupportedVerbs leaves out deletion, which has nothing to validate.
func (*KafkaChannel) SupportedVerbs() []admissionregistrationv1.OperationType {
	return []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
}
