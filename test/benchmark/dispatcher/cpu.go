package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/IBM/sarama"
	"k8s.io/apimachinery/pkg/types"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/test/childproc"
)

var (
	runCPU        = flag.Bool("cpu", true, "compare the CPU time per event of the dispatcher with a plain Sarama consumer group's")
	cpuEvents     = flag.Int("cpu-events", 20000, "records in the topic of each CPU run")
	cpuPartitions = flag.Int("cpu-partitions", 8, "partitions of the topic of each CPU run")
	cpuRounds     = flag.Int("cpu-rounds", 3, "CPU runs of each side, one after the other side's, of which the median is printed")
	cpuSDKMetrics = flag.Bool("cpu-sdk-metrics", true, "give the dispatcher an OpenTelemetry SDK meter provider, aggregating as in production; false: the global no-op one")
	profileDir    = flag.String("profile-dir", "", "write a CPU and an allocs profile of each side under test of the CPU runs (its last round) to this directory, and print their top frames")
)

const (
	cpuEventBytes = 1000
	// cpuTimeout bounds each wait of a CPU run: for the side to deliver its
	// first event (joining the group), then the rest.
	cpuTimeout = time.Minute
)

// cpuSide is one side under test of the CPU runs.
type cpuSide struct {
	id string
	// order is the dispatcher's delivery order; empty for the raw side.
	order string
}

var cpuSides = []cpuSide{{id: "raw"}, {id: "ordered", order: "ordered"}, {id: "unordered", order: fmt.Sprintf("unordered:%d", unorderedN)}}

func (s cpuSide) String() string {
	if s.order == "" {
		return "raw Sarama + net/http"
	}
	return "dispatcher " + s.order
}

// cpuRun is what one side cost from its first delivery to its last.
type cpuRun struct {
	side               cpuSide
	took               time.Duration
	self, sink, broker time.Duration
	allocs             childproc.Allocs
	conns              int64
}

// cpuRunner holds the processes that every side shares.
type cpuRunner struct {
	broker, sink *childproc.Child
	brokers      []string
}

// measureCPU runs each side over a fresh topic of its own, filled beforehand,
// and prints what each delivered event cost each process.
func measureCPU() error {
	broker, err := childproc.StartKfake(childproc.KfakeConfig{GroupMinSessionTimeout: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	defer broker.Stop()
	sink, err := childproc.Start(roleSink, nil)
	if err != nil {
		return err
	}
	defer sink.Stop()
	r := cpuRunner{broker: broker, sink: sink, brokers: childproc.Brokers(broker)}
	// Rounds alternate the sides, so that a busy spell of the machine
	// weighs on one run of each rather than on all runs of one side.
	runs := make([][]cpuRun, len(cpuSides))
	for round := range max(*cpuRounds, 1) {
		for i, side := range cpuSides {
			run, err := r.run(side, round)
			if err != nil {
				return fmt.Errorf("CPU run %d of %s: %w", round, side, err)
			}
			runs[i] = append(runs[i], run)
		}
	}
	printCPU(runs)
	return printTopFrames()
}

// run fills the side's topic for this round, starts the side and measures it.
func (r cpuRunner) run(side cpuSide, round int) (cpuRun, error) {
	topic := fmt.Sprintf("cpu.%s.%d", side.id, round)
	if err := r.fill(topic); err != nil {
		return cpuRun{}, err
	}
	group, start := r.rawSide(topic)
	if side.order != "" {
		group, start = r.dispatcherSide(topic, side, round)
	}
	if err := r.commitStart(group, topic); err != nil {
		return cpuRun{}, err
	}
	if _, err := r.sink.Call("reset"); err != nil {
		return cpuRun{}, err
	}
	child, err := start()
	if err != nil {
		return cpuRun{}, err
	}
	defer child.Stop()
	return r.measure(side, child)
}

// fill creates topic and writes the run's records to it, as the receiver
// writes them: binary-mode CloudEvents with the trace context in a header.
func (r cpuRunner) fill(topic string) error {
	k, err := admin.NewKafka(r.brokers, saramaConfig())
	if err != nil {
		return err
	}
	defer k.Close()
	if _, err := k.EnsureTopic(context.Background(), topic, admin.TopicSpec{NumPartitions: int32(*cpuPartitions), ReplicationFactor: 1}); err != nil {
		return err
	}
	p, err := newProducer(r.brokers)
	if err != nil {
		return err
	}
	p.topic = topic
	p.data = bytes.Repeat([]byte{'x'}, cpuEventBytes)
	p.headers = []sarama.RecordHeader{{Key: []byte("traceparent"), Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}}
	for range *cpuEvents {
		p.send()
	}
	// Close flushes what is buffered.
	return p.Close()
}

// commitStart commits offset 0 of every partition for group, so that it
// reads the records written before it started: a new dispatcher group starts
// at the tail. It is a simple commit, outside any generation of the group:
// Sarama's OffsetManager would first fetch the group's offsets, which kfake
// refuses for a group it does not know yet.
func (r cpuRunner) commitStart(group, topic string) error {
	c, err := sarama.NewClient(r.brokers, saramaConfig())
	if err != nil {
		return err
	}
	defer c.Close()
	coordinator, err := c.Coordinator(group)
	if err != nil {
		return err
	}
	req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group, ConsumerGroupGeneration: sarama.GroupGenerationUndefined, RetentionTime: -1}
	for p := range int32(*cpuPartitions) {
		req.AddBlock(topic, p, 0, 0, "")
	}
	resp, err := coordinator.CommitOffset(req)
	if err != nil {
		return err
	}
	for _, partitions := range resp.Errors {
		for p, kerr := range partitions {
			if !errors.Is(kerr, sarama.ErrNoError) {
				return fmt.Errorf("committing the start of partition %d for group %s: %w", p, group, kerr)
			}
		}
	}
	return nil
}

type sideStart func() (*childproc.Child, error)

func (r cpuRunner) rawSide(topic string) (string, sideStart) {
	group := "bench.raw." + topic
	return group, func() (*childproc.Child, error) {
		return childproc.Start(roleRaw, rawConfig{Brokers: r.brokers, Topic: topic, Group: group, URL: r.sink.Addr()})
	}
}

func (r cpuRunner) dispatcherSide(topic string, side cpuSide, round int) (string, sideStart) {
	uid := types.UID(fmt.Sprintf("cpu-%s-%d", side.id, round))
	kc := channel(scenario{order: side.order}, r.sink.Addr())
	kc.Spec.NumPartitions = int32(*cpuPartitions)
	kc.Spec.Subscribers[0].UID = uid
	kc.Status.TopicName = topic
	return contract.ConsumerGroup(kc.Namespace, kc.Name, string(uid)), func() (*childproc.Child, error) {
		return childproc.Start(roleDispatcher, dispatcherConfig{Brokers: r.brokers, Channel: kc, SDKMetrics: *cpuSDKMetrics})
	}
}

// measure reads every process's CPU time at the side's first delivery and at
// its last, and profiles the side in between when asked to.
func (r cpuRunner) measure(side cpuSide, child *childproc.Child) (cpuRun, error) {
	if _, err := waitSink(r.sink, 1, cpuTimeout); err != nil {
		return cpuRun{}, err
	}
	start, err := r.mark(child)
	if err != nil {
		return cpuRun{}, err
	}
	if err := startProfiles(child, side); err != nil {
		return cpuRun{}, err
	}
	counts, err := waitSink(r.sink, *cpuEvents, cpuTimeout)
	if err != nil {
		return cpuRun{}, err
	}
	end, err := r.mark(child)
	if err != nil {
		return cpuRun{}, err
	}
	if err := stopProfiles(child, side); err != nil {
		return cpuRun{}, err
	}
	return cpuRun{side: side, took: end.at.Sub(start.at), self: end.self - start.self, sink: end.sink - start.sink,
		broker: end.broker - start.broker, allocs: end.allocs.Sub(start.allocs), conns: counts.conns}, nil
}

// mark is what the processes of a run had used at one point.
type mark struct {
	at                 time.Time
	self, sink, broker time.Duration
	allocs             childproc.Allocs
}

func (r cpuRunner) mark(side *childproc.Child) (mark, error) {
	m := mark{at: time.Now()}
	var errs [4]error
	m.self, errs[0] = side.CPU()
	m.sink, errs[1] = r.sink.CPU()
	m.broker, errs[2] = r.broker.CPU()
	m.allocs, errs[3] = side.Allocs()
	for _, err := range errs {
		if err != nil {
			return mark{}, err
		}
	}
	return m, nil
}

func startProfiles(child *childproc.Child, side cpuSide) error {
	if *profileDir == "" {
		return nil
	}
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		return err
	}
	// The allocs profile counts from the start of the process: this one is the base.
	if _, err := child.Call("allocs-profile %s", profilePath("allocs-start", side)); err != nil {
		return err
	}
	_, err := child.Call("cpu-profile-start %s", profilePath("cpu", side))
	return err
}

func stopProfiles(child *childproc.Child, side cpuSide) error {
	if *profileDir == "" {
		return nil
	}
	return child.StopProfiles(profilePath("allocs", side))
}

func profilePath(kind string, side cpuSide) string {
	return filepath.Join(*profileDir, fmt.Sprintf("%s-%s.pprof", kind, side.id))
}

// printCPU prints, for each side, the run of median side CPU time: what
// each delivered event cost each process, and the dispatcher's CPU time per
// event over the raw side's.
func printCPU(runs [][]cpuRun) {
	fmt.Printf("\nCPU time per delivered event (user+sys, /proc), %d records of %d B in %d partitions, 1 subscriber answering 202 at once;"+
		" from the first delivery to the last; each process on its own; median of %d rounds\n", *cpuEvents, cpuEventBytes, *cpuPartitions, len(runs[0]))
	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "side\tevents/s\tside µs\t(min-max)\tR_disp\tsubscriber µs\tbroker µs\tallocs\tbytes\tconns\t")
	n := time.Duration(*cpuEvents)
	raw := median(runs[0])
	for _, side := range runs {
		r := median(side)
		lo, hi := side[0], side[len(side)-1]
		fmt.Fprintf(out, "%s\t%.0f\t%.1f\t(%.0f-%.0f)\t%.2f\t%.1f\t%.1f\t%d\t%d\t%d\t\n", r.side, float64(n)/r.took.Seconds(),
			micros(r.self/n), micros(lo.self/n), micros(hi.self/n), float64(r.self)/float64(raw.self), micros(r.sink/n), micros(r.broker/n),
			r.allocs.Objects/uint64(n), r.allocs.Bytes/uint64(n), r.conns)
	}
	_ = out.Flush()
	fmt.Println("side, subscriber, broker µs: CPU time of that process per event; R_disp: side µs / raw µs (medians);" +
		" allocs, bytes: the side's per event; conns: connections the subscriber accepted")
}

// median sorts runs by side CPU time and returns the middle one.
func median(runs []cpuRun) cpuRun {
	slices.SortFunc(runs, func(a, b cpuRun) int { return cmp.Compare(a.self, b.self) })
	return runs[len(runs)/2]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
