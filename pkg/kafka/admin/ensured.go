package admin

import (
	"sync"
	"time"
)

// TopicRecheckInterval is how long the controller trusts that a topic it
// ensured is still as it left it: after that, a reconcile asks Kafka again, so
// that a topic deleted or shrunk behind its back is put right.
const TopicRecheckInterval = 10 * time.Minute

// EnsuredTopics remembers the topics EnsureTopic succeeded for, with which
// spec and under which Kafka settings, so that a reconcile where nothing
// changed asks Kafka nothing: a controller with thousands of channels
// re-reconciles them all on a shared change. The zero value remembers
// nothing; a nil *EnsuredTopics too.
type EnsuredTopics struct {
	// Interval bounds how long an entry is trusted.
	Interval time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu     sync.Mutex
	topics map[string]ensuredTopic
}

type ensuredTopic struct {
	spec        TopicSpec
	fingerprint string
	created     bool
	at          time.Time
}

// Fresh tells whether the topic was ensured with this spec, under settings
// of this fingerprint, less than Interval ago, and whether its channel had
// created it: a reconcile that starts from a cache not yet showing that must
// not write that the channel adopted it.
func (e *EnsuredTopics) Fresh(topic, fingerprint string, spec TopicSpec) (fresh, created bool) {
	if e == nil {
		return false, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.topics[topic]
	if !ok || t.spec != spec || t.fingerprint != fingerprint || e.now().Sub(t.at) >= e.Interval {
		return false, false
	}
	return true, t.created
}

// Record remembers that EnsureTopic succeeded, and whether the topic's
// channel created it.
func (e *EnsuredTopics) Record(topic, fingerprint string, spec TopicSpec, created bool) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.topics == nil {
		e.topics = map[string]ensuredTopic{}
	}
	e.topics[topic] = ensuredTopic{spec: spec, fingerprint: fingerprint, created: created, at: e.now()}
}

// Forget drops a topic: it failed, or it is being deleted.
func (e *EnsuredTopics) Forget(topic string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.topics, topic)
}

func (e *EnsuredTopics) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}
