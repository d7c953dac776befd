package resetoffset

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgotesting "k8s.io/client-go/testing"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"

	"github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
	fakeclient "github.com/knative-kafka/knative-kafka/pkg/client/injection/client/fake"
	roreconciler "github.com/knative-kafka/knative-kafka/pkg/client/injection/reconciler/kafka/v1alpha1/resetoffset"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/offsets"
	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

const (
	testNS    = "ns"
	roName    = "replay"
	subName   = "orders-sub"
	kcName    = "orders"
	topic     = "ns.orders"
	subUID    = types.UID("sub-uid")
	finalizer = "resetoffsets.kafka.knative-kafka.dev"
)

var (
	roKey     = testNS + "/" + roName
	group     = contract.ConsumerGroup(testNS, kcName, string(subUID))
	pausedKey = contract.PausedAnnotation(string(subUID))
)

// fakeOffsets stands in for Kafka: offsets.Kafka is tested against kfake.
type fakeOffsets struct {
	mu        sync.Mutex
	members   int
	committed map[int32]int64
	// targets maps a ListOffsets time to each partition's offset.
	targets   map[int64]map[int32]int64
	commitErr error
	commits   []map[int32]int64
}

func (f *fakeOffsets) Members(string) (int, string, error) {
	if f.members > 0 {
		return f.members, "Stable", nil
	}
	return 0, "Empty", nil
}

func (f *fakeOffsets) Partitions(string) ([]int32, error) { return []int32{0, 1}, nil }

func (f *fakeOffsets) Committed(string, string, []int32) (map[int32]int64, error) {
	return maps.Clone(f.committed), nil
}

func (f *fakeOffsets) Targets(_ string, _ []int32, when int64) (map[int32]int64, error) {
	t, ok := f.targets[when]
	if !ok {
		return nil, fmt.Errorf("no targets for %d", when)
	}
	return maps.Clone(t), nil
}

func (f *fakeOffsets) Commit(_, _ string, o map[int32]int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.commitErr != nil {
		return f.commitErr
	}
	f.commits = append(f.commits, maps.Clone(o))
	return nil
}

func (f *fakeOffsets) Close() error { return nil }

type rowKafkaKey struct{}

func withKafka(f *fakeOffsets) context.Context {
	return context.WithValue(context.Background(), rowKafkaKey{}, f)
}

func kafka() *fakeOffsets {
	return &fakeOffsets{
		committed: map[int32]int64{0: 40, 1: 60},
		targets: map[int64]map[int32]int64{
			offsets.Earliest: {0: 0, 1: 0},
			offsets.Latest:   {0: 50, 1: 70},
		},
	}
}

func newReconciler(ctx context.Context, ls *Listers, _ configmap.Watcher) controller.Reconciler {
	f, _ := ctx.Value(rowKafkaKey{}).(*fakeOffsets)
	if f == nil {
		f = kafka()
	}
	subs, chans := ls.Subscriptions(), ls.Channels()
	r := &Reconciler{
		Client:        fakeclient.Get(ctx),
		ChannelLister: ls.KafkaChannels(),
		Subscription: func(_ context.Context, ns, name string) (*messagingv1.Subscription, error) {
			return subs.Subscriptions(ns).Get(name)
		},
		Channel: func(_ context.Context, ns, name string) (*messagingv1.Channel, error) {
			return chans.Channels(ns).Get(name)
		},
		Kafka:   func() client.Snapshot { return client.Snapshot{Settings: &client.Settings{Fingerprint: "test"}} },
		Connect: func(*client.Settings) (Offsets, error) { return f, nil },
	}
	return roreconciler.NewReconciler(ctx, logtesting.TestLogger(nil), fakeclient.Get(ctx), ls.ResetOffsets(), controller.GetEventRecorder(ctx), r)
}

type roOption func(*v1alpha1.ResetOffset)

func newResetOffset(opts ...roOption) *v1alpha1.ResetOffset {
	ro := &v1alpha1.ResetOffset{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: roName, Finalizers: []string{finalizer}},
		Spec: v1alpha1.ResetOffsetSpec{
			Ref:    duckv1.KReference{APIVersion: v1alpha1.SubscriptionAPIVersion, Kind: v1alpha1.SubscriptionKind, Namespace: testNS, Name: subName},
			Offset: v1alpha1.OffsetSpec{Time: v1alpha1.OffsetEarliest},
		},
	}
	for _, o := range opts {
		o(ro)
	}
	return ro
}

func withoutFinalizer(ro *v1alpha1.ResetOffset) { ro.Finalizers = nil }
func dryRun(ro *v1alpha1.ResetOffset)           { ro.Spec.DryRun = true }
func latest(ro *v1alpha1.ResetOffset)           { ro.Spec.Offset.Time = v1alpha1.OffsetLatest }
func initialized(ro *v1alpha1.ResetOffset)      { ro.Status.InitializeConditions() }
func resolved(ro *v1alpha1.ResetOffset) {
	ro.Status.InitializeConditions()
	ro.Status.MarkResolved(kcName, subUID, topic, group)
}
func stopping(ro *v1alpha1.ResetOffset) {
	ro.Status.MarkGroupStopping("GroupHasMembers", "consumer group %s still has 2 members (Stable): waiting for the dispatchers to stop it (a dispatcher that died leaves after its session timeout)", group)
}
func stopped(ro *v1alpha1.ResetOffset) { ro.Status.MarkGroupStopped() }
func planned(ro *v1alpha1.ResetOffset) {
	ro.Status.SetOffsets([]v1alpha1.PartitionOffset{{Partition: 0, OldOffset: 40, NewOffset: 0}, {Partition: 1, OldOffset: 60, NewOffset: 0}})
}
func computed(ro *v1alpha1.ResetOffset) {
	ro.Status.MarkCommitting("OffsetsComputed", "committing the new offsets of 2 partitions")
}
func committed(ro *v1alpha1.ResetOffset) { ro.Status.MarkCommitted() }
func failed(reason, format string, args ...interface{}) roOption {
	return func(ro *v1alpha1.ResetOffset) { ro.Status.MarkResolveFailed(reason, format, args...) }
}
func deleting(ro *v1alpha1.ResetOffset) { ro.DeletionTimestamp = &metav1.Time{Time: time.Unix(1, 0)} }

func subscription() *messagingv1.Subscription {
	return &messagingv1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: subName, UID: subUID},
		Spec: messagingv1.SubscriptionSpec{Channel: duckv1.KReference{
			APIVersion: "messaging.knative.dev/v1beta1", Kind: "KafkaChannel", Name: kcName}},
	}
}

// subscriptionToChannel subscribes to the generic Channel of the KafkaChannel's name.
func subscriptionToChannel() *messagingv1.Subscription {
	s := subscription()
	s.Spec.Channel = duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "Channel", Name: kcName}
	return s
}

// genericChannel is a Channel backed by a channel of the given kind (none
// yet when kind is ""), as Eventing's Channel reconciler records it.
func genericChannel(apiVersion, kind string) *messagingv1.Channel {
	c := &messagingv1.Channel{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: kcName}}
	if kind != "" {
		c.Status.Channel = &duckv1.KReference{APIVersion: apiVersion, Kind: kind, Namespace: testNS, Name: kcName}
	}
	return c
}

func channel(annotations ...string) runtime.Object {
	kc := NewKafkaChannel(kcName, testNS, WithTopic(topic))
	for i := 0; i+1 < len(annotations); i += 2 {
		if kc.Annotations == nil {
			kc.Annotations = map[string]string{}
		}
		kc.Annotations[annotations[i]] = annotations[i+1]
	}
	return kc
}

func pausePatch(value string) clientgotesting.PatchActionImpl {
	return clientgotesting.PatchActionImpl{
		ActionImpl: clientgotesting.ActionImpl{Namespace: testNS},
		Name:       kcName,
		Patch:      []byte(`{"metadata":{"annotations":{"` + pausedKey + `":` + value + `}}}`),
	}
}

func statusUpdate(ro *v1alpha1.ResetOffset) clientgotesting.UpdateActionImpl {
	return clientgotesting.UpdateActionImpl{Object: ro}
}

// commitsAre checks what the row committed to Kafka.
func commitsAre(f *fakeOffsets, want ...map[int32]int64) func(*testing.T, *TableRow) {
	return func(t *testing.T, _ *TableRow) {
		if len(f.commits) != len(want) {
			t.Fatalf("commits = %v, want %v", f.commits, want)
		}
		for i := range want {
			if !maps.Equal(f.commits[i], want[i]) {
				t.Errorf("commit %d = %v, want %v", i, f.commits[i], want[i])
			}
		}
	}
}

func TestReconcile(t *testing.T) {
	withMembers, empty, emptyAgain, dry, recorded := kafka(), kafka(), kafka(), kafka(), kafka()
	withMembersOfChannel := kafka()
	withMembers.members, withMembersOfChannel.members = 2, 2
	joined := kafka()
	joined.commitErr = fmt.Errorf("committing: %w", offsets.ErrGroupHasMembers)

	table := TableTest{{
		Name: "bad key",
		Key:  "too/many/parts",
	}, {
		Name:    "the Subscription does not exist: failed at once, with the reason",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(withoutFinalizer), channel()},
		WantPatches: []clientgotesting.PatchActionImpl{{
			ActionImpl: clientgotesting.ActionImpl{Namespace: testNS},
			Name:       roName,
			Patch:      []byte(`{"metadata":{"finalizers":["` + finalizer + `"],"resourceVersion":""}}`),
		}},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(withoutFinalizer, initialized,
			failed("SubscriptionNotFound", "Subscription ns/orders-sub does not exist (any more): nothing to reset")))},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, roName),
			Eventf(corev1.EventTypeWarning, "SubscriptionNotFound", "Subscription ns/orders-sub does not exist (any more): nothing to reset"),
		},
	}, {
		Name: "a Subscription of another kind of channel is refused",
		Key:  roKey,
		Objects: []runtime.Object{newResetOffset(), func() *messagingv1.Subscription {
			s := subscription()
			s.Spec.Channel = duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "InMemoryChannel", Name: kcName}
			return s
		}()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(initialized,
			failed("NotAKafkaChannel", "Subscription ns/orders-sub subscribes to a InMemoryChannel (messaging.knative.dev/v1), not a KafkaChannel (messaging.knative.dev/v1beta1): only a KafkaChannel's subscribers can be reset")))},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "NotAKafkaChannel", "Subscription ns/orders-sub subscribes to a InMemoryChannel (messaging.knative.dev/v1), not a KafkaChannel (messaging.knative.dev/v1beta1): only a KafkaChannel's subscribers can be reset"),
		},
	}, {
		Name:              "a Subscription to a Channel backed by a KafkaChannel pauses the subscriber on the KafkaChannel",
		Key:               roKey,
		Ctx:               withKafka(withMembersOfChannel),
		Objects:           []runtime.Object{newResetOffset(), subscriptionToChannel(), genericChannel("messaging.knative.dev/v1beta1", "KafkaChannel"), channel()},
		WantPatches:       []clientgotesting.PatchActionImpl{pausePatch(`"replay"`)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopping))},
		WantErr:           true, // requeued
	}, {
		Name:    "a Channel without a backing channel yet is waited for",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(), subscriptionToChannel(), genericChannel("", "")},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(initialized, func(ro *v1alpha1.ResetOffset) {
			ro.Status.MarkResolving("BackingChannelNotReady", "Channel ns/orders of Subscription orders-sub has no backing channel yet")
		}))},
		WantErr: true, // requeued
	}, {
		Name:    "a Channel backed by another kind of channel is refused, naming the kind",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(), subscriptionToChannel(), genericChannel("messaging.knative.dev/v1", "InMemoryChannel")},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(initialized,
			failed("NotAKafkaChannel", "Subscription ns/orders-sub subscribes to Channel orders, backed by a InMemoryChannel (messaging.knative.dev/v1), not a KafkaChannel (messaging.knative.dev/v1beta1): only a KafkaChannel's subscribers can be reset")))},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "NotAKafkaChannel", "Subscription ns/orders-sub subscribes to Channel orders, backed by a InMemoryChannel (messaging.knative.dev/v1), not a KafkaChannel (messaging.knative.dev/v1beta1): only a KafkaChannel's subscribers can be reset"),
		},
	}, {
		Name:    "a Subscription to a Channel that does not exist: failed",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(), subscriptionToChannel()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(initialized,
			failed("ChannelNotFound", "Channel ns/orders of Subscription orders-sub does not exist (any more): nothing to reset")))},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, "ChannelNotFound", "Channel ns/orders of Subscription orders-sub does not exist (any more): nothing to reset")},
	}, {
		Name:    "a dry run reports the offsets and neither pauses nor commits",
		Key:     roKey,
		Ctx:     withKafka(dry),
		Objects: []runtime.Object{newResetOffset(dryRun), subscription(), channel()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(dryRun, resolved, planned,
			func(ro *v1alpha1.ResetOffset) { ro.Status.MarkDryRun() }))},
		WantEvents:     []string{Eventf(corev1.EventTypeNormal, "OffsetsReset", "100 events replayed, 0 skipped, for consumer group %s", group)},
		PostConditions: []func(*testing.T, *TableRow){commitsAre(dry)},
	}, {
		Name:              "the subscriber is paused, and the reset waits while its group has members",
		Key:               roKey,
		Ctx:               withKafka(withMembers),
		Objects:           []runtime.Object{newResetOffset(), subscription(), channel()},
		WantPatches:       []clientgotesting.PatchActionImpl{pausePatch(`"replay"`)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopping))},
		WantErr:           true, // requeued
		PostConditions:    []func(*testing.T, *TableRow){commitsAre(withMembers)},
	}, {
		Name:              "once the group is empty the offsets are recorded before they are committed",
		Key:               roKey,
		Ctx:               withKafka(empty),
		Objects:           []runtime.Object{newResetOffset(resolved, stopping), subscription(), channel(pausedKey, roName)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopped, planned, computed))},
		WantErr:           true, // requeued at once
		PostConditions:    []func(*testing.T, *TableRow){commitsAre(empty)},
	}, {
		Name:              "the recorded offsets are committed; the pause is lifted once the status says so (next row)",
		Key:               roKey,
		Ctx:               withKafka(recorded),
		Objects:           []runtime.Object{newResetOffset(resolved, stopped, planned, computed), subscription(), channel(pausedKey, roName)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopped, planned, committed))},
		WantEvents:        []string{Eventf(corev1.EventTypeNormal, "OffsetsReset", "100 events replayed, 0 skipped, for consumer group %s", group)},
		PostConditions:    []func(*testing.T, *TableRow){commitsAre(recorded, map[int32]int64{0: 0, 1: 0})},
	}, {
		Name:    "a member that joined before the commit is waited for: nothing committed",
		Key:     roKey,
		Ctx:     withKafka(joined),
		Objects: []runtime.Object{newResetOffset(resolved, stopped, planned, computed), subscription(), channel(pausedKey, roName)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopped, planned, computed, func(ro *v1alpha1.ResetOffset) {
			ro.Status.MarkGroupStopping("GroupHasMembers", "a member joined consumer group %s before the commit: waiting for it to stop", group)
		}))},
		WantErr:        true,
		PostConditions: []func(*testing.T, *TableRow){commitsAre(joined)},
	}, {
		Name:    "latest skips the backlog",
		Key:     roKey,
		Ctx:     withKafka(emptyAgain),
		Objects: []runtime.Object{newResetOffset(latest, resolved, stopping), subscription(), channel(pausedKey, roName)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(latest, resolved, stopped, computed, func(ro *v1alpha1.ResetOffset) {
			ro.Status.SetOffsets([]v1alpha1.PartitionOffset{{Partition: 0, OldOffset: 40, NewOffset: 50}, {Partition: 1, OldOffset: 60, NewOffset: 70}})
		}))},
		WantErr: true,
	}, {
		Name:    "another reset holds the subscriber: this one waits",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(), subscription(), channel(pausedKey, "earlier")},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, func(ro *v1alpha1.ResetOffset) {
			ro.Status.MarkGroupStopping("AnotherResetInProgress", "ResetOffset earlier is resetting this subscriber; this one starts when it ended")
		}))},
		WantErr: true,
	}, {
		Name:    "the Subscription deleted while the reset waits: failed (and the pause lifted by the next row)",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(resolved, stopping), channel(pausedKey, roName)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopping,
			failed("SubscriptionNotFound", "Subscription ns/orders-sub does not exist (any more): nothing to reset")))},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, "SubscriptionNotFound", "Subscription ns/orders-sub does not exist (any more): nothing to reset")},
	}, {
		Name:    "the channel deleted while the reset waits: failed",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(resolved, stopping), subscription()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{statusUpdate(newResetOffset(resolved, stopping,
			failed("ChannelNotFound", "KafkaChannel ns/orders of Subscription orders-sub does not exist (any more): nothing to reset")))},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, "ChannelNotFound", "KafkaChannel ns/orders of Subscription orders-sub does not exist (any more): nothing to reset")},
	}, {
		Name:        "a reset that ended acts no more, but lifts its pause",
		Key:         roKey,
		Objects:     []runtime.Object{newResetOffset(resolved, stopped, planned, committed), subscription(), channel(pausedKey, roName)},
		WantPatches: []clientgotesting.PatchActionImpl{pausePatch("null")},
	}, {
		Name:        "a reset that failed lifts its pause",
		Key:         roKey,
		Objects:     []runtime.Object{newResetOffset(resolved, stopping, failed("SubscriptionNotFound", "gone")), channel(pausedKey, roName)},
		WantPatches: []clientgotesting.PatchActionImpl{pausePatch("null")},
	}, {
		Name:    "a reset deleted before it ended lifts its pause",
		Key:     roKey,
		Objects: []runtime.Object{newResetOffset(deleting, resolved, stopping), subscription(), channel(pausedKey, roName)},
		WantPatches: []clientgotesting.PatchActionImpl{pausePatch("null"), {
			ActionImpl: clientgotesting.ActionImpl{Namespace: testNS},
			Name:       roName,
			Patch:      []byte(`{"metadata":{"finalizers":[],"resourceVersion":""}}`),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, roName)},
	}}
	table.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}
