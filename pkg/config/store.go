package config

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/configmap"
)

type kafkaKey struct{}

// ToContext attaches a config-kafka snapshot to ctx.
func ToContext(ctx context.Context, k *Kafka) context.Context {
	return context.WithValue(ctx, kafkaKey{}, k)
}

// FromContext returns the snapshot attached to ctx, or nil.
func FromContext(ctx context.Context) *Kafka {
	k, _ := ctx.Value(kafkaKey{}).(*Kafka)
	return k
}

// FromContextOrDefaults returns the snapshot attached to ctx, or the built-in defaults.
func FromContextOrDefaults(ctx context.Context) *Kafka {
	if k := FromContext(ctx); k != nil {
		return k
	}
	return Default()
}

// Store keeps the latest valid config-kafka. An invalid update keeps the
// previous value (the built-in defaults before any valid one), is logged, and
// is reported by Err until a valid update replaces it, so that a component
// never stops on a bad config-kafka and the controller can show why.
type Store struct {
	*configmap.UntypedStore
	logger   configmap.Logger
	onChange []func(name string, value interface{})

	mu  sync.Mutex
	err error
}

// NewStore creates a Store that calls onChange after each update, valid or
// not, with the value in force.
func NewStore(logger configmap.Logger, onChange ...func(name string, value interface{})) *Store {
	return &Store{
		UntypedStore: configmap.NewUntypedStore(
			"kafka", logger,
			configmap.Constructors{ConfigMapName: NewKafkaFromConfigMap},
			onChange...,
		),
		logger:   logger,
		onChange: onChange,
	}
}

// WatchConfigs follows config-kafka through the Store's own OnConfigChanged.
func (s *Store) WatchConfigs(w configmap.Watcher) {
	w.Watch(ConfigMapName, s.OnConfigChanged)
}

// OnConfigChanged stores a valid config-kafka and records an invalid one.
// UntypedStore never sees an invalid one: before any valid value it would
// end the process (Fatalf).
func (s *Store) OnConfigChanged(cm *corev1.ConfigMap) {
	if _, err := NewKafkaFromConfigMap(cm); err != nil {
		s.setErr(err)
		s.logger.Errorf("Refused %s, keeping the last valid one (the built-in defaults if none was): %v", ConfigMapName, err)
		for _, f := range s.onChange {
			f(ConfigMapName, s.Load())
		}
		return
	}
	s.setErr(nil)
	s.UntypedStore.OnConfigChanged(cm)
}

// Err tells why the latest config-kafka was refused; nil when it is in force.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Store) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// ToContext attaches the current snapshot to ctx.
func (s *Store) ToContext(ctx context.Context) context.Context {
	return ToContext(ctx, s.Load())
}

// Load returns the current snapshot, or the built-in defaults before the first load.
func (s *Store) Load() *Kafka {
	if k, ok := s.UntypedLoad(ConfigMapName).(*Kafka); ok && k != nil {
		return k
	}
	return Default()
}
