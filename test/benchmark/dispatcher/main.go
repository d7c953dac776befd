// Command dispatcher measures the dispatcher end to end, from an event written
// to the topic to the subscriber receiving it, against an in-process kfake
// broker and HTTP subscribers on 127.0.0.1. For each combination of delivery
// order (ordered, unordered:16), subscriber latency (0 and 10 ms) and partition
// count (1 and 8) it prints:
//   - events/s: a burst written at once, delivered as fast as the dispatcher can;
//   - of ideal: with a subscriber latency, events/s over the deliveries that
//     may be in flight (partitions, times 16 unordered) per the subscriber's
//     measured service time: its latency plus time.Sleep's overshoot, up to a
//     millisecond on a busy VM, which is not the dispatcher's;
//   - p50/p99: end-to-end latency of events written at half that rate.
//
// Expectation: ordered throughput >= 0.9 of ideal; unordered well above
// ordered.
//
// Then it prints the peak RSS of a dispatcher running in a child process
// under a memory limit (-memory-limit, default config-kafka's), with 10
// subscribers of a 4-partition channel, for 1 KB and for 1 MiB events written
// at once (see memory.go). Expectation: under 64 MiB with 1 KB events, within
// the limit with 1 MiB events.
//
// Last it compares the CPU time per event of the dispatcher with a plain
// Sarama consumer group's that POSTs each record with net/http (see cpu.go and
// raw.go): each side, in a child process of its own, delivers the records of
// a topic filled beforehand (-cpu-events of 1 KB in -cpu-partitions, written
// as the receiver writes them) to one subscriber, a child that answers 202 at
// once; the kfake broker runs in a child too. The CPU time of every process
// (user+sys, from /proc) is read at the side's first delivery and at its last,
// counted at the subscriber, and divided by the events; the raw side runs one
// goroutine per partition, in order, so R_disp = dispatcher / raw of the
// ordered dispatcher is the cost of what the dispatcher adds (retries,
// metrics, tracing, the in-flight window). Goal: R_disp <= 1.25. With
// -profile-dir the side under test writes a CPU and an allocs profile of the
// same span, whose top frames are printed.
//
// -throughput=false, -memory=false or -cpu=false skip a part. Each scenario
// is bounded in time; the run stops by itself, and so do its children.
//
//	go run ./test/benchmark/dispatcher -throughput=false -memory=false -profile-dir /tmp/prof
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/twmb/franz-go/pkg/kfake"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/test/childproc"
)

const (
	topic        = "bench.ch"
	unorderedN   = 16
	maxBurst     = 20000
	scenarioTime = 30 * time.Second // a scenario that has not finished by then is reported as such
)

var (
	runThroughput  = flag.Bool("throughput", true, "measure throughput and latency")
	runMemory      = flag.Bool("memory", true, "measure the dispatcher's peak RSS")
	burstSeconds   = flag.Float64("burst-seconds", 3, "expected duration of each throughput burst")
	latencySeconds = flag.Float64("latency-seconds", 2, "duration of each paced latency run")
)

type scenario struct {
	order      string
	latency    time.Duration
	partitions int32
}

func main() {
	childproc.Main(map[string]childproc.Role{roleDispatcher: serveDispatcher, roleRaw: serveRaw, roleSink: serveSink})
	flag.Parse()
	if *runThroughput {
		measureThroughput()
	}
	if *runMemory {
		if err := measureMemory(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if *runCPU {
		if err := measureCPU(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func measureThroughput() {
	fmt.Printf("%-14s %-8s %-10s %12s %9s %10s %10s\n", "order", "latency", "partitions", "events/s", "of ideal", "p50", "p99")
	for _, order := range []string{"ordered", fmt.Sprintf("unordered:%d", unorderedN)} {
		for _, latency := range []time.Duration{0, 10 * time.Millisecond} {
			for _, partitions := range []int32{1, 8} {
				sc := scenario{order: order, latency: latency, partitions: partitions}
				if err := run(sc); err != nil {
					fmt.Fprintf(os.Stderr, "%+v: %v\n", sc, err)
					os.Exit(1)
				}
			}
		}
	}
}

// run measures one scenario on a fresh broker, so that records of earlier runs cost nothing.
func run(sc scenario) error {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.SeedTopics(sc.partitions, topic))
	if err != nil {
		return err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	sub := newSubscriber(sc.latency)
	defer sub.Close()
	d, err := dispatcher.New(context.Background(), static{&client.Settings{Brokers: brokers, Sarama: saramaConfig(), Fingerprint: "bench"}}, dispatcher.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Reconcile(channel(sc, sub.URL)); err != nil {
		return err
	}
	if err := waitReady(brokers, "bench"); err != nil {
		return err
	}
	p, err := newProducer(brokers)
	if err != nil {
		return err
	}
	defer p.Close()

	rate, ideal, err := throughput(sc, p, sub)
	if err != nil {
		return err
	}
	p50, p99, err := latency(p, sub, rate/2)
	if err != nil {
		return err
	}
	ofIdeal := "-"
	if ideal > 0 {
		ofIdeal = fmt.Sprintf("%.2f", rate/ideal)
	}
	fmt.Printf("%-14s %-8s %-10d %12.0f %9s %10s %10s\n", sc.order, sc.latency, sc.partitions, rate, ofIdeal, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
	return nil
}

// throughput writes a burst sized to take about burst-seconds at the expected
// rate, and measures from its first write to its last delivery. With a
// subscriber latency it also returns the ideal rate: the deliveries that may
// be in flight at once over the subscriber's measured service time, which is
// what partitions / latency means once time.Sleep's overshoot is counted.
func throughput(sc scenario, p *producer, sub *subscriber) (rate, ideal float64, err error) {
	n := maxBurst
	slots := int(sc.partitions)
	if sc.order != "ordered" {
		slots *= unorderedN
	}
	if sc.latency > 0 {
		n = min(maxBurst, max(200, int(float64(slots)/sc.latency.Seconds()**burstSeconds)))
	}
	sub.reset(n)
	start := time.Now()
	for i := 0; i < n; i++ {
		p.send()
	}
	if err := sub.wait(); err != nil {
		return 0, 0, err
	}
	rate = float64(n) / time.Since(start).Seconds()
	if sc.latency > 0 {
		ideal = float64(slots) / sub.meanService().Seconds()
	}
	return rate, ideal, nil
}

// latency writes events at a steady rate and reports the end-to-end percentiles.
func latency(p *producer, sub *subscriber, rate float64) (time.Duration, time.Duration, error) {
	n := max(50, int(rate**latencySeconds))
	sub.reset(n)
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for i := 0; i < n; i++ {
		time.Sleep(time.Until(next))
		p.send()
		next = next.Add(interval)
	}
	if err := sub.wait(); err != nil {
		return 0, 0, err
	}
	l := sub.latencies()
	slices.Sort(l)
	return l[len(l)/2], l[len(l)*99/100], nil
}

// subscriber answers after its latency and records each event's end-to-end latency.
type subscriber struct {
	*httptest.Server
	mu  sync.Mutex
	lat []time.Duration
	// served is the time spent answering the events of lat.
	served time.Duration
	want   int
	done   chan struct{}
	gate   chan struct{} // when set, answers wait until it closes
}

func newSubscriber(latency time.Duration) *subscriber {
	s := &subscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		ev, err := cloudevents.NewEventFromHTTPRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if gate := s.held(); gate != nil {
			<-gate
		}
		time.Sleep(latency)
		w.WriteHeader(http.StatusAccepted)
		s.record(now.Sub(sentAt(ev)), time.Since(now))
	}))
	return s
}

func sentAt(ev *cloudevents.Event) time.Time {
	ns, _ := strconv.ParseInt(fmt.Sprint(ev.Extensions()["sentns"]), 10, 64)
	return time.Unix(0, ns)
}

func (s *subscriber) record(l, served time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, l)
	s.served += served
	if len(s.lat) == s.want {
		close(s.done)
	}
}

// hold makes answers wait until gate closes; nil answers at once.
func (s *subscriber) hold(gate chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = gate
}

func (s *subscriber) held() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gate
}

func (s *subscriber) reset(want int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat, s.want, s.done, s.served = nil, want, make(chan struct{}), 0
}

// meanService is the mean time the subscriber took to answer, its latency
// included: time.Sleep overshoots it by up to a millisecond on a busy VM.
func (s *subscriber) meanService() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lat) == 0 {
		return 0
	}
	return s.served / time.Duration(len(s.lat))
}

func (s *subscriber) wait() error {
	select {
	case <-s.done:
		return nil
	case <-time.After(scenarioTime):
		s.mu.Lock()
		defer s.mu.Unlock()
		return fmt.Errorf("only %d of %d events delivered within %s", len(s.lat), s.want, scenarioTime)
	}
}

func (s *subscriber) latencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lat)
}

// producer writes binary-mode CloudEvents, spread over the partitions.
type producer struct {
	sarama.AsyncProducer
	topic string
	seq   int
	// data is the body of each event; a small JSON one when nil.
	data []byte
	// headers are added to each record's, as the receiver adds the trace context.
	headers []sarama.RecordHeader
}

func newProducer(brokers []string) (*producer, error) {
	cfg := saramaConfig()
	cfg.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	cfg.Producer.Flush.Frequency = time.Millisecond
	cfg.Producer.MaxMessageBytes = int(config.Default().MaxRecordBytes())
	ap, err := sarama.NewAsyncProducer(brokers, cfg)
	if err != nil {
		return nil, err
	}
	go func() {
		for err := range ap.Errors() {
			fmt.Fprintln(os.Stderr, "produce:", err)
		}
	}()
	return &producer{AsyncProducer: ap, topic: topic}, nil
}

func (p *producer) send() {
	p.seq++
	ev := cloudevents.NewEvent()
	ev.SetID(strconv.Itoa(p.seq))
	ev.SetType("dev.knative-kafka.bench")
	ev.SetSource("/bench")
	ev.SetExtension("sentns", strconv.FormatInt(time.Now().UnixNano(), 10))
	if p.data != nil {
		_ = ev.SetData("application/octet-stream", p.data)
	} else {
		_ = ev.SetData(cloudevents.ApplicationJSON, map[string]int{"seq": p.seq})
	}
	msg := &sarama.ProducerMessage{Topic: p.topic}
	_ = kafka_sarama.WriteProducerMessage(binding.WithForceBinary(context.Background()), binding.ToMessage(&ev), msg)
	msg.Headers = append(msg.Headers, p.headers...)
	p.Input() <- msg
}

func saramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cfg.Consumer.Group.Session.Timeout = time.Second
	cfg.Consumer.Group.Heartbeat.Interval = 100 * time.Millisecond
	cfg.Consumer.MaxWaitTime = 10 * time.Millisecond
	return cfg
}

func channel(sc scenario, url string) *v1beta1.KafkaChannel {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "ch",
		Annotations: map[string]string{v1beta1.DeliveryOrderAnnotation: sc.order}}}
	u, _ := apis.ParseURL(url)
	kc.Spec.Subscribers = []eventingduckv1.SubscriberSpec{{UID: "bench", SubscriberURI: u}}
	kc.Status.TopicName = topic
	return kc
}

func waitReady(brokers []string, uid types.UID) error {
	k, err := admin.NewKafka(brokers, saramaConfig())
	if err != nil {
		return err
	}
	defer k.Close()
	deadline := time.Now().Add(scenarioTime)
	for time.Now().Before(deadline) {
		if ok, err := k.OffsetsInitialized(context.Background(), contract.ConsumerGroup("bench", "ch", string(uid)), topic); err == nil && ok {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("subscriber not ready within %s", scenarioTime)
}

type static struct{ s *client.Settings }

func (s static) Current() client.Snapshot       { return client.Snapshot{Settings: s.s} }
func (s static) OnChange(func(client.Snapshot)) {}
