// Package contract holds the names that outlive a release: what the control
// plane writes and the data plane reads, or what a cluster keeps between
// versions. A consumer group id holds a subscriber's committed offsets, an
// audience is in every token a sender holds, a channel's host is its address,
// and the environment names connect a Deployment to the binary it runs. A
// change to any of them silently restarts subscribers at the tail, refuses
// senders, or strands objects, so each format is pinned by a golden test, and
// both planes import this package instead of one another.
package contract

import (
	"fmt"
	"strings"

	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/channel"
	"knative.dev/pkg/kmeta"
	"knative.dev/pkg/network"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
)

// Names shared by config/, the controller and the data plane.
const (
	// ReceiverName names the shared receiver's Deployment and Service in the system namespace.
	ReceiverName = "kafka-channel-receiver"
	// PoolName names the StatefulSet of the shared dispatcher pool in the system namespace.
	PoolName = "kafka-channel-dispatcher"
	// ObservabilityConfigName is the config-observability of every component
	// (config/400-config-observability.yaml): Knative's keys, metrics on by default.
	ObservabilityConfigName = "config-kafka-channel-observability"
	// DispatcherServiceAccount runs the pool and every dedicated dispatcher Deployment.
	DispatcherServiceAccount = "kafka-channel-dispatcher"

	// Environment of a dispatcher: which channel it serves.
	ChannelNamespaceEnv = "CHANNEL_NAMESPACE"
	ChannelNameEnv      = "CHANNEL_NAME"
	// MemoryLimitEnv carries the dispatcher container's memory limit in bytes
	// (Downward API), which its Kafka buffers are sized from.
	MemoryLimitEnv = "MEMORY_LIMIT"

	// Labels on a dispatcher Deployment, naming its channel (it lives in the system
	// namespace, so an owner reference cannot point at the channel).
	ChannelNameLabel      = "messaging.knative.dev/channel"
	ChannelNamespaceLabel = "knative-kafka.dev/channel-namespace"
	RoleLabel             = "messaging.knative.dev/role"
	DispatcherRole        = "kafka-channel-dispatcher"
	ChannelServiceRole    = "kafka-channel"
	ReceiverRole          = "kafka-channel-receiver"

	// OwnedSelector selects what the controller watches: the Deployments and
	// Services that carry a RoleLabel (dispatchers, the receiver, channel
	// Services), so that it caches none of the cluster's others.
	OwnedSelector = RoleLabel
)

// ChannelServiceName is the name of the channel's ExternalName Service: <name>-kn-channel.
func ChannelServiceName(channelName string) string {
	return kmeta.ChildName(channelName, channel.K8ServiceNameSuffix)
}

// ChannelHostName is the host of the channel's address, which the receiver routes on.
func ChannelHostName(channelName, namespace string) string {
	return network.GetServiceHostname(ChannelServiceName(channelName), namespace)
}

// Audience is the channel's OIDC audience: the controller publishes it in
// status.address.audience and the receiver requires tokens issued for it.
func Audience(namespace, channelName string) string {
	return auth.GetAudienceDirect(v1beta1.SchemeGroupVersion.WithKind("KafkaChannel"), namespace, channelName)
}

// DispatcherName is the name of a channel's dispatcher Deployment in the system
// namespace: <name>.<namespace>-kafka-dispatcher. It is unique per channel
// because a namespace, a DNS label, has no dot, so the last dot splits the
// pair again (a name too long is shortened with a hash of the whole).
func DispatcherName(channelNamespace, channelName string) string {
	return kmeta.ChildName(channelName+"."+channelNamespace, "-kafka-dispatcher")
}

// LegacyDispatcherName is the name DispatcherName gave before it was unique
// per channel: the controller removes a Deployment of that name once the
// channel's dispatcher runs under its new name, if the Deployment is the channel's.
func LegacyDispatcherName(channelNamespace, channelName string) string {
	return kmeta.ChildName(fmt.Sprintf("%s-%s", channelName, channelNamespace), "-kafka-dispatcher")
}

// ConsumerGroup is the consumer group of one subscriber of a channel.
func ConsumerGroup(channelNamespace, channelName, subscriberUID string) string {
	return fmt.Sprintf("kafka.%s.%s.%s", channelNamespace, channelName, subscriberUID)
}

// DistributedConsumerGroup is the consumer group eventing-kafka's distributed
// KafkaChannel gave a subscriber: config-kafka's offsets.copy.from: distributed
// starts the subscriber where that group stopped.
func DistributedConsumerGroup(subscriberUID string) string {
	return "kafka." + subscriberUID
}

// IsConsumerGroupOf tells whether group is the consumer group of one of the
// channel's subscribers. Channel names may contain dots and subscriber UIDs
// do not, so channel "b" never claims the groups of channel "b.c".
func IsConsumerGroupOf(channelNamespace, channelName, group string) bool {
	uid, ok := strings.CutPrefix(group, ConsumerGroup(channelNamespace, channelName, ""))
	return ok && uid != "" && !strings.Contains(uid, ".")
}

// PausedPrefix starts the annotation key that pauses one subscriber of a
// KafkaChannel: PausedAnnotation(uid), valued with the name of the
// ResetOffset that holds it. While it is there, no dispatcher runs a member of
// the subscriber's consumer group, so that its offsets can move as one.
const PausedPrefix = "resetoffset.kafka.knative-kafka.dev/"

// PausedAnnotation is the annotation key that pauses the subscriber with that UID.
func PausedAnnotation(subscriberUID string) string {
	return PausedPrefix + subscriberUID
}

// IsPaused tells whether a channel's annotations pause the subscriber with that UID.
func IsPaused(annotations map[string]string, subscriberUID string) bool {
	_, ok := annotations[PausedAnnotation(subscriberUID)]
	return ok
}
