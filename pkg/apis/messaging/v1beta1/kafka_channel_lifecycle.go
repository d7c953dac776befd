package v1beta1

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// Condition types of a KafkaChannel. Ready is true when all of them are.
const (
	KafkaChannelConditionReady = apis.ConditionReady
	// Addressable: status.address holds the channel's URL.
	KafkaChannelConditionAddressable apis.ConditionType = "Addressable"
	// ConfigurationReady: config-kafka and the Kafka Secret were read and are valid.
	KafkaChannelConditionConfigurationReady apis.ConditionType = "ConfigurationReady"
	// TopicReady: the channel's topic exists with the requested shape.
	KafkaChannelConditionTopicReady apis.ConditionType = "TopicReady"
	// ChannelServiceReady: the <name>-kn-channel Service points at the receiver.
	KafkaChannelConditionChannelServiceReady apis.ConditionType = "ChannelServiceReady"
	// ReceiverReady: the shared receiver Deployment is available.
	KafkaChannelConditionReceiverReady apis.ConditionType = "ReceiverReady"
	// DispatcherReady: the channel's dispatcher Deployment is available.
	KafkaChannelConditionDispatcherReady apis.ConditionType = "DispatcherReady"
	// DeadLetterSinkResolved: spec.delivery.deadLetterSink, if any, resolved to a URI.
	// Eventing's own channels carry it; conformance reads status.deadLetterSinkUri.
	KafkaChannelConditionDeadLetterSinkResolved apis.ConditionType = "DeadLetterSinkResolved"
	// EventPoliciesReady: every EventPolicy that applies to the channel is ready
	// (True with a reason when OIDC is off or no policy applies).
	KafkaChannelConditionEventPoliciesReady apis.ConditionType = "EventPoliciesReady"
)

var kcCondSet = apis.NewLivingConditionSet(
	KafkaChannelConditionAddressable,
	KafkaChannelConditionConfigurationReady,
	KafkaChannelConditionTopicReady,
	KafkaChannelConditionChannelServiceReady,
	KafkaChannelConditionReceiverReady,
	KafkaChannelConditionDispatcherReady,
	KafkaChannelConditionDeadLetterSinkResolved,
	KafkaChannelConditionEventPoliciesReady,
)

// GetConditionSet implements duckv1.KRShaped.
func (*KafkaChannel) GetConditionSet() apis.ConditionSet {
	return kcCondSet
}

// GetGroupVersionKind implements kmeta.OwnerRefable.
func (*KafkaChannel) GetGroupVersionKind() schema.GroupVersionKind {
	return SchemeGroupVersion.WithKind("KafkaChannel")
}

// IsReady is true when every condition is true and the latest spec was observed.
func (c *KafkaChannel) IsReady() bool {
	return c.Status.ObservedGeneration == c.Generation && kcCondSet.Manage(&c.Status).IsHappy()
}

// GetCondition returns the condition of the given type, or nil.
func (s *KafkaChannelStatus) GetCondition(t apis.ConditionType) *apis.Condition {
	return kcCondSet.Manage(s).GetCondition(t)
}

// InitializeConditions sets every unset condition to Unknown.
func (s *KafkaChannelStatus) InitializeConditions() {
	kcCondSet.Manage(s).InitializeConditions()
}

// SetAddress records the channel's one address as status.address and
// status.addresses; an empty one makes the channel not addressable.
func (s *KafkaChannelStatus) SetAddress(addr *duckv1.Addressable) {
	if addr == nil {
		s.markNoHostname()
		return
	}
	s.SetAddresses(*addr)
}

// SetAddresses records address as status.address and all as
// status.addresses (address alone when all is empty): with transport
// encryption a channel has an https address beside, or instead of, its http
// one. An address without a host makes the channel not addressable, as a
// sender must not be given half of them. An address without a name is named
// after its scheme.
func (s *KafkaChannelStatus) SetAddresses(address duckv1.Addressable, all ...duckv1.Addressable) {
	if len(all) == 0 {
		all = []duckv1.Addressable{address}
	}
	if lacksHostname(address) || slices.ContainsFunc(all, lacksHostname) {
		s.markNoHostname()
		return
	}
	named := withName(address)
	s.Address = &named
	s.Addresses = make([]duckv1.Addressable, 0, len(all))
	for _, a := range all {
		s.Addresses = append(s.Addresses, withName(a))
	}
	kcCondSet.Manage(s).MarkTrue(KafkaChannelConditionAddressable)
}

// MarkAddressFailed clears the channel's addresses, saying why it has none:
// an address that does not work (an https one without its certificate) is
// not published.
func (s *KafkaChannelStatus) MarkAddressFailed(reason, format string, args ...interface{}) {
	s.Address = nil
	s.Addresses = nil
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionAddressable, reason, format, args...)
}

func (s *KafkaChannelStatus) markNoHostname() {
	s.MarkAddressFailed("EmptyHostname", "the channel has no hostname")
}

func lacksHostname(a duckv1.Addressable) bool {
	return a.URL == nil || a.URL.Host == ""
}

// withName returns a copy of a, named after its scheme unless it has a name.
func withName(a duckv1.Addressable) duckv1.Addressable {
	if a.Name == nil {
		name := a.URL.Scheme
		a.Name = &name
	}
	return a
}

// MarkConfigTrue records that the Kafka configuration is valid.
func (s *KafkaChannelStatus) MarkConfigTrue() {
	kcCondSet.Manage(s).MarkTrue(KafkaChannelConditionConfigurationReady)
}

// MarkConfigFailed records why the Kafka configuration cannot be used.
func (s *KafkaChannelStatus) MarkConfigFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionConfigurationReady, reason, format, args...)
}

// MarkTopicTrue records that the topic exists.
func (s *KafkaChannelStatus) MarkTopicTrue() {
	kcCondSet.Manage(s).MarkTrue(KafkaChannelConditionTopicReady)
}

// MarkTopicCheckFailed keeps TopicReady True, saying why the last check or
// growth of a topic that was ready failed: the topic still takes events (the
// receiver produces to it, and answers 503 itself should Kafka refuse), so a
// failed check must not stop the channel's ingress.
func (s *KafkaChannelStatus) MarkTopicCheckFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkTrueWithReason(KafkaChannelConditionTopicReady, reason, format, args...)
}

// MarkTopicFailed records why the topic could not be made ready.
func (s *KafkaChannelStatus) MarkTopicFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionTopicReady, reason, format, args...)
}

// MarkChannelServiceTrue records that the channel Service exists as desired.
func (s *KafkaChannelStatus) MarkChannelServiceTrue() {
	kcCondSet.Manage(s).MarkTrue(KafkaChannelConditionChannelServiceReady)
}

// MarkChannelServiceFailed records why the channel Service is not as desired.
func (s *KafkaChannelStatus) MarkChannelServiceFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionChannelServiceReady, reason, format, args...)
}

// MarkDispatcherFailed records why the dispatcher Deployment is not available.
func (s *KafkaChannelStatus) MarkDispatcherFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionDispatcherReady, reason, format, args...)
}

// MarkReceiverFailed records why the shared receiver is not available.
func (s *KafkaChannelStatus) MarkReceiverFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionReceiverReady, reason, format, args...)
}

// PropagateDispatcherStatus sets DispatcherReady from the dispatcher Deployment's Available condition.
func (s *KafkaChannelStatus) PropagateDispatcherStatus(ds *appsv1.DeploymentStatus) {
	propagateDeployment(s, KafkaChannelConditionDispatcherReady, "Dispatcher", ds)
}

// PropagatePoolStatus sets DispatcherReady from the shared dispatcher pool's
// StatefulSet: ready while one replica is. Which replicas run the channel's
// groups is the pool's own business; each subscriber's readiness says whether
// its group is running.
func (s *KafkaChannelStatus) PropagatePoolStatus(ss *appsv1.StatefulSetStatus, replicas int32) {
	m := kcCondSet.Manage(s)
	switch {
	case replicas == 0:
		m.MarkFalse(KafkaChannelConditionDispatcherReady, "DispatcherPoolScaledToZero", "the dispatcher pool has no replicas")
	case ss.ReadyReplicas == 0:
		m.MarkFalse(KafkaChannelConditionDispatcherReady, "DispatcherPoolUnavailable", "none of the %d replicas of the dispatcher pool is ready", replicas)
	default:
		m.MarkTrue(KafkaChannelConditionDispatcherReady)
	}
}

// PropagateReceiverStatus sets ReceiverReady from the receiver Deployment's Available condition.
func (s *KafkaChannelStatus) PropagateReceiverStatus(ds *appsv1.DeploymentStatus) {
	propagateDeployment(s, KafkaChannelConditionReceiverReady, "Receiver", ds)
}

func propagateDeployment(s *KafkaChannelStatus, t apis.ConditionType, what string, ds *appsv1.DeploymentStatus) {
	m := kcCondSet.Manage(s)
	for _, cond := range ds.Conditions {
		if cond.Type != appsv1.DeploymentAvailable {
			continue
		}
		switch cond.Status {
		case corev1.ConditionTrue:
			m.MarkTrue(t)
		case corev1.ConditionFalse:
			m.MarkFalse(t, what+"Unavailable", "%s Deployment is not available: %s: %s", what, cond.Reason, cond.Message)
		default:
			m.MarkUnknown(t, what+"Unknown", "%s Deployment availability is unknown: %s: %s", what, cond.Reason, cond.Message)
		}
		return
	}
	m.MarkUnknown(t, what+"Starting", "%s Deployment has not reported availability yet", what)
}

// SubscriberReady tells whether the controller reported the subscriber ready,
// that is its consumer group's offsets initialised (it never reports it
// not-ready again): the dispatcher starts such a subscriber's partitions that
// lack an offset at their oldest offset rather than at the tail.
func (s *KafkaChannelStatus) SubscriberReady(uid types.UID) bool {
	for _, st := range s.Subscribers {
		if st.UID == uid {
			return st.Ready == corev1.ConditionTrue
		}
	}
	return false
}

// MarkDeadLetterSinkResolved records the resolved dead-letter sink.
func (s *KafkaChannelStatus) MarkDeadLetterSinkResolved(ds eventingduckv1.DeliveryStatus) {
	s.DeliveryStatus = ds
	kcCondSet.Manage(s).MarkTrue(KafkaChannelConditionDeadLetterSinkResolved)
}

// MarkDeadLetterSinkNotConfigured records that the channel has no dead-letter sink.
func (s *KafkaChannelStatus) MarkDeadLetterSinkNotConfigured() {
	s.DeliveryStatus = eventingduckv1.DeliveryStatus{}
	kcCondSet.Manage(s).MarkTrueWithReason(KafkaChannelConditionDeadLetterSinkResolved, "DeadLetterSinkNotConfigured", "No dead letter sink is configured.")
}

// MarkDeadLetterSinkFailed records why the dead-letter sink could not be resolved.
func (s *KafkaChannelStatus) MarkDeadLetterSinkFailed(reason, format string, args ...interface{}) {
	s.DeliveryStatus = eventingduckv1.DeliveryStatus{}
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionDeadLetterSinkResolved, reason, format, args...)
}

// MarkEventPoliciesTrue records that every applying EventPolicy is ready.
func (s *KafkaChannelStatus) MarkEventPoliciesTrue() {
	kcCondSet.Manage(s).MarkTrue(KafkaChannelConditionEventPoliciesReady)
}

// MarkEventPoliciesTrueWithReason records why no EventPolicy needs to be applied.
func (s *KafkaChannelStatus) MarkEventPoliciesTrueWithReason(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkTrueWithReason(KafkaChannelConditionEventPoliciesReady, reason, format, args...)
}

// MarkEventPoliciesFailed records why the applying EventPolicies are not ready.
func (s *KafkaChannelStatus) MarkEventPoliciesFailed(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkFalse(KafkaChannelConditionEventPoliciesReady, reason, format, args...)
}

// MarkEventPoliciesUnknown records that the applying EventPolicies are not known yet.
func (s *KafkaChannelStatus) MarkEventPoliciesUnknown(reason, format string, args ...interface{}) {
	kcCondSet.Manage(s).MarkUnknown(KafkaChannelConditionEventPoliciesReady, reason, format, args...)
}
