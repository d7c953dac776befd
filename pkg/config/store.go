package config

import (
	"context"

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

// Store keeps the latest valid config-kafka; an invalid update keeps the previous value.
type Store struct {
	*configmap.UntypedStore
}

// NewStore creates a Store that calls onAfterStore after each accepted update.
func NewStore(logger configmap.Logger, onAfterStore ...func(name string, value interface{})) *Store {
	return &Store{UntypedStore: configmap.NewUntypedStore(
		"kafka", logger,
		configmap.Constructors{ConfigMapName: NewKafkaFromConfigMap},
		onAfterStore...,
	)}
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
