// Package resetoffset reconciles ResetOffsets: it pauses the subscriber on
// its channel (an annotation every dispatcher follows), waits until Kafka
// shows its consumer group without a member, records the old and new offset
// of every partition, commits the new ones in one request, and lifts the
// pause. A dry run only computes and reports.
package resetoffset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"

	"github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned"
	roreconciler "github.com/knative-kafka/knative-kafka/pkg/client/injection/reconciler/kafka/v1alpha1/resetoffset"
	kclisters "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/offsets"
)

// PollInterval is how often a reset asks Kafka whether its group emptied,
// or looks again at what it waits for.
const PollInterval = time.Second

// Reconciler acts on one ResetOffset at a time.
type Reconciler struct {
	// Client patches the pause annotation of KafkaChannels.
	Client        versioned.Interface
	ChannelLister kclisters.KafkaChannelLister
	// Subscription reads a Subscription; NotFound when there is none.
	Subscription func(ctx context.Context, namespace, name string) (*messagingv1.Subscription, error)
	// Channel reads a generic Channel; NotFound when there is none.
	Channel func(ctx context.Context, namespace, name string) (*messagingv1.Channel, error)
	// Kafka returns the Kafka configuration in force (Secret + config-kafka).
	Kafka   func() client.Snapshot
	Connect Connect

	conns client.Cache[Offsets]
}

var (
	_ roreconciler.Interface = (*Reconciler)(nil)
	_ roreconciler.Finalizer = (*Reconciler)(nil)
)

// target is the subscriber a reset moves.
type target struct {
	channel *v1beta1.KafkaChannel
	uid     types.UID
	group   string
}

// ReconcileKind implements roreconciler.Interface.
func (r *Reconciler) ReconcileKind(ctx context.Context, ro *v1alpha1.ResetOffset) pkgreconciler.Event {
	ro.Status.InitializeConditions()
	if ro.Done() {
		return r.release(ctx, ro)
	}
	t, err := r.resolve(ctx, ro)
	if err != nil || t == nil {
		return r.endIfDone(ctx, ro, err)
	}
	when, err := offsetTime(ro.Spec.Offset.Time)
	if err != nil {
		ro.Status.MarkFailed(v1alpha1.ResetOffsetConditionOffsetsCommitted, "InvalidOffsetTime", "spec.offset.time: %v", err)
		return r.endIfDone(ctx, ro, nil)
	}
	k, err := r.offsets()
	if err != nil {
		ro.Status.MarkCommitting("KafkaUnavailable", "%v", err)
		return err
	}
	if ro.Spec.DryRun {
		err = r.dryRun(ro, t, k, when)
	} else {
		err = r.reset(ctx, ro, t, k, when)
	}
	if err != nil && !controller.IsSkipKey(err) {
		if ok, _ := controller.IsRequeueKey(err); !ok {
			r.conns.Invalidate()
		}
	}
	return r.endIfDone(ctx, ro, err)
}

// FinalizeKind implements roreconciler.Finalizer: a reset deleted before it
// ended must not leave its subscriber paused.
func (r *Reconciler) FinalizeKind(ctx context.Context, ro *v1alpha1.ResetOffset) pkgreconciler.Event {
	return r.release(ctx, ro)
}

// endIfDone reports how a reset that just ended ended; otherwise it returns
// err (a retry or a requeue). Its pause is lifted by the next reconcile,
// once its status says it ended: lifted now, a status write that failed
// would let the group restart before the reset is seen as done, and the
// reconcile after it would pause and commit again, replaying twice.
func (r *Reconciler) endIfDone(_ context.Context, ro *v1alpha1.ResetOffset, err error) pkgreconciler.Event {
	if !ro.Done() {
		return err
	}
	c := ro.Status.GetCondition(v1alpha1.ResetOffsetConditionSucceeded)
	if c.IsTrue() {
		return pkgreconciler.NewEvent(corev1.EventTypeNormal, "OffsetsReset", "%d events replayed, %d skipped, for consumer group %s",
			ro.Status.EventsReplayed, ro.Status.EventsSkipped, ro.Status.Group)
	}
	return pkgreconciler.NewEvent(corev1.EventTypeWarning, c.Reason, "%s", c.Message)
}

// resolve finds the Subscription's KafkaChannel and consumer group; nil
// with the status saying why when there is none (yet).
func (r *Reconciler) resolve(ctx context.Context, ro *v1alpha1.ResetOffset) (*target, error) {
	fail := func(reason, format string, args ...interface{}) (*target, error) {
		ro.Status.MarkResolveFailed(reason, format, args...)
		return nil, nil
	}
	ns, name := ro.Namespace, ro.Spec.Ref.Name
	sub, err := r.Subscription(ctx, ns, name)
	switch {
	case apierrs.IsNotFound(err):
		return fail("SubscriptionNotFound", "Subscription %s/%s does not exist (any more): nothing to reset", ns, name)
	case err != nil:
		return nil, fmt.Errorf("reading Subscription %s/%s: %w", ns, name, err)
	case sub.DeletionTimestamp != nil:
		return fail("SubscriptionDeleted", "Subscription %s/%s is being deleted: nothing to reset", ns, name)
	case ro.Status.SubscriberUID != "" && ro.Status.SubscriberUID != sub.UID:
		return fail("SubscriptionReplaced", "Subscription %s/%s was deleted and created again (UID %s, was %s): its new subscriber has a consumer group of its own; create another ResetOffset for it",
			ns, name, sub.UID, ro.Status.SubscriberUID)
	}
	chName, err := r.kafkaChannelName(ctx, ro, sub)
	if chName == "" {
		return nil, err
	}
	kc, err := r.ChannelLister.KafkaChannels(ns).Get(chName)
	switch {
	case apierrs.IsNotFound(err):
		return fail("ChannelNotFound", "KafkaChannel %s/%s of Subscription %s does not exist (any more): nothing to reset", ns, chName, name)
	case err != nil:
		return nil, err
	case kc.DeletionTimestamp != nil:
		return fail("ChannelDeleted", "KafkaChannel %s/%s of Subscription %s is being deleted: nothing to reset", ns, chName, name)
	case kc.Status.TopicName == "":
		ro.Status.MarkResolving("TopicNotReady", "KafkaChannel %s/%s has no topic yet", ns, chName)
		return nil, controller.NewRequeueAfter(PollInterval)
	}
	group := contract.ConsumerGroup(ns, kc.Name, string(sub.UID))
	ro.Status.MarkResolved(kc.Name, sub.UID, kc.Status.TopicName, group)
	logging.FromContext(ctx).Debugw("Resolved", "group", group)
	return &target{channel: kc, uid: sub.UID, group: group}, nil
}

// kafkaChannelName is the name of the KafkaChannel the Subscription's channel
// is, or of the one backing its generic Channel (the usual way a user gets
// a KafkaChannel, through a channel template); "" with the status saying why
// when there is none (yet).
func (r *Reconciler) kafkaChannelName(ctx context.Context, ro *v1alpha1.ResetOffset, sub *messagingv1.Subscription) (string, error) {
	fail := func(reason, format string, args ...interface{}) (string, error) {
		ro.Status.MarkResolveFailed(reason, format, args...)
		return "", nil
	}
	ns, name, ch, via := ro.Namespace, sub.Name, sub.Spec.Channel, ""
	if ch.Namespace != "" && ch.Namespace != ns {
		return fail("ChannelInAnotherNamespace", "Subscription %s/%s subscribes to a channel of namespace %s: a ResetOffset resets subscribers of its own namespace's channels", ns, name, ch.Namespace)
	}
	if ch.Kind == "Channel" && ch.APIVersion == messagingv1.SchemeGroupVersion.String() {
		c, err := r.Channel(ctx, ns, ch.Name)
		switch {
		case apierrs.IsNotFound(err):
			return fail("ChannelNotFound", "Channel %s/%s of Subscription %s does not exist (any more): nothing to reset", ns, ch.Name, name)
		case err != nil:
			return "", fmt.Errorf("reading Channel %s/%s: %w", ns, ch.Name, err)
		case c.DeletionTimestamp != nil:
			return fail("ChannelDeleted", "Channel %s/%s of Subscription %s is being deleted: nothing to reset", ns, ch.Name, name)
		case c.Status.Channel == nil:
			ro.Status.MarkResolving("BackingChannelNotReady", "Channel %s/%s of Subscription %s has no backing channel yet", ns, ch.Name, name)
			return "", controller.NewRequeueAfter(PollInterval)
		}
		via = fmt.Sprintf("Channel %s, backed by ", ch.Name)
		ch = *c.Status.Channel
	}
	if ch.Kind != "KafkaChannel" || ch.APIVersion != v1beta1.SchemeGroupVersion.String() {
		return fail("NotAKafkaChannel", "Subscription %s/%s subscribes to %sa %s (%s), not a KafkaChannel (%s): only a KafkaChannel's subscribers can be reset",
			ns, name, via, ch.Kind, ch.APIVersion, v1beta1.SchemeGroupVersion)
	}
	// Eventing creates the backing channel in its Channel's namespace, under its name.
	return ch.Name, nil
}

// offsetTime is spec.offset.time as Kafka's ListOffsets spells it. A time
// the webhook admitted was in the past, and still is.
func offsetTime(v string) (int64, error) {
	at, err := v1alpha1.ParseOffsetTime(v, time.Now())
	switch {
	case err != nil:
		return 0, err
	case at.Earliest:
		return offsets.Earliest, nil
	case at.Latest:
		return offsets.Latest, nil
	}
	return offsets.At(at.At), nil
}

func (r *Reconciler) offsets() (Offsets, error) {
	snap := r.Kafka()
	if snap.Err != nil {
		return nil, fmt.Errorf("kafka settings: %w", snap.Err)
	}
	return r.conns.Get(snap.Settings.Fingerprint, func() (Offsets, error) { return r.Connect(snap.Settings) })
}

// dryRun reports the offsets a reset would commit now, and ends.
func (r *Reconciler) dryRun(ro *v1alpha1.ResetOffset, t *target, k Offsets, when int64) error {
	partitions, err := r.plan(t, k, when)
	if err != nil {
		ro.Status.MarkCommitting("KafkaUnavailable", "%v", err)
		return err
	}
	ro.Status.SetOffsets(partitions)
	ro.Status.MarkDryRun()
	return nil
}

// reset pauses the group, waits until it is empty, records the offsets, then
// commits them. The offsets are recorded before they are committed, so that
// a controller restarted in between commits the same ones, even for
// "latest" while events keep arriving.
func (r *Reconciler) reset(ctx context.Context, ro *v1alpha1.ResetOffset, t *target, k Offsets, when int64) error {
	if held, ok := t.channel.Annotations[contract.PausedAnnotation(string(t.uid))]; ok && held != ro.Name {
		ro.Status.MarkGroupStopping("AnotherResetInProgress", "ResetOffset %s is resetting this subscriber; this one starts when it ended", held)
		return controller.NewRequeueAfter(PollInterval)
	}
	if err := r.pause(ctx, t.channel, t.uid, ro.Name); err != nil {
		ro.Status.MarkGroupStopping("PauseFailed", "pausing the subscriber on KafkaChannel %s: %v", t.channel.Name, err)
		return err
	}
	n, state, err := k.Members(t.group)
	if err != nil {
		ro.Status.MarkGroupStopping("KafkaUnavailable", "%v", err)
		return err
	}
	if n > 0 {
		ro.Status.MarkGroupStopping("GroupHasMembers", "consumer group %s still has %d members (%s): waiting for the dispatchers to stop it (a dispatcher that died leaves after its session timeout)", t.group, n, state)
		return controller.NewRequeueAfter(PollInterval)
	}
	ro.Status.MarkGroupStopped()
	if len(ro.Status.Partitions) == 0 {
		partitions, err := r.plan(t, k, when)
		if err != nil {
			ro.Status.MarkCommitting("KafkaUnavailable", "%v", err)
			return err
		}
		ro.Status.SetOffsets(partitions)
		ro.Status.MarkCommitting("OffsetsComputed", "committing the new offsets of %d partitions", len(partitions))
		return controller.NewRequeueImmediately()
	}
	err = k.Commit(t.group, t.channel.Status.TopicName, newOffsets(ro.Status.Partitions))
	if errors.Is(err, offsets.ErrGroupHasMembers) {
		ro.Status.MarkGroupStopping("GroupHasMembers", "a member joined consumer group %s before the commit: waiting for it to stop", t.group)
		return controller.NewRequeueAfter(PollInterval)
	}
	if err != nil {
		ro.Status.MarkCommitting("CommitFailed", "%v", err)
		return err
	}
	ro.Status.MarkCommitted()
	return nil
}

// plan reads each partition's committed offset and where it restarts.
func (r *Reconciler) plan(t *target, k Offsets, when int64) ([]v1alpha1.PartitionOffset, error) {
	topic := t.channel.Status.TopicName
	partitions, err := k.Partitions(topic)
	if err != nil {
		return nil, err
	}
	old, err := k.Committed(t.group, topic, partitions)
	if err != nil {
		return nil, err
	}
	next, err := k.Targets(topic, partitions, when)
	if err != nil {
		return nil, err
	}
	out := make([]v1alpha1.PartitionOffset, 0, len(partitions))
	for _, p := range slices.Sorted(maps.Keys(next)) {
		o, ok := old[p]
		if !ok {
			o = -1
		}
		out = append(out, v1alpha1.PartitionOffset{Partition: p, OldOffset: o, NewOffset: next[p]})
	}
	return out, nil
}

func newOffsets(partitions []v1alpha1.PartitionOffset) map[int32]int64 {
	out := make(map[int32]int64, len(partitions))
	for _, p := range partitions {
		out[p.Partition] = p.NewOffset
	}
	return out
}

// pause annotates the channel so that no dispatcher runs the subscriber's group.
func (r *Reconciler) pause(ctx context.Context, kc *v1beta1.KafkaChannel, uid types.UID, name string) error {
	key := contract.PausedAnnotation(string(uid))
	if kc.Annotations[key] == name {
		return nil
	}
	return r.patchAnnotation(ctx, kc, key, &name)
}

// release lifts the pause a reset holds, if it still does.
func (r *Reconciler) release(ctx context.Context, ro *v1alpha1.ResetOffset) error {
	if ro.Status.Channel == "" || ro.Status.SubscriberUID == "" {
		return nil
	}
	kc, err := r.ChannelLister.KafkaChannels(ro.Namespace).Get(ro.Status.Channel)
	if apierrs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	key := contract.PausedAnnotation(string(ro.Status.SubscriberUID))
	if held, ok := kc.Annotations[key]; !ok || held != ro.Name {
		return nil
	}
	return r.patchAnnotation(ctx, kc, key, nil)
}

// patchAnnotation sets (or, with nil, removes) one annotation of the channel
// with a merge patch, which leaves the other resets' annotations alone.
func (r *Reconciler) patchAnnotation(ctx context.Context, kc *v1beta1.KafkaChannel, key string, value *string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]*string{key: value}}})
	if err != nil {
		return err
	}
	_, err = r.Client.MessagingV1beta1().KafkaChannels(kc.Namespace).Patch(ctx, kc.Name, types.MergePatchType, patch, metav1PatchOptions)
	if apierrs.IsNotFound(err) {
		return nil
	}
	return err
}
