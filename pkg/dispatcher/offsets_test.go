package dispatcher

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// Retention deleted records that a stopped subscriber had not had yet: its
// committed offset is below the log start. It resumes at the oldest retained
// record, not at the tail, and the dispatcher says so.
func TestOffsetsBelowLogStartResumeAtOldest(t *testing.T) {
	const partitions = 2
	e, s, kc := stoppedAfterFirstEvents(t, partitions)

	e.produce(partitions, 10, 20, "deleted")
	retained := e.produce(partitions, 20, 30, "retained")
	deleteRecordsBefore(t, e.addrs, partitions, 20)
	logs := &logBuffer{}
	recorder := record.NewFakeRecorder(10)
	e.reconciled(Options{Logger: logs.logger(), Recorder: recorder}, kc)
	// Per partition, what is sent now comes after what was retained.
	after := e.produce(partitions, 30, 31, "after")
	waitFor(t, "the events sent after the restart", func() bool { return s.hasAll(after) })
	if !s.hasAll(retained) {
		t.Fatalf("the retained events were skipped: delivered %v", byPartition(s.ids()))
	}
	checkResetReported(t, logs, recorder, offsetsOutOfRangeMessage)
}

// While a subscriber is behind, retention deletes records past its group's
// position: the group continues at the oldest retained record, not at the tail.
func TestOffsetsOvertakenByRetentionContinueAtOldest(t *testing.T) {
	e := newEnv(t, 1)
	// Sarama holds a record or two ahead of delivery, not the whole backlog,
	// so that the deletion overtakes what it fetched.
	e.settings.Sarama.ChannelBufferSize = 1
	e.settings.Sarama.Consumer.Fetch.Default = 1
	release := make(chan struct{})
	s := newSink(t, func(_ cloudevents.Event, _ int, w http.ResponseWriter) {
		<-release
		w.WriteHeader(http.StatusAccepted)
	})
	logs := &logBuffer{}
	recorder := record.NewFakeRecorder(10)
	e.reconciled(Options{Logger: logs.logger(), Recorder: recorder}, channel("", subscriber("a", s.URL)))
	e.waitReady("a")
	deleted := e.produce(1, 0, 40, "deleted")
	retained := e.produce(1, 40, 50, "retained")
	waitFor(t, "the first delivery", func() bool { return len(s.ids()) > 0 })
	deleteRecordsBefore(t, e.addrs, 1, 40)
	close(release)

	waitFor(t, "the retained events", func() bool { return s.hasAll(retained) })
	if s.hasAll(deleted) {
		t.Fatal("every deleted record was delivered: the deletion did not overtake the consumer, the test proves nothing")
	}
	checkResetReported(t, logs, recorder, offsetsOutOfRangeMessage)
}

// deleteRecordsBefore deletes the records below offset on each partition, as retention does.
func deleteRecordsBefore(t *testing.T, addrs []string, partitions int32, offset int64) {
	t.Helper()
	before := map[int32]int64{}
	for p := range partitions {
		before[p] = offset
	}
	withClusterAdmin(t, addrs, func(admin sarama.ClusterAdmin) error {
		return admin.DeleteRecords(testTopic, before)
	})
}

// checkResetReported checks that the operator was told, in a warning that
// names the subscriber, its group, the topic and the partitions, and in a
// Kubernetes event on the channel, that partitions resume at their oldest
// offset: msg says why.
func checkResetReported(t *testing.T, logs *logBuffer, recorder *record.FakeRecorder, msg string) {
	t.Helper()
	warning := logs.find(msg)
	if warning == nil {
		t.Fatalf("no warning %q logged; log: %s", msg, logs.String())
	}
	for k, want := range map[string]any{"level": "warn", "channel": testNamespace + "/" + testChannel, "subscriber": "a",
		"group": contract.ConsumerGroup(testNamespace, testChannel, "a"), "topic": testTopic} {
		if warning[k] != want {
			t.Errorf("warning field %s = %v, want %v", k, warning[k], want)
		}
	}
	if _, ok := warning["partitions"]; !ok {
		t.Errorf("warning does not name the partitions: %v", warning)
	}
	select {
	case ev := <-recorder.Events:
		if !strings.HasPrefix(ev, corev1.EventTypeWarning+" "+offsetsResetReason) {
			t.Errorf("event %q, want a %s warning", ev, offsetsResetReason)
		}
	default:
		t.Error("no Kubernetes event recorded on the channel")
	}
}

// Coming from eventing-kafka's distributed channel, whose subscriber groups
// were named kafka.<subscription UID>: with offsets.copy.from: distributed, a
// subscriber whose group has no offsets starts where the old group stopped,
// nothing skipped and nothing replayed. One the old channel never had a
// group for starts at the tail, as any new subscriber.
func TestOffsetsCopiedFromTheDistributedChannelsGroup(t *testing.T) {
	e := newEnv(t, 2)
	e.produce(2, 0, 10, "before")
	old := contract.DistributedConsumerGroup("a")
	commitOffset(t, e.addrs, old, 0, 4, "")
	commitOffset(t, e.addrs, old, 1, 7, "")
	e.kafka = map[string]string{config.OffsetsCopyFromKey: string(config.OffsetsFromDistributed)}
	s, fresh := newSink(t, nil), newSink(t, nil)
	e.reconciled(Options{}, channel("", subscriber("a", s.URL), subscriber("b", fresh.URL)))
	e.waitReady("a")
	e.waitReady("b")
	after := e.produce(2, 10, 11, "after")
	waitFor(t, "the events sent after the start", func() bool { return s.hasAll(after) && fresh.hasAll(after) })
	if n := len(fresh.ids()); n != len(after) {
		t.Errorf("the subscriber without an old group got %v, want only %v", fresh.ids(), after)
	}

	got := byPartition(s.ids())
	for _, seqs := range got {
		slices.Sort(seqs)
	}
	want := map[string][]int{"0": {4, 5, 6, 7, 8, 9, 10}, "1": {7, 8, 9, 10}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %v, want %v: the records after the old group's offsets, once", got, want)
	}
}
