package dispatcher

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// The channel's spec grows from 2 to 6 partitions behind steady traffic
// through the real receiver, before the topic does (the controller grows it
// after the spec changed). Every acknowledged event reaches the subscriber, in
// order per partition, and the new partitions carry events and are delivered
// from within the test's bounded wait, well before Sarama's 10-minute
// metadata refresh.
func TestGrowthBehindTraffic(t *testing.T) {
	const before, after = 2, 6
	b := kafkatest.Start(t, kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.SeedTopics(before, testTopic))
	r := &rotationEnv{t: t, addrs: b.Addrs}
	r.start(map[string][]byte{client.BrokersKey: []byte(strings.Join(b.Addrs, ","))}, rotationConfig(t, ""))
	// One key per partition of the grown topic: before growth they spread over both partitions.
	tr := r.startTrafficWith(partitionKeys(after))
	r.waitDelivered(batch)

	kc := r.growSpec(after)
	createPartitions(t, r.addrs, after)
	grown := time.Now()
	waitFor(t, "events of every new partition delivered", func() bool {
		return committedFrom(t, r.addrs, kc.Spec.Subscribers[0].UID, before, after)
	})
	t.Logf("events of every new partition delivered %v after the topic grew", time.Since(grown).Round(time.Millisecond))
	tr.finish()
	acked, _ := tr.results()
	waitFor(t, "every acknowledged event at the subscriber", func() bool { return r.sink.hasAll(acked) })
	t.Logf("%d events acknowledged, %d deliveries, %d duplicates", len(acked), len(r.sink.ids()), r.sink.duplicates())
	checkPartitionOrder(t, r.addrs, r.sink.ids())
}

// growSpec makes the channel ask for n partitions, as the receiver's informer
// and the dispatcher's reconciler see it.
func (r *rotationEnv) growSpec(n int32) *v1beta1.KafkaChannel {
	r.t.Helper()
	obj, _, err := r.channels.GetByKey(testNamespace + "/" + testChannel)
	if err != nil {
		r.t.Fatal(err)
	}
	kc := obj.(*v1beta1.KafkaChannel).DeepCopy()
	kc.Spec.NumPartitions = n
	if err := r.channels.Update(kc); err != nil {
		r.t.Fatal(err)
	}
	r.producer.FollowGrowth(kc)
	if err := r.dispatcher.Reconcile(kc); err != nil {
		r.t.Fatal(err)
	}
	return kc
}

func createPartitions(t *testing.T, addrs []string, n int32) {
	t.Helper()
	withClusterAdmin(t, addrs, func(admin sarama.ClusterAdmin) error {
		return admin.CreatePartitions(testTopic, n, nil, false)
	})
}

func withClusterAdmin(t *testing.T, addrs []string, f func(sarama.ClusterAdmin) error) {
	t.Helper()
	admin, err := sarama.NewClusterAdmin(addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := f(admin); err != nil {
		t.Fatal(err)
	}
}

// committedFrom tells whether the subscriber's group committed an offset past
// the first record on each partition from..to-1: events of it were delivered.
func committedFrom(t *testing.T, addrs []string, uid types.UID, from, to int32) bool {
	var partitions []int32
	for p := from; p < to; p++ {
		partitions = append(partitions, p)
	}
	done := true
	withClusterAdmin(t, addrs, func(admin sarama.ClusterAdmin) error {
		resp, err := admin.ListConsumerGroupOffsets(contract.ConsumerGroup(testNamespace, testChannel, string(uid)), map[string][]int32{testTopic: partitions})
		for _, p := range partitions {
			if b := resp.GetBlock(testTopic, p); err != nil || b == nil || b.Offset <= 0 {
				done = false
			}
		}
		return nil
	})
	return done
}

// checkPartitionOrder checks that the deliveries of each partition (first
// delivery of each event) follow the partition's offsets.
func checkPartitionOrder(t *testing.T, addrs []string, delivered []string) {
	t.Helper()
	type position struct {
		partition int32
		offset    int
	}
	where := map[string]position{}
	for _, m := range kafkatest.Records(t, addrs, testTopic) {
		for _, h := range m.Headers {
			if string(h.Key) == "ce_id" {
				where[string(h.Value)] = position{m.Partition, int(m.Offset)}
			}
		}
	}
	offsets := map[int32][]int{}
	for _, id := range delivered {
		p, ok := where[id]
		if !ok {
			t.Fatalf("delivered %s, which is not in the topic", id)
		}
		offsets[p.partition] = append(offsets[p.partition], p.offset)
	}
	for p, seq := range offsets {
		if !slices.IsSorted(dedupe(seq)) {
			t.Errorf("partition %d delivered out of order: %v", p, seq)
		}
	}
}

// An initialised subscriber whose committed offsets vanished while its
// dispatcher was down (expired, or deleted by an operator) resumes at the
// oldest offset: nothing produced meanwhile is skipped, and the dispatcher
// says so in its log and in a Kubernetes event on the channel.
func TestOffsetsGoneResumeAtOldest(t *testing.T) {
	const partitions = 2
	e, s, kc := stoppedAfterFirstEvents(t, partitions)

	whileDown := e.produce(partitions, 10, 30, "down")
	withClusterAdmin(t, e.addrs, func(admin sarama.ClusterAdmin) error {
		return admin.DeleteConsumerGroup(contract.ConsumerGroup(testNamespace, testChannel, "a"))
	})
	logs := &logBuffer{}
	recorder := record.NewFakeRecorder(10)
	e.reconciled(Options{Logger: logs.logger(), Recorder: recorder}, kc)
	waitFor(t, "the events produced while the dispatcher was down", func() bool { return s.hasAll(whileDown) })

	checkResetReported(t, logs, recorder, offsetsResetMessage)
}

// stoppedAfterFirstEvents runs subscriber "a" of a channel of that many
// partitions until it had events 0-9, then stops its dispatcher, leaving the
// channel as the controller reports it: the subscriber ready, since its
// offsets were initialised.
func stoppedAfterFirstEvents(t *testing.T, partitions int32) (*env, *sink, *v1beta1.KafkaChannel) {
	t.Helper()
	e := newEnv(t, partitions)
	s := newSink(t, nil)
	kc := channel("", subscriber("a", s.URL))
	d := e.reconciled(Options{}, kc)
	e.waitReady("a")
	first := e.produce(partitions, 0, 10, "")
	waitFor(t, "the first events", func() bool { return s.hasAll(first) })
	d.Close()
	kc.Status.Subscribers = []eventingduckv1.SubscriberStatus{{UID: "a", Ready: corev1.ConditionTrue}}
	return e, s, kc
}

// logBuffer keeps the JSON lines of a logger.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *zap.Logger {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(b), zap.InfoLevel))
}

// find is the first entry logged with message msg, as its JSON fields.
func (b *logBuffer) find(msg string) map[string]any {
	for _, line := range strings.Split(b.String(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] == msg {
			return entry
		}
	}
	return nil
}

// The members of a new group initialise their partitions one after the other:
// a partition another member committed at the tail is no sign that the
// subscriber was initialised before, so this member's partition starts at the
// tail too, not at its oldest offset.
func TestPartlyInitialisedNewGroupStartsAtTheTail(t *testing.T) {
	const partitions = 2
	e := newEnv(t, partitions)
	e.produce(partitions, 0, 10, "before")
	commitOffset(t, e.addrs, contract.ConsumerGroup(testNamespace, testChannel, "a"), 0, 10, tailMetadata)

	s := newSink(t, nil)
	e.reconciled(Options{}, channel("", subscriber("a", s.URL)))
	e.waitReady("a")
	after := e.produce(partitions, 10, 20, "after")
	waitFor(t, "the events sent once the subscriber was ready", func() bool { return s.hasAll(after) })
	for _, ev := range s.events() {
		if ev.Extensions()["tag"] != "after" {
			t.Errorf("got %s, sent before the subscriber was ready", ev.ID())
		}
	}
}

// reconciled starts a Dispatcher on kc.
func (e *env) reconciled(opts Options, kc *v1beta1.KafkaChannel) *Dispatcher {
	e.t.Helper()
	d := e.dispatcher(opts)
	if err := d.Reconcile(kc); err != nil {
		e.t.Fatal(err)
	}
	return d
}

// commitOffset commits offset for partition p in group, as a member of it
// would (kfake creates a group only when a member joins it).
func commitOffset(t *testing.T, addrs []string, group string, p int32, offset int64, metadata string) {
	t.Helper()
	cg, err := sarama.NewConsumerGroup(addrs, group, testSaramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	h := &commitHandler{commit: func(sess sarama.ConsumerGroupSession) {
		sess.MarkOffset(testTopic, p, offset, metadata)
		sess.Commit()
		cancel()
	}}
	if err := cg.Consume(ctx, []string{testTopic}, h); err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	withClusterAdmin(t, addrs, func(admin sarama.ClusterAdmin) error {
		resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{testTopic: {p}})
		if b := resp.GetBlock(testTopic, p); err == nil && (b == nil || b.Offset != offset || b.Metadata != metadata) {
			err = fmt.Errorf("committed %+v, want offset %d with metadata %q", b, offset, metadata)
		}
		return err
	})
}

// commitHandler commits in Setup and consumes nothing.
type commitHandler struct {
	commit func(sarama.ConsumerGroupSession)
}

func (h *commitHandler) Setup(sess sarama.ConsumerGroupSession) error {
	h.commit(sess)
	return nil
}
func (*commitHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (*commitHandler) ConsumeClaim(sarama.ConsumerGroupSession, sarama.ConsumerGroupClaim) error {
	return nil
}
