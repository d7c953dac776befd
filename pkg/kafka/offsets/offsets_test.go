package offsets_test

import (
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/offsets"
)

var base = time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)

// withRecords starts a broker whose topic "t" has two partitions of ten
// records each, the i-th of a partition stamped base + i minutes.
func withRecords(t *testing.T) (*kafkatest.Broker, *offsets.Kafka) {
	t.Helper()
	b := kafkatest.Start(t)
	cfg := kafkatest.Config()
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	ca, err := sarama.NewClusterAdmin(b.Addrs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	if err := ca.CreateTopic("t", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	p, err := sarama.NewSyncProducer(b.Addrs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for partition := range int32(2) {
		for i := range 10 {
			msg := &sarama.ProducerMessage{Topic: "t", Partition: partition, Value: sarama.StringEncoder("e"),
				Timestamp: base.Add(time.Duration(i) * time.Minute)}
			if _, _, err := p.SendMessage(msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	k, err := offsets.New(b.Addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return b, k
}

func TestTargets(t *testing.T) {
	_, k := withRecords(t)
	partitions, err := k.Partitions("t")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		when int64
		want int64
	}{
		{name: "earliest", when: offsets.Earliest, want: 0},
		{name: "latest", when: offsets.Latest, want: 10},
		{name: "the time of a record", when: offsets.At(base.Add(4 * time.Minute)), want: 4},
		{name: "between two records: the later one", when: offsets.At(base.Add(4*time.Minute + time.Second)), want: 5},
		{name: "before every record", when: offsets.At(base.Add(-time.Hour)), want: 0},
		{name: "after every record: the end", when: offsets.At(base.Add(time.Hour)), want: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.Targets("t", partitions, tc.when)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[int32]int64{0: tc.want, 1: tc.want}; !maps.Equal(got, want) {
				t.Errorf("Targets = %v, want %v", got, want)
			}
		})
	}
}

// A commit moves every partition at once, and only once no member runs.
func TestCommitOnlyWhileTheGroupIsEmpty(t *testing.T) {
	b, k := withRecords(t)
	partitions, err := k.Partitions("t")
	if err != nil {
		t.Fatal(err)
	}
	before, err := k.Committed("g", "t", partitions)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int32]int64{0: -1, 1: -1}; !maps.Equal(before, want) {
		t.Fatalf("offsets of an unknown group = %v, want %v", before, want)
	}

	leave := kafkatest.Join(t, b.Addrs, "g", "t")
	if n, state, err := k.Members("g"); err != nil || n != 1 {
		t.Fatalf("Members = %d (%s), %v; want 1", n, state, err)
	}
	target := map[int32]int64{0: 3, 1: 7}
	if err := k.Commit("g", "t", target); !errors.Is(err, offsets.ErrGroupHasMembers) {
		t.Fatalf("Commit with a member = %v, want ErrGroupHasMembers", err)
	}

	leave()
	if n, state, err := k.Members("g"); err != nil || n != 0 {
		t.Fatalf("after the member left, Members = %d (%s), %v; want 0", n, state, err)
	}
	if err := k.Commit("g", "t", target); err != nil {
		t.Fatalf("Commit on the empty group: %v", err)
	}
	got, err := k.Committed("g", "t", partitions)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, target) {
		t.Errorf("committed = %v, want %v", got, target)
	}
}
