package telemetry

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Counters are the cumulative counts of series, by key, that an observable
// counter's callback reports (Observe). The SDK keeps every series a
// synchronous counter ever recorded for the life of the process, past its
// per-instrument cardinality limit, after which new series merge into one
// overflow series; a series deleted here is simply no longer reported. The
// zero value is ready to use.
type Counters[K comparable] struct {
	mu     sync.RWMutex
	series map[K]*count
}

type count struct {
	attrs metric.ObserveOption
	n     atomic.Int64
}

// Add adds n to key's series, made with the attributes of build the first
// time: adding 0 makes the series reported from 0.
func (c *Counters[K]) Add(key K, n int64, build func() attribute.Set) {
	c.mu.RLock()
	s, ok := c.series[key]
	c.mu.RUnlock()
	if !ok {
		s = c.make(key, build)
	}
	s.n.Add(n)
}

func (c *Counters[K]) make(key K, build func() attribute.Set) *count {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.series[key]; ok {
		return s
	}
	if c.series == nil {
		c.series = make(map[K]*count)
	}
	s := &count{attrs: metric.WithAttributeSet(build())}
	c.series[key] = s
	return s
}

// DeleteFunc stops reporting the series whose key matches.
func (c *Counters[K]) DeleteFunc(match func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.series {
		if match(k) {
			delete(c.series, k)
		}
	}
}

// Observe reports every series to o as instrument's.
func (c *Counters[K]) Observe(o metric.Observer, instrument metric.Int64Observable) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.series {
		o.ObserveInt64(instrument, s.n.Load(), s.attrs)
	}
}
