//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// Channel x-y in namespace e2e-names and channel x in namespace y-e2e-names
// once shared a dispatcher Deployment (x-y-e2e-names-kafka-dispatcher): the
// second never became Ready and deleting the first deleted the second's
// dispatcher. Both are Ready now, and deleting one leaves the other delivering.
func TestCollidingChannelsAreIndependent(t *testing.T) {
	nsA := env.Namespace(t, "e2e-names")
	nsB := env.Namespace(t, "y-e2e-names")
	if contract.LegacyDispatcherName(nsA, "x-y") != contract.LegacyDispatcherName(nsB, "x") {
		t.Fatal("the pair no longer collides under the old naming: the test proves nothing")
	}
	env.CreateDedicatedChannel(t, nsA, "x-y", v1beta1.KafkaChannelSpec{})
	env.CreateDedicatedChannel(t, nsB, "x", v1beta1.KafkaChannelSpec{})
	sinkA, sinkB := framework.NewSink(t), framework.NewSink(t)
	env.Subscribe(t, nsA, "sub", "x-y", framework.SubscriptionOptions{Subscriber: sinkA.URL})
	env.Subscribe(t, nsB, "sub", "x", framework.SubscriptionOptions{Subscriber: sinkB.URL})
	send(t, nsA, "x-y", framework.NewEvent("to-a", "e2e.names", nil))
	send(t, nsB, "x", framework.NewEvent("to-b", "e2e.names", nil))
	sinkA.WaitFor(t, time.Minute, "x-y's event", func(r []framework.Received) bool { return len(r) >= 1 })
	sinkB.WaitFor(t, time.Minute, "x's event", func(r []framework.Received) bool { return len(r) >= 1 })

	env.DeleteChannel(t, nsA, "x-y")
	if _, err := env.Kube.AppsV1().Deployments(devenv.SystemNamespace).Get(context.Background(), contract.DispatcherName(nsB, "x"), metav1.GetOptions{}); err != nil {
		t.Fatalf("%s/x's dispatcher is gone with %s/x-y: %v", nsB, nsA, err)
	}
	env.WaitChannelReady(t, nsB, "x")
	send(t, nsB, "x", framework.NewEvent("after", "e2e.names", nil))
	sinkB.WaitFor(t, time.Minute, "x's event sent after x-y was deleted", func(r []framework.Received) bool { return len(r) >= 2 })
}
