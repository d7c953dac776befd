//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/offsets"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

const replayEvents = 100

// replayed is a channel of two partitions with two subscribers, "a" and "b",
// that both got events 1..100 (four partition keys, so both partitions hold
// some), and the time between event 40 and 41.
type replayed struct {
	ns         string
	a, b       *framework.Sink
	between    time.Time
	groupA     string
	uidA       types.UID
	groupB     string
	channel    *v1beta1.KafkaChannel
	subA, subB string
}

func newReplayed(t *testing.T, name string) *replayed {
	t.Helper()
	return newReplayedOn(t, name, false)
}

// newReplayedOn is newReplayed; generic makes "ch" a generic Channel whose
// template is a KafkaChannel, and subscribes a and b to the Channel.
func newReplayedOn(t *testing.T, name string, generic bool) *replayed {
	t.Helper()
	r := &replayed{ns: env.Namespace(t, name), a: framework.NewSink(t), b: framework.NewSink(t), subA: "a", subB: "b"}
	if generic {
		r.channel = createGenericChannel(t, r.ns, "ch")
	} else {
		r.channel = env.CreateChannel(t, r.ns, "ch", v1beta1.KafkaChannelSpec{NumPartitions: 2})
	}
	subA := env.Subscribe(t, r.ns, r.subA, "ch", framework.SubscriptionOptions{Subscriber: r.a.URL, Generic: generic})
	subB := env.Subscribe(t, r.ns, r.subB, "ch", framework.SubscriptionOptions{Subscriber: r.b.URL, Generic: generic})
	r.uidA = subA.UID
	r.groupA = contract.ConsumerGroup(r.ns, "ch", string(subA.UID))
	r.groupB = contract.ConsumerGroup(r.ns, "ch", string(subB.UID))
	for i := 1; i <= replayEvents; i++ {
		if i == 41 {
			// Record timestamps are the receiver's clock in milliseconds.
			time.Sleep(20 * time.Millisecond)
			r.between = time.Now()
			time.Sleep(20 * time.Millisecond)
		}
		send(t, r.ns, "ch", keyed("e", i))
	}
	for _, s := range []*framework.Sink{r.a, r.b} {
		s.WaitFor(t, time.Minute, "the first 100 events", func(got []framework.Received) bool { return len(got) >= replayEvents })
	}
	return r
}

// createGenericChannel creates a Channel whose template is a KafkaChannel of
// two partitions, and returns that KafkaChannel once Eventing made it and it is Ready.
func createGenericChannel(t *testing.T, ns, name string) *v1beta1.KafkaChannel {
	t.Helper()
	// Eventing's webhook, which would default the template, does not run in the dev environment.
	ch := &messagingv1.Channel{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: messagingv1.ChannelSpec{ChannelTemplate: &messagingv1.ChannelTemplateSpec{
			TypeMeta: metav1.TypeMeta{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel"},
			Spec:     &runtime.RawExtension{Raw: []byte(`{"numPartitions":2}`)},
		}},
	}
	if _, err := env.Eventing(t).MessagingV1().Channels(ns).Create(context.Background(), ch, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating Channel %s/%s: %v", ns, name, err)
	}
	return env.WaitChannelReady(t, ns, name)
}

// keyed is event i, with one of four partition keys.
func keyed(prefix string, i int) cloudevents.Event {
	e := framework.NewEvent(prefix+strconv.Itoa(i), "e2e.replay", map[string]int{"seq": i})
	e.SetExtension("partitionkey", "k"+strconv.Itoa(i%4))
	return e
}

func resetOffset(t *testing.T, ns, name, sub, at string, dryRun bool) *v1alpha1.ResetOffset {
	t.Helper()
	ro := &v1alpha1.ResetOffset{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ResetOffsetSpec{
			Ref:    duckv1.KReference{Name: sub},
			Offset: v1alpha1.OffsetSpec{Time: at},
			DryRun: dryRun,
		},
	}
	ro, err := env.Kafka.KafkaV1alpha1().ResetOffsets(ns).Create(context.Background(), ro, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating ResetOffset %s/%s: %v", ns, name, err)
	}
	return ro
}

// waitSucceeded waits for the ResetOffset to end, and fails unless it succeeded.
func waitSucceeded(t *testing.T, ns, name string) *v1alpha1.ResetOffset {
	t.Helper()
	var ro *v1alpha1.ResetOffset
	err := framework.Poll(2*time.Minute, func() (bool, error) {
		var err error
		ro, err = env.Kafka.KafkaV1alpha1().ResetOffsets(ns).Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && ro.Done(), nil
	})
	if err != nil || !ro.Status.GetCondition(v1alpha1.ResetOffsetConditionSucceeded).IsTrue() {
		t.Fatalf("ResetOffset %s/%s did not succeed: %v; status %+v", ns, name, err, ro.Status)
	}
	return ro
}

// seqs lists, per partition key, the seq of each event received from index from on.
func seqs(got []framework.Received, from int) map[string][]int {
	out := map[string][]int{}
	for _, r := range got[from:] {
		var data map[string]int
		_ = r.Event.DataAs(&data)
		key := fmt.Sprint(r.Event.Extensions()["partitionkey"])
		out[key] = append(out[key], data["seq"])
	}
	return out
}

// checkReplay checks that, from index from on, the sink got exactly events
// first..100 again, in order per partition key.
func checkReplay(t *testing.T, s *framework.Sink, from, first int) {
	t.Helper()
	want := replayEvents - first + 1
	got := s.WaitFor(t, time.Minute, fmt.Sprintf("%d events replayed", want), func(r []framework.Received) bool { return len(r) >= from+want })
	if len(got) != from+want {
		t.Errorf("got %d events after the reset, want %d", len(got)-from, want)
	}
	for key, s := range seqs(got, from) {
		if !slices.IsSorted(s) || s[0] < first {
			t.Errorf("key %s replayed %v: want seqs from %d on, in order", key, s, first)
		}
	}
}

func committed(t *testing.T, group, topic string) map[int32]int64 {
	t.Helper()
	k, err := offsets.New([]string{env.BrokerAddr}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	got, err := k.Committed(group, topic, []int32{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Earliest gives subscriber a all 100 events again, in order per partition;
// then a time between event 40 and 41 gives it 41..100 again. Subscriber b
// of the same channel gets none of them.
func TestResetOffsetEarliestThenTime(t *testing.T) {
	r := newReplayed(t, "e2e-replay")

	resetOffset(t, r.ns, "to-earliest", r.subA, v1alpha1.OffsetEarliest, false)
	ro := waitSucceeded(t, r.ns, "to-earliest")
	if ro.Status.EventsReplayed != replayEvents || ro.Status.Group != r.groupA || ro.Status.Topic != r.channel.Status.TopicName {
		t.Errorf("status: replayed %d, group %s, topic %s; want %d, %s, %s", ro.Status.EventsReplayed, ro.Status.Group, ro.Status.Topic,
			replayEvents, r.groupA, r.channel.Status.TopicName)
	}
	checkReplay(t, r.a, replayEvents, 1)

	resetOffset(t, r.ns, "to-time", r.subA, r.between.UTC().Format(time.RFC3339Nano), false)
	ro = waitSucceeded(t, r.ns, "to-time")
	if ro.Status.EventsReplayed != replayEvents-40 {
		t.Errorf("status: replayed %d, want %d", ro.Status.EventsReplayed, replayEvents-40)
	}
	checkReplay(t, r.a, 2*replayEvents, 41)

	// Events after the resets reach both, and b never got a second copy.
	send(t, r.ns, "ch", keyed("after", 1))
	r.a.WaitForID(t, time.Minute, "after1")
	r.b.WaitForID(t, time.Minute, "after1")
	if n := len(r.b.Received()); n != replayEvents+1 {
		t.Errorf("subscriber b got %d events, want %d: the reset of a reached it", n, replayEvents+1)
	}
}

// A Subscription to a generic Channel backed by a KafkaChannel (what channel
// templates give users) is reset on that KafkaChannel: earliest gives its
// subscriber every event again, and the other subscriber none.
func TestResetOffsetOfAChannelBackedByAKafkaChannel(t *testing.T) {
	r := newReplayedOn(t, "e2e-replay-generic", true)
	resetOffset(t, r.ns, "to-earliest", r.subA, v1alpha1.OffsetEarliest, false)
	ro := waitSucceeded(t, r.ns, "to-earliest")
	if ro.Status.Channel != "ch" || ro.Status.Group != r.groupA || ro.Status.EventsReplayed != replayEvents {
		t.Errorf("status: channel %s, group %s, replayed %d; want ch, %s, %d", ro.Status.Channel, ro.Status.Group, ro.Status.EventsReplayed, r.groupA, replayEvents)
	}
	checkReplay(t, r.a, replayEvents, 1)
	if n := len(r.b.Received()); n != replayEvents {
		t.Errorf("subscriber b got %d events, want %d: the reset of a reached it", n, replayEvents)
	}
}

// A dry run reports the offsets and changes none: the group is never paused.
func TestResetOffsetDryRun(t *testing.T) {
	r := newReplayed(t, "e2e-replay-dry")
	// Offsets are committed every second, after delivery.
	var before map[int32]int64
	if err := framework.Poll(time.Minute, func() (bool, error) {
		before = committed(t, r.groupA, r.channel.Status.TopicName)
		return before[0]+before[1] == replayEvents, nil
	}); err != nil {
		t.Fatalf("the group did not commit the 100 events: %v", before)
	}
	resetOffset(t, r.ns, "dry", r.subA, v1alpha1.OffsetEarliest, true)
	ro := waitSucceeded(t, r.ns, "dry")
	if ro.Status.EventsReplayed != replayEvents {
		t.Errorf("status: replayed %d, want %d", ro.Status.EventsReplayed, replayEvents)
	}
	for _, p := range ro.Status.Partitions {
		if p.NewOffset != 0 || p.OldOffset != before[p.Partition] {
			t.Errorf("partition %d: old %d, new %d; want old %d, new 0", p.Partition, p.OldOffset, p.NewOffset, before[p.Partition])
		}
	}
	send(t, r.ns, "ch", keyed("after", 1))
	r.a.WaitForID(t, time.Minute, "after1")
	if after := committed(t, r.groupA, r.channel.Status.TopicName); !offsetsAtLeast(after, before) {
		t.Errorf("offsets moved back: %v, were %v", after, before)
	}
	if n := len(r.a.Received()); n != replayEvents+1 {
		t.Errorf("subscriber a got %d events, want %d: a dry run replayed", n, replayEvents+1)
	}
}

func offsetsAtLeast(got, floor map[int32]int64) bool {
	for p, o := range floor {
		if got[p] < o {
			return false
		}
	}
	return true
}

// A subscriber stuck on its backlog (its sink hangs) skips it with latest:
// it gets what is sent after the reset, and nothing of the backlog.
func TestResetOffsetLatestSkipsBacklog(t *testing.T) {
	ns := env.Namespace(t, "e2e-replay-latest")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{NumPartitions: 2})
	sink := framework.NewSink(t)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	sink.Respond = func(e cloudevents.Event, _ int) (int, *cloudevents.Event) {
		if e.Type() == "e2e.replay" && e.ID()[0] == 'b' {
			<-release
		}
		return 202, nil
	}
	env.Subscribe(t, ns, "stuck", "ch", framework.SubscriptionOptions{Subscriber: sink.URL})
	for i := 1; i <= 20; i++ {
		send(t, ns, "ch", keyed("backlog", i))
	}
	sink.WaitFor(t, time.Minute, "the first backlog event", func(r []framework.Received) bool { return len(r) >= 1 })

	resetOffset(t, ns, "skip", "stuck", v1alpha1.OffsetLatest, false)
	ro := waitSucceeded(t, ns, "skip")
	if ro.Status.EventsSkipped == 0 {
		t.Errorf("status: skipped %d, want the backlog", ro.Status.EventsSkipped)
	}
	once.Do(func() { close(release) })
	seen := len(sink.Received())
	send(t, ns, "ch", keyed("after", 1))
	sink.WaitForID(t, time.Minute, "after1")
	for _, r := range sink.Received()[seen:] {
		if r.Event.ID() != "after1" {
			t.Errorf("got %s after the reset to latest: the backlog was not skipped", r.Event.ID())
		}
	}
}

// Every pool replica killed (SIGKILL) as the reset starts, their members
// left in the group until their session times out, and the controller killed
// once the subscriber is paused: the reset still ends, and the subscriber
// gets every event again.
func TestResetOffsetSurvivesKilledDispatchersAndController(t *testing.T) {
	r := newReplayed(t, "e2e-replay-kill")
	resetOffset(t, r.ns, "to-earliest", r.subA, v1alpha1.OffsetEarliest, false)
	for _, pod := range env.Pods(contract.PoolName) {
		if err := env.KillPod(pod); err != nil {
			t.Fatal(err)
		}
	}
	channels := env.Kafka.MessagingV1beta1().KafkaChannels(r.ns)
	paused := contract.PausedAnnotation(string(r.uidA))
	if err := framework.Poll(time.Minute, func() (bool, error) {
		kc, err := channels.Get(context.Background(), "ch", metav1.GetOptions{})
		return err == nil && contract.IsPaused(kc.Annotations, string(r.uidA)), nil
	}); err != nil {
		t.Fatalf("the channel never carried %s: %v", paused, err)
	}
	if err := env.KillDeployment("kafka-channel-controller"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitSucceeded(t, r.ns, "to-earliest")
	// A new controller takes over once the killed one's lease expired.
	t.Logf("the reset ended %v after the controller was killed", time.Since(start).Round(time.Second))
	if err := framework.Poll(time.Minute, func() (bool, error) {
		kc, err := channels.Get(context.Background(), "ch", metav1.GetOptions{})
		return err == nil && !contract.IsPaused(kc.Annotations, string(r.uidA)), nil
	}); err != nil {
		t.Errorf("the pause outlived the reset: %v", err)
	}
	// At least once: a dispatcher killed before it saw the pause may have
	// delivered again what it had not committed; order is TestResetOffsetEarliestThenTime's.
	r.a.WaitFor(t, 2*time.Minute, "every event again", func(got []framework.Received) bool {
		return len(seqsSet(got[replayEvents:])) >= replayEvents
	})
	// Nothing sent since is lost, for either subscriber.
	send(t, r.ns, "ch", keyed("after", 1))
	r.a.WaitForID(t, time.Minute, "after1")
	r.b.WaitForID(t, time.Minute, "after1")
}

func seqsSet(got []framework.Received) map[string]bool {
	out := map[string]bool{}
	for _, r := range got {
		out[r.Event.ID()] = true
	}
	delete(out, "after1")
	return out
}

// A reset that waits (a member the dispatchers do not control holds the
// group) fails, with the reason, when its Subscription or its channel is
// deleted, and does not leave the subscriber paused.
func TestResetOffsetFailsWhenItsSubscriptionOrChannelGoes(t *testing.T) {
	ns := env.Namespace(t, "e2e-replay-gone")
	ctx := context.Background()
	for _, tc := range []struct {
		channel string
		// reasons are those Succeeded may end with: gone, or on its way.
		reasons []string
		remove  func() error
	}{{
		channel: "subgone", reasons: []string{"SubscriptionNotFound", "SubscriptionDeleted"},
		remove: func() error {
			return env.Eventing(t).MessagingV1().Subscriptions(ns).Delete(ctx, "subgone", metav1.DeleteOptions{})
		},
	}, {
		// The channel's finalizer waits for the member to leave: it is deleted, not gone.
		channel: "chgone", reasons: []string{"ChannelDeleted", "ChannelNotFound"},
		remove: func() error {
			return env.Kafka.MessagingV1beta1().KafkaChannels(ns).Delete(ctx, "chgone", metav1.DeleteOptions{})
		},
	}} {
		kc := env.CreateChannel(t, ns, tc.channel, v1beta1.KafkaChannelSpec{NumPartitions: 1})
		sub := env.Subscribe(t, ns, tc.channel, tc.channel, framework.SubscriptionOptions{Subscriber: framework.NewSink(t).URL})
		leave := kafkatest.Join(t, []string{env.BrokerAddr}, contract.ConsumerGroup(ns, tc.channel, string(sub.UID)), kc.Status.TopicName)
		resetOffset(t, ns, tc.channel, tc.channel, v1alpha1.OffsetEarliest, false)
		waitCondition(t, ns, tc.channel, v1alpha1.ResetOffsetConditionGroupStopped, "GroupHasMembers")
		if err := tc.remove(); err != nil {
			t.Fatal(err)
		}
		ro := waitCondition(t, ns, tc.channel, v1alpha1.ResetOffsetConditionSucceeded, tc.reasons...)
		if c := ro.Status.GetCondition(v1alpha1.ResetOffsetConditionSucceeded); !c.IsFalse() {
			t.Errorf("%s: Succeeded %s, want False", tc.channel, c.Status)
		}
		if err := framework.Poll(time.Minute, func() (bool, error) {
			kc, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).Get(ctx, tc.channel, metav1.GetOptions{})
			return apierrs.IsNotFound(err) || (err == nil && !contract.IsPaused(kc.Annotations, string(sub.UID))), nil
		}); err != nil {
			t.Errorf("%s: the failed reset left the subscriber paused: %v", tc.channel, err)
		}
		leave()
	}
}

// waitCondition waits for the ResetOffset's condition to have one of those reasons.
func waitCondition(t *testing.T, ns, name string, ct apis.ConditionType, reasons ...string) *v1alpha1.ResetOffset {
	t.Helper()
	var ro *v1alpha1.ResetOffset
	if err := framework.Poll(time.Minute, func() (bool, error) {
		var err error
		ro, err = env.Kafka.KafkaV1alpha1().ResetOffsets(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		c := ro.Status.GetCondition(ct)
		return c != nil && slices.Contains(reasons, c.Reason), nil
	}); err != nil {
		t.Fatalf("ResetOffset %s/%s: %s never had a reason of %v: %+v", ns, name, ct, reasons, ro.Status.Conditions)
	}
	return ro
}
