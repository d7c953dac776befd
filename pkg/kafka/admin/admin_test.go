package admin_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

func newAdmin(t *testing.T, addrs []string) *admin.Kafka {
	t.Helper()
	a, err := admin.NewKafka(addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// describe returns a topic's partition count and its retention.ms, max.message.bytes and min.insync.replicas.
func describe(t *testing.T, addrs []string, topic string) (partitions int, configs map[string]string) {
	t.Helper()
	return describeWith(t, addrs, kafkatest.Config(), topic)
}

// describeWith is describe for a cluster that needs its own client configuration (TLS, SASL).
func describeWith(t *testing.T, addrs []string, cfg *sarama.Config, topic string) (partitions int, configs map[string]string) {
	t.Helper()
	ca, err := sarama.NewClusterAdmin(addrs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	md, err := ca.DescribeTopics([]string{topic})
	if err != nil || len(md) != 1 || md[0].Err != sarama.ErrNoError {
		t.Fatalf("describe %s: %v %v", topic, err, md)
	}
	entries, err := ca.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic,
		ConfigNames: []string{"retention.ms", "max.message.bytes", "min.insync.replicas"}})
	if err != nil {
		t.Fatal(err)
	}
	configs = map[string]string{}
	for _, e := range entries {
		configs[e.Name] = e.Value
	}
	return len(md[0].Partitions), configs
}

func TestEnsureTopicCreatesWithShape(t *testing.T) {
	b := kafkatest.Start(t)
	a := newAdmin(t, b.Addrs)
	ctx := context.Background()
	spec := admin.TopicSpec{NumPartitions: 3, ReplicationFactor: 1, Retention: 2 * time.Hour, MaxMessageBytes: 2 << 20}

	if _, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil {
		t.Fatal(err)
	}
	if p, c := describe(t, b.Addrs, "ns.ch"); p != 3 || c["retention.ms"] != "7200000" || c["max.message.bytes"] != "2097152" {
		t.Errorf("topic has %d partitions, configs %v; want 3, retention.ms 7200000, max.message.bytes 2097152", p, c)
	}
	// Idempotent: a second call on an existing topic succeeds and changes nothing.
	if _, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil {
		t.Fatalf("second EnsureTopic: %v", err)
	}
	if p, _ := describe(t, b.Addrs, "ns.ch"); p != 3 {
		t.Errorf("after second call: %d partitions, want 3", p)
	}
}

// With acks=all, a write is acknowledged by the in-sync replicas only: unless
// at least two must be in sync, a lone leader acknowledges and its loss loses
// the event.
func TestEnsureTopicSetsMinInSyncReplicas(t *testing.T) {
	b := kafkatest.Start(t, kfake.NumBrokers(3))
	a := newAdmin(t, b.Addrs)
	for _, tc := range []struct {
		rf   int16
		want string
	}{{1, "1"}, {2, "2"}, {3, "2"}} {
		topic := fmt.Sprintf("rf%d", tc.rf)
		spec := admin.TopicSpec{NumPartitions: 1, ReplicationFactor: tc.rf, Retention: time.Hour, MinInSyncReplicas: 2}
		if _, err := a.EnsureTopic(context.Background(), topic, spec); err != nil {
			t.Fatal(err)
		}
		if _, c := describe(t, b.Addrs, topic); c["min.insync.replicas"] != tc.want {
			t.Errorf("replication factor %d: min.insync.replicas %q, want %s", tc.rf, c["min.insync.replicas"], tc.want)
		}
	}
}

// Only the call that created the topic says so: a topic found existing, made
// by someone else or by an earlier call, is adopted.
func TestEnsureTopicTellsCreatedFromFound(t *testing.T) {
	b := kafkatest.Start(t)
	a := newAdmin(t, b.Addrs)
	spec := admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour}
	for i, want := range []bool{true, false} {
		created, err := a.EnsureTopic(context.Background(), "ns.ch", spec)
		if err != nil || created != want {
			t.Errorf("call %d: created %v, %v; want %v, no error", i+1, created, err, want)
		}
	}
}

func TestEnsureTopicGrowsPartitions(t *testing.T) {
	b := kafkatest.Start(t)
	a := newAdmin(t, b.Addrs)
	ctx := context.Background()
	spec := admin.TopicSpec{NumPartitions: 2, ReplicationFactor: 1, Retention: time.Hour}
	if _, err := a.EnsureTopic(ctx, "grow", spec); err != nil {
		t.Fatal(err)
	}
	spec.NumPartitions = 5
	if _, err := a.EnsureTopic(ctx, "grow", spec); err != nil {
		t.Fatal(err)
	}
	if p, _ := describe(t, b.Addrs, "grow"); p != 5 {
		t.Errorf("%d partitions, want 5", p)
	}
}

func TestDeleteTopicIsIdempotent(t *testing.T) {
	b := kafkatest.Start(t)
	a := newAdmin(t, b.Addrs)
	ctx := context.Background()
	if _, err := a.EnsureTopic(ctx, "gone", admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteTopic(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteTopic(ctx, "gone"); err != nil {
		t.Fatalf("deleting a missing topic: %v", err)
	}
	if _, ok := kafkatest.Topics(t, b.Addrs)["gone"]; ok {
		t.Error("topic still listed after DeleteTopic")
	}
}

func TestUnreachableBrokerIsAClearError(t *testing.T) {
	b := kafkatest.Start(t)
	addrs := b.Addrs
	b.Cluster.Close()
	_, err := admin.NewKafka(addrs, kafkatest.Config())
	if err == nil {
		t.Fatal("connecting to a stopped broker succeeded")
	}
	if !strings.Contains(err.Error(), "connecting to Kafka at") || !strings.Contains(err.Error(), addrs[0]) {
		t.Errorf("error %q does not say which brokers could not be reached", err)
	}
}

func TestOffsetsInitialized(t *testing.T) {
	b, a := withTopic(t, "subs", 2)
	ctx := context.Background()
	if ok, err := a.OffsetsInitialized(ctx, "g1", "subs"); err != nil || ok {
		t.Fatalf("fresh group: ready=%v err=%v, want not ready", ok, err)
	}
	commit(t, b.Addrs, "g1", "subs", 0)
	if ok, err := a.OffsetsInitialized(ctx, "g1", "subs"); err != nil || ok {
		t.Fatalf("one of two partitions committed: ready=%v err=%v, want not ready", ok, err)
	}
	commit(t, b.Addrs, "g1", "subs", 1)
	if ok, err := a.OffsetsInitialized(ctx, "g1", "subs"); err != nil || !ok {
		t.Fatalf("all partitions committed: ready=%v err=%v, want ready", ok, err)
	}
}

// commit commits offset 0 for the given partitions, as a dispatcher does
// when it initialises a new subscriber.
func commit(t *testing.T, addrs []string, group, topic string, partitions ...int32) {
	t.Helper()
	offsets := map[int32]int64{}
	for _, p := range partitions {
		offsets[p] = 0
	}
	kafkatest.CommitAt(t, addrs, group, topic, offsets)
}

// Lag is what Kafka holds past each committed offset, so it grows while a
// consumer makes no progress; a partition with no commit has no figure.
func TestLag(t *testing.T) {
	b, a := withTopic(t, "lagging", 3)
	ctx := context.Background()
	groups := []string{"g", "h"}
	if lags, err := a.Lag(ctx, "lagging", groups); err != nil || len(lags["g"]) != 0 || len(lags["h"]) != 0 {
		t.Fatalf("groups that never committed: lag %v, %v; want none", lags, err)
	}
	kafkatest.Produce(t, b.Addrs, "lagging", 0, 5)
	kafkatest.Produce(t, b.Addrs, "lagging", 1, 3)
	kafkatest.CommitAt(t, b.Addrs, "g", "lagging", map[int32]int64{0: 2, 1: 3})
	kafkatest.CommitAt(t, b.Addrs, "h", "lagging", map[int32]int64{0: 5})
	want := map[string]map[int32]int64{"g": {0: 3, 1: 0}, "h": {0: 0}}
	checkLags(t, a, groups, want)
	kafkatest.Produce(t, b.Addrs, "lagging", 1, 4) // nothing consumes them
	want["g"][1] = 4
	checkLags(t, a, groups, want)
}

func checkLags(t *testing.T, a *admin.Kafka, groups []string, want map[string]map[int32]int64) {
	t.Helper()
	lags, err := a.Lag(context.Background(), "lagging", groups)
	if err != nil || !maps.EqualFunc(lags, want, maps.Equal) {
		t.Fatalf("lag %v, %v; want %v", lags, err, want)
	}
}
