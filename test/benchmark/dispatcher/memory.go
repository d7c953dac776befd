package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// childEnv turns this binary into a dispatcher child process: its value is the
// childConfig as JSON. The child stops when its stdin closes, so that it
// cannot outlive a benchmark that died.
const childEnv = "BENCH_DISPATCHER_CHILD"

const (
	memorySubscribers = 10
	memoryPartitions  = 4
)

var (
	memoryLimit = flag.String("memory-limit", config.DefaultDispatcherLimitsMemory, "container memory limit of the dispatcher in the memory runs")
	smallEvents = flag.Int("memory-small-events", 4000, "events of 1 KB written at once in the memory run with small events")
	largeEvents = flag.Int("memory-large-events", 64, "events of 1 MiB written at once in the memory run with large events")
	holdAnswers = flag.Bool("memory-hold", true, "subscribers answer only once all events are written, so that the dispatcher reads ahead as far as its buffers let it")
)

// childConfig is what a dispatcher child serves.
type childConfig struct {
	Brokers     []string
	Channel     *v1beta1.KafkaChannel
	MemoryLimit int64
}

// memoryRun is one peak-RSS measurement.
type memoryRun struct {
	name       string
	eventBytes int
	events     int
}

// measureMemory prints the dispatcher's peak RSS for 10 subscribers of a
// 4-partition channel, with 1 KB and with 1 MiB events.
func measureMemory() error {
	limit, err := resource.ParseQuantity(*memoryLimit)
	if err != nil {
		return fmt.Errorf("-memory-limit: %w", err)
	}
	fmt.Printf("\ndispatcher peak RSS (VmHWM of a child process), %d subscribers x %d partitions, memory limit %s, subscribers holding answers: %v\n",
		memorySubscribers, memoryPartitions, limit.String(), *holdAnswers)
	fmt.Printf("%-8s %8s %12s %12s %14s %12s\n", "event", "events", "deliveries", "peak RSS", "of it files", "duration")
	for _, r := range []memoryRun{{"1 KB", 1000, *smallEvents}, {"1 MiB", 1<<20 - 4<<10, *largeEvents}} {
		m, took, err := r.run(limit.Value())
		if err != nil {
			return fmt.Errorf("memory run with %s events: %w", r.name, err)
		}
		fmt.Printf("%-8s %8d %12d %9d Mi %11d Mi %12s\n", r.name, r.events, r.events*memorySubscribers, m.PeakRSS>>20, m.FileRSS>>20, took.Round(10*time.Millisecond))
	}
	return nil
}

// run writes the events at once and waits until every subscriber has them all.
func (r memoryRun) run(limit int64) (procstat.Memory, time.Duration, error) {
	maxRecord := strconv.FormatInt(config.Default().MaxRecordBytes(), 10)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond),
		kfake.SeedTopics(memoryPartitions, topic), kfake.BrokerConfigs(map[string]string{"message.max.bytes": maxRecord}))
	if err != nil {
		return procstat.Memory{}, 0, err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	sub := newSubscriber(0)
	defer sub.Close()
	gate := make(chan struct{})
	if *holdAnswers {
		sub.hold(gate)
	}
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // before sub.Close, which waits for the answers held

	child, err := startChild(childConfig{Brokers: brokers, Channel: memoryChannel(sub.URL), MemoryLimit: limit})
	if err != nil {
		return procstat.Memory{}, 0, err
	}
	defer child.stop()
	for i := range memorySubscribers {
		if err := waitReady(brokers, subscriberUID(i)); err != nil {
			return procstat.Memory{}, 0, err
		}
	}
	p, err := newProducer(brokers)
	if err != nil {
		return procstat.Memory{}, 0, err
	}
	defer p.Close()
	p.data = bytes.Repeat([]byte{'x'}, r.eventBytes)

	sub.reset(r.events * memorySubscribers)
	start := time.Now()
	for range r.events {
		p.send()
	}
	release()
	if err := sub.wait(); err != nil {
		return procstat.Memory{}, 0, err
	}
	took := time.Since(start)
	m, err := procstat.ReadMemory(child.cmd.Process.Pid)
	return m, took, err
}

func subscriberUID(i int) types.UID { return types.UID(fmt.Sprintf("bench-%d", i)) }

// memoryChannel has memorySubscribers subscribers, all served by url.
func memoryChannel(url string) *v1beta1.KafkaChannel {
	kc := channel(scenario{order: "ordered"}, url)
	kc.Spec.NumPartitions = memoryPartitions
	u, _ := apis.ParseURL(url)
	kc.Spec.Subscribers = nil
	for i := range memorySubscribers {
		kc.Spec.Subscribers = append(kc.Spec.Subscribers, eventingduckv1.SubscriberSpec{UID: subscriberUID(i), SubscriberURI: u})
	}
	return kc
}

// child is a dispatcher in a child process of this binary.
type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
}

func startChild(cfg childConfig) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{cmd: cmd, stdin: stdin}, nil
}

// stop closes the child's stdin, which ends it, and kills it if it lingers.
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(scenarioTime):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// runChild is the dispatcher child: it serves the channel of its config,
// under its memory limit as the dispatcher command does, until stdin closes.
func runChild(raw string) error {
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return err
	}
	dispatcher.SetGoMemoryLimit(cfg.MemoryLimit)
	d, err := dispatcher.New(context.Background(), static{&client.Settings{Brokers: cfg.Brokers, Sarama: saramaConfig(), Fingerprint: "bench"}},
		dispatcher.Options{MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Reconcile(cfg.Channel); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}
