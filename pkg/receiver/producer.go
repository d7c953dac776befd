package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/eapache/go-resiliency/breaker"
	"go.uber.org/zap"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

const (
	// recordHeadroom is what a record may carry beyond an event body of the
	// maximum size: ce_* headers, key and framing.
	recordHeadroom = config.RecordHeadroom
	// DefaultProduceTimeout bounds how long a request waits for Kafka's ack.
	// Sarama's own retries can take minutes when brokers hang; the sender is
	// better served by a 503 it can retry.
	DefaultProduceTimeout = 30 * time.Second
	minRetry, maxRetry    = 500 * time.Millisecond, 30 * time.Second
	// outageRetry is how often a producer that lost Kafka tries to reach it
	// again; each try also waits out Sarama's metadata retries.
	outageRetry = 250 * time.Millisecond
)

var (
	// errNotConnected: no producer could be built from the current configuration yet.
	errNotConnected = errors.New("not connected to Kafka yet")
	// errProduceTimeout: Kafka did not answer within the produce timeout; the
	// record may still be written, which at-least-once delivery allows.
	errProduceTimeout = errors.New("timed out waiting for Kafka to acknowledge the record")
	// errRecordTooLarge: the record would exceed the producer's and the topic's size limit.
	errRecordTooLarge = errors.New("record larger than the maximum message size")
	// errKafkaLost: the producer failed to write a record and waits for Kafka
	// to answer again before it takes new ones.
	errKafkaLost = errors.New("Kafka unreachable; reconnecting")
)

// Producer writes records to Kafka with an idempotent, acks=all SyncProducer
// built from the Kafka Secret and config-kafka. When either changes, it builds
// a new SyncProducer behind running traffic: new requests use the new one, and
// the old one is closed once the requests still using it are answered.
type Producer struct {
	watcher *client.Watcher
	logger  *zap.Logger
	timeout time.Duration

	changed chan struct{}
	// growing holds the topics FollowGrowth waits for.
	growing sync.Map
	// maxEventBytes is config-kafka's max.event.bytes, read on every request.
	maxEventBytes atomic.Int64

	mu      sync.RWMutex
	current *generation
	lastErr error
}

// generation is one SyncProducer and the requests that still use it.
type generation struct {
	// client is the producer's, whose metadata says which partitions records go to.
	client         sarama.Client
	producer       sarama.SyncProducer
	fingerprint    string
	maxRecordBytes int
	inflight       sync.WaitGroup
	// lost is closed once a record failed because Kafka was out of reach
	// (unreachable), after Sarama's own retries. A lost
	// generation answers every request at once and is replaced as soon as a
	// new producer can connect. Not waiting in it also steps around Sarama's
	// per-partition circuit breaker, which would refuse records for a fixed
	// 10 s after Kafka is back.
	lost     chan struct{}
	loseOnce sync.Once
}

func (g *generation) lose() (first bool) {
	g.loseOnce.Do(func() { close(g.lost); first = true })
	return first
}

func (g *generation) isLost() bool {
	select {
	case <-g.lost:
		return true
	default:
		return false
	}
}

// NewProducer returns a Producer that follows watcher; Run connects it.
func NewProducer(watcher *client.Watcher, logger *zap.Logger, timeout time.Duration) *Producer {
	if timeout <= 0 {
		timeout = DefaultProduceTimeout
	}
	p := &Producer{watcher: watcher, logger: logger, timeout: timeout, changed: make(chan struct{}, 1)}
	p.maxEventBytes.Store(config.DefaultMaxEventBytes)
	watcher.OnChange(func(client.Snapshot) { p.notify() })
	return p
}

func (p *Producer) notify() {
	select {
	case p.changed <- struct{}{}:
	default: // a sync is already pending; it reads the latest configuration
	}
}

// Run keeps the SyncProducer in line with the configuration until ctx is done,
// retrying with backoff while Kafka cannot be reached, then closes it.
func (p *Producer) Run(ctx context.Context) {
	backoff := minRetry
	for {
		var retry <-chan time.Time
		err := p.sync()
		switch gen := p.generation(); {
		case err != nil && gen != nil && gen.isLost():
			// Kafka was there a moment ago: try often, so that requests
			// are taken again soon after it returns.
			p.logger.Debug("Kafka still unreachable; retrying", zap.Error(err))
			retry = time.After(outageRetry)
		case err != nil:
			p.logger.Warn("Cannot build the Kafka producer; retrying", zap.Error(err), zap.Duration("backoff", backoff))
			retry = time.After(backoff)
			backoff = min(2*backoff, maxRetry)
		default:
			backoff = minRetry
		}
		select {
		case <-ctx.Done():
			p.close()
			return
		case <-p.changed:
		case <-retry:
		}
	}
}

// sync builds a new SyncProducer when the configuration changed. On a bad
// configuration it keeps the producer it has: serving with the last good
// settings beats failing every request.
func (p *Producer) sync() error {
	snap := p.watcher.Current()
	if snap.Kafka != nil {
		p.maxEventBytes.Store(snap.Kafka.MaxEventBytes)
	}
	if snap.Err != nil {
		p.setErr(snap.Err)
		return snap.Err
	}
	maxEvent := p.maxEventBytes.Load()
	maxRecord := maxRecordBytes(maxEvent)
	fingerprint := fmt.Sprintf("%s/%d", snap.Settings.Fingerprint, maxRecord)
	if cur := p.generation(); cur != nil && cur.fingerprint == fingerprint && !cur.isLost() {
		return nil
	}
	cl, sp, err := newSyncProducer(snap.Settings.Brokers, ProducerConfig(snap.Settings.Sarama, maxEvent))
	if err != nil {
		err = fmt.Errorf("connecting to Kafka at %v: %w", snap.Settings.Brokers, err)
		p.setErr(err)
		return err
	}
	p.swap(&generation{client: cl, producer: sp, fingerprint: fingerprint, maxRecordBytes: maxRecord, lost: make(chan struct{})})
	p.logger.Info("Kafka producer ready", zap.Strings("brokers", snap.Settings.Brokers))
	return nil
}

// newSyncProducer builds a SyncProducer on a client of its own, which
// FollowGrowth refreshes; closing the producer leaves the client to close.
func newSyncProducer(brokers []string, cfg *sarama.Config) (sarama.Client, sarama.SyncProducer, error) {
	cl, err := sarama.NewClient(brokers, cfg)
	if err != nil {
		return nil, nil, err
	}
	sp, err := sarama.NewSyncProducerFromClient(cl)
	if err != nil {
		_ = cl.Close()
		return nil, nil, err
	}
	return cl, sp, nil
}

// FollowGrowth makes records go to the new partitions of a channel whose
// spec.numPartitions grew as soon as the topic has them: Sarama spreads
// records over the partitions of its cached metadata, which it refreshes only
// every Metadata.RefreshFrequency (10 minutes by default). It is the handler
// of the KafkaChannel informer's updates.
func (p *Producer) FollowGrowth(obj any) {
	kc, ok := obj.(*v1beta1.KafkaChannel)
	gen := p.generation()
	if !ok || gen == nil || kc.Status.TopicName == "" {
		return
	}
	topic, n := kc.Status.TopicName, int(kc.Spec.NumPartitions)
	if partitions, err := gen.client.Partitions(topic); err == nil && len(partitions) >= n {
		return
	}
	// Status updates come often while the topic grows: one wait per topic at a time.
	if _, waiting := p.growing.LoadOrStore(topic, true); waiting {
		return
	}
	go func() {
		defer p.growing.Delete(topic)
		err := client.WaitForPartitions(context.Background(), gen.client, topic, n)
		if err != nil && !errors.Is(err, sarama.ErrClosedClient) {
			p.logger.Warn("The topic did not show the channel's new partitions in time; the producer takes them up at its periodic metadata refresh",
				zap.String("topic", topic), zap.Int("partitions", n), zap.Error(err))
		}
	}()
}

// ProducerConfig adjusts a copy of the shared Sarama configuration for the
// guarantee the receiver gives: 202 means acked by all in-sync replicas,
// written once even when Sarama retries. It is exported so that a benchmark's
// baseline producer is configured exactly as the receiver's.
func ProducerConfig(base *sarama.Config, maxEventBytes int64) *sarama.Config {
	cfg := *base
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1 // required by idempotence: keeps sequence numbers in order
	if cfg.Producer.Retry.Max < 1 {
		cfg.Producer.Retry.Max = 1
	}
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.MaxMessageBytes = maxRecordBytes(maxEventBytes)
	// Same key, same partition; no key: a random partition, which spreads evenly.
	cfg.Producer.Partitioner = sarama.NewHashPartitioner
	// Topics are the controller's: a record for a missing topic must fail,
	// not create a topic with broker defaults.
	cfg.Metadata.AllowAutoTopicCreation = false
	if !cfg.Version.IsAtLeast(sarama.V0_11_0_0) {
		cfg.Version = sarama.V0_11_0_0 // idempotence and record headers need it
	}
	return &cfg
}

// maxRecordBytes is the largest record accepted for an event body of up to
// maxEvent bytes, kept below Sarama's hard request limit.
func maxRecordBytes(maxEvent int64) int {
	return int(min(maxEvent+recordHeadroom, int64(sarama.MaxRequestSize)-1))
}

// MaxEventBytes is config-kafka's max.event.bytes as currently in force.
func (p *Producer) MaxEventBytes() int64 {
	return p.maxEventBytes.Load()
}

// Ready is nil once a producer reached Kafka with the configuration in force.
func (p *Producer) Ready() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.current != nil {
		return nil
	}
	if p.lastErr != nil {
		return p.lastErr
	}
	return errNotConnected
}

// Send writes msg and returns once Kafka acknowledged it, or with the reason
// it did not. done is called once Sarama no longer holds msg: at once when it
// was not sent, else once SendMessage returned, which may be long after Send
// returned errProduceTimeout.
func (p *Producer) Send(msg *sarama.ProducerMessage, done func()) (partition int32, offset int64, err error) {
	gen := p.acquire()
	if gen == nil {
		done()
		return -1, -1, fmt.Errorf("%w: %w", errNotConnected, p.Ready())
	}
	if size := msg.ByteSize(2); size > gen.maxRecordBytes {
		gen.inflight.Done()
		done()
		return -1, -1, fmt.Errorf("%w: %d > %d bytes", errRecordTooLarge, size, gen.maxRecordBytes)
	}
	if gen.isLost() {
		gen.inflight.Done()
		done()
		return -1, -1, p.lostErr()
	}
	type result struct {
		partition int32
		offset    int64
		err       error
	}
	// Buffered, so that a send that outlives the timeout does not leak its goroutine.
	sent := make(chan result, 1)
	go func() {
		partition, offset, err := sendIdempotent(gen.producer, msg)
		gen.inflight.Done()
		done() // before the answer, so that the sender's next request finds the slot free
		sent <- result{partition, offset, err}
	}()
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case r := <-sent:
		if r.err != nil && unreachable(r.err) {
			p.lose(gen, r.err)
		}
		return r.partition, r.offset, r.err
	case <-gen.lost:
		return -1, -1, p.lostErr()
	case <-timer.C:
		return -1, -1, errProduceTimeout
	}
}

// sendIdempotent sends msg, and once more when the broker refused it for the
// idempotent producer's sequence rather than for the record: a topic deleted
// and created again under the same name (a channel recreated) expects a new
// sequence where the producer continued the old one, and a broker that lost
// the producer's state knows no sequence. Neither stored the record; after
// the failure Sarama moves to a new epoch whose sequences start again, so the
// second send is stored.
func sendIdempotent(producer sarama.SyncProducer, msg *sarama.ProducerMessage) (int32, int64, error) {
	partition, offset, err := producer.SendMessage(msg)
	if errors.Is(err, sarama.ErrOutOfOrderSequenceNumber) || errors.Is(err, sarama.ErrUnknownProducerID) {
		partition, offset, err = producer.SendMessage(msg)
	}
	return partition, offset, err
}

// unreachable tells whether a record failed because Kafka could not be
// reached at all, after Sarama's own retries: then no other record would get
// through either. An error of one topic or partition (deleted, not
// authorised, not enough in-sync replicas) fails its own records only, so
// that one channel in trouble never stops another.
func unreachable(err error) bool {
	var netErr net.Error
	return errors.Is(err, sarama.ErrOutOfBrokers) || errors.Is(err, sarama.ErrNotConnected) ||
		errors.Is(err, breaker.ErrBreakerOpen) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &netErr)
}

// lose marks gen lost after err and has Run replace it.
func (p *Producer) lose(gen *generation, err error) {
	if gen.lose() {
		p.logger.Warn("Kafka did not store a record; answering 503 until a new producer reaches it", zap.Error(err))
		p.setErr(err)
		p.notify()
	}
}

func (p *Producer) lostErr() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.lastErr == nil { // lose records it just after other requests see the generation lost
		return errKafkaLost
	}
	return fmt.Errorf("%w: %w", errKafkaLost, p.lastErr)
}

// acquire returns the current generation with one more request counted in, or nil.
func (p *Producer) acquire() *generation {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.current != nil {
		// Counted under the read lock: once swap replaced a generation,
		// no request can join it, so its WaitGroup only goes down.
		p.current.inflight.Add(1)
	}
	return p.current
}

func (p *Producer) generation() *generation {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.current
}

func (p *Producer) setErr(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = err
}

func (p *Producer) swap(next *generation) {
	p.mu.Lock()
	old := p.current
	p.current, p.lastErr = next, nil
	p.mu.Unlock()
	if old != nil {
		go p.retire(old)
	}
}

// close stops taking requests and closes the producer once they are answered.
func (p *Producer) close() {
	p.mu.Lock()
	old := p.current
	p.current, p.lastErr = nil, errors.New("shutting down")
	p.mu.Unlock()
	if old != nil {
		p.retire(old)
	}
}

func (p *Producer) retire(gen *generation) {
	gen.inflight.Wait()
	if err := gen.producer.Close(); err != nil {
		p.logger.Warn("Closing a replaced Kafka producer", zap.Error(err))
	}
	_ = gen.client.Close()
}
