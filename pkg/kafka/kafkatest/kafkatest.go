// Package kafkatest runs an in-process kfake Kafka broker for tests, and
// gives Sarama configurations that work against it.
package kafkatest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a kfake cluster that closes when the test ends.
type Broker struct {
	Cluster *kfake.Cluster
	Addrs   []string
}

// Start runs a kfake cluster on free loopback ports.
func Start(t testing.TB, opts ...kfake.Opt) *Broker {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return &Broker{Cluster: c, Addrs: c.ListenAddrs()}
}

// Config is a Sarama config suited to kfake and to quick tests: short timeouts
// and retries so that a test of a failure does not wait for Sarama's defaults.
func Config() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Metadata.Retry.Max = 1
	cfg.Metadata.Retry.Backoff = 50 * time.Millisecond
	cfg.Admin.Timeout = 5 * time.Second
	return cfg
}

// FailFast is config-kafka's "sarama" override (durations in nanoseconds)
// that keeps a refused connection short: one metadata attempt, a 2 s dial
// timeout. Tests that expect a client to be refused go through it, as an
// operator's override would.
const FailFast = "Net:\n  DialTimeout: 2000000000\nMetadata:\n  Retry:\n    Max: 0\n"

// Records reads every record of a topic, from each partition's start to its high-water mark.
func Records(t testing.TB, addrs []string, topic string) []*sarama.ConsumerMessage {
	t.Helper()
	client, err := sarama.NewClient(addrs, Config())
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer consumer.Close()
	partitions, err := client.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	var out []*sarama.ConsumerMessage
	for _, p := range partitions {
		out = append(out, readPartition(t, client, consumer, topic, p)...)
	}
	return out
}

func readPartition(t testing.TB, client sarama.Client, consumer sarama.Consumer, topic string, p int32) []*sarama.ConsumerMessage {
	end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
	if err != nil {
		t.Fatalf("offset of %s/%d: %v", topic, p, err)
	}
	if end == 0 {
		return nil
	}
	pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
	if err != nil {
		t.Fatalf("consume %s/%d: %v", topic, p, err)
	}
	defer pc.Close()
	var out []*sarama.ConsumerMessage
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-pc.Messages():
			out = append(out, m)
			if m.Offset+1 >= end {
				return out
			}
		case <-timeout:
			t.Fatalf("reading %s/%d: got %d records before timeout, want up to offset %d", topic, p, len(out), end)
		}
	}
}

// Topics lists the topics of the cluster at addrs.
func Topics(t testing.TB, addrs []string) map[string]sarama.TopicDetail {
	t.Helper()
	return TopicsWith(t, addrs, Config())
}

// TopicsWith lists the topics of a cluster that needs its own client configuration (TLS, SASL).
func TopicsWith(t testing.TB, addrs []string, cfg *sarama.Config) map[string]sarama.TopicDetail {
	t.Helper()
	ca, err := sarama.NewClusterAdmin(addrs, cfg)
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	defer ca.Close()
	topics, err := ca.ListTopics()
	if err != nil {
		t.Fatalf("listing topics: %v", err)
	}
	return topics
}

// Produce writes n small records to one partition of topic.
func Produce(t testing.TB, addrs []string, topic string, partition int32, n int) {
	t.Helper()
	cfg := Config()
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	for i := range n {
		msg := &sarama.ProducerMessage{Topic: topic, Partition: partition, Value: sarama.StringEncoder(fmt.Sprint(i))}
		if _, _, err := p.SendMessage(msg); err != nil {
			t.Fatalf("producing to %s/%d: %v", topic, partition, err)
		}
	}
}

// CommitAt commits these offsets for group on topic's partitions, as a
// member of the group that read up to them would (kfake keeps commits only
// of groups that a member joined); a commit only moves an offset forward.
func CommitAt(t testing.TB, addrs []string, group, topic string, offsets map[int32]int64) {
	t.Helper()
	cfg := Config()
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cg, err := sarama.NewConsumerGroup(addrs, group, cfg)
	if err != nil {
		t.Fatalf("consumer group %s: %v", group, err)
	}
	defer cg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h := committing{topic: topic, offsets: offsets, done: cancel}
	if err := cg.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
		t.Fatalf("committing %v for group %s: %v", offsets, group, err)
	}
}

// committing commits its offsets as soon as its session begins, then ends it.
type committing struct {
	topic   string
	offsets map[int32]int64
	done    context.CancelFunc
}

func (c committing) Setup(s sarama.ConsumerGroupSession) error {
	for p, o := range c.offsets {
		s.MarkOffset(c.topic, p, o, "")
	}
	s.Commit()
	c.done()
	return nil
}

func (committing) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (committing) ConsumeClaim(sarama.ConsumerGroupSession, sarama.ConsumerGroupClaim) error {
	return nil
}

// Join runs a member of the group until the returned leave is called.
func Join(t testing.TB, addrs []string, group, topic string) (leave func()) {
	t.Helper()
	cg, err := sarama.NewConsumerGroup(addrs, group, Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &member{joined: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_ = cg.Consume(ctx, []string{topic}, h)
		}
	}()
	leave = sync.OnceFunc(func() {
		cancel()
		<-done
		_ = cg.Close()
	})
	t.Cleanup(leave)
	select {
	case <-h.joined:
	case <-time.After(30 * time.Second):
		t.Fatal("timed out joining the group")
	}
	return leave
}

// member stays in its session until the session ends.
type member struct {
	once   sync.Once
	joined chan struct{}
}

func (m *member) Setup(sarama.ConsumerGroupSession) error {
	m.once.Do(func() { close(m.joined) })
	return nil
}
func (*member) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (*member) ConsumeClaim(s sarama.ConsumerGroupSession, _ sarama.ConsumerGroupClaim) error {
	<-s.Context().Done()
	return nil
}
