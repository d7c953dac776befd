package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// handler is the sarama.ConsumerGroupHandler of one subscriber's consumer group.
type handler struct {
	c *consumer
}

var _ sarama.ConsumerGroupHandler = (*handler)(nil)

// Setup commits the starting offset of every claimed partition that has none
// yet, before any claim is consumed: see the readiness contract in doc.go.
func (h *handler) Setup(sess sarama.ConsumerGroupSession) error {
	h.c.beginSession()
	if err := h.c.initializeOffsets(sess); err != nil {
		// Returning the error ends the session; Consume is called again.
		return fmt.Errorf("initialising the offsets of group %s: %w", h.c.group, err)
	}
	h.c.joined.Store(true)
	return nil
}

// Cleanup runs after every ConsumeClaim of the session returned.
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error {
	h.c.joined.Store(false)
	return nil
}

// ConsumeClaim delivers one partition's records, up to inFlight at once, and
// marks each offset once the records up to it are done.
func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	// Setup left every claim a committed offset: Sarama starts a claim at
	// Offsets.Initial, OffsetOldest, only where that offset was out of range.
	if claim.InitialOffset() == sarama.OffsetOldest {
		if err := h.c.resumeOutOfRange(sess, claim); err != nil {
			return err
		}
	}
	p := h.c.newPartition(sess, claim)
	defer p.stop()
	h.c.metrics.initPartition(h.c.group, h.c.attrs, p.id)
	p.watching.Go(p.watchStalls)
	// Returning ends the whole session: that is how the group rejoins early (see expectPartitions).
	end := h.c.session.Load().done
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok || !p.start(msg) {
				return nil
			}
		case <-sess.Context().Done():
			return nil
		case <-end:
			return nil
		}
	}
}

// partition is the state of one claim while its session lasts.
type partition struct {
	c     *consumer
	sess  sarama.ConsumerGroupSession
	claim sarama.ConsumerGroupClaim

	id     int32
	window *window
	// stalled is the offset last reported stalled (see checkStall).
	stalled  int64
	slots    chan struct{} // one token per event in flight
	inFlight sync.WaitGroup
	// watching is the stall watcher, which stop waits for: nothing of a stopped group is recorded.
	watching sync.WaitGroup
	ending   atomic.Bool
	// abortCtx is the parent of every delivery; it is cancelled DrainTimeout
	// after the claim stops, cutting short what is still in flight.
	abortCtx context.Context
	abort    context.CancelFunc
}

func (c *consumer) newPartition(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) *partition {
	// Detached from the session's context, whose end must not cut deliveries short at once.
	ctx, abort := context.WithCancel(context.WithoutCancel(sess.Context()))
	return &partition{
		c: c, sess: sess, claim: claim,
		id:       claim.Partition(),
		window:   newWindow(c.key.window),
		stalled:  -1,
		slots:    make(chan struct{}, c.key.inFlight),
		abortCtx: ctx,
		abort:    abort,
	}
}

// start waits for a free slot and room in the window, and starts delivering
// msg; false means the session ended first. Not reading pauses the partition:
// Sarama stops fetching it once its buffer is full.
func (p *partition) start(msg *sarama.ConsumerMessage) bool {
	select {
	case p.slots <- struct{}{}:
	case <-p.sess.Context().Done():
		return false
	}
	// Added once its delivery can start, so that the window's head age is its delivery's.
	if !p.window.add(p.sess.Context(), msg.Offset, recordBytes(msg)) {
		return false
	}
	p.inFlight.Add(1)
	deliveries.run(func() { p.deliver(msg) })
	return true
}

// recordBytes is what a record weighs in the window: its key, value and headers.
func recordBytes(msg *sarama.ConsumerMessage) int64 {
	n := len(msg.Key) + len(msg.Value)
	for _, h := range msg.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return int64(n)
}

func (p *partition) deliver(msg *sarama.ConsumerMessage) {
	defer p.inFlight.Done()
	defer func() { <-p.slots }()
	r := p.c.sender.send(p.abortCtx, p.c.subscription(), msg, p.ending.Load)
	p.c.metrics.recordDelivery(p.abortCtx, p.c.group, p.c.attrs, r)
	p.log(msg, r)
	if !r.done() {
		return
	}
	if next, ok := p.window.finish(msg.Offset); ok {
		p.sess.MarkOffset(msg.Topic, msg.Partition, next, "")
	}
}

func (p *partition) log(msg *sarama.ConsumerMessage, r result) {
	if r.outcome == outcomeDelivered {
		return
	}
	fields := []zap.Field{zap.String("group", p.c.group), zap.Int32("partition", msg.Partition),
		zap.Int64("offset", msg.Offset), zap.String("outcome", r.outcome), zap.Int("retries", r.retries), zap.Error(r.err)}
	switch r.outcome {
	case outcomeDropped:
		p.c.logger.Error("Event dropped after its retries: no dead-letter sink took it", fields...)
	case outcomeDeadLettered:
		p.c.logger.Warn("Event sent to the dead-letter sink after its retries", fields...)
	default:
		p.c.logger.Info("Delivery cut short by the end of the session; the event will be redelivered", fields...)
	}
}

// stop lets the deliveries in flight end, for at most DrainTimeout, so that a
// rebalance is never held up for longer.
func (p *partition) stop() {
	p.ending.Store(true)
	timer := time.AfterFunc(p.c.opts.DrainTimeout, p.abort)
	p.inFlight.Wait()
	timer.Stop()
	p.abort()
	p.watching.Wait()
}

// tailMetadata marks the offsets committed for a subscriber that starts at the
// tail. They are no sign that the subscriber was initialised before: the
// members of a new group commit theirs one after the other.
const tailMetadata = "knative-kafka:tail"

// What the dispatcher logs, and records as a Kubernetes event on the channel,
// when an initialised subscriber resumes partitions at their oldest offset.
const (
	offsetsResetMessage = "Partitions without a committed offset for an initialised subscriber: delivering them from their oldest offset"
	offsetsResetReason  = "OffsetsResetToOldest"
	// offsetsOutOfRangeMessage: retention deleted records the subscriber had not had yet.
	offsetsOutOfRangeMessage = "Partitions whose committed offset is out of range (retention deleted records the subscriber had not had yet): delivering them from their oldest retained offset"
)

// initializeOffsets commits a starting offset for each claimed partition that
// has none, before anything is consumed: see doc.go.
func (c *consumer) initializeOffsets(sess sarama.ConsumerGroupSession) error {
	missing, err := c.uncommitted(sess.Claims())
	if err != nil {
		return err
	}
	if len(missing) > 0 && c.key.copyFrom != config.OffsetsFromNone {
		if missing, err = c.copyOffsets(sess, missing); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		if err := c.commitStart(sess, missing); err != nil {
			return err
		}
	}
	c.initialized.Store(true)
	return nil
}

// copyOffsets commits, for each partition in missing, the offset that the
// group another KafkaChannel implementation ran for the subscriber committed
// there, so that a migrated subscriber goes on where it stopped; it returns
// the partitions still missing one. Offsets committed for partitions it
// has none of are left to commitStart, which sees the copied ones as progress.
func (c *consumer) copyOffsets(sess sarama.ConsumerGroupSession, missing map[string][]int32) (map[string][]int32, error) {
	from := contract.DistributedConsumerGroup(string(c.subscription().uid))
	old, err := c.committedOffsetsOf(from, missing)
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		// Kafka answers so for a group that never existed, or was deleted.
		return missing, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the offsets of consumer group %s: %w", from, err)
	}
	copied := map[string][]int32{}
	for topic, partitions := range missing {
		for _, p := range partitions {
			if b := old.GetBlock(topic, p); b != nil && b.Offset >= 0 {
				sess.MarkOffset(topic, p, b.Offset, "")
				copied[topic] = append(copied[topic], p)
			}
		}
	}
	if len(copied) == 0 {
		return missing, nil
	}
	sess.Commit()
	if err := c.verifyCommitted(copied); err != nil {
		return nil, err
	}
	c.logger.Info("Copied the committed offsets of another implementation's consumer group", zap.String("group", c.group),
		zap.String("from", from), zap.Any("partitions", copied))
	return c.uncommitted(missing)
}

// commitStart commits the newest offset of each partition for a subscriber
// never initialised, which starts at the tail; for one initialised before,
// the oldest, so that it misses nothing of a partition the topic grew or
// whose offset vanished (expired while the dispatcher was down, or deleted).
func (c *consumer) commitStart(sess sarama.ConsumerGroupSession, missing map[string][]int32) error {
	resume, err := c.wasInitialized()
	if err != nil {
		return err
	}
	start, metadata := sarama.OffsetNewest, tailMetadata
	if resume {
		start, metadata = sarama.OffsetOldest, ""
	}
	for topic, partitions := range missing {
		for _, p := range partitions {
			offset, err := c.client.GetOffset(topic, p, start)
			if err != nil {
				return fmt.Errorf("starting offset of %s/%d: %w", topic, p, err)
			}
			sess.MarkOffset(topic, p, offset, metadata)
		}
	}
	sess.Commit()
	if err := c.verifyCommitted(missing); err != nil {
		return err
	}
	if resume {
		c.reportResumedAtOldest(missing)
	} else {
		c.logger.Info("Initialised the offsets of a new consumer group", zap.String("group", c.group), zap.Any("partitions", missing))
	}
	return nil
}

// wasInitialized tells whether the subscriber's offsets were initialised
// before: the controller reported it ready (it never takes that back), or its
// group made progress on some partition of the topic.
func (c *consumer) wasInitialized() (bool, error) {
	if c.subscription().initialized {
		return true, nil
	}
	partitions, err := c.client.Partitions(c.key.topic)
	if err != nil {
		return false, err
	}
	committed, err := c.committedOffsets(map[string][]int32{c.key.topic: partitions})
	if err != nil {
		return false, err
	}
	for _, p := range partitions {
		if b := committed.GetBlock(c.key.topic, p); b != nil && b.Offset >= 0 && b.Metadata != tailMetadata {
			return true, nil
		}
	}
	return false, nil
}

// reportResumedAtOldest tells the operator, in the log and on the channel,
// that events older than the subscriber's position may be delivered again.
func (c *consumer) reportResumedAtOldest(missing map[string][]int32) {
	c.reportReset(missing, offsetsResetMessage, "has no committed offset on partitions %v of topic %s (the topic grew, or the offsets expired or were deleted)")
}

// resumeOutOfRange commits the oldest offset of a claim that Sarama started
// there because its committed offset was out of range (see consumerConfig),
// and says so: events the subscriber had not had were deleted. Committing it
// at once keeps the partition from being reset, and reported, again at every
// rebalance until an event of it is done.
func (c *consumer) resumeOutOfRange(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	topic, p := claim.Topic(), claim.Partition()
	oldest, err := c.client.GetOffset(topic, p, sarama.OffsetOldest)
	if err != nil {
		return fmt.Errorf("oldest offset of %s/%d: %w", topic, p, err)
	}
	// Mark moves the offset forward (it was below the log start), Reset back
	// (past the log end: the partition was truncated or the topic recreated).
	sess.MarkOffset(topic, p, oldest, "")
	sess.ResetOffset(topic, p, oldest, "")
	c.reportReset(map[string][]int32{topic: {p}}, offsetsOutOfRangeMessage,
		"has a committed offset out of range on partitions %v of topic %s (retention deleted events it had not had yet)")
	return nil
}

// reportReset logs msg and records a warning event on the channel whose
// message is the subscriber and its group followed by why, which formats the
// partitions and their topic.
func (c *consumer) reportReset(partitions map[string][]int32, msg, why string) {
	kc, uid := c.channel, c.subscription().uid
	for topic, ps := range partitions {
		c.logger.Warn(msg, zap.String("channel", kc.Namespace+"/"+kc.Name), zap.String("subscriber", string(uid)),
			zap.String("group", c.group), zap.String("topic", topic), zap.Int32s("partitions", ps))
		if c.opts.Recorder != nil {
			c.opts.Recorder.Event(kc, corev1.EventTypeWarning, offsetsResetReason, fmt.Sprintf("Subscriber %s (consumer group %s) ", uid, c.group)+
				fmt.Sprintf(why, ps, topic)+": delivering them from their oldest offset")
		}
	}
}

// verifyCommitted reads the offsets back: Commit reports its errors only on the
// group's error channel, and the controller must not see a subscriber ready
// before its offsets really are committed.
func (c *consumer) verifyCommitted(claims map[string][]int32) error {
	missing, err := c.uncommitted(claims)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("the starting offsets of partitions %v were not committed", missing)
	}
	return nil
}

// uncommitted are the partitions of claims that have no committed offset.
func (c *consumer) uncommitted(claims map[string][]int32) (map[string][]int32, error) {
	committed, err := c.committedOffsets(claims)
	if err != nil {
		return nil, err
	}
	missing := map[string][]int32{}
	for topic, partitions := range claims {
		for _, p := range partitions {
			if b := committed.GetBlock(topic, p); b == nil || b.Offset < 0 {
				missing[topic] = append(missing[topic], p)
			}
		}
	}
	return missing, nil
}

func (c *consumer) committedOffsets(claims map[string][]int32) (*sarama.OffsetFetchResponse, error) {
	return c.committedOffsetsOf(c.group, claims)
}

func (c *consumer) committedOffsetsOf(group string, claims map[string][]int32) (*sarama.OffsetFetchResponse, error) {
	coordinator, err := c.client.Coordinator(group)
	if err != nil {
		return nil, err
	}
	resp, err := coordinator.FetchOffset(sarama.NewOffsetFetchRequest(c.client.Config().Version, group, claims))
	if err != nil {
		return nil, err
	}
	if gerr := resp.GroupError(); !errors.Is(gerr, sarama.ErrNoError) {
		return nil, gerr
	}
	return resp, nil
}
