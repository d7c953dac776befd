package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// fault is one kind of fault an operator meets; inject returns once the
// fault is over (healed, or left to the environment to recover from).
type fault struct {
	name   string
	inject func(s *soak) error
}

// faults are the kinds the full profile injects, in this order, each round.
var faults = []fault{
	{"kill -9 of a dispatcher", killDispatcher},
	{"kill -9 of the receiver", func(s *soak) error { return s.env.KillDeployment(devenv.ReceiverName) }},
	{"kill -9 of the controller", func(s *soak) error { return s.env.KillDeployment(devenv.ControllerName) }},
	{"broker restart", func(s *soak) error { return s.env.RestartBroker() }},
	{"TCP cut receiver-broker", cutReceiver},
	{"blackhole dispatcher-broker", blackholeDispatcher},
	{"partition growth", growPartitions},
	{"Kafka Secret rotation", rotateSecret},
	{"dispatcher scale up and down", scaleUpAndDown},
	{"rolling restart of the data plane", rollDataPlane},
}

// shortFaults are the kinds of the short profile: one of each layer.
var shortFaults = []string{
	"kill -9 of a dispatcher", "kill -9 of the receiver", "broker restart",
	"TCP cut receiver-broker", "blackhole dispatcher-broker", "partition growth",
}

// blackholeFor is longer than the Kafka session timeout (Sarama's 10 s), so
// the dispatcher's members lose their group sessions.
const blackholeFor = 15 * time.Second

func killDispatcher(s *soak) error {
	return s.env.KillPod(s.replica())
}

func cutReceiver(s *soak) error {
	pid, err := s.pid(devenv.ReceiverName)
	if err != nil {
		return err
	}
	n, err := s.env.KafkaProxy().Cut(pid)
	s.logf("cut %d connections of the receiver (pid %d)", n, pid)
	return err
}

func blackholeDispatcher(s *soak) error {
	name := s.replica()
	pid, err := s.pid(name)
	if err != nil {
		return err
	}
	heal, err := s.env.KafkaProxy().Blackhole(pid)
	if err != nil {
		return err
	}
	time.Sleep(blackholeFor)
	heal()
	s.logf("%s (pid %d) was cut off from Kafka for %v", name, pid, blackholeFor)
	return nil
}

// growPartitions adds two partitions to the ordered channel.
func growPartitions(s *soak) error {
	channels := s.env.Kafka.MessagingV1beta1().KafkaChannels(s.namespace)
	kc, err := channels.Get(context.Background(), orderedChannel, metav1.GetOptions{})
	if err != nil {
		return err
	}
	kc.Spec.NumPartitions += 2
	_, err = channels.Update(context.Background(), kc, metav1.UpdateOptions{})
	s.logf("%s grows to %d partitions", orderedChannel, kc.Spec.NumPartitions)
	return err
}

// rotateSecret changes the Kafka Secret's bootstrap address between two
// names of the same broker, so that every component rebuilds its clients.
func rotateSecret(s *soak) error {
	secrets := s.env.Kube.CoreV1().Secrets(devenv.SystemNamespace)
	sec, err := secrets.Get(context.Background(), devenv.KafkaSecretName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	brokers := string(sec.Data["brokers"])
	if host, port, ok := strings.Cut(brokers, ":"); ok && host == "127.0.0.1" {
		brokers = "localhost:" + port
	} else {
		brokers = strings.Replace(brokers, "localhost:", "127.0.0.1:", 1)
	}
	sec.Data["brokers"] = []byte(brokers)
	_, err = secrets.Update(context.Background(), sec, metav1.UpdateOptions{})
	s.logf("the Kafka Secret now names %s", brokers)
	return err
}

func scaleUpAndDown(s *soak) error {
	if err := s.scalePool(poolReplicas + 1); err != nil {
		return err
	}
	time.Sleep(5 * time.Second)
	return s.scalePool(poolReplicas)
}

// rollDataPlane changes the pod templates of the receiver and the pool, as a
// config change would: the environment replaces their processes one by one.
func rollDataPlane(s *soak) error {
	ctx := context.Background()
	patch := []byte(fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"soak.knative-kafka.dev/restarted":%q}}}}}`, time.Now().Format(time.RFC3339Nano)))
	if _, err := s.env.Kube.AppsV1().Deployments(devenv.SystemNamespace).Patch(ctx, devenv.ReceiverName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return err
	}
	if _, err := s.env.Kube.AppsV1().StatefulSets(devenv.SystemNamespace).Patch(ctx, contract.PoolName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return err
	}
	return s.env.WaitStatefulSetReady(ctx, contract.PoolName, poolReplicas, 3*time.Minute)
}
