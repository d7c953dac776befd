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
)

// handler is the sarama.ConsumerGroupHandler of one subscriber's consumer group.
type handler struct {
	c *consumer
}

var _ sarama.ConsumerGroupHandler = (*handler)(nil)

// Setup commits the starting offset of every claimed partition that has none
// yet, before any claim is consumed: see the readiness contract in doc.go.
func (h *handler) Setup(sess sarama.ConsumerGroupSession) error {
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
	p := h.c.newPartition(sess, claim)
	defer p.stop()
	go p.watchStalls()
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok || !p.start(msg) {
				return nil
			}
		case <-sess.Context().Done():
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
	p.c.metrics.recordLag(p.abortCtx, p.c.attrs, msg.Partition, p.claim.HighWaterMarkOffset()-msg.Offset-1)
	p.inFlight.Add(1)
	go p.deliver(msg)
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
	p.c.metrics.recordDelivery(p.abortCtx, p.c.attrs, r)
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
}

// initializeOffsets commits, for each claimed partition without a committed
// offset, the partition's newest offset.
func (c *consumer) initializeOffsets(sess sarama.ConsumerGroupSession) error {
	claims := sess.Claims()
	committed, err := c.committedOffsets(claims)
	if err != nil {
		return err
	}
	marked := 0
	for topic, partitions := range claims {
		for _, p := range partitions {
			if b := committed.GetBlock(topic, p); b != nil && b.Offset >= 0 {
				continue
			}
			newest, err := c.client.GetOffset(topic, p, sarama.OffsetNewest)
			if err != nil {
				return fmt.Errorf("newest offset of %s/%d: %w", topic, p, err)
			}
			sess.MarkOffset(topic, p, newest, "")
			marked++
		}
	}
	if marked > 0 {
		sess.Commit()
		if err := c.verifyCommitted(claims); err != nil {
			return err
		}
		c.logger.Info("Initialised the offsets of a new consumer group", zap.String("group", c.group), zap.Int("partitions", marked))
	}
	c.initialized.Store(true)
	return nil
}

// verifyCommitted reads the offsets back: Commit reports its errors only on the
// group's error channel, and the controller must not see a subscriber ready
// before its offsets really are committed.
func (c *consumer) verifyCommitted(claims map[string][]int32) error {
	committed, err := c.committedOffsets(claims)
	if err != nil {
		return err
	}
	for topic, partitions := range claims {
		for _, p := range partitions {
			if b := committed.GetBlock(topic, p); b == nil || b.Offset < 0 {
				return fmt.Errorf("the starting offset of %s/%d was not committed", topic, p)
			}
		}
	}
	return nil
}

func (c *consumer) committedOffsets(claims map[string][]int32) (*sarama.OffsetFetchResponse, error) {
	coordinator, err := c.client.Coordinator(c.group)
	if err != nil {
		return nil, err
	}
	resp, err := coordinator.FetchOffset(sarama.NewOffsetFetchRequest(c.client.Config().Version, c.group, claims))
	if err != nil {
		return nil, err
	}
	if gerr := resp.GroupError(); !errors.Is(gerr, sarama.ErrNoError) {
		return nil, gerr
	}
	return resp, nil
}
