package admin_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

func TestDeleteConsumerGroup(t *testing.T) {
	b, a := withTopic(t, "subs", 1)
	ctx := context.Background()
	commit(t, b.Addrs, "left", "subs", 0)

	if err := a.DeleteConsumerGroup(ctx, "left"); err != nil {
		t.Fatalf("deleting a group without members: %v", err)
	}
	if ok, err := a.OffsetsInitialized(ctx, "left", "subs"); err != nil || ok {
		t.Errorf("after deletion: offsets initialised=%v err=%v, want none left", ok, err)
	}
	if groups := groupsMatching(t, a, "left"); len(groups) != 0 {
		t.Errorf("after deletion the group is still listed: %v", groups)
	}
	if err := a.DeleteConsumerGroup(ctx, "left"); err != nil {
		t.Errorf("deleting a group that does not exist: %v, want nil", err)
	}
}

// A group whose members still run (the dispatcher has not stopped yet) is
// not deleted: the caller is told to try again later.
func TestDeleteConsumerGroupWithMembers(t *testing.T) {
	b, a := withTopic(t, "subs", 1)
	ctx := context.Background()
	leave := kafkatest.Join(t, b.Addrs, "busy", "subs")

	err := a.DeleteConsumerGroup(ctx, "busy")
	if !errors.Is(err, admin.ErrGroupHasMembers) {
		t.Fatalf("deleting a group with a member: %v, want ErrGroupHasMembers", err)
	}
	leave()
	if err := a.DeleteConsumerGroup(ctx, "busy"); err != nil {
		t.Errorf("deleting the group once its member left: %v", err)
	}
}

// Channel names may contain dots, subscriber UIDs do not: the groups listed
// for channel "b" are its own, never those of channel "b.c".
func TestConsumerGroupsOfOneChannel(t *testing.T) {
	b, a := withTopic(t, "subs", 1)
	ctx := context.Background()
	for _, g := range []string{"kafka.ns.b.uid-1", "kafka.ns.b.uid-2", "kafka.ns.b.c.uid-3", "kafka.ns.bb.uid-4", "kafka.other.b.uid-5"} {
		commit(t, b.Addrs, g, "subs", 0)
	}
	got, err := a.ConsumerGroups(ctx, func(g string) bool { return contract.IsConsumerGroupOf("ns", "b", g) })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"kafka.ns.b.uid-1", "kafka.ns.b.uid-2"}; !slices.Equal(got, want) {
		t.Errorf("groups of channel b: %v, want %v", got, want)
	}
}

// withTopic starts a broker with a topic of that many partitions, for groups to commit offsets on.
func withTopic(t *testing.T, topic string, partitions int32) (*kafkatest.Broker, *admin.Kafka) {
	t.Helper()
	b := kafkatest.Start(t)
	a := newAdmin(t, b.Addrs)
	if _, err := a.EnsureTopic(context.Background(), topic, admin.TopicSpec{NumPartitions: partitions, ReplicationFactor: 1, Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	return b, a
}

func groupsMatching(t *testing.T, a *admin.Kafka, group string) []string {
	t.Helper()
	groups, err := a.ConsumerGroups(context.Background(), func(g string) bool { return g == group })
	if err != nil {
		t.Fatal(err)
	}
	return groups
}
