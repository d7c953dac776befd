package dispatcher

import (
	"math"
	"time"

	"go.uber.org/zap"
	"knative.dev/eventing/pkg/kncloudevents"
)

// stallCheckInterval is how often a partition compares how long its oldest
// event has been in delivery with the retry cycle of its subscription.
const stallCheckInterval = time.Second

// maxWatchedRetries bounds the work of computing a retry cycle: a delivery
// allowed more retries than this may take so long that it is not watched.
const maxWatchedRetries = 10_000

// never is a retry cycle too long to be watched.
const never = time.Duration(math.MaxInt64)

// watchStalls checks the partition for a stall until it stopped.
func (p *partition) watchStalls() {
	ticker := time.NewTicker(stallCheckInterval)
	defer ticker.Stop()
	for {
		select {
		case <-p.abortCtx.Done():
			return
		case now := <-ticker.C:
			p.checkStall(now)
		}
	}
}

// checkStall warns, once per event, when the partition's oldest event has been
// in delivery for longer than its subscription allows (stallLimit): the
// partition makes no progress and something beyond the subscriber's answers
// holds it. Only the watchStalls goroutine calls it.
func (p *partition) checkStall(now time.Time) {
	offset, since, ok := p.window.head()
	if !ok || offset == p.stalled {
		return
	}
	limit := stallLimit(p.c.subscription())
	age := now.Sub(since)
	if age <= limit {
		return
	}
	p.stalled = offset
	p.c.metrics.recordStall(p.c.group, p.c.attrs, p.id)
	p.c.logger.Warn("Partition stalled: its oldest event has been in delivery for longer than its retry cycle",
		zap.String("channel", p.c.channel.Namespace+"/"+p.c.channel.Name), zap.String("group", p.c.group), zap.Int32("partition", p.id),
		zap.Int64("offset", offset), zap.Duration("age", age), zap.Duration("retryCycle", limit))
}

// stallLimit is the longest one event's delivery may take by its subscription:
// a retry cycle to the subscriber, then one to its reply and one to its
// dead-letter sink, which use the same retry config.
func stallLimit(s *subscription) time.Duration {
	cycle := retryCycle(s.Retry)
	targets := time.Duration(1)
	if s.Reply != nil {
		targets++
	}
	if s.DeadLetter != nil {
		targets++
	}
	if cycle > never/targets {
		return never
	}
	return cycle * targets
}

// retryCycle is the longest a delivery to one target may take: every attempt
// timing out, and the longest wait before each retry (the backoff, or a
// Retry-After up to its maximum).
func retryCycle(rc *kncloudevents.RetryConfig) time.Duration {
	attempts := time.Duration(rc.RetryMax + 1)
	if rc.RequestTimeout <= 0 || rc.RetryMax > maxWatchedRetries || rc.RequestTimeout > never/attempts {
		return never
	}
	total := rc.RequestTimeout * attempts
	for i := range rc.RetryMax { // pkg/delivery numbers the waits from 0, as retryablehttp did
		wait := rc.Backoff(i, nil)
		if rc.RetryAfterMaxDuration != nil {
			wait = max(wait, *rc.RetryAfterMaxDuration)
		}
		if wait < 0 || wait > never-total { // the exponential backoff overflowed
			return never
		}
		total += wait
	}
	return total
}
