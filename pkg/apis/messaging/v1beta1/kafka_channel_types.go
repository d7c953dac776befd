package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/kmeta"
)

// +genclient
// +genreconciler
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// KafkaChannel is a Knative Channel whose events are stored in a Kafka topic.
type KafkaChannel struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec defines the desired state of the channel.
	Spec KafkaChannelSpec `json:"spec,omitempty"`

	// Status represents the current state of the channel. It may be out of date.
	// +optional
	Status KafkaChannelStatus `json:"status,omitempty"`
}

var (
	_ apis.Validatable   = (*KafkaChannel)(nil)
	_ apis.Defaultable   = (*KafkaChannel)(nil)
	_ apis.HasSpec       = (*KafkaChannel)(nil)
	_ runtime.Object     = (*KafkaChannel)(nil)
	_ kmeta.OwnerRefable = (*KafkaChannel)(nil)
	_ duckv1.KRShaped    = (*KafkaChannel)(nil)
)

// KafkaChannelSpec shapes the channel's topic and lists its subscribers.
type KafkaChannelSpec struct {
	// NumPartitions is the number of partitions of the topic. It may only grow.
	// +optional
	NumPartitions int32 `json:"numPartitions,omitempty"`

	// ReplicationFactor is the replication factor of the topic. Immutable.
	// +optional
	ReplicationFactor int16 `json:"replicationFactor,omitempty"`

	// RetentionDuration is how long the topic keeps events, as an ISO-8601
	// duration such as PT168H. Immutable.
	// +optional
	RetentionDuration string `json:"retentionDuration,omitempty"`

	// ChannelableSpec makes the channel conform to the Channelable duck type.
	eventingduckv1.ChannelableSpec `json:",inline"`
}

// KafkaChannelStatus is the observed state of a KafkaChannel.
type KafkaChannelStatus struct {
	// ChannelableStatus makes the channel conform to the Channelable duck type.
	eventingduckv1.ChannelableStatus `json:",inline"`

	// TopicName is the Kafka topic that backs this channel. It is resolved once,
	// from config-kafka's topic.name.template, and kept for the channel's life.
	// +optional
	TopicName string `json:"topicName,omitempty"`

	// TopicCreated is true once this channel created its topic, rather than
	// found it existing: only then is the topic deleted with the channel (per
	// config-kafka's topic.delete.policy), and only if no other channel uses it.
	// +optional
	TopicCreated bool `json:"topicCreated,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// KafkaChannelList is a list of KafkaChannels.
type KafkaChannelList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []KafkaChannel `json:"items"`
}

// GetStatus implements duckv1.KRShaped.
func (c *KafkaChannel) GetStatus() *duckv1.Status {
	return &c.Status.Status
}

// GetUntypedSpec implements apis.HasSpec.
func (c *KafkaChannel) GetUntypedSpec() interface{} {
	return c.Spec
}
