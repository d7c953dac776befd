//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	eventingv1alpha1 "knative.dev/eventing/pkg/apis/eventing/v1alpha1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// With Knative OIDC on, the receiver takes only tokens issued for the channel's
// audience by a sender its EventPolicies allow, and the dispatcher
// authenticates to the subscriber as the Subscription's OIDC identity.
func TestOIDC(t *testing.T) {
	ctx := context.Background()
	env.EnableOIDC(t)
	ns := env.Namespace(t, "e2e-oidc")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	audience := env.WaitOIDCChannel(t, ns, "ch")
	if want := "messaging.knative.dev/kafkachannel/" + ns + "/ch"; audience != want {
		t.Errorf("status.address.audience = %q, want %q", audience, want)
	}
	sink, wantUser := env.SubscribeOIDCSink(t, ns, "sub", "ch", "e2e-oidc-sink")

	sender := env.ServiceAccount(t, ns, "sender", audience)
	other := env.ServiceAccount(t, ns, "other", audience)
	wrongAudience, err := env.ServiceAccountToken(ctx, ns, "sender", "not-the-channel")
	if err != nil {
		t.Fatal(err)
	}
	foreign := env.ServiceAccount(t, env.Namespace(t, "e2e-oidc-elsewhere"), "sender", audience)

	expect := func(what, token, id string, want int) {
		t.Helper()
		code, err := env.SendAs(t, token, ns, "ch", framework.NewEvent(id, "e2e.oidc", nil))
		if err != nil || code != want {
			t.Errorf("%s: status %d, err %v; want %d", what, code, err, want)
		}
	}
	expect("token for another audience", wrongAudience, "wrong-audience", http.StatusUnauthorized)
	expect("token from another namespace (default mode allow-same-namespace)", foreign, "foreign", http.StatusForbidden)
	expect("token for the channel's audience", sender, "accepted", http.StatusAccepted)

	got := sink.WaitFor(t, time.Minute, "the accepted event", func(r []framework.Received) bool {
		return slices.ContainsFunc(r, func(r framework.Received) bool { return r.Event.ID() == "accepted" })
	})
	for _, r := range got {
		if r.User != wantUser {
			t.Errorf("subscriber got %s with a token of %q, want the Subscription's identity %q", r.Event.ID(), r.User, wantUser)
		}
		if id := r.Event.ID(); id != "accepted" {
			t.Errorf("subscriber got %s, which the receiver should have refused", id)
		}
	}

	// An EventPolicy for the channel allows only the named sender.
	policy := &eventingv1alpha1.EventPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "only-sender", Namespace: ns},
		Spec: eventingv1alpha1.EventPolicySpec{
			To: []eventingv1alpha1.EventPolicySpecTo{{Ref: &eventingv1alpha1.EventPolicyToReference{
				APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel", Name: "ch",
			}}},
			From: []eventingv1alpha1.EventPolicySpecFrom{{Sub: ptr.To("system:serviceaccount:" + ns + ":sender")}},
		},
	}
	if _, err := env.Eventing(t).EventingV1alpha1().EventPolicies(ns).Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = framework.Poll(time.Minute, func() (bool, error) {
		kc, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).Get(ctx, "ch", metav1.GetOptions{})
		return err == nil && len(kc.Status.Policies) == 1 && kc.Status.Policies[0].Name == "only-sender", nil
	})
	if err != nil {
		t.Fatalf("EventPolicy only-sender never listed in the channel's status.policies: %v", err)
	}
	// The receiver reads the policies from its own informer: give it a moment.
	err = framework.Poll(30*time.Second, func() (bool, error) {
		code, err := env.SendAs(t, other, ns, "ch", framework.NewEvent("other", "e2e.oidc", nil))
		return err == nil && code == http.StatusForbidden, nil
	})
	if err != nil {
		t.Errorf("a sender the EventPolicy does not name is still accepted: %v", err)
	}
	expect("the sender the EventPolicy names", sender, "allowed", http.StatusAccepted)
}
