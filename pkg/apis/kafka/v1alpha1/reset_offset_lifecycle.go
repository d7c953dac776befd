package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
)

// Condition types of a ResetOffset. Succeeded, the happy one, is True once
// all the others are, and False, for good, as soon as one is.
const (
	ResetOffsetConditionSucceeded = apis.ConditionSucceeded
	// SubscriptionResolved: the Subscription, its KafkaChannel, topic and group were found.
	ResetOffsetConditionSubscriptionResolved apis.ConditionType = "SubscriptionResolved"
	// GroupStopped: no member of the subscriber's group runs (the dispatchers
	// paused it), so that no partition is delivered until all moved.
	ResetOffsetConditionGroupStopped apis.ConditionType = "GroupStopped"
	// OffsetsCommitted: the new offsets of every partition are committed.
	ResetOffsetConditionOffsetsCommitted apis.ConditionType = "OffsetsCommitted"
)

// ReasonDryRun is the reason of the conditions a dry run skips.
const ReasonDryRun = "DryRun"

var roCondSet = apis.NewBatchConditionSet(
	ResetOffsetConditionSubscriptionResolved,
	ResetOffsetConditionGroupStopped,
	ResetOffsetConditionOffsetsCommitted,
)

// GetConditionSet implements duckv1.KRShaped.
func (*ResetOffset) GetConditionSet() apis.ConditionSet {
	return roCondSet
}

// GetGroupVersionKind implements kmeta.OwnerRefable.
func (*ResetOffset) GetGroupVersionKind() schema.GroupVersionKind {
	return SchemeGroupVersion.WithKind("ResetOffset")
}

// Done tells whether the reset ended, succeeded or failed: it acts only once.
func (r *ResetOffset) Done() bool {
	c := r.Status.GetCondition(ResetOffsetConditionSucceeded)
	return c != nil && !c.IsUnknown()
}

// Pauses tells whether the reset holds its subscriber's group stopped: a
// reset that changes offsets and has not ended yet.
func (r *ResetOffset) Pauses() bool {
	return !r.Spec.DryRun && !r.Done() && r.DeletionTimestamp == nil
}

// GetCondition returns the condition of the given type, or nil.
func (s *ResetOffsetStatus) GetCondition(t apis.ConditionType) *apis.Condition {
	return roCondSet.Manage(s).GetCondition(t)
}

// InitializeConditions sets every unset condition to Unknown.
func (s *ResetOffsetStatus) InitializeConditions() {
	roCondSet.Manage(s).InitializeConditions()
}

// MarkResolved records whose group moves.
func (s *ResetOffsetStatus) MarkResolved(channel string, uid types.UID, topic, group string) {
	s.Channel, s.SubscriberUID, s.Topic, s.Group = channel, uid, topic, group
	roCondSet.Manage(s).MarkTrue(ResetOffsetConditionSubscriptionResolved)
}

// MarkResolveFailed ends the reset: its subscriber cannot be found.
func (s *ResetOffsetStatus) MarkResolveFailed(reason, format string, args ...interface{}) {
	roCondSet.Manage(s).MarkFalse(ResetOffsetConditionSubscriptionResolved, reason, format, args...)
}

// MarkResolving says what the subscriber waits for before it can be resolved.
func (s *ResetOffsetStatus) MarkResolving(reason, format string, args ...interface{}) {
	roCondSet.Manage(s).MarkUnknown(ResetOffsetConditionSubscriptionResolved, reason, format, args...)
}

// MarkGroupStopping says that the group still has members.
func (s *ResetOffsetStatus) MarkGroupStopping(reason, format string, args ...interface{}) {
	roCondSet.Manage(s).MarkUnknown(ResetOffsetConditionGroupStopped, reason, format, args...)
}

// MarkGroupStopped says that no member of the group runs.
func (s *ResetOffsetStatus) MarkGroupStopped() {
	roCondSet.Manage(s).MarkTrue(ResetOffsetConditionGroupStopped)
}

// MarkCommitting says why the offsets are not committed yet.
func (s *ResetOffsetStatus) MarkCommitting(reason, format string, args ...interface{}) {
	roCondSet.Manage(s).MarkUnknown(ResetOffsetConditionOffsetsCommitted, reason, format, args...)
}

// MarkCommitted ends the reset: every partition restarts at its new offset.
func (s *ResetOffsetStatus) MarkCommitted() {
	roCondSet.Manage(s).MarkTrue(ResetOffsetConditionOffsetsCommitted)
}

// MarkDryRun ends a dry run: the offsets are reported, the group never stopped.
func (s *ResetOffsetStatus) MarkDryRun() {
	m := roCondSet.Manage(s)
	m.MarkTrueWithReason(ResetOffsetConditionGroupStopped, ReasonDryRun, "a dry run does not stop the group")
	m.MarkTrueWithReason(ResetOffsetConditionOffsetsCommitted, ReasonDryRun, "a dry run commits nothing")
}

// MarkFailed ends the reset on the condition that failed.
func (s *ResetOffsetStatus) MarkFailed(t apis.ConditionType, reason, format string, args ...interface{}) {
	roCondSet.Manage(s).MarkFalse(t, reason, format, args...)
}

// SetOffsets records each partition's offsets and the events replayed or skipped in all.
func (s *ResetOffsetStatus) SetOffsets(partitions []PartitionOffset) {
	s.Partitions = partitions
	s.EventsReplayed, s.EventsSkipped = 0, 0
	for _, p := range partitions {
		switch {
		case p.OldOffset < 0:
			// The group never committed here: nothing was delivered to count from.
		case p.NewOffset < p.OldOffset:
			s.EventsReplayed += p.OldOffset - p.NewOffset
		default:
			s.EventsSkipped += p.NewOffset - p.OldOffset
		}
	}
}
