package dispatcher

import (
	"maps"
	"slices"
	"testing"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/offsets"
)

// A ResetOffset pauses one subscriber: its group stops on the dispatcher
// (no member left, so Kafka takes a commit of all its partitions at once),
// the channel's other subscriber goes on without a duplicate, and once the
// pause is lifted the subscriber restarts at the committed offsets: every
// event again, in order per partition, those sent during the pause last.
func TestPausedSubscriberRestartsAtTheOffsetsCommittedMeanwhile(t *testing.T) {
	const partitions = 2
	e := newEnv(t, partitions)
	a, b := newSink(t, nil), newSink(t, nil)
	kc := channel("", subscriber("a", a.URL), subscriber("b", b.URL))
	d := e.reconciled(Options{}, kc)
	e.waitReady("a")
	e.waitReady("b")
	before := e.produce(partitions, 0, 10, "before")
	waitFor(t, "the first events", func() bool { return a.hasAll(before) && b.hasAll(before) })

	kc = kc.DeepCopy()
	kc.Annotations = map[string]string{contract.PausedAnnotation("a"): "replay"}
	if err := d.Reconcile(kc); err != nil {
		t.Fatal(err)
	}
	k, err := offsets.New(e.addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	group := contract.ConsumerGroup(testNamespace, testChannel, "a")
	if n, state, err := k.Members(group); err != nil || n != 0 {
		t.Fatalf("the paused group has %d members (%s), %v; want none", n, state, err)
	}
	during := e.produce(partitions, 10, 20, "during")
	waitFor(t, "the other subscriber's events", func() bool { return b.hasAll(during) })
	if a.hasAll(during) {
		t.Fatal("the paused subscriber got the events sent during its pause")
	}
	if err := k.Commit(group, testTopic, map[int32]int64{0: 0, 1: 0}); err != nil {
		t.Fatalf("committing while paused: %v", err)
	}

	kc = kc.DeepCopy()
	delete(kc.Annotations, contract.PausedAnnotation("a"))
	if err := d.Reconcile(kc); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replay", func() bool { return a.hasAll(during) })
	replayed := byPartition(a.ids()[len(before):])
	want := slices.Collect(func(yield func(int) bool) {
		for i := range 20 {
			yield(i)
		}
	})
	for p, seqs := range replayed {
		if !slices.Equal(seqs, want) {
			t.Errorf("partition %s after the pause: %v, want %v", p, seqs, want)
		}
	}
	if len(replayed) != partitions {
		t.Errorf("replayed partitions %v, want %d", slices.Collect(maps.Keys(replayed)), partitions)
	}
	if n := b.duplicates(); n != 0 {
		t.Errorf("the other subscriber got %d duplicates", n)
	}
}
