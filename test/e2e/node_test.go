//go:build e2e && node

// What only a real node has (KNATIVE_KAFKA_ENV=node, hack/node-up.sh):
// Eventing's Broker ingress and filter running as pods, and a scheduler that
// leaves a replica Pending when the node has no room for its requests.

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/eventing/pkg/apis/eventing"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// A Broker whose channel is a KafkaChannel (config-br-default-channel, as
// README's install sets it) delivers through Eventing's own ingress and
// filter pods: events sent to the Broker's address reach the Trigger whose
// filter they match, and only it; the subscriber's replies go back into the
// Broker and reach the Trigger for their type.
func TestBrokerDeliversThroughKafkaChannel(t *testing.T) {
	const events = 20
	ctx := context.Background()
	ns := env.Namespace(t, "e2e-node-broker")
	orders, confirmations := framework.NewSink(t), framework.NewSink(t)
	orders.Respond = func(e cloudevents.Event, _ int) (int, *cloudevents.Event) {
		reply := framework.NewEvent("confirmed-"+e.ID(), "order.confirmed", nil)
		return http.StatusOK, &reply
	}
	broker := &eventingv1.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns,
		Annotations: map[string]string{eventing.BrokerClassKey: eventing.MTChannelBrokerClassValue}}}
	if _, err := env.Eventing(t).EventingV1().Brokers(ns).Create(ctx, broker, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	trigger(t, ns, "orders", "order.created", orders.URL)
	trigger(t, ns, "confirmations", "order.confirmed", confirmations.URL)
	address := waitBrokerReady(t, ns)
	if kcs, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).List(ctx, metav1.ListOptions{}); err != nil || len(kcs.Items) != 1 {
		t.Fatalf("the Broker's channel: %v, %v; want one KafkaChannel", kcs, err)
	}

	ingress, err := env.ChannelIngressURL(ctx, address)
	if err != nil {
		t.Fatal(err)
	}
	var ids, confirmed []string
	for i := range events {
		typ := "order.created"
		if i%2 == 1 {
			typ = "order.ignored" // matches no Trigger
		}
		e := framework.NewEvent(fmt.Sprintf("order-%d", i), typ, map[string]int{"order": i})
		code, err := framework.SendToAddress(ctx, ingress, address, e)
		if err != nil || code != http.StatusAccepted {
			t.Fatalf("sending %s to the Broker: %d %v, want 202", e.ID(), code, err)
		}
		if typ == "order.created" {
			ids = append(ids, e.ID())
			confirmed = append(confirmed, "confirmed-"+e.ID())
		}
	}
	got := orders.WaitFor(t, 2*time.Minute, "every order.created", func(r []framework.Received) bool { return containsAll(r, ids) })
	confirmations.WaitFor(t, 2*time.Minute, "every confirmation", func(r []framework.Received) bool { return containsAll(r, confirmed) })
	for _, r := range append(got, confirmations.Received()...) {
		if r.Event.Type() == "order.ignored" {
			t.Errorf("event %s of a type no Trigger selects was delivered", r.Event.ID())
		}
	}
}

func trigger(t *testing.T, ns, name, eventType, subscriber string) {
	t.Helper()
	uri, err := apis.ParseURL(subscriber)
	if err != nil {
		t.Fatal(err)
	}
	tr := &eventingv1.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: eventingv1.TriggerSpec{
		Broker:     "default",
		Filter:     &eventingv1.TriggerFilter{Attributes: eventingv1.TriggerFilterAttributes{"type": eventType}},
		Subscriber: duckv1.Destination{URI: uri},
	}}
	if _, err := env.Eventing(t).EventingV1().Triggers(ns).Create(context.Background(), tr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitBrokerReady waits for the Broker and its Triggers to be Ready and
// returns the Broker's address.
func waitBrokerReady(t *testing.T, ns string) *apis.URL {
	t.Helper()
	var b *eventingv1.Broker
	err := framework.Poll(3*time.Minute, func() (bool, error) {
		b = mustBroker(t, ns)
		if !b.IsReady() || b.Status.Address == nil || b.Status.Address.URL == nil {
			return false, nil
		}
		triggers, err := env.Eventing(t).EventingV1().Triggers(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, tr := range triggers.Items {
			if !tr.Status.IsReady() {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("Broker %s/default and its Triggers not Ready: %v; Broker status %+v", ns, err, b.Status)
	}
	return b.Status.Address.URL
}

// A pool replica's container SIGKILLed through containerd, as a crash or the
// OOM killer ends it, is restarted by kubelet in the same pod, and under
// continual traffic nothing accepted is lost (TestPoolLosesNothingOnCrash's
// checks, on the node).
func TestPoolReplicaKilledThroughTheRuntime(t *testing.T) {
	name := contract.PoolName + "-1"
	before := poolPod(t, name)
	testPoolUnderTraffic(t, "e2e-node-crash", false)
	after := poolPod(t, name)
	if after.UID != before.UID {
		t.Errorf("pod %s was replaced (uid %s, was %s); want its container restarted in place", name, after.UID, before.UID)
	}
	if restarts(after) <= restarts(before) {
		t.Errorf("pod %s: %d container restarts, was %d; want kubelet to have restarted the killed one", name, restarts(after), restarts(before))
	}
}

func poolPod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	p, err := env.Kube.CoreV1().Pods(devenv.SystemNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

// A pool replica the node has no room for (its CPU request above what the
// node has left) stays Pending and hosts no group: scaled from 2 to 3 with
// the node full, every event still reaches every subscriber through the two
// running replicas; once room is made, the third is scheduled, counted in,
// and events keep flowing.
func TestPoolReplicaUnschedulable(t *testing.T) {
	const channels = 4
	ns := env.Namespace(t, "e2e-node-pending")
	sinks := subscribedPoolChannels(t, ns, channels)
	t.Cleanup(func() { scalePool(t, poolReplicas) })
	deleteBallast := fillNode(t, ns)
	third := fmt.Sprintf("%s-%d", contract.PoolName, poolReplicas)

	traffic := startTraffic(t, ns, channels)
	traffic.waitAccepted(t, 50)
	scale(t, poolReplicas+1)
	reason := waitPending(t, third)
	t.Logf("%s Pending: %s", third, reason)
	traffic.waitAccepted(t, 100)
	// Delivered while the third is still Pending: none of its share of the
	// groups waits for it.
	waitDelivered(t, sinks, traffic.sofar())
	if why := waitPending(t, third); why == "" {
		t.Fatalf("%s no longer Pending", third)
	}

	deleteBallast()
	if err := env.WaitStatefulSetReady(context.Background(), contract.PoolName, poolReplicas+1, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	traffic.waitAccepted(t, 100)
	waitDelivered(t, sinks, traffic.stop())
	t.Logf("%d events accepted over %d channels, all delivered", traffic.total(), channels)
}

// waitDelivered waits until each channel's sink got every accepted event,
// the first delivery of each in the order of its partition key.
func waitDelivered(t *testing.T, sinks map[string]*framework.Sink, accepted map[string][]string) {
	t.Helper()
	for ch, ids := range accepted {
		got := sinks[ch].WaitFor(t, 2*time.Minute, "every accepted event of "+ch, func(r []framework.Received) bool {
			return containsAll(r, ids)
		})
		checkOrderPerKey(t, ch, got)
	}
}

// sofar is a copy of what was accepted so far, by channel.
func (tr *traffic) sofar() map[string][]string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	c := map[string][]string{}
	for ch, ids := range tr.accepted {
		c[ch] = append([]string(nil), ids...)
	}
	return c
}

// fillNode runs a pod requesting all the CPU the node has left, so that no
// further pod with a CPU request can be scheduled; the returned func deletes it.
func fillNode(t *testing.T, ns string) (deleteIt func()) {
	t.Helper()
	ctx := context.Background()
	left := cpuLeft(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "ballast", Namespace: ns}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "ballast", Image: devenv.NodePauseImage,
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: left}}}},
		TerminationGracePeriodSeconds: new(int64),
	}}
	pods := env.Kube.CoreV1().Pods(ns)
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := framework.Poll(time.Minute, func() (bool, error) {
		p, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Spec.NodeName != "", err
	}); err != nil {
		t.Fatalf("the ballast pod (%s CPU) not scheduled: %v", left.String(), err)
	}
	t.Logf("the node is full: a pod requests the %s CPU it had left", left.String())
	return func() {
		if err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// cpuLeft is the node's allocatable CPU less the requests of its pods.
func cpuLeft(t *testing.T) resource.Quantity {
	t.Helper()
	ctx := context.Background()
	nodes, err := env.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 1 {
		t.Fatalf("the node: %v (%d nodes)", err, len(nodes.Items))
	}
	left := nodes.Items[0].Status.Allocatable.Cpu().MilliValue()
	pods, err := env.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, c := range p.Spec.Containers {
			left -= c.Resources.Requests.Cpu().MilliValue()
		}
	}
	if left <= 0 {
		t.Fatalf("the node has no CPU left (%dm) before the test", left)
	}
	return *resource.NewMilliQuantity(left, resource.DecimalSI)
}

// waitPending waits for a pod the scheduler could not place and returns why.
func waitPending(t *testing.T, name string) string {
	t.Helper()
	var why string
	err := framework.Poll(time.Minute, func() (bool, error) {
		p, err := env.Kube.CoreV1().Pods(devenv.SystemNamespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				why = c.Message
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("%s not reported unschedulable: %v", name, err)
	}
	return why
}
