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
	at          time.Time
}

// Fresh tells whether the topic was ensured with this spec, under settings
// of this fingerprint, less than Interval ago.
func (e *EnsuredTopics) Fresh(topic, fingerprint string, spec TopicSpec) bool {
	if e == nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.topics[topic]
	return ok && t.spec == spec && t.fingerprint == fingerprint && e.now().Sub(t.at) < e.Interval
}

// Record remembers that EnsureTopic succeeded.
func (e *EnsuredTopics) Record(topic, fingerprint string, spec TopicSpec) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.topics == nil {
		e.topics = map[string]ensuredTopic{}
	}
	e.topics[topic] = ensuredTopic{spec: spec, fingerprint: fingerprint, at: e.now()}
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
