// Command receiver compares the receiver with a raw Sarama SyncProducer: in
// one run, against the same fresh in-process kfake broker, at 1, 16 and 64
// concurrent senders of 1 KB events, it measures events/s, p50 and p99 of both
// and prints the ratio receiver/raw. All traffic stays on 127.0.0.1; every
// point runs for -duration, so the command stops by itself.
//
//	go run ./test/benchmark/receiver -duration 3s
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.opentelemetry.io/otel/metric/noop"
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
	duration    = flag.Duration("duration", 3*time.Second, "measured time per point")
	warmup      = flag.Duration("warmup", 500*time.Millisecond, "unmeasured time before each point")
	concurrency = flag.String("senders", "1,16,64", "comma-separated sender counts")
	cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	saramaLog   = flag.Bool("sarama-log", false, "log Sarama's internals to stderr")
)

// result is one measured point.
type result struct {
	events, errors int
	rate           float64
	p50, p99       time.Duration
}

// sendFunc sends one event; id is unique within a point.
type sendFunc func(id string) error

func main() {
	flag.Parse()
	if *saramaLog {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(); err != nil {
		log.Print(err)
	}
}

func run() error {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	admin, err := sarama.NewClusterAdmin(brokers, sarama.NewConfig())
	if err != nil {
		return err
	}
	defer admin.Close()

	channels := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	url, stop, err := startReceiver(brokers, listers.NewKafkaChannelLister(channels))
	if err != nil {
		return err
	}
	defer stop()
	raw, err := sarama.NewSyncProducer(brokers, rawConfig())
	if err != nil {
		return err
	}
	defer raw.Close()

	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "senders\traw ev/s\traw p50\traw p99\treceiver ev/s\treceiver p50\treceiver p99\tratio\terrors (raw/recv)\t")
	defer out.Flush() // at the end, so that the columns line up
	for _, n := range senderCounts() {
		log.Printf("measuring %d senders", n)
		// A topic per point keeps the broker's memory bounded: it is deleted after the point.
		rawTopic, recvTopic := fmt.Sprintf("raw-%d", n), fmt.Sprintf("recv-%d", n)
		if err := createTopics(admin, rawTopic, recvTopic); err != nil {
			return err
		}
		if err := channels.Add(readyChannel(recvTopic)); err != nil {
			return err
		}
		r := measure(n, rawSender(raw, rawTopic))
		v := measure(n, httpSender(url+"/"+namespace+"/"+recvTopic, n))
		fmt.Fprintf(out, "%d\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%.2f\t%d/%d\t\n",
			n, r.rate, ms(r.p50), ms(r.p99), v.rate, ms(v.p50), ms(v.p99), v.rate/r.rate, r.errors, v.errors)
		_ = admin.DeleteTopic(rawTopic)
		_ = admin.DeleteTopic(recvTopic)
	}
	return nil
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

// startReceiver serves the receiver on a loopback port, as cmd/receiver
// would, with metrics going nowhere.
func startReceiver(brokers []string, lister listers.KafkaChannelLister) (string, func(), error) {
	logger := zap.NewExample().WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	watcher := client.NewStaticWatcher(map[string][]byte{client.BrokersKey: []byte(strings.Join(brokers, ","))}, config.Default(), "bench-receiver")
	producer := receiver.NewProducer(watcher, logger, receiver.DefaultProduceTimeout)
	handler, err := receiver.NewHandler(receiver.Options{Channels: lister, Producer: producer, Logger: logger, MeterProvider: noop.NewMeterProvider()})
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

// rawConfig is what the receiver asks of its producer: idempotent, acks=all.
func rawConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Return.Successes = true
	return cfg
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

var payload = bytes.Repeat([]byte("x"), eventBytes)

func rawSender(p sarama.SyncProducer, topic string) sendFunc {
	return func(id string) error {
		_, _, err := p.SendMessage(&sarama.ProducerMessage{
			Topic:   topic,
			Value:   sarama.ByteEncoder(payload),
			Headers: []sarama.RecordHeader{{Key: []byte("ce_id"), Value: []byte(id)}},
		})
		return err
	}
}

func httpSender(url string, senders int) sendFunc {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	return func(id string) error {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", id)
		req.Header.Set("Ce-Type", "dev.knative.benchmark")
		req.Header.Set("Ce-Source", "/benchmark")
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// measure runs n senders for warmup+duration and keeps the latencies of the
// sends that started within the measured window.
func measure(n int, send sendFunc) result {
	var (
		seq          atomic.Int64
		errs         atomic.Int64
		mu           sync.Mutex
		all          []time.Duration
		wg           sync.WaitGroup
		start        = time.Now()
		measuredFrom = start.Add(*warmup)
		end          = measuredFrom.Add(*duration)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for t0 := time.Now(); t0.Before(end); t0 = time.Now() {
				err := send(fmt.Sprint(seq.Add(1)))
				if t0.Before(measuredFrom) || time.Now().After(end) {
					continue // in the warmup, or partly outside the window
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return result{
		events: len(all),
		errors: int(errs.Load()),
		rate:   float64(len(all)) / duration.Seconds(),
		p50:    percentile(all, 0.50),
		p99:    percentile(all, 0.99),
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
