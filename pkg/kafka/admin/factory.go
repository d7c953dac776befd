package admin

import (
	"fmt"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// Admin is what the controller needs of a Kafka flavor.
type Admin interface {
	TopicAdmin
	SubscriberProber
	GroupAdmin
	LagReader
}

// New connects the admin of the flavor config-kafka selects.
func New(s *client.Settings, k *config.Kafka) (Admin, error) {
	switch k.Flavor {
	case config.FlavorKafka:
		return NewKafka(s.Brokers, s.Sarama)
	case config.FlavorAzure:
		return NewAzure(s.Brokers, s.Sarama, k.Azure)
	case config.FlavorCustom:
		return NewCustom(k.CustomEndpoint, s.Brokers, s.Sarama)
	}
	return nil, fmt.Errorf("unknown flavor %q, want one of %s, %s, %s", k.Flavor, config.FlavorKafka, config.FlavorAzure, config.FlavorCustom)
}

// Factory makes an Admin; New in production, a fake in table tests.
type Factory func(*client.Settings, *config.Kafka) (Admin, error)

// Cache keeps one connected Admin and replaces it when the Kafka settings change,
// so a rotated Secret takes effect on the next reconcile without a restart.
type Cache struct {
	New Factory

	conns client.Cache[Admin]
}

// Get returns the Admin for these settings, connecting a new one if they changed.
func (c *Cache) Get(s *client.Settings, k *config.Kafka) (Admin, error) {
	return c.conns.Get(s.Fingerprint, func() (Admin, error) { return c.New(s, k) })
}

// Invalidate drops the cached Admin after a failure, so the next Get reconnects.
func (c *Cache) Invalidate() {
	c.conns.Invalidate()
}
