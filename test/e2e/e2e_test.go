//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

func kafkaAdmin(t *testing.T) *admin.Kafka {
	t.Helper()
	cfg := sarama.NewConfig()
	a, err := admin.NewKafka([]string{env.BrokerAddr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func topicPartitions(t *testing.T, topic string) (int, bool) {
	t.Helper()
	d, ok := kafkatest.Topics(t, []string{env.BrokerAddr})[topic]
	return int(d.NumPartitions), ok
}

func send(t *testing.T, ns, channel string, e cloudevents.Event) {
	t.Helper()
	code, err := framework.Send(context.Background(), env.MustReceiverURL(t), ns, channel, e, nil)
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("sending %s: status %d, err %v; want 202", e.ID(), code, err)
	}
}

func TestChannelReadyWithTopic(t *testing.T) {
	ns := env.Namespace(t, "e2e-ready")
	kc := env.CreateChannel(t, ns, "orders", v1beta1.KafkaChannelSpec{NumPartitions: 3})
	if kc.Status.TopicName != ns+".orders" {
		t.Errorf("status.topicName = %q, want %q", kc.Status.TopicName, ns+".orders")
	}
	if p, ok := topicPartitions(t, kc.Status.TopicName); !ok || p != 3 {
		t.Errorf("topic %s: exists=%v partitions=%d, want 3", kc.Status.TopicName, ok, p)
	}
	want := "http://orders-kn-channel." + ns + ".svc.cluster.local"
	if kc.Status.Address == nil || kc.Status.Address.URL.String() != want {
		t.Errorf("status.address = %v, want %s", kc.Status.Address, want)
	}
}

// A Subscription turns Ready only once the dispatcher has initialised the
// subscriber's consumer group, so an event sent right after is delivered.
func TestSubscriptionReadyMeansEventsFlow(t *testing.T) {
	ns := env.Namespace(t, "e2e-subready")
	kc := env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{NumPartitions: 2})
	sink := framework.NewSink(t)
	sub := env.Subscribe(t, ns, "sub", "ch", framework.SubscriptionOptions{Subscriber: sink.URL})

	group := contract.ConsumerGroup(ns, "ch", string(sub.UID))
	if ok, err := kafkaAdmin(t).OffsetsInitialized(context.Background(), group, kc.Status.TopicName); err != nil || !ok {
		t.Fatalf("Subscription Ready but group %s offsets initialised=%v err=%v", group, ok, err)
	}
	send(t, ns, "ch", framework.NewEvent("first", "e2e.first", nil))
	sink.WaitFor(t, 30*time.Second, "the first event", func(r []framework.Received) bool { return len(r) >= 1 })
}

func TestEventsArriveInOrder(t *testing.T) {
	ns := env.Namespace(t, "e2e-order")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{NumPartitions: 4})
	sink := framework.NewSink(t)
	env.Subscribe(t, ns, "sub", "ch", framework.SubscriptionOptions{Subscriber: sink.URL})

	const n = 60
	for i := 0; i < n; i++ {
		e := framework.NewEvent(strconv.Itoa(i), "e2e.order", map[string]int{"seq": i})
		e.SetExtension("partitionkey", "same-key")
		send(t, ns, "ch", e)
	}
	got := sink.WaitFor(t, time.Minute, fmt.Sprintf("%d events", n), func(r []framework.Received) bool { return len(r) >= n })
	for i, r := range got[:n] {
		if r.Event.ID() != strconv.Itoa(i) {
			t.Fatalf("event %d has id %s: events of one partition key arrived out of order", i, r.Event.ID())
		}
	}
}

func TestDeadLetterAndReply(t *testing.T) {
	ns := env.Namespace(t, "e2e-dls")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	failing, dls, replier, replies := framework.NewSink(t), framework.NewSink(t), framework.NewSink(t), framework.NewSink(t)
	failing.Respond = func(cloudevents.Event, int) (int, *cloudevents.Event) { return http.StatusInternalServerError, nil }
	replier.Respond = func(e cloudevents.Event, _ int) (int, *cloudevents.Event) {
		r := framework.NewEvent("reply-to-"+e.ID(), "e2e.reply", nil)
		return http.StatusOK, &r
	}
	env.Subscribe(t, ns, "failing", "ch", framework.SubscriptionOptions{Subscriber: failing.URL, Delivery: framework.DeadLetter(t, dls.URL, 2)})
	env.Subscribe(t, ns, "replying", "ch", framework.SubscriptionOptions{Subscriber: replier.URL, Reply: replies.URL})

	send(t, ns, "ch", framework.NewEvent("e1", "e2e.dls", nil))
	got := dls.WaitFor(t, time.Minute, "the dead-lettered event", func(r []framework.Received) bool { return len(r) >= 1 })
	if got[0].Event.ID() != "e1" {
		t.Errorf("dead-letter sink got %s, want e1", got[0].Event.ID())
	}
	if code := got[0].Event.Extensions()["knativeerrorcode"]; fmt.Sprint(code) != "500" {
		t.Errorf("knativeerrorcode = %v, want 500", code)
	}
	if attempts := len(failing.Received()); attempts != 3 {
		t.Errorf("subscriber saw %d attempts, want 3 (1 + 2 retries)", attempts)
	}
	replies.WaitFor(t, time.Minute, "the reply", func(r []framework.Received) bool {
		return len(r) >= 1 && r[0].Event.ID() == "reply-to-e1"
	})
}

// Deleting a Subscription stops delivery to its subscriber. A second
// subscription that stays proves it: both got an event before the deletion,
// and events sent after it reach the one that stays but not the other.
func TestDeletingSubscriptionStopsDelivery(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t, "e2e-unsub")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	removed, stays := framework.NewSink(t), framework.NewSink(t)
	env.Subscribe(t, ns, "removed", "ch", framework.SubscriptionOptions{Subscriber: removed.URL})
	kept := env.Subscribe(t, ns, "stays", "ch", framework.SubscriptionOptions{Subscriber: stays.URL})
	send(t, ns, "ch", framework.NewEvent("before", "e2e.unsub", nil))
	removed.WaitForID(t, time.Minute, "before")
	stays.WaitForID(t, time.Minute, "before")

	if err := env.Eventing(t).MessagingV1().Subscriptions(ns).Delete(ctx, "removed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The controller keeps a removed subscriber on status.subscribers until it
	// deleted its consumer group, which Kafka allows only once the
	// dispatcher's members left the group.
	onlyKept := func(uids ...types.UID) bool { return len(uids) == 1 && uids[0] == kept.UID }
	err := framework.Poll(2*time.Minute, func() (bool, error) {
		kc, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).Get(ctx, "ch", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		var spec, status []types.UID
		for _, s := range kc.Spec.Subscribers {
			spec = append(spec, s.UID)
		}
		for _, s := range kc.Status.Subscribers {
			status = append(status, s.UID)
		}
		return onlyKept(spec...) && onlyKept(status...), nil
	})
	if err != nil {
		t.Fatalf("removed subscriber still on the channel (its consumer group still has members?): %v", err)
	}
	// Were the removed subscriber's group still reading, it would get "after"
	// when the one that stays does; "marker", sent once that one had it,
	// leaves it a whole round trip more.
	for _, id := range []string{"after", "marker"} {
		send(t, ns, "ch", framework.NewEvent(id, "e2e.unsub", nil))
		stays.WaitForID(t, time.Minute, id)
	}
	for _, r := range removed.Received() {
		if id := r.Event.ID(); id != "before" {
			t.Errorf("the removed subscriber received %s, sent after its Subscription was deleted", id)
		}
	}
}

func TestDeletingChannelRemovesEverything(t *testing.T) {
	t.Run("pool", func(t *testing.T) { testDeletingChannelRemovesEverything(t, "e2e-delete", env.CreateChannel) })
	t.Run("dedicated", func(t *testing.T) {
		testDeletingChannelRemovesEverything(t, "e2e-delete-dedicated", env.CreateDedicatedChannel)
	})
}

func testDeletingChannelRemovesEverything(t *testing.T, namespace string,
	create func(testing.TB, string, string, v1beta1.KafkaChannelSpec) *v1beta1.KafkaChannel) {
	ns := env.Namespace(t, namespace)
	kc := create(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	ctx := context.Background()
	env.DeleteChannel(t, ns, "ch")
	if _, ok := topicPartitions(t, kc.Status.TopicName); ok {
		t.Errorf("topic %s still exists (topic.delete.policy is delete)", kc.Status.TopicName)
	}
	_, err := env.Kube.AppsV1().Deployments(devenv.SystemNamespace).Get(ctx, contract.DispatcherName(ns, "ch"), metav1.GetOptions{})
	if !apierrs.IsNotFound(err) {
		t.Errorf("dispatcher Deployment still exists: %v", err)
	}
	err = framework.Poll(time.Minute, func() (bool, error) {
		_, err := env.Kube.CoreV1().Services(ns).Get(ctx, "ch-kn-channel", metav1.GetOptions{})
		return apierrs.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("channel Service not garbage-collected: %v", err)
	}
}
