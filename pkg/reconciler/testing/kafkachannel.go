package testing

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	eventingv1alpha1 "knative.dev/eventing/pkg/apis/eventing/v1alpha1"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/eventing/pkg/eventingtls"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// KafkaChannelOption changes a KafkaChannel built by NewKafkaChannel.
type KafkaChannelOption func(*v1beta1.KafkaChannel)

// NewKafkaChannel builds a defaulted KafkaChannel with the options applied.
func NewKafkaChannel(name, namespace string, opts ...KafkaChannelOption) *v1beta1.KafkaChannel {
	kc := &v1beta1.KafkaChannel{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, UID: "kc-uid", Generation: 1},
		Spec: v1beta1.KafkaChannelSpec{
			NumPartitions: 1, ReplicationFactor: 1, RetentionDuration: "PT168H",
		},
	}
	for _, opt := range opts {
		opt(kc)
	}
	return kc
}

// WithPartitions sets spec.numPartitions.
func WithPartitions(n int32) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Spec.NumPartitions = n }
}

// WithRetention sets spec.retentionDuration.
func WithRetention(d string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Spec.RetentionDuration = d }
}

// WithFinalizer adds the reconciler's finalizer.
func WithFinalizer(kc *v1beta1.KafkaChannel) {
	kc.Finalizers = append(kc.Finalizers, "kafkachannels.messaging.knative.dev")
}

// WithDeleted marks the channel as being deleted.
func WithDeleted(kc *v1beta1.KafkaChannel) {
	t := metav1.NewTime(time.Unix(1e9, 0))
	kc.DeletionTimestamp = &t
}

// WithSubscriber adds a subscriber.
func WithSubscriber(uid types.UID, generation int64, uri string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		kc.Spec.Subscribers = append(kc.Spec.Subscribers, eventingduckv1.SubscriberSpec{
			UID: uid, Generation: generation, SubscriberURI: apis.HTTP(uri),
		})
	}
}

// WithDeadLetterURI sets spec.delivery.deadLetterSink to a URI.
func WithDeadLetterURI(uri string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		u, _ := apis.ParseURL(uri)
		kc.Spec.Delivery = &eventingduckv1.DeliverySpec{DeadLetterSink: &duckv1.Destination{URI: u}}
	}
}

// WithObservedGeneration records that the status reflects the current generation.
func WithObservedGeneration(kc *v1beta1.KafkaChannel) {
	kc.Status.ObservedGeneration = kc.Generation
}

// WithInitConditions sets every condition to Unknown.
func WithInitConditions(kc *v1beta1.KafkaChannel) {
	kc.Status.InitializeConditions()
}

// WithTopic records the resolved topic name.
func WithTopic(topic string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.TopicName = topic }
}

// WithConfigFailed marks ConfigurationReady false.
func WithConfigFailed(reason, message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.MarkConfigFailed(reason, "%s", message) }
}

// WithConfigReady marks ConfigurationReady true.
func WithConfigReady(kc *v1beta1.KafkaChannel) { kc.Status.MarkConfigTrue() }

// WithTopicReady marks TopicReady true.
func WithTopicReady(kc *v1beta1.KafkaChannel) { kc.Status.MarkTopicTrue() }

// WithTopicFailed marks TopicReady false.
func WithTopicFailed(reason, message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.MarkTopicFailed(reason, "%s", message) }
}

// WithTopicCheckFailed keeps TopicReady true with why its last check failed.
func WithTopicCheckFailed(reason, message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.MarkTopicCheckFailed(reason, "%s", message) }
}

// WithDeadLetterSinkNotConfigured marks that no dead-letter sink is set.
func WithDeadLetterSinkNotConfigured(kc *v1beta1.KafkaChannel) {
	kc.Status.MarkDeadLetterSinkNotConfigured()
}

// WithDeadLetterSinkResolved records the resolved dead-letter sink URI.
func WithDeadLetterSinkResolved(uri string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		u, _ := apis.ParseURL(uri)
		kc.Status.MarkDeadLetterSinkResolved(eventingduckv1.DeliveryStatus{DeadLetterSinkURI: u})
	}
}

// WithDedicatedDispatcher asks for a dispatcher Deployment of the channel's own.
func WithDedicatedDispatcher(kc *v1beta1.KafkaChannel) {
	if kc.Annotations == nil {
		kc.Annotations = map[string]string{}
	}
	kc.Annotations[v1beta1.DispatcherAnnotation] = v1beta1.DedicatedDispatcher
}

// WithPoolStatus propagates the dispatcher pool's status.
func WithPoolStatus(ss *appsv1.StatefulSet) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.PropagatePoolStatus(&ss.Status, *ss.Spec.Replicas) }
}

// NewPool builds the dispatcher pool's StatefulSet with that many replicas, ready of them.
func NewPool(namespace, name string, replicas, ready int32) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       appsv1.StatefulSetSpec{Replicas: &replicas},
		Status:     appsv1.StatefulSetStatus{Replicas: replicas, ReadyReplicas: ready},
	}
}

// WithDispatcherStatus propagates a dispatcher Deployment's status.
func WithDispatcherStatus(d *appsv1.Deployment) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.PropagateDispatcherStatus(&d.Status) }
}

// WithTopicCreated records that the channel created its topic.
func WithTopicCreated(kc *v1beta1.KafkaChannel) { kc.Status.TopicCreated = true }

// WithDispatcherFailed marks DispatcherReady false.
func WithDispatcherFailed(reason, message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.MarkDispatcherFailed(reason, "%s", message) }
}

// WithReceiverStatus propagates the receiver Deployment's status.
func WithReceiverStatus(d *appsv1.Deployment) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.PropagateReceiverStatus(&d.Status) }
}

// WithReceiverMissing marks ReceiverReady false for a missing receiver.
func WithReceiverMissing(message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.MarkReceiverFailed("ReceiverNotFound", "%s", message) }
}

// WithChannelServiceReady marks ChannelServiceReady true.
func WithChannelServiceReady(kc *v1beta1.KafkaChannel) { kc.Status.MarkChannelServiceTrue() }

// WithAddress sets status.address to the given host.
func WithAddress(host string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		kc.Status.SetAddress(&duckv1.Addressable{URL: &apis.URL{Scheme: "http", Host: host}})
	}
}

// WithAddresses sets status.address and status.addresses (address alone when all is empty).
func WithAddresses(address duckv1.Addressable, all ...duckv1.Addressable) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.SetAddresses(address, all...) }
}

// WithAddressFailed clears the addresses and marks Addressable false.
func WithAddressFailed(reason, message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) { kc.Status.MarkAddressFailed(reason, "%s", message) }
}

// WithSubscriberStatus appends a status.subscribers entry.
func WithSubscriberStatus(uid types.UID, generation int64, ready corev1.ConditionStatus, message string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		kc.Status.Subscribers = append(kc.Status.Subscribers, eventingduckv1.SubscriberStatus{
			UID: uid, ObservedGeneration: generation, Ready: ready, Message: message,
		})
	}
}

// WithEmptySubscriberStatus sets status.subscribers to an empty list, as the reconciler writes it.
func WithEmptySubscriberStatus(kc *v1beta1.KafkaChannel) {
	kc.Status.Subscribers = []eventingduckv1.SubscriberStatus{}
}

// WithEventPoliciesOIDCDisabled marks EventPoliciesReady as eventing does while OIDC is off.
func WithEventPoliciesOIDCDisabled(kc *v1beta1.KafkaChannel) {
	kc.Status.MarkEventPoliciesTrueWithReason("OIDCDisabled", "Feature %q must be enabled to support Authorization", feature.OIDCAuthentication)
}

// WithEventPoliciesDefaultMode marks EventPoliciesReady as eventing does when
// OIDC is on and no EventPolicy applies.
func WithEventPoliciesDefaultMode(mode string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		kc.Status.MarkEventPoliciesTrueWithReason("DefaultAuthorizationMode", "Default authz mode is %q", mode)
	}
}

// WithEventPolicies records the applying, ready EventPolicies.
func WithEventPolicies(names ...string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		for _, n := range names {
			kc.Status.Policies = append(kc.Status.Policies, eventingduckv1.AppliedEventPolicyRef{
				Name: n, APIVersion: eventingv1alpha1.SchemeGroupVersion.String(),
			})
		}
		kc.Status.MarkEventPoliciesTrue()
	}
}

// WithAudience sets the OIDC audience on status.address and status.addresses.
func WithAudience(audience string) KafkaChannelOption {
	return func(kc *v1beta1.KafkaChannel) {
		kc.Status.Address.Audience = &audience
		for i := range kc.Status.Addresses {
			kc.Status.Addresses[i].Audience = &audience
		}
	}
}

// NewEventPolicy builds a ready EventPolicy that applies to the named KafkaChannel.
func NewEventPolicy(namespace, name, channel string) *eventingv1alpha1.EventPolicy {
	return &eventingv1alpha1.EventPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: eventingv1alpha1.EventPolicySpec{To: []eventingv1alpha1.EventPolicySpecTo{{
			Ref: &eventingv1alpha1.EventPolicyToReference{
				APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel", Name: channel,
			},
		}}},
		Status: eventingv1alpha1.EventPolicyStatus{Status: duckv1.Status{Conditions: duckv1.Conditions{{
			Type: apis.ConditionReady, Status: corev1.ConditionTrue,
		}}}},
	}
}

// NewServerTLSSecret builds the receiver's certificate Secret in namespace,
// with that ca.crt unless caCert is nil.
func NewServerTLSSecret(namespace string, caCert []byte) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: servertls.SecretName},
		Data:       map[string][]byte{eventingtls.TLSCrt: []byte("cert PEM"), eventingtls.TLSKey: []byte("key PEM")},
	}
	if caCert != nil {
		s.Data[eventingtls.SecretCACert] = caCert
	}
	return s
}

// NewDeployment builds a Deployment with an Available condition of the given status.
func NewDeployment(namespace, name string, available corev1.ConditionStatus) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Status: appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentAvailable, Status: available,
		}}},
	}
}
