package main

import (
	"bytes"
	"flag"
	"fmt"
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
	"github.com/knative-kafka/knative-kafka/test/childproc"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

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

	child, err := childproc.Start(roleDispatcher, dispatcherConfig{Brokers: brokers, Channel: memoryChannel(sub.URL), MemoryLimit: limit})
	if err != nil {
		return procstat.Memory{}, 0, err
	}
	defer child.Stop()
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
	m, err := procstat.ReadMemory(child.Pid())
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
