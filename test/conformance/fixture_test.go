//go:build e2e

package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// subscribed is a Ready KafkaChannel with Ready subscriptions, each to its own
// sink at its own path.
type subscribed struct {
	ns, name string
	sinks    []*framework.Sink
	paths    []string
}

func (c *subscribed) target() target { return target{ns: c.ns, name: c.name} }

// subscriberURI is the URI subscription i was given.
func (c *subscribed) subscriberURI(i int) string { return c.sinks[i].URL + c.paths[i] }

// The channels most data-plane rules share, built once by the first test that
// needs them; they live until the dev environment stops.
var shared struct {
	once  sync.Once
	ready bool
	// main: conformance/ch with one subscriber.
	// multi: conformance/multi with three subscribers.
	// other: conformance-other/ch, same name as main in another namespace.
	main, multi, other *subscribed
}

func sharedChannels(t *testing.T) (main, multi, other *subscribed) {
	t.Helper()
	shared.once.Do(func() {
		shared.main = buildSubscribed(t, "conformance", "ch", 1)
		shared.multi = buildSubscribed(t, "conformance", "multi", 3)
		shared.other = buildSubscribed(t, "conformance-other", "ch", 1)
		shared.ready = true
	})
	if !shared.ready {
		t.Fatal("the shared channels could not be built (see the first test that used them)")
	}
	return shared.main, shared.multi, shared.other
}

// buildSubscribed creates, without test cleanup, a channel and n
// subscriptions in a namespace the binary shares.
func buildSubscribed(t *testing.T, ns, name string, n int) *subscribed {
	t.Helper()
	env.SharedNamespace(t, ns)
	env.CreateChannel(t, ns, name, v1beta1.KafkaChannelSpec{})
	c := &subscribed{ns: ns, name: name}
	for i := 0; i < n; i++ {
		s := newSink(t)
		c.sinks = append(c.sinks, s)
		c.paths = append(c.paths, fmt.Sprintf("/%s-subscriber-%d", name, i))
		env.Subscribe(t, ns, fmt.Sprintf("%s-sub-%d", name, i), name, framework.SubscriptionOptions{Subscriber: c.subscriberURI(i)})
	}
	return c
}
