// Command soak sends a continual stream of CloudEvents through knative-kafka
// on the local dev environment (real API server, real Knative Eventing
// controller, this project's processes, the kfake broker behind a fault
// proxy) while it injects the faults an operator meets, then prints what was
// accepted, delivered, lost, duplicated and reordered, and how long each
// fault stalled delivery. It exits non-zero if an accepted event was lost or
// a key's order was broken.
//
//	go run ./test/soak          # full: >= 100,000 events, every fault kind, twice
//	go run ./test/soak -short   # what hack/test.sh runs: >= 10,000 events, 6 fault kinds
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// profile is how long and hard a run is.
type profile struct {
	faults    []fault
	rounds    int
	spacing   time.Duration // from the end of one fault to the next
	senders   int
	rate      float64 // events per second, all senders together
	minEvents int     // traffic goes on past the faults until this many were accepted
	drain     time.Duration
}

var (
	full  = profile{faults: faults, rounds: 2, spacing: 20 * time.Second, senders: 16, rate: 300, minEvents: 100_000, drain: 3 * time.Minute}
	short = profile{faults: pick(shortFaults), rounds: 1, spacing: 12 * time.Second, senders: 8, rate: 200, minEvents: 10_000, drain: 2 * time.Minute}
)

const (
	orderedChannel   = "ordered"
	unorderedChannel = "unordered"
	partitions       = 3
	poolReplicas     = 2 // the pool's size in config/
)

func main() {
	shortRun := flag.Bool("short", false, "the short profile (hack/test.sh): >= 10,000 events, 6 fault kinds, once")
	flag.Parse()
	p := full
	if *shortRun {
		p = short
	}
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	env, stop, err := framework.Start(devenv.Options{FaultProxy: true})
	if err != nil {
		log.Fatal(err)
	}
	r := &runner{}
	failed := r.run(func() { soakWith(r, env, p) })
	stop(failed)
	if failed {
		os.Exit(1)
	}
}

// soak is one run's setup and state.
type soak struct {
	r         *runner
	env       *framework.Env
	namespace string
	start     time.Time
	kills     int
}

func soakWith(r *runner, env *framework.Env, p profile) {
	s := &soak{r: r, env: env, namespace: env.Namespace(r, "soak"), start: time.Now()}
	subs := s.subscribe()
	url := env.MustReceiverURL(r)
	tr := startTraffic(url, s.namespace, []string{orderedChannel, unorderedChannel}, p.senders, p.rate)
	time.Sleep(p.spacing)
	var injected []injection
	for round := range p.rounds {
		for _, f := range p.faults {
			at := time.Now()
			s.logf("round %d: %s (%d events accepted so far)", round+1, f.name, tr.count())
			if err := f.inject(s); err != nil {
				r.Errorf("%s: %v", f.name, err)
			}
			injected = append(injected, injection{name: f.name, at: at, over: time.Now()})
			time.Sleep(p.spacing)
		}
	}
	s.waitAccepted(tr, p.minEvents)
	accepted, refused := tr.stop()
	s.logf("senders stopped: %d accepted, %d attempts refused; waiting up to %v for delivery", len(accepted), refused, p.drain)
	rep := newReport(accepted, refused, subs, injected)
	_ = framework.Poll(p.drain, func() (bool, error) { return rep.settled(), nil })
	rep.print(os.Stdout)
	if lost, broken := rep.failures(); lost > 0 || broken > 0 {
		r.Errorf("%d accepted events lost, %d order violations", lost, broken)
	}
}

// subscribe creates the channels and their subscribers: on the ordered one a
// counting subscriber and a flaky one with a dead-letter sink, on the
// unordered one a counting subscriber.
func (s *soak) subscribe() []*check {
	s.env.CreateChannel(s.r, s.namespace, orderedChannel, v1beta1.KafkaChannelSpec{NumPartitions: partitions})
	s.env.CreateChannelObject(s.r, &v1beta1.KafkaChannel{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.namespace, Name: unorderedChannel,
			Annotations: map[string]string{v1beta1.DeliveryOrderAnnotation: "unordered"}},
		Spec: v1beta1.KafkaChannelSpec{NumPartitions: partitions},
	})
	orderedA := startSubscriber(s.r, "ordered/counting", false)
	flaky := startSubscriber(s.r, "ordered/flaky", true)
	deadLetters := startSubscriber(s.r, "ordered/flaky's dead letters", false)
	unorderedA := startSubscriber(s.r, "unordered/counting", false)
	s.env.Subscribe(s.r, s.namespace, "counting", orderedChannel, framework.SubscriptionOptions{Subscriber: orderedA.url})
	s.env.Subscribe(s.r, s.namespace, "flaky", orderedChannel, framework.SubscriptionOptions{
		Subscriber: flaky.url, Delivery: framework.DeadLetter(s.r, deadLetters.url, 2)})
	s.env.Subscribe(s.r, s.namespace, "counting-unordered", unorderedChannel, framework.SubscriptionOptions{Subscriber: unorderedA.url})
	return []*check{
		{sub: orderedA, channel: orderedChannel, ordered: true},
		{sub: flaky, channel: orderedChannel, ordered: true, deadLetters: deadLetters},
		{sub: unorderedA, channel: unorderedChannel},
	}
}

// waitAccepted lets the traffic run until n events were accepted, at most a few minutes more.
func (s *soak) waitAccepted(tr *traffic, n int) {
	deadline := time.Now().Add(5 * time.Minute)
	for tr.count() < n && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	if got := tr.count(); got < n {
		s.r.Errorf("only %d events accepted, the profile wants %d", got, n)
	}
}

func (s *soak) logf(format string, args ...interface{}) {
	log.Printf("[soak %6.1fs] %s", time.Since(s.start).Seconds(), fmt.Sprintf(format, args...))
}

// replica names the pool replica the next process fault hits, alternately.
func (s *soak) replica() string {
	s.kills++
	return fmt.Sprintf("%s-%d", contract.PoolName, s.kills%poolReplicas)
}

func (s *soak) pid(name string) (int, error) {
	if pid := s.env.PID(name); pid != 0 {
		return pid, nil
	}
	return 0, fmt.Errorf("no process %s running", name)
}

func (s *soak) scalePool(replicas int32) error {
	ctx := context.Background()
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	if _, err := s.env.Kube.AppsV1().StatefulSets(devenv.SystemNamespace).Patch(ctx, contract.PoolName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return err
	}
	s.logf("pool scaled to %d", replicas)
	return s.env.WaitStatefulSetReady(ctx, contract.PoolName, replicas, 2*time.Minute)
}

// pick is the faults of these names.
func pick(names []string) []fault {
	var out []fault
	for _, f := range faults {
		if slices.Contains(names, f.name) {
			out = append(out, f)
		}
	}
	return out
}
