//go:build e2e

package conformance

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// be addressable (a generic Channel backed by a KafkaChannel goes Ready)
func TestMust_ChannelGoesReadyAddressable(t *testing.T) {
	rule(t, must, "be addressable")
	ctx := context.Background()
	ns := env.Namespace(t, dnsName(t))
	// Eventing's webhook, which would default the template, does not run in the dev environment.
	ch := &messagingv1.Channel{
		ObjectMeta: metav1.ObjectMeta{Name: "generic", Namespace: ns},
		Spec: messagingv1.ChannelSpec{ChannelTemplate: &messagingv1.ChannelTemplateSpec{
			TypeMeta: metav1.TypeMeta{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel"},
			Spec:     &runtime.RawExtension{Raw: []byte(`{"numPartitions":1}`)},
		}},
	}
	channels := env.Eventing(t).MessagingV1().Channels(ns)
	if _, err := channels.Create(ctx, ch, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := framework.Poll(2*time.Minute, func() (bool, error) {
		var err error
		ch, err = channels.Get(ctx, "generic", metav1.GetOptions{})
		return err == nil && ch.Status.IsReady(), nil
	})
	if err != nil {
		t.Fatalf("Channel backed by KafkaChannel not Ready: %v; status %+v", err, ch.Status)
	}
	if ch.Status.Address == nil || ch.Status.Address.URL == nil {
		t.Fatalf("Ready Channel not addressable: %+v", ch.Status.AddressStatus)
	}
	t.Logf("Channel %s/generic address %s (backing channel %v)", ns, ch.Status.Address.URL, ch.Status.Channel)
}

// be addressable (the KafkaChannel itself goes Ready)
func TestMust_ChannelImplGoesReadyAddressable(t *testing.T) {
	rule(t, must, "be addressable")
	kc := newChannel(t, v1beta1.KafkaChannelSpec{})
	if kc.Status.Address == nil || kc.Status.Address.URL == nil {
		t.Fatalf("Ready KafkaChannel not addressable: %+v", kc.Status.AddressStatus)
	}
	t.Logf("KafkaChannel address %s", kc.Status.Address.URL)
}
