// Command receiver compares the receiver with a raw Sarama SyncProducer: in
// one run, against the same fresh kfake broker, at 1, 16 and 64 concurrent
// senders of 1 KB events, it measures events/s, p50 and p99 of both and
// prints the ratio receiver/raw. Both sides use the receiver's producer
// configuration (acks=all, idempotent), so the ratio is the cost of the HTTP
// hop and the receiver's own work. Beside the rates it prints the CPU time
// per event of this process (raw producer, or HTTP client plus receiver) and
// of the broker, which on a busy machine tell more than the rates do, and the
// rate of the same HTTP client against a handler that does nothing: the
// ceiling of the ratio on this machine, whatever the receiver does.
//
// All traffic stays on 127.0.0.1; every point runs for -duration, so the
// command stops by itself, and it stops the broker child it started.
//
//	go run ./test/benchmark/receiver -duration 3s
//	go run ./test/benchmark/receiver -senders 64 -profile-dir /tmp/prof
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
)

const (
	namespace  = "bench"
	partitions = 3
	eventBytes = 1024
)

var (
	duration      = flag.Duration("duration", 3*time.Second, "measured time per point")
	warmup        = flag.Duration("warmup", 500*time.Millisecond, "unmeasured time before each point")
	concurrency   = flag.String("senders", "1,16,64", "comma-separated sender counts")
	brokerProcess = flag.Bool("broker-process", true, "run the broker in a child process rather than in this one")
	sdkMetrics    = flag.Bool("sdk-metrics", true, "give the receiver an OpenTelemetry SDK meter provider, aggregating as in production; false: a no-op one")
	profileDir    = flag.String("profile-dir", "", "write a CPU and an allocs profile of every point and side to this directory")
	saramaLog     = flag.Bool("sarama-log", false, "log Sarama's internals to stderr")
	serveBrokerF  = flag.Bool(serveBrokerFlag, false, "internal: be the broker child")
)

func main() {
	flag.Parse()
	if *serveBrokerF {
		serveBroker()
		return
	}
	if *saramaLog {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds)
	}
	if err := run(); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func run() error {
	b, err := startBroker(*brokerProcess)
	if err != nil {
		return err
	}
	defer b.stop()
	admin, err := sarama.NewClusterAdmin(b.addrs, sarama.NewConfig())
	if err != nil {
		return err
	}
	defer admin.Close()
	s := &sides{broker: b, admin: admin}
	defer s.close()
	if err := s.start(); err != nil {
		return err
	}
	printSetup(b, s.rawCfg)
	var points []point
	defer func() { printTables(points) }() // what was measured, even after an error
	for _, n := range senderCounts() {
		log.Printf("measuring %d senders", n)
		p, err := s.measure(n)
		if err != nil {
			return err
		}
		points = append(points, p)
	}
	return nil
}

// sides are what a point measures: the raw producer, the receiver and the
// bare HTTP hop.
type sides struct {
	broker   *broker
	admin    sarama.ClusterAdmin
	channels cache.Indexer
	rawCfg   *sarama.Config
	raw      sarama.SyncProducer
	receiver string
	httpOnly string
	stoppers []func()
}

func (s *sides) start() error {
	s.channels = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	url, stop, err := startReceiver(s.broker.addrs, listers.NewKafkaChannelLister(s.channels))
	if err != nil {
		return err
	}
	s.receiver, s.stoppers = url, append(s.stoppers, stop)
	if s.httpOnly, stop, err = startHTTPOnly(); err != nil {
		return err
	}
	s.stoppers = append(s.stoppers, stop)
	if s.rawCfg, err = rawConfig(s.broker.addrs); err != nil {
		return err
	}
	if s.raw, err = sarama.NewSyncProducer(s.broker.addrs, s.rawCfg); err != nil {
		return err
	}
	s.stoppers = append(s.stoppers, func() { _ = s.raw.Close() })
	return nil
}

func (s *sides) close() {
	for _, stop := range slices.Backward(s.stoppers) {
		stop()
	}
}

// measure runs the three sides at n senders, each on a fresh topic, which
// keeps the broker's memory bounded: the topics are deleted after the point.
func (s *sides) measure(n int) (point, error) {
	p := point{senders: n}
	rawTopic, recvTopic := fmt.Sprintf("raw-%d", n), fmt.Sprintf("recv-%d", n)
	if err := createTopics(s.admin, rawTopic, recvTopic); err != nil {
		return p, err
	}
	defer func() { _, _ = s.admin.DeleteTopic(rawTopic), s.admin.DeleteTopic(recvTopic) }()
	if err := s.channels.Add(readyChannel(recvTopic)); err != nil {
		return p, err
	}
	var (
		err   error
		dials atomic.Int64
	)
	if p.raw, err = phase("raw", n, rawSender(s.raw, rawTopic), s.broker); err != nil {
		return p, err
	}
	if p.receiver, err = phase("receiver", n, httpSender(s.receiver+"/"+namespace+"/"+recvTopic, n, &dials), s.broker); err != nil {
		return p, err
	}
	p.dials = dials.Load()
	p.httpOnly, err = phase("http-only", n, httpSender(s.httpOnly, n, new(atomic.Int64)), s.broker)
	return p, err
}

// phase measures one side at one concurrency, with its CPU cost and, if
// asked, its profiles.
func phase(side string, n int, send sendFunc, b *broker) (result, error) {
	runtime.GC() // the previous phase's garbage is not this one's cost
	stopProfiles, err := startProfiles(side, n)
	if err != nil {
		return result{}, err
	}
	self, brk := cpuClock(selfCPU).perEvent(), b.cpu.perEvent()
	r := measure(n, send)
	r.selfCPU, r.brokerCPU = self(r.sent), brk(r.sent)
	return r, stopProfiles()
}

func printSetup(b *broker, cfg *sarama.Config) {
	metrics := "OpenTelemetry SDK meter provider (aggregating, not exported)"
	if !*sdkMetrics {
		metrics = "no-op meter provider"
	}
	fmt.Printf("setup: %d B binary CloudEvents, %d partitions per topic, %s per point after %s warmup\n",
		eventBytes, partitions, *duration, *warmup)
	fmt.Printf("  broker:    %s, fresh for this run, %d MiB segments\n", b.desc, segmentBytes>>20)
	fmt.Printf("  producers: raw and receiver both use receiver.ProducerConfig: %s\n", describe(cfg))
	fmt.Printf("  receiver:  in this process; %s; global (no-op) tracer provider\n", metrics)
	fmt.Printf("  client:    net/http in this process, keep-alive, MaxIdleConnsPerHost = senders\n")
	fmt.Printf("  http-only: the same client against a handler that only reads the body and answers 202;\n" +
		"             ceiling = http-only/raw, the ratio a receiver whose own work were free would reach\n")
	fmt.Printf("  machine:   GOMAXPROCS=%d NumCPU=%d; cpu/ev is CPU time per event (all sends, warmup included)\n"+
		"             of this process, which holds the broker too unless it runs in a child process\n",
		runtime.GOMAXPROCS(0), runtime.NumCPU())
}

// describe names the producer settings that decide throughput and guarantees.
func describe(cfg *sarama.Config) string {
	acks := fmt.Sprint(cfg.Producer.RequiredAcks)
	if cfg.Producer.RequiredAcks == sarama.WaitForAll {
		acks = "all"
	}
	f := cfg.Producer.Flush
	return fmt.Sprintf("acks=%s idempotent=%t Net.MaxOpenRequests=%d Flush{Frequency=%s Messages=%d Bytes=%d MaxMessages=%d} version=%s",
		acks, cfg.Producer.Idempotent, cfg.Net.MaxOpenRequests, f.Frequency, f.Messages, f.Bytes, f.MaxMessages, cfg.Version)
}

func senderCounts() []int {
	var out []int
	for _, s := range strings.Split(*concurrency, ",") {
		var n int
		if _, err := fmt.Sscan(s, &n); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// startReceiver serves the receiver on a loopback port, as cmd/receiver would.
func startReceiver(brokers []string, lister listers.KafkaChannelLister) (string, func(), error) {
	logger := zap.NewExample().WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	watcher := client.NewStaticWatcher(secretData(brokers), config.Default(), "bench-receiver")
	producer := receiver.NewProducer(watcher, logger, receiver.DefaultProduceTimeout)
	handler, err := receiver.NewHandler(receiver.Options{Channels: lister, Producer: producer, Logger: logger, MeterProvider: meterProvider()})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	producerCtx, stopProducer := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); producer.Run(producerCtx) }()
	server := &receiver.Server{Handler: handler, Logger: logger, Ready: producer.Ready, DrainPeriod: -1}
	go func() { defer wg.Done(); _ = server.Serve(ctx, ln) }()
	for producer.Ready() != nil {
		time.Sleep(10 * time.Millisecond)
	}
	return "http://" + ln.Addr().String(), func() { cancel(); stopProducer(); wg.Wait() }, nil
}

func meterProvider() metric.MeterProvider {
	if *sdkMetrics {
		return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}
	return noop.NewMeterProvider()
}

func secretData(brokers []string) map[string][]byte {
	return map[string][]byte{client.BrokersKey: []byte(strings.Join(brokers, ","))}
}

// rawConfig is the receiver's producer configuration, built the way the
// receiver builds it, so that the baseline is held to the same guarantees.
func rawConfig(brokers []string) (*sarama.Config, error) {
	settings, err := client.NewSettings(secretData(brokers), config.Default(), "bench-raw")
	if err != nil {
		return nil, err
	}
	return receiver.ProducerConfig(settings.Sarama, config.DefaultMaxEventBytes), nil
}

func createTopics(admin sarama.ClusterAdmin, topics ...string) error {
	for _, t := range topics {
		if err := admin.CreateTopic(t, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1}, false); err != nil {
			return fmt.Errorf("creating topic %s: %w", t, err)
		}
	}
	return nil
}

func readyChannel(name string) *v1beta1.KafkaChannel {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	kc.Status.InitializeConditions()
	kc.Status.TopicName = name
	kc.Status.MarkTopicTrue()
	return kc
}

// drain reads what is left of a response body, so that its connection can
// be reused.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, body)
	_ = body.Close()
}
