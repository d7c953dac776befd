package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	eventingclient "knative.dev/eventing/pkg/client/clientset/versioned"
	eventinginformers "knative.dev/eventing/pkg/client/informers/externalversions"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// workers bounds the API calls and events in flight at once.
const workers = 16

// bench measures one implementation, in a namespace of its own.
type bench struct {
	env       *devenv.Env
	impl      impl
	namespace string
	// shape is what the bench creates.
	channels, subscribers, partitions int
	annotations                       map[string]string
	eventing                          eventingclient.Interface
	sink                              *sink
	// addresses are the channels' status.address.url, as last seen.
	mu         sync.Mutex
	addresses  map[string]*apis.URL
	ingressURL string
}

// clients are the benchmark's own clients, whose rate must not be what
// limits the creation rate.
func clients(env *devenv.Env) (versioned.Interface, eventingclient.Interface, error) {
	cfg := rest.CopyConfig(env.AdminConfig)
	cfg.QPS, cfg.Burst = 500, 1000
	kafka, err := versioned.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	ev, err := eventingclient.NewForConfig(cfg)
	return kafka, ev, err
}

// newBench makes the namespace where an implementation's channels are created.
func newBench(ctx context.Context, env *devenv.Env, im impl, ev eventingclient.Interface, namespace string) (*bench, error) {
	s, err := startSink(ctx)
	if err != nil {
		return nil, err
	}
	b := &bench{env: env, impl: im, namespace: namespace, eventing: ev, sink: s, addresses: map[string]*apis.URL{},
		channels: *channels, subscribers: *subscribers, partitions: *partitions}
	if *dedicated {
		b.annotations = map[string]string{v1beta1.DispatcherAnnotation: v1beta1.DedicatedDispatcher}
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.namespace}}
	if _, err := env.Kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	return b, nil
}

// deleteNamespace deletes the implementation's namespace and waits until it
// is gone, so that the next implementation is measured on a machine that
// no longer reconciles, nor delivers to, this one's channels.
func (b *bench) deleteNamespace(ctx context.Context) error {
	namespaces := b.env.Kube.CoreV1().Namespaces()
	if err := namespaces.Delete(ctx, b.namespace, metav1.DeleteOptions{}); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, time.Second, *timeout, true, func(ctx context.Context) (bool, error) {
		_, err := namespaces.Get(ctx, b.namespace, metav1.GetOptions{})
		return apierrs.IsNotFound(err), nil
	})
}

func channelName(i int) string { return fmt.Sprintf("ch-%04d", i) }

// parallel runs f(0..n-1) on workers goroutines and returns the first error.
func parallel(n int, f func(i int) error) error {
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// readiness is how long each channel and subscription took to be Ready.
type readiness struct {
	channels, subscriptions []time.Duration
}

func (r readiness) print() {
	for _, x := range []struct {
		what string
		ds   []time.Duration
	}{{"channels", r.channels}, {"subscriptions", r.subscriptions}} {
		p50, p99, top := percentiles(x.ds)
		fmt.Printf("%-14s Ready: p50 %v, p99 %v, max %v (goal: all < 60s)\n", x.what, p50.Round(time.Millisecond), p99.Round(time.Millisecond), top.Round(time.Millisecond))
	}
}

// createAll creates every channel and subscription at once and waits for all to be Ready.
func (b *bench) createAll(ctx context.Context) (readiness, error) {
	ramp, err := b.startRamp(ctx)
	if err != nil {
		return readiness{}, err
	}
	r, err := b.create(ctx)
	if err != nil {
		return r, err
	}
	return r, ramp.print(ctx, b)
}

// create creates the channels and subscriptions at once and waits for all to be Ready.
func (b *bench) create(ctx context.Context) (readiness, error) {
	start := time.Now()
	err := parallel(b.channels, func(i int) error {
		return b.impl.create(ctx, b.namespace, channelName(i), b.partitions, b.annotations)
	})
	if err != nil {
		return readiness{}, fmt.Errorf("creating channels: %w", err)
	}
	err = parallel(b.channels*b.subscribers, func(k int) error {
		i, s := k/b.subscribers, k%b.subscribers
		uri, _ := apis.ParseURL(fmt.Sprintf("%s/%d/%d", b.sink.url, i, s))
		sub := &messagingv1.Subscription{
			ObjectMeta: metav1.ObjectMeta{Namespace: b.namespace, Name: fmt.Sprintf("%s-%d", channelName(i), s)},
			Spec: messagingv1.SubscriptionSpec{
				Channel:    b.impl.ref(channelName(i)),
				Subscriber: &duckv1.Destination{URI: uri},
			},
		}
		_, err := b.eventing.MessagingV1().Subscriptions(b.namespace).Create(ctx, sub, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return readiness{}, fmt.Errorf("creating subscriptions: %w", err)
	}
	created := time.Since(start)
	r, err := b.waitReady(ctx, start)
	if err != nil {
		return r, err
	}
	fmt.Printf("created in %v\n", created.Round(time.Millisecond))
	return r, nil
}

// waitReady watches the channels and subscriptions until all are Ready,
// noting when each was first seen Ready. Watches, not lists: listing
// thousands of objects every poll would load the API server it measures.
func (b *bench) waitReady(ctx context.Context, start time.Time) (readiness, error) {
	var mu sync.Mutex
	chReady, subReady := map[string]time.Duration{}, map[string]time.Duration{}
	note := func(seen map[string]time.Duration, name string, ready bool) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := seen[name]; !ok && ready {
			seen[name] = time.Since(start)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.impl.watch(ctx, b.namespace, func(name string, ready bool, address *apis.URL) {
		note(chReady, name, ready)
		b.mu.Lock()
		b.addresses[name] = address
		b.mu.Unlock()
	})
	subFactory := eventinginformers.NewSharedInformerFactoryWithOptions(b.eventing, 0, eventinginformers.WithNamespace(b.namespace))
	_, _ = subFactory.Messaging().V1().Subscriptions().Informer().AddEventHandler(onObject(func(s *messagingv1.Subscription) {
		note(subReady, s.Name, s.Status.IsReady())
	}))
	subFactory.Start(ctx.Done())

	wantSubs := b.channels * b.subscribers
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, *timeout, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(chReady) == b.channels && len(subReady) == wantSubs, nil
	})
	mu.Lock()
	defer mu.Unlock()
	r := readiness{}
	for _, d := range chReady {
		r.channels = append(r.channels, d)
	}
	for _, d := range subReady {
		r.subscriptions = append(r.subscriptions, d)
	}
	if err != nil {
		return r, fmt.Errorf("%d of %d channels and %d of %d subscriptions Ready after %v", len(chReady), b.channels, len(subReady), wantSubs, *timeout)
	}
	return r, nil
}

// onObject calls f with every added or updated object of type T.
func onObject[T any](f func(T)) cache.ResourceEventHandler {
	call := func(obj any) {
		if o, ok := obj.(T); ok {
			f(o)
		}
	}
	return cache.ResourceEventHandlerFuncs{AddFunc: call, UpdateFunc: func(_, obj any) { call(obj) }}
}

// usage is what the processes hold and burn while nothing is sent.
type usage struct {
	dataPlane, controller  []devenv.Process
	dataRSS, controllerRSS int64
	// receiver is the real receiver's memory, idle with every channel in
	// its cache (KafkaChannel only).
	receiver               *procstat.Memory
	dataCores, brokerCores float64
	// brokerRSS and connections are the broker's (KafkaChannel only).
	brokerRSS   int64
	connections int
}

func (u usage) print() {
	fmt.Printf("data plane: %d processes (%s)\n", len(u.dataPlane), names(u.dataPlane))
	fmt.Printf("data plane RSS: %s in all (goal: <= 2048 MiB); controller RSS: %s\n", mib(u.dataRSS), mib(u.controllerRSS))
	if u.receiver != nil {
		fmt.Printf("receiver RSS idle: %s, of which the binary's mapped pages %s (goal: < 40 MiB)\n", mib(u.receiver.RSS), mib(u.receiver.FileRSS))
	}
	fmt.Printf("idle CPU over %v: data plane %.3f cores (goal: <= 0.25), broker %.3f cores\n", *idle, u.dataCores, u.brokerCores)
	if u.receiver != nil {
		fmt.Printf("broker RSS: %s; broker connections: %d\n", mib(u.brokerRSS), u.connections)
	}
}

// processes sorts the environment's processes by their role to the implementation.
func (b *bench) processes() map[role][]devenv.Process {
	out := map[role][]devenv.Process{}
	for _, p := range b.env.Processes() {
		r := b.impl.role(p)
		out[r] = append(out[r], p)
	}
	return out
}

// measureIdle reads memory, then CPU over -idle, of the data plane, the controller and the broker.
func (b *bench) measureIdle(ctx context.Context) (usage, error) {
	procs := b.processes()
	u := usage{dataPlane: procs[dataPlane], controller: procs[controlPlane]}
	broker := procs[broker]
	if pid := b.env.PID(devenv.ReceiverName); b.impl.name() == "kafka" && pid != 0 {
		m, err := procstat.ReadMemory(pid)
		if err != nil {
			return u, err
		}
		u.receiver = &m
	}
	var err error
	if u.dataRSS, err = totalRSS(u.dataPlane); err != nil {
		return u, err
	}
	if u.controllerRSS, err = totalRSS(u.controller); err != nil {
		return u, err
	}
	if u.brokerRSS, err = totalRSS(broker); err != nil {
		return u, err
	}
	dataBefore, err := totalCPU(u.dataPlane)
	if err != nil {
		return u, err
	}
	brokerBefore, err := totalCPU(broker)
	if err != nil {
		return u, err
	}
	select {
	case <-ctx.Done():
		return u, ctx.Err()
	case <-time.After(*idle):
	}
	dataAfter, err := totalCPU(u.dataPlane)
	if err != nil {
		return u, err
	}
	brokerAfter, err := totalCPU(broker)
	if err != nil {
		return u, err
	}
	u.dataCores = float64(dataAfter-dataBefore) / float64(*idle)
	u.brokerCores = float64(brokerAfter-brokerBefore) / float64(*idle)
	if len(broker) == 0 {
		return u, nil
	}
	_, port, _ := net.SplitHostPort(b.env.BrokerAddr)
	p, _ := strconv.Atoi(port)
	u.connections, err = procstat.TCPConnections(p)
	return u, err
}

func totalRSS(ps []devenv.Process) (int64, error) {
	var sum int64
	for _, p := range ps {
		m, err := procstat.ReadMemory(p.PID)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.Name, err)
		}
		sum += m.RSS
	}
	return sum, nil
}

func totalCPU(ps []devenv.Process) (time.Duration, error) {
	var sum time.Duration
	for _, p := range ps {
		d, err := procstat.ReadCPU(p.PID)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.Name, err)
		}
		sum += d
	}
	return sum, nil
}

// sendOneEach sends one event through every channel and waits until every
// subscriber got its channel's, or -timeout passed; it returns the deliveries.
func (b *bench) sendOneEach(ctx context.Context) (int, error) {
	err := parallel(b.channels, func(i int) error {
		ev := cloudevents.NewEvent()
		ev.SetID(strconv.Itoa(i))
		ev.SetType("dev.knative-kafka.scale")
		ev.SetSource("/scale")
		code, err := b.send(ctx, channelName(i), ev)
		if err == nil && code != http.StatusAccepted {
			err = fmt.Errorf("channel %s answered %d", channelName(i), code)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sending: %w", err)
	}
	want := b.channels * b.subscribers
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, *timeout, true, func(context.Context) (bool, error) {
		return b.sink.count() >= want, nil
	})
	return b.sink.count(), nil
}

// send posts an event to a channel's address, through the local process that serves it.
func (b *bench) send(ctx context.Context, channel string, ev cloudevents.Event) (int, error) {
	address, ingress, err := b.ingress(ctx, channel)
	if err != nil {
		return 0, err
	}
	return framework.SendToAddress(ctx, ingress, address, ev)
}

// ingress is a channel's address and the local URL that serves it. One
// process serves every channel of an implementation (its receiver, or its
// dispatcher): resolved for the first channel, it serves the others, without
// a Service lookup per channel.
func (b *bench) ingress(ctx context.Context, channel string) (*apis.URL, string, error) {
	b.mu.Lock()
	address, ingress := b.addresses[channel], b.ingressURL
	b.mu.Unlock()
	if address == nil {
		return nil, "", fmt.Errorf("channel %s has no address", channel)
	}
	if ingress != "" {
		return address, ingress, nil
	}
	ingress, err := b.env.ChannelIngressURL(ctx, address)
	b.mu.Lock()
	b.ingressURL = ingress
	b.mu.Unlock()
	return address, ingress, err
}

// sink counts the deliveries of each channel's event to each subscriber,
// whose path is /<channel>/<subscriber>.
type sink struct {
	url  string
	mu   sync.Mutex
	seen map[string]bool
	// timed are the deliveries of events that carry when they were sent
	// (the end-to-end benchmark's).
	timed []delivery
}

func startSink(ctx context.Context) (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{url: "http://" + l.Addr().String(), seen: map[string]bool{}}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return s, nil
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, err := cloudevents.NewEventFromHTTPRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if sent, ok := sentAt(ev); ok {
		s.mu.Lock()
		s.timed = append(s.timed, delivery{sent: sent, latency: time.Since(sent)})
		s.mu.Unlock()
	} else if strings.HasPrefix(r.URL.Path, "/"+ev.ID()+"/") {
		// Only a channel's own event to one of its subscribers counts.
		s.mu.Lock()
		s.seen[r.URL.Path] = true
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}
