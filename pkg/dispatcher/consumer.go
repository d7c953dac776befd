package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// commitInterval is how often marked offsets are committed: short, since
// everything done since the last commit is redelivered after a crash.
const commitInterval = time.Second

// consumeRetryDelay spaces the attempts to rejoin a group after Consume failed.
const consumeRetryDelay = time.Second

// rejoinPollInterval spaces the checks that a group rejoined over a grown topic.
const rejoinPollInterval = 100 * time.Millisecond

// consumerKey is what a consumer group was started from; a change restarts
// the group (under the same name, so its committed position is kept).
type consumerKey struct {
	topic       string
	fingerprint string
	inFlight    int
	buffers     buffers
	window      config.Window
	// copyFrom names the groups whose offsets a partition without one starts from.
	copyFrom config.OffsetsSource
}

// consumer runs the consumer group of one subscriber.
type consumer struct {
	group   string
	key     consumerKey
	opts    Options
	logger  *zap.Logger
	sender  sender
	metrics *metrics
	// attrs are the group's attributes in metrics, reported while it runs (see metrics).
	attrs attribute.Set

	// channel is the KafkaChannel the group was started for, which its Kubernetes events are about.
	channel *v1beta1.KafkaChannel

	sub         atomic.Pointer[subscription]
	joined      atomic.Bool
	initialized atomic.Bool
	// session lets the group end its current session early (see expectPartitions).
	session atomic.Pointer[sessionEnd]
	// partitions is the most partitions the channel's spec asked for; only reconciles, which the Dispatcher serializes, touch it.
	partitions int32

	client sarama.Client
	cg     sarama.ConsumerGroup
	ctx    context.Context // the group's, done once it stops
	cancel context.CancelFunc
	done   chan struct{}
	// logged is closed once the group's error channel is drained and closed.
	logged chan struct{}
}

// connect opens the group's Kafka client, which authenticates, without joining
// the group: settings that cannot reach Kafka fail here, while the group this
// one would replace still runs.
func (c *consumer) connect(settings *client.Settings) error {
	cl, err := sarama.NewClient(settings.Brokers, consumerConfig(settings.Sarama, c.key.buffers))
	if err == nil {
		// The client fetches no metadata of its own accord (Metadata.Full is
		// off): this round trip is what proves the settings connect.
		if err = cl.RefreshMetadata(c.key.topic); err != nil {
			_ = cl.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("connecting consumer group %s to Kafka: %w", c.group, err)
	}
	cg, err := sarama.NewConsumerGroupFromClient(c.group, cl)
	if err != nil {
		_ = cl.Close()
		return fmt.Errorf("creating consumer group %s: %w", c.group, err)
	}
	c.client, c.cg = cl, cg
	// Only a topic larger than the group first saw makes it rejoin (expectPartitions).
	if partitions, err := cl.Partitions(c.key.topic); err == nil {
		c.partitions = int32(len(partitions))
	}
	return nil
}

// start joins the group and consumes in the background until stop.
func (c *consumer) start(ctx context.Context) {
	c.done, c.logged = make(chan struct{}), make(chan struct{})
	c.ctx, c.cancel = context.WithCancel(ctx)
	go c.logErrors()
	go c.run(c.ctx)
}

// run is Sarama's consumer-group loop: Consume returns at every rebalance.
func (c *consumer) run(ctx context.Context) {
	defer close(c.done)
	h := &handler{c: c}
	for ctx.Err() == nil {
		err := c.cg.Consume(ctx, []string{c.key.topic}, h)
		if errors.Is(err, sarama.ErrClosedConsumerGroup) {
			return
		}
		if err == nil {
			continue
		}
		c.logger.Warn("Consumer group session failed; rejoining", zap.String("group", c.group), zap.Error(err))
		select {
		case <-ctx.Done():
		case <-time.After(consumeRetryDelay):
		}
	}
}

func (c *consumer) logErrors() {
	defer close(c.logged)
	for err := range c.cg.Errors() {
		c.logger.Warn("Consumer group error", zap.String("group", c.group), zap.Error(err))
	}
}

// stop ends the session (committing what was marked), leaves the group and disconnects.
func (c *consumer) stop() {
	c.cancel()
	<-c.done
	if err := c.cg.Close(); err != nil {
		c.logger.Warn("Closing consumer group", zap.String("group", c.group), zap.Error(err))
	}
	<-c.logged // nothing of this group is logged once stop returned
	_ = c.client.Close()
	c.joined.Store(false)
	c.metrics.forget(c.group)
}

func (c *consumer) subscription() *subscription { return c.sub.Load() }

// sessionEnd ends one session of the group early, so that the group rejoins.
type sessionEnd struct {
	// partitions is how many the topic had, as this member saw it, when the session began.
	partitions int
	done       chan struct{}
	once       sync.Once
}

func (s *sessionEnd) end() { s.once.Do(func() { close(s.done) }) }

// beginSession records, when a session begins, how many partitions it was
// given out from: Consume refreshed the metadata just before.
func (c *consumer) beginSession() {
	partitions, _ := c.client.Partitions(c.key.topic)
	c.session.Store(&sessionEnd{partitions: len(partitions), done: make(chan struct{})})
}

// expectPartitions makes the group take up the partitions of a topic grown to
// n, which the channel's spec asks for. The controller grows the topic after
// the spec changed, so this waits, in the background and bounded, until the
// group's metadata shows n partitions, then ends the sessions that began with
// fewer: the group rebalances over all of them rather than at Sarama's
// periodic metadata check (Metadata.RefreshFrequency), which stays the
// fallback.
func (c *consumer) expectPartitions(n int32) {
	if n <= c.partitions {
		return
	}
	c.partitions = n
	go c.rejoinWhenGrown(int(n))
}

func (c *consumer) rejoinWhenGrown(n int) {
	err := client.WaitForPartitions(c.ctx, c.client, c.key.topic, n)
	if err == nil {
		// Ending a session makes every member rejoin, even one that claimed no partition.
		err = wait.PollUntilContextTimeout(c.ctx, rejoinPollInterval, client.GrowthTimeout, true, func(context.Context) (bool, error) {
			s := c.session.Load()
			if s != nil && s.partitions < n {
				s.end()
			}
			return s != nil && s.partitions >= n, nil
		})
	}
	if err != nil && c.ctx.Err() == nil {
		c.logger.Warn("The consumer group did not take up the topic's new partitions in time; Sarama's periodic metadata check will",
			zap.String("group", c.group), zap.String("topic", c.key.topic), zap.Int("partitions", n), zap.Error(err))
	}
}

// consumerConfig adapts the shared Sarama config to this package's contract,
// with the group's buffers sized to the dispatcher's memory (see doc.go).
func consumerConfig(base *sarama.Config, b buffers) *sarama.Config {
	cfg := *base
	b.apply(&cfg)
	cfg.Consumer.Return.Errors = true
	// A group's client caches the metadata of its topic only, not of every
	// topic of the cluster (Sarama's default): a dispatcher pool runs a client
	// per consumer group, and full metadata made its memory and refreshes grow
	// with groups x topics (500 groups over 250 topics: 247 KiB of live heap
	// per group, 71 KiB without).
	cfg.Metadata.Full = false
	// Setup commits a starting offset for every partition that has none (a
	// new subscriber's at the tail, see doc.go), so Sarama applies Initial only
	// where a committed offset is out of range (ResetInvalidOffsets), mostly
	// below the log start: retention deleted records the subscriber has not
	// had yet. The oldest retained offset skips no more than retention did
	// (ConsumeClaim says so); the newest would skip everything retained.
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Group.ResetInvalidOffsets = true
	cfg.Consumer.Offsets.AutoCommit.Enable = true
	cfg.Consumer.Offsets.AutoCommit.Interval = commitInterval
	if len(cfg.Consumer.Group.Rebalance.GroupStrategies) == 0 {
		cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
	}
	return &cfg
}
