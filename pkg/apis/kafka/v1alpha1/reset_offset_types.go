package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/kmeta"
)

// +genclient
// +genreconciler
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResetOffset moves the committed offsets of one subscriber's consumer group,
// once, to the earliest or latest offset of each partition of its channel's
// topic, or to the first one at or after a time: the subscriber then gets
// again (or skips) what lies between.
type ResetOffset struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says whose offsets move and where to. Immutable.
	Spec ResetOffsetSpec `json:"spec,omitempty"`

	// Status reports what moved, or why nothing did.
	// +optional
	Status ResetOffsetStatus `json:"status,omitempty"`
}

var (
	_ apis.Validatable   = (*ResetOffset)(nil)
	_ apis.Defaultable   = (*ResetOffset)(nil)
	_ apis.HasSpec       = (*ResetOffset)(nil)
	_ runtime.Object     = (*ResetOffset)(nil)
	_ kmeta.OwnerRefable = (*ResetOffset)(nil)
	_ duckv1.KRShaped    = (*ResetOffset)(nil)
)

// Offset times that are not a time.
const (
	OffsetEarliest = "earliest"
	OffsetLatest   = "latest"
)

// ResetOffsetSpec names the subscriber and the offset it restarts at.
type ResetOffsetSpec struct {
	// Ref is the Subscription (messaging.knative.dev/v1, in this namespace)
	// whose subscriber is rewound; its channel must be a KafkaChannel.
	Ref duckv1.KReference `json:"ref"`

	// Offset is where each partition restarts.
	Offset OffsetSpec `json:"offset"`

	// DryRun computes and reports the offsets, and changes nothing.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`
}

// OffsetSpec is where each partition restarts.
type OffsetSpec struct {
	// Time is "earliest" (the oldest retained event), "latest" (after the
	// newest: the backlog is skipped), or an RFC 3339 time: each partition
	// restarts at its first event at or after it (a time before the
	// retention behaves as earliest). A time in the future is refused.
	Time string `json:"time"`
}

// ResetOffsetStatus is what the reset found and did.
type ResetOffsetStatus struct {
	duckv1.Status `json:",inline"`

	// Channel is the KafkaChannel of the Subscription, in this namespace.
	// +optional
	Channel string `json:"channel,omitempty"`
	// SubscriberUID is the subscriber's UID in the channel's spec.subscribers.
	// +optional
	SubscriberUID types.UID `json:"subscriberUid,omitempty"`
	// Topic is the channel's Kafka topic.
	// +optional
	Topic string `json:"topic,omitempty"`
	// Group is the subscriber's Kafka consumer group.
	// +optional
	Group string `json:"group,omitempty"`
	// Partitions are each partition's offsets, before and after the reset.
	// +optional
	Partitions []PartitionOffset `json:"partitions,omitempty"`
	// EventsReplayed is how many events, over all partitions, the subscriber
	// gets again (the old offset minus the new, where the new is lower).
	// +optional
	EventsReplayed int64 `json:"eventsReplayed,omitempty"`
	// EventsSkipped is how many events, over all partitions, the subscriber
	// never gets (the new offset minus the old, where the new is higher).
	// +optional
	EventsSkipped int64 `json:"eventsSkipped,omitempty"`
}

// PartitionOffset is one partition's offsets, before and after the reset.
type PartitionOffset struct {
	Partition int32 `json:"partition"`
	// OldOffset is the group's committed offset before the reset; -1 if it had none.
	OldOffset int64 `json:"oldOffset"`
	// NewOffset is the offset the group restarts at.
	NewOffset int64 `json:"newOffset"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ResetOffsetList is a list of ResetOffsets.
type ResetOffsetList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResetOffset `json:"items"`
}

// GetStatus implements duckv1.KRShaped.
func (r *ResetOffset) GetStatus() *duckv1.Status {
	return &r.Status.Status
}

// GetUntypedSpec implements apis.HasSpec.
func (r *ResetOffset) GetUntypedSpec() interface{} {
	return r.Spec
}
