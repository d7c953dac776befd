package telemetry

import (
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// maxSeries bounds a Series: keys of things gone (a deleted channel) stay
// behind, and a cache started afresh now and then costs a few rebuilds.
const maxSeries = 10000

// Series keeps the attribute set of each series a hot path records, by key:
// building a set copies and sorts its attributes, several allocations per
// event, while the keys of a process's series are few. The zero value is
// ready to use.
type Series[K comparable] struct {
	mu   sync.RWMutex
	sets map[K]metric.MeasurementOption
}

// Get is the measurement option of key's series, made with build the first time.
func (s *Series[K]) Get(key K, build func() attribute.Set) metric.MeasurementOption {
	s.mu.RLock()
	opt, ok := s.sets[key]
	s.mu.RUnlock()
	if ok {
		return opt
	}
	opt = metric.WithAttributeSet(build())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sets == nil || len(s.sets) >= maxSeries {
		s.sets = make(map[K]metric.MeasurementOption)
	}
	s.sets[key] = opt
	return opt
}
