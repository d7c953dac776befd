package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/benchmark/load"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

var (
	e2eSenders    = flag.String("e2e", "", "end to end (sender -> channel -> subscriber): comma-separated sender counts, e.g. 1,16,64; empty: not measured")
	e2eDuration   = flag.Duration("e2e-duration", 5*time.Second, "measured time per end-to-end point")
	e2eWarmup     = flag.Duration("e2e-warmup", time.Second, "unmeasured time before each end-to-end point")
	e2ePartitions = flag.Int("e2e-partitions", 8, "partitions of the end-to-end KafkaChannel")
	e2eOrder      = flag.String("e2e-order", "", "the end-to-end KafkaChannel's knative-kafka.dev/delivery-order annotation: empty delivers each partition in order, as a KafkaChannel does by default; unordered[:N] as InMemoryChannel does, N at once")
)

// eventBytes is the end-to-end events' data size.
const eventBytes = 1024

// sentExtension carries, in nanoseconds since the epoch, when an event was sent.
const sentExtension = "sentns"

// delivery is one timed event as the subscriber got it.
type delivery struct {
	sent    time.Time
	latency time.Duration
}

func sentAt(ev *cloudevents.Event) (time.Time, bool) {
	v, ok := ev.Extensions()[sentExtension]
	if !ok {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	return time.Unix(0, ns), err == nil
}

// takeTimed returns the timed deliveries so far and forgets them.
func (s *sink) takeTimed() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.timed
	s.timed = nil
	return out
}

func (s *sink) timedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.timed)
}

// e2ePoint is one sender count's figures.
type e2ePoint struct {
	senders int
	// rate is what the subscriber got of the events sent in the measured window, per second.
	rate     float64
	p50, p99 time.Duration
	// cpu is the channel's processes' CPU time per delivered event, over
	// the whole point; byProcess splits it by process (dispatchers as one).
	cpu       time.Duration
	byProcess map[string]time.Duration
	// missing counts events answered 202 that never reached the subscriber.
	missing, errors int
}

// endToEnd sends 1 KB events through one channel to one subscriber at each
// -e2e sender count, and measures the rate, the latency from send to
// delivery, and the CPU time per event of the channel's own processes (its
// data plane and, for KafkaChannel, the broker), each read from /proc.
func (b *bench) endToEnd(ctx context.Context) ([]e2ePoint, error) {
	if _, err := b.create(ctx); err != nil {
		return nil, err
	}
	address, ingress, err := b.ingress(ctx, channelName(0))
	if err != nil {
		return nil, err
	}
	procs := b.processes()
	measured := append(procs[dataPlane], procs[broker]...)
	shape := "one channel"
	if b.impl.name() == "kafka" {
		order := b.annotations[v1beta1.DeliveryOrderAnnotation]
		if order == "" {
			order = "ordered, the default"
		}
		shape = fmt.Sprintf("one channel of %d partitions (%s)", b.partitions, order)
	}
	fmt.Printf("end to end, %s: %d B events, %s, one subscriber; CPU of %s\n", b.impl.kind(), eventBytes, shape, names(measured))
	var out []e2ePoint
	for _, n := range senderCounts() {
		p, err := b.e2ePoint(ctx, n, ingress+address.Path, address.Host, measured)
		if err != nil {
			return out, err
		}
		fmt.Printf("  %2d senders: %7.0f events/s, latency p50 %v p99 %v, CPU %v per event (%s)\n", n, p.rate, ms(p.p50), ms(p.p99), us(p.cpu),
			top(p.byProcess, us))
		if p.missing > 0 || p.errors > 0 {
			return out, fmt.Errorf("%d senders: %d events not delivered, %d sends failed", n, p.missing, p.errors)
		}
		out = append(out, p)
	}
	return out, nil
}

func (b *bench) e2ePoint(ctx context.Context, n int, url, host string, measured []devenv.Process) (e2ePoint, error) {
	payload := bytes.Repeat([]byte("x"), eventBytes)
	stamp := func(r *http.Request) {
		r.Host = host
		r.Header.Set("Ce-"+sentExtension, strconv.FormatInt(time.Now().UnixNano(), 10))
	}
	var accepted atomic.Int64
	send := load.HTTPSender(url, payload, n, new(atomic.Int64), stamp)
	counted := func(id string) error {
		err := send(id)
		if err == nil {
			accepted.Add(1)
		}
		return err
	}
	b.sink.takeTimed()
	before := cpuByProcess(measured)
	start := time.Now()
	r := load.Measure(n, *e2eWarmup, *e2eDuration, counted)
	want := int(accepted.Load())
	_ = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, *timeout, true, func(context.Context) (bool, error) {
		return b.sink.timedCount() >= want, nil
	})
	spent := diff(cpuByProcess(measured), before)
	got := b.sink.takeTimed()
	from := start.Add(*e2eWarmup)
	to := from.Add(*e2eDuration)
	var lat []time.Duration
	for _, d := range got {
		if !d.sent.Before(from) && d.sent.Before(to) {
			lat = append(lat, d.latency)
		}
	}
	slices.Sort(lat)
	p := e2ePoint{senders: n, rate: float64(len(lat)) / e2eDuration.Seconds(),
		p50: load.Percentile(lat, 0.5), p99: load.Percentile(lat, 0.99),
		missing: max(0, want-len(got)), errors: r.Errors}
	if len(got) > 0 {
		p.byProcess = map[string]time.Duration{}
		for name, d := range spent {
			p.byProcess[name] = d / time.Duration(len(got))
			p.cpu += p.byProcess[name]
		}
	}
	return p, nil
}

func senderCounts() []int {
	var out []int
	for _, f := range strings.Split(*e2eSenders, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
