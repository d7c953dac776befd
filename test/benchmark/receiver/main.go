// Command receiver measures how close the receiver comes to the irreducible
// cost of its job, in CPU time per event, each process on its own: the
// broker, the senders and every measured side run in processes of their own,
// so that on a machine with few cores the comparison is not one of everyone's
// CPU.
//
// At 1, 16 and 64 concurrent senders of 1 KB binary CloudEvents it measures
// four sides, in turn, against one fresh kfake broker:
//   - receiver: the receiver's code in a child process (as cmd/receiver runs
//     it, with a fixed channel list instead of an informer);
//   - http-only: a bare net/http server in a child process that reads the body
//     and answers 202, the HTTP half of the receiver's job;
//   - raw: a Sarama SyncProducer with the receiver's producer configuration,
//     in this process, sending the same payload: the Kafka half;
//   - minimal: both halves in one child process, the least code that does the
//     receiver's job (see minimal.go).
//
// It prints R_recv = receiver / (http-only + raw) and R_min = receiver /
// minimal, from CPU time per event of each side's own process, each side's
// median of -rounds turns. R_recv is issue #14's figure, whose goal is 1.25 at
// 64 senders; but the halves, each in a process of its own, cost less than the
// job does in one: the raw producer at its own rate, several times the
// receiver's, fills larger batches than any receiver can at its rate, and the
// minimal receiver's R_recv is itself about 1.3. R_min is the distance from
// the limit under the same load. Beside them: events/s, p50 and p99 of each
// side, the senders' and the broker's CPU per event, and the receiver's RSS
// idle and at its peak. -profile-dir writes a CPU and an allocs profile of
// each side at each point (first round), and prints the receiver's top five
// frames.
//
// All traffic stays on 127.0.0.1; every point runs for -warmup + -duration, so
// the command stops by itself, and it stops the children it started.
//
//	go run ./test/benchmark/receiver
//	go run ./test/benchmark/receiver -senders 64 -profile-dir /tmp/prof
package main

import (
	"cmp"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
	"github.com/knative-kafka/knative-kafka/test/childproc"
	"github.com/knative-kafka/knative-kafka/test/procstat"
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
	rounds      = flag.Int("rounds", 3, "measure the three sides this many times in turn at each point and report each side's median, which evens out a machine whose speed drifts")
	sdkMetrics  = flag.Bool("sdk-metrics", true, "give the receiver an OpenTelemetry SDK meter provider, aggregating as in production; false: a no-op one")
	profileDir  = flag.String("profile-dir", "", "write a CPU and an allocs profile of every point and side to this directory")
	saramaLog   = flag.Bool("sarama-log", false, "log Sarama's internals to stderr")
)

func main() {
	childproc.Main(map[string]childproc.Role{roleReceiver: serveReceiver, roleHTTPOnly: serveHTTPOnly, roleMinimal: serveMinimal})
	flag.Parse()
	if *saramaLog {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds)
	}
	if err := run(); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func run() error {
	s := &sides{}
	defer s.close()
	if err := s.start(senderCounts()); err != nil {
		return err
	}
	printSetup(s)
	var points []point
	for _, n := range senderCounts() {
		log.Printf("measuring %d senders", n)
		p, err := s.measure(n)
		if err != nil {
			printTables(points, s.idle) // what was measured before the error
			return err
		}
		points = append(points, p)
	}
	printTables(points, s.idle)
	if err := printTopFrames(roleReceiver, senderCounts()); err != nil {
		return err
	}
	for _, p := range points {
		if p.failed > 0 {
			return fmt.Errorf("%d sends failed at %d senders: the figures do not hold", p.failed, p.senders)
		}
	}
	return nil
}

// sides are the processes of a run.
type sides struct {
	broker, receiver, httpOnly, minimal child
	brokers                             []string
	admin                               sarama.ClusterAdmin
	rawCfg                              *sarama.Config
	raw                                 sarama.SyncProducer
	// idle is the receiver's memory before any event.
	idle     procstat.Memory
	stoppers []func()
}

func (s *sides) start(counts []int) error {
	var err error
	if s.broker, err = s.started(startBroker()); err != nil {
		return err
	}
	s.brokers = childproc.Brokers(s.broker.Child)
	if s.admin, err = sarama.NewClusterAdmin(s.brokers, sarama.NewConfig()); err != nil {
		return err
	}
	s.stoppers = append(s.stoppers, func() { _ = s.admin.Close() })
	if s.receiver, err = s.started(childproc.Start(roleReceiver,
		receiverConfig{Brokers: s.brokers, Channels: topicNames("recv", counts), SDKMetrics: *sdkMetrics})); err != nil {
		return err
	}
	if s.httpOnly, err = s.started(childproc.Start(roleHTTPOnly, nil)); err != nil {
		return err
	}
	if s.minimal, err = s.started(childproc.Start(roleMinimal, s.brokers)); err != nil {
		return err
	}
	if s.rawCfg, err = rawConfig(s.brokers); err != nil {
		return err
	}
	if s.raw, err = sarama.NewSyncProducer(s.brokers, s.rawCfg); err != nil {
		return err
	}
	s.stoppers = append(s.stoppers, func() { _ = s.raw.Close() })
	time.Sleep(time.Second) // let the receiver's start-up garbage go before reading its idle memory
	s.idle, err = s.receiver.memory()
	return err
}

// started keeps a started child to be stopped with the others.
func (s *sides) started(c *childproc.Child, err error) (child, error) {
	if err != nil {
		return child{}, err
	}
	s.stoppers = append(s.stoppers, c.Stop)
	return child{c}, nil
}

func (s *sides) close() {
	for _, stop := range slices.Backward(s.stoppers) {
		stop()
	}
}

// measure runs the sides at n senders -rounds times in turn, on topics of
// the point's own that are deleted after it, which keeps the broker's memory
// bounded, and keeps each side's median round.
//
// Each round runs the receiver, the raw producer, the bare HTTP server and
// the minimal receiver in turn.
func (s *sides) measure(n int) (point, error) {
	p := point{senders: n}
	rawTopic, recvTopic, minimalTopic := topicName("raw", n), topicName("recv", n), topicName("minimal", n)
	if err := createTopics(s.admin, rawTopic, recvTopic, minimalTopic); err != nil {
		return p, err
	}
	defer func() {
		_, _, _ = s.admin.DeleteTopic(rawTopic), s.admin.DeleteTopic(recvTopic), s.admin.DeleteTopic(minimalTopic)
	}()
	var (
		measured []point
		failed   int
		dials    int64
	)
	for round := range max(1, *rounds) {
		r := point{senders: n}
		var receiverDials atomic.Int64
		phases := []struct {
			side string
			into *result
			proc process
			send sendFunc
		}{
			{roleReceiver, &r.receiver, s.receiver, httpSender(s.receiver.Addr()+"/"+namespace+"/"+recvTopic, n, &receiverDials)},
			{"raw", &r.raw, self{}, rawSender(s.raw, rawTopic)},
			{roleHTTPOnly, &r.httpOnly, s.httpOnly, httpSender(s.httpOnly.Addr(), n, new(atomic.Int64))},
			{roleMinimal, &r.minimal, s.minimal, httpSender(s.minimal.Addr()+"/"+minimalTopic, n, new(atomic.Int64))},
		}
		for _, ph := range phases {
			var err error
			if *ph.into, err = s.phase(ph.side, n, round, ph.proc, ph.send); err != nil {
				return p, err
			}
			failed += ph.into.errors
		}
		dials = max(dials, receiverDials.Load())
		measured = append(measured, r)
	}
	p = medianPoint(measured)
	p.failed, p.dials = failed, dials
	var err error
	p.peak, err = s.receiver.memory()
	return p, err
}

// medianPoint takes each side's median round.
func medianPoint(rounds []point) point {
	p := rounds[0]
	for _, side := range []func(*point) *result{
		func(p *point) *result { return &p.receiver },
		func(p *point) *result { return &p.raw },
		func(p *point) *result { return &p.httpOnly },
		func(p *point) *result { return &p.minimal },
	} {
		rs := make([]result, len(rounds))
		for i := range rounds {
			rs[i] = *side(&rounds[i])
		}
		*side(&p) = median(rs)
	}
	return p
}

// median is the round whose side CPU per event is the median.
func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.sideCPU, b.sideCPU) })
	return rs[len(rs)/2]
}

// phase measures one side, whose work is done in process proc, at n senders.
func (s *sides) phase(side string, n, round int, proc process, send sendFunc) (result, error) {
	runtime.GC() // the previous phase's garbage is not this one's cost
	sideCPU, senderCPU, brokerCPU := proc.cpu().perEvent(), cpuClock(selfCPU).perEvent(), s.broker.cpu().perEvent()
	r, err := profiled(proc, side, n, round, func() result { return measure(n, send) })
	r.sideCPU, r.senderCPU, r.brokerCPU = sideCPU(r.sent), senderCPU(r.sent), brokerCPU(r.sent)
	return r, err
}

func printSetup(s *sides) {
	metrics := "OpenTelemetry SDK meter provider (aggregating, not exported)"
	if !*sdkMetrics {
		metrics = "no-op meter provider"
	}
	fmt.Printf("setup: %d B binary CloudEvents, %d partitions per topic, %s per point after %s warmup\n",
		eventBytes, partitions, *duration, *warmup)
	fmt.Printf("  broker:    kfake, child pid %d, fresh for this run, %d MiB segments\n", s.broker.Pid(), segmentBytes>>20)
	fmt.Printf("  receiver:  child pid %d; %s; no-op tracer provider, as Knative's with tracing off\n", s.receiver.Pid(), metrics)
	fmt.Printf("  http-only: child pid %d; net/http, reads the body, answers 202\n", s.httpOnly.Pid())
	fmt.Printf("  raw:       this process (pid %d), SyncProducer with receiver.ProducerConfig: %s\n", os.Getpid(), describe(s.rawCfg))
	fmt.Printf("  senders:   this process, net/http client, keep-alive, MaxIdleConnsPerHost = senders\n")
	fmt.Printf("  machine:   GOMAXPROCS=%d NumCPU=%d; cpu/ev is a process's CPU time (user+system) per event,\n"+
		"             over the whole point, warmup included\n", runtime.GOMAXPROCS(0), runtime.NumCPU())
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

func topicName(side string, senders int) string { return fmt.Sprintf("%s-%d", side, senders) }

func topicNames(side string, counts []int) []string {
	names := make([]string, len(counts))
	for i, n := range counts {
		names[i] = topicName(side, n)
	}
	return names
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
