//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// poolReplicas is the pool's size in config/; tests that scale it restore it.
const poolReplicas = 2

// A hundred channels with two subscriptions each run on the two replicas of
// the shared pool, no process of their own, and one event through each
// reaches both of its subscribers; a dedicated channel works beside them.
func TestPoolRunsManyChannels(t *testing.T) {
	const channels = 100
	ns := env.Namespace(t, "e2e-pool")
	a, b := framework.NewSink(t), framework.NewSink(t)
	start := time.Now()
	for i := range channels {
		env.StartChannel(t, &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: poolChannel(i)}})
	}
	for i := range channels {
		env.StartSubscription(t, ns, poolChannel(i)+"-a", poolChannel(i), framework.SubscriptionOptions{Subscriber: a.URL})
		env.StartSubscription(t, ns, poolChannel(i)+"-b", poolChannel(i), framework.SubscriptionOptions{Subscriber: b.URL})
	}
	for i := range channels {
		env.WaitChannelReady(t, ns, poolChannel(i))
		env.WaitSubscriptionReady(t, ns, poolChannel(i)+"-a")
		env.WaitSubscriptionReady(t, ns, poolChannel(i)+"-b")
	}
	t.Logf("%d channels and %d subscriptions Ready in %v", channels, 2*channels, time.Since(start).Round(time.Millisecond))

	dedicated := framework.NewSink(t)
	env.CreateDedicatedChannel(t, ns, "dedicated", v1beta1.KafkaChannelSpec{})
	env.Subscribe(t, ns, "dedicated", "dedicated", framework.SubscriptionOptions{Subscriber: dedicated.URL})

	for i := range channels {
		send(t, ns, poolChannel(i), framework.NewEvent(poolChannel(i), "e2e.pool", nil))
	}
	send(t, ns, "dedicated", framework.NewEvent("dedicated", "e2e.pool", nil))
	for _, s := range []*framework.Sink{a, b} {
		s.WaitFor(t, 2*time.Minute, fmt.Sprintf("an event from each of %d channels", channels), func(r []framework.Received) bool {
			return distinctIDs(r) >= channels
		})
	}
	dedicated.WaitForID(t, time.Minute, "dedicated")

	// Every channel's groups are on the pool: its replicas are the only dispatcher processes besides the dedicated one.
	deployments, err := env.Kube.AppsV1().Deployments(devenv.SystemNamespace).List(context.Background(),
		metav1.ListOptions{LabelSelector: contract.RoleLabel + "=" + contract.DispatcherRole})
	if err != nil {
		t.Fatal(err)
	}
	if len(deployments.Items) != 1 || deployments.Items[0].Name != contract.DispatcherName(ns, "dedicated") {
		t.Errorf("%d dispatcher Deployments, want only the dedicated channel's", len(deployments.Items))
	}
}

func poolChannel(i int) string { return fmt.Sprintf("ch-%03d", i) }

func distinctIDs(r []framework.Received) int {
	ids := map[string]bool{}
	for _, x := range r {
		ids[x.Event.ID()] = true
	}
	return len(ids)
}

// Under steady traffic, a pool replica killed with SIGKILL loses no accepted
// event, and the events of each partition key reach each subscriber in the
// order they were accepted (a redelivery, at least once, repeats events
// already delivered).
func TestPoolLosesNothingOnCrash(t *testing.T) {
	testPoolUnderTraffic(t, "e2e-pool-crash", false)
}

// The same while the pool is scaled 2 -> 3 -> 1.
func TestPoolLosesNothingOnScaling(t *testing.T) {
	testPoolUnderTraffic(t, "e2e-pool-scaling", true)
}

// subscribedPoolChannels creates n channels of three partitions on the pool,
// each subscribed by a sink of its own, by channel name.
func subscribedPoolChannels(t *testing.T, ns string, n int) map[string]*framework.Sink {
	t.Helper()
	sinks := map[string]*framework.Sink{}
	for i := range n {
		env.CreateChannel(t, ns, poolChannel(i), v1beta1.KafkaChannelSpec{NumPartitions: 3})
		sinks[poolChannel(i)] = framework.NewSink(t)
		env.Subscribe(t, ns, poolChannel(i), poolChannel(i), framework.SubscriptionOptions{Subscriber: sinks[poolChannel(i)].URL})
	}
	return sinks
}

func testPoolUnderTraffic(t *testing.T, namespace string, scaling bool) {
	const channels = 8
	ns := env.Namespace(t, namespace)
	sinks := subscribedPoolChannels(t, ns, channels)
	t.Cleanup(func() { scalePool(t, poolReplicas) })

	traffic := startTraffic(t, ns, channels)
	steps := []struct {
		what string
		do   func()
	}{
		{"kill -9 of replica 1", func() {
			if err := env.KillPod(contract.PoolName + "-1"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	if scaling {
		steps = append(steps, struct {
			what string
			do   func()
		}{"scale to 3", func() { scalePool(t, 3) }}, struct {
			what string
			do   func()
		}{"scale to 1", func() { scalePool(t, 1) }})
	}
	for _, step := range steps {
		// Back to back: the next fault may come while groups still
		// rebalance after the last one.
		traffic.waitAccepted(t, 50)
		t.Logf("%s after %d accepted events", step.what, traffic.total())
		step.do()
	}
	traffic.waitAccepted(t, 50)
	accepted := traffic.stop()
	stopped := time.Now()

	lost, dups := 0, 0
	for ch, ids := range accepted {
		got := sinks[ch].WaitFor(t, 2*time.Minute, "every accepted event of "+ch, func(r []framework.Received) bool {
			return containsAll(r, ids)
		})
		lost += len(ids) - countFound(got, ids)
		dups += len(got) - distinctIDs(got)
		checkOrderPerKey(t, ch, got)
	}
	t.Logf("%d events accepted over %d channels, %d lost, %d redelivered; all delivered %v after the last was accepted",
		traffic.total(), channels, lost, dups, time.Since(stopped).Round(100*time.Millisecond))
}

// scalePool sets the pool's replicas and waits for them to be ready.
func scalePool(t *testing.T, replicas int32) {
	t.Helper()
	scale(t, replicas)
	if err := env.WaitStatefulSetReady(context.Background(), contract.PoolName, replicas, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
}

// scale sets the pool's replicas without waiting for them.
func scale(t *testing.T, replicas int32) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas)
	if _, err := env.Kube.AppsV1().StatefulSets(devenv.SystemNamespace).Patch(context.Background(), contract.PoolName,
		types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("scaling the pool to %d: %v", replicas, err)
	}
}

// traffic sends events to every channel, one at a time per channel, with
// four partition keys, and records each accepted (202) event in order.
type traffic struct {
	cancel   context.CancelFunc
	done     sync.WaitGroup
	mu       sync.Mutex
	accepted map[string][]string
	n        int
}

func startTraffic(t *testing.T, ns string, channels int) *traffic {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &traffic{cancel: cancel, accepted: map[string][]string{}}
	url := env.MustReceiverURL(t)
	for i := range channels {
		ch := poolChannel(i)
		tr.done.Go(func() {
			for seq := 0; ctx.Err() == nil; seq++ {
				ev := framework.NewEvent(fmt.Sprintf("%d", seq), "e2e.pool.faults", map[string]int{"seq": seq})
				ev.SetExtension("partitionkey", "key-"+strconv.Itoa(seq%4))
				code, err := framework.Send(ctx, url, ns, ch, ev, nil)
				if err != nil || code != http.StatusAccepted {
					continue // not accepted: the sender may retry; only 202s count
				}
				tr.mu.Lock()
				tr.accepted[ch] = append(tr.accepted[ch], ev.ID())
				tr.n++
				tr.mu.Unlock()
				time.Sleep(10 * time.Millisecond) // a steady trickle, not a flood: the test is about moves
			}
		})
	}
	return tr
}

func (tr *traffic) total() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.n
}

// waitAccepted waits until n more events were accepted.
func (tr *traffic) waitAccepted(t *testing.T, n int) {
	t.Helper()
	target := tr.total() + n
	if err := framework.Poll(time.Minute, func() (bool, error) { return tr.total() >= target, nil }); err != nil {
		t.Fatalf("the receiver accepted %d events, want %d: %v", tr.total(), target, err)
	}
}

func (tr *traffic) stop() map[string][]string {
	tr.cancel()
	tr.done.Wait()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.accepted
}

func containsAll(r []framework.Received, ids []string) bool {
	return countFound(r, ids) == len(ids)
}

func countFound(r []framework.Received, ids []string) int {
	got := map[string]bool{}
	for _, x := range r {
		got[x.Event.ID()] = true
	}
	n := 0
	for _, id := range ids {
		if got[id] {
			n++
		}
	}
	return n
}

// checkOrderPerKey checks that the first delivery of each event of a
// partition key comes after the first delivery of every earlier one.
func checkOrderPerKey(t *testing.T, ch string, got []framework.Received) {
	t.Helper()
	last := map[string]int{}
	seen := map[string]bool{}
	for _, r := range got {
		id := r.Event.ID()
		if seen[id] {
			continue
		}
		seen[id] = true
		seq, _ := strconv.Atoi(id)
		key := fmt.Sprint(r.Event.Extensions()["partitionkey"])
		if prev, ok := last[key]; ok && seq < prev {
			t.Errorf("%s, %s: event %d first delivered after event %d", ch, key, seq, prev)
		}
		last[key] = seq
	}
}

// A replica that does not run (Pending for want of room, or on a lost node,
// which its StatefulSet does not replace) hosts no group: with replica 1 of
// the pool of 2 kept down, every subscriber of every channel becomes ready
// and gets its events from replica 0; when replica 1 comes back the groups
// it hosts move to it, and events keep flowing.
func TestPoolPlacesGroupsOnRunningReplicas(t *testing.T) {
	const channels = 8
	ns := env.Namespace(t, "e2e-pool-down")
	down := contract.PoolName + "-1"
	t.Cleanup(func() {
		_ = env.ReleasePod(down)
		scalePool(t, poolReplicas)
	})
	if err := env.HoldPod(down); err != nil {
		t.Fatal(err)
	}

	sinks := map[string]*framework.Sink{}
	for i := range channels {
		env.StartChannel(t, &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: poolChannel(i)},
			Spec: v1beta1.KafkaChannelSpec{NumPartitions: 1}}) // one partition: one member, on one ordinal
		sinks[poolChannel(i)] = framework.NewSink(t)
		env.StartSubscription(t, ns, poolChannel(i), poolChannel(i), framework.SubscriptionOptions{Subscriber: sinks[poolChannel(i)].URL})
	}
	for i := range channels {
		env.WaitChannelReady(t, ns, poolChannel(i))
		env.WaitSubscriptionReady(t, ns, poolChannel(i))
	}
	sendToEach := func(round string) {
		t.Helper()
		for ch := range sinks {
			send(t, ns, ch, framework.NewEvent(ch+"-"+round, "e2e.pool.down", nil))
		}
		for ch, s := range sinks {
			s.WaitForID(t, 2*time.Minute, ch+"-"+round)
		}
	}
	sendToEach("replica-1-down")

	if err := env.ReleasePod(down); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitStatefulSetReady(context.Background(), contract.PoolName, poolReplicas, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	sendToEach("replica-1-back")
}
