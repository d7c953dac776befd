//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/kmeta"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

const (
	controllerName = "kafka-channel-controller"
	// takeoverPartitions is more than the channels' spec asks for: an adopted topic is never shrunk.
	takeoverPartitions = 3
	// recordsBefore are the records each partition holds when the switch happens.
	recordsBefore = 5
)

// previous is the state another KafkaChannel implementation leaves.
type previous struct {
	name, namespace string
	// kafka is the config-kafka the switch sets.
	kafka map[string]string
	topic func(ns, name string) string
	group func(ns, name string, uid types.UID) string
}

// The other implementation's channels and Subscriptions stay; this project's
// controller, started over them, adopts each: every channel and Subscription
// Ready, a subscriber with committed offsets gets exactly the records after
// them, one without starts at the tail, new events flow, and deleting the
// channel keeps the topic it did not create.
func TestTakeOver(t *testing.T) {
	for _, p := range []previous{{
		name: "eventing-kafka-broker", namespace: "e2e-takeover-ekb",
		kafka: map[string]string{config.TopicTemplateKey: "knative-messaging-kafka.{{ .Namespace }}.{{ .Name }}"},
		topic: func(ns, name string) string { return "knative-messaging-kafka." + ns + "." + name },
		group: func(ns, name string, uid types.UID) string { return contract.ConsumerGroup(ns, name, string(uid)) },
	}, {
		name: "eventing-kafka distributed", namespace: "e2e-takeover-distributed",
		kafka: map[string]string{config.OffsetsCopyFromKey: string(config.OffsetsFromDistributed)},
		topic: func(ns, name string) string { return ns + "." + name },
		group: func(_, _ string, uid types.UID) string { return contract.DistributedConsumerGroup(string(uid)) },
	}} {
		t.Run(p.name, func(t *testing.T) { testTakeOver(t, p) })
	}
}

func testTakeOver(t *testing.T, p previous) {
	ns := env.Namespace(t, p.namespace)
	stopController(t)
	setConfigKafka(t, p.kafka)
	topic := p.topic(ns, "ch")
	createTopicWithRecords(t, topic)

	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Name: "ch", Namespace: ns,
		// The finalizer the other implementation set: the same name as this one's.
		Finalizers: []string{"kafkachannels.messaging.knative.dev"}}, Spec: v1beta1.KafkaChannelSpec{NumPartitions: 1}}
	env.StartChannel(t, kc)
	resumed, fresh := framework.NewSink(t), framework.NewSink(t)
	env.StartSubscription(t, ns, "resumed", "ch", framework.SubscriptionOptions{Subscriber: resumed.URL})
	env.StartSubscription(t, ns, "fresh", "ch", framework.SubscriptionOptions{Subscriber: fresh.URL})
	uids := subscriberUIDs(t, ns, "ch", 2)
	committed := map[int32]int64{0: 2, 1: 0, 2: recordsBefore}
	commitOffsets(t, p.group(ns, "ch", uids["resumed"]), topic, committed)
	leaveForeignState(t, ns, "ch", uids["resumed"])

	startController(t)
	env.WaitChannelReady(t, ns, "ch")
	env.WaitSubscriptionReady(t, ns, "resumed")
	env.WaitSubscriptionReady(t, ns, "fresh")
	if n, _ := topicPartitions(t, topic); n != takeoverPartitions {
		t.Errorf("topic %s has %d partitions, want the %d it had", topic, n, takeoverPartitions)
	}
	for i := range 3 {
		send(t, ns, "ch", framework.NewEvent(fmt.Sprintf("new-%d", i), "e2e.takeover", nil))
	}
	var want []string
	for part, from := range committed {
		for seq := from; seq < recordsBefore; seq++ {
			want = append(want, oldID(part, int(seq)))
		}
	}
	newIDs := []string{"new-0", "new-1", "new-2"}
	checkExactly(t, resumed, append(want, newIDs...))
	checkExactly(t, fresh, newIDs)

	env.DeleteChannel(t, ns, "ch")
	if _, ok := topicPartitions(t, topic); !ok {
		t.Errorf("adopted topic %s deleted with the channel", topic)
	}
}

func oldID(partition int32, seq int) string { return fmt.Sprintf("old-%d-%d", partition, seq) }

// stopController scales the controller to nothing, so that the test sets up
// what the other implementation left before this one sees it.
func stopController(t *testing.T) {
	t.Helper()
	scaleController(t, 0)
	t.Cleanup(func() { startController(t) })
	err := framework.Poll(time.Minute, func() (bool, error) { return len(env.Pods(controllerName)) == 0, nil })
	if err != nil {
		t.Fatalf("the controller did not stop: %v", err)
	}
}

func startController(t *testing.T) {
	t.Helper()
	scaleController(t, 1)
	if err := env.WaitDeploymentAvailable(context.Background(), controllerName, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
}

func scaleController(t *testing.T, replicas int) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas)
	_, err := env.Kube.AppsV1().Deployments(devenv.SystemNamespace).Patch(context.Background(), controllerName, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("scaling the controller to %d: %v", replicas, err)
	}
}

// setConfigKafka merges data into config-kafka until the test ends.
func setConfigKafka(t *testing.T, data map[string]string) {
	t.Helper()
	ctx := context.Background()
	cms := env.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace)
	cm, err := cms.Get(ctx, config.ConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	original := cm.DeepCopy().Data
	cm.Data = kmeta.UnionMaps(cm.Data, data)
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cm, err := cms.Get(context.Background(), config.ConfigMapName, metav1.GetOptions{}); err == nil {
			cm.Data = original
			_, _ = cms.Update(context.Background(), cm, metav1.UpdateOptions{})
		}
	})
}

// createTopicWithRecords creates the topic with recordsBefore CloudEvents on each partition.
func createTopicWithRecords(t *testing.T, topic string) {
	t.Helper()
	ca, err := sarama.NewClusterAdmin([]string{env.BrokerAddr}, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	if err := ca.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: takeoverPartitions, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
	cfg := kafkatest.Config()
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	producer, err := sarama.NewSyncProducer([]string{env.BrokerAddr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for part := range int32(takeoverPartitions) {
		for seq := range recordsBefore {
			ev := framework.NewEvent(oldID(part, seq), "e2e.takeover", nil)
			msg := &sarama.ProducerMessage{Topic: topic, Partition: part}
			if err := kafka_sarama.WriteProducerMessage(context.Background(), binding.ToMessage(&ev), msg); err != nil {
				t.Fatal(err)
			}
			if _, _, err := producer.SendMessage(msg); err != nil {
				t.Fatalf("producing to %s: %v", topic, err)
			}
		}
	}
}

// subscriberUIDs waits for Eventing to put n Subscriptions on the channel's
// spec and returns their UIDs by Subscription name.
func subscriberUIDs(t *testing.T, ns, channel string, n int) map[string]types.UID {
	t.Helper()
	var kc *v1beta1.KafkaChannel
	err := framework.Poll(time.Minute, func() (bool, error) {
		var err error
		kc, err = env.Kafka.MessagingV1beta1().KafkaChannels(ns).Get(context.Background(), channel, metav1.GetOptions{})
		return err == nil && len(kc.Spec.Subscribers) == n, nil
	})
	if err != nil {
		t.Fatalf("the Subscriptions are not on the channel: %v", err)
	}
	subs, err := env.Eventing(t).MessagingV1().Subscriptions(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uids := map[string]types.UID{}
	for _, s := range subs.Items {
		uids[s.Name] = s.UID
	}
	return uids
}

// commitOffsets commits the offsets under group, as the other
// implementation's dispatcher did (kfake keeps a group's offsets only once a
// member joined it).
func commitOffsets(t *testing.T, group, topic string, offsets map[int32]int64) {
	t.Helper()
	cg, err := sarama.NewConsumerGroup([]string{env.BrokerAddr}, group, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := &committer{commit: func(sess sarama.ConsumerGroupSession) {
		for part, off := range offsets {
			sess.MarkOffset(topic, part, off, "")
		}
		sess.Commit()
		cancel()
	}}
	if err := cg.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
		t.Fatalf("committing the offsets of %s: %v", group, err)
	}
}

type committer struct {
	commit func(sarama.ConsumerGroupSession)
}

func (c *committer) Setup(sess sarama.ConsumerGroupSession) error {
	c.commit(sess)
	return nil
}
func (*committer) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (*committer) ConsumeClaim(sarama.ConsumerGroupSession, sarama.ConsumerGroupClaim) error {
	return nil
}

// leaveForeignState gives the channel the status the other implementation
// left (its own conditions, its address, ready) and the Service it made for
// the address, controlled by the channel and labelled its own way. The
// subscriber ready is the one whose group has committed offsets.
func leaveForeignState(t *testing.T, ns, name string, ready types.UID) {
	t.Helper()
	ctx := context.Background()
	channels := env.Kafka.MessagingV1beta1().KafkaChannels(ns)
	kc, err := channels.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := apis.VolatileTime{Inner: metav1.Now()}
	for _, c := range []apis.ConditionType{apis.ConditionReady, "Addressable", "ConfigParsed", "TopicReady", "DataPlaneAvailable"} {
		kc.Status.Conditions = append(kc.Status.Conditions, apis.Condition{Type: c, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	host := name + "-kn-channel." + ns + ".svc.cluster.local"
	kc.Status.Address = &duckv1.Addressable{URL: &apis.URL{Scheme: "http", Host: host}}
	kc.Status.Subscribers = []eventingduckv1.SubscriberStatus{{UID: ready, Ready: corev1.ConditionTrue}}
	kc.Status.Annotations = map[string]string{"bootstrap.servers": env.BrokerAddr}
	if _, err := channels.UpdateStatus(ctx, kc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("leaving the other implementation's status: %v", err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-kn-channel", Namespace: ns, Labels: map[string]string{"app": "previous-kafka-channel"},
			OwnerReferences: []metav1.OwnerReference{*kmeta.NewControllerRef(kc)}},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "kafka-channel-ingress.knative-eventing.svc.cluster.local"},
	}
	if _, err := env.Kube.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// checkExactly waits for every id to reach the sink and fails if anything
// else, or anything twice, did.
func checkExactly(t *testing.T, s *framework.Sink, ids []string) {
	t.Helper()
	got := s.WaitFor(t, 2*time.Minute, fmt.Sprintf("%d events", len(ids)), func(r []framework.Received) bool {
		for _, id := range ids {
			if len(framework.WithID(r, id)) == 0 {
				return false
			}
		}
		return true
	})
	var gotIDs []string
	for _, r := range got {
		gotIDs = append(gotIDs, r.Event.ID())
	}
	slices.Sort(gotIDs)
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(gotIDs, want) {
		t.Errorf("received %v, want exactly %v", gotIDs, want)
	}
}
