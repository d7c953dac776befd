//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/eventing/pkg/apis/eventing"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

const kafkaChannelTemplate = `apiVersion: messaging.knative.dev/v1beta1
kind: KafkaChannel
spec:
  numPartitions: 2
`

// With config-br-default-channel naming KafkaChannel, a Broker's channel is a
// KafkaChannel, and it goes Ready.
func TestBrokerDefaultChannelIsKafkaChannel(t *testing.T) {
	ctx := context.Background()
	cms := env.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace)
	cm, err := cms.Get(ctx, "config-br-default-channel", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	original := cm.DeepCopy()
	cm.Data = map[string]string{"channel-template-spec": kafkaChannelTemplate}
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		restored, err := cms.Get(context.Background(), original.Name, metav1.GetOptions{})
		if err == nil {
			restored.Data = original.Data
			_, _ = cms.Update(context.Background(), restored, metav1.UpdateOptions{})
		}
	})

	ns := env.Namespace(t, "e2e-broker")
	broker := &eventingv1.Broker{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns, Annotations: map[string]string{
			eventing.BrokerClassKey: eventing.MTChannelBrokerClassValue,
		}},
		// What Eventing's webhook defaults from config-br-defaults; that webhook does not run here.
		Spec: eventingv1.BrokerSpec{Config: &duckv1.KReference{
			APIVersion: "v1", Kind: "ConfigMap", Namespace: devenv.SystemNamespace, Name: "config-br-default-channel",
		}},
	}
	if _, err := env.Eventing(t).EventingV1().Brokers(ns).Create(ctx, broker, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Should the Broker controller still read the old template (its ConfigMap
	// informer lags), it fails to create an InMemoryChannel, which is not
	// installed here, and retries: the Broker's channel becomes a KafkaChannel.
	var name string
	err = framework.Poll(2*time.Minute, func() (bool, error) {
		list, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) == 0 {
			return false, nil
		}
		kc := list.Items[0]
		name = kc.Name
		return metav1.IsControlledBy(&kc, mustBroker(t, ns)), nil
	})
	if err != nil {
		t.Fatalf("no KafkaChannel owned by the Broker: %v", err)
	}
	kc := env.WaitChannelReady(t, ns, name)
	if kc.Spec.NumPartitions != 2 {
		t.Errorf("Broker's channel has %d partitions, want 2 from the template", kc.Spec.NumPartitions)
	}
	// The Broker reports its channel's readiness (its ingress and filter do not
	// run here), once its controller saw the channel's address: a reconcile later.
	var c *apis.Condition
	if err := framework.Poll(time.Minute, func() (bool, error) {
		c = mustBroker(t, ns).Status.GetCondition(eventingv1.BrokerConditionTriggerChannel)
		return c != nil && c.Status == corev1.ConditionTrue, nil
	}); err != nil {
		t.Errorf("Broker condition TriggerChannelReady = %+v, want True: %v", c, err)
	}
}

func mustBroker(t *testing.T, ns string) *eventingv1.Broker {
	t.Helper()
	b, err := env.Eventing(t).EventingV1().Brokers(ns).Get(context.Background(), "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
