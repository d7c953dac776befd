package framework

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/eventing/pkg/apis/feature"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"

	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// EnableOIDC turns eventing's authentication-oidc feature on until the test ends.
func (e *Env) EnableOIDC(t testing.TB) {
	t.Helper()
	e.setFeature(t, feature.OIDCAuthentication, string(feature.Enabled))
}

// WaitOIDCChannel waits until the controller published the channel's audience
// and the receiver refuses an event without a token, and returns the audience.
func (e *Env) WaitOIDCChannel(t testing.TB, namespace, name string) string {
	t.Helper()
	var audience string
	err := poll(2*time.Minute, func() (bool, error) {
		kc, err := e.Kafka.MessagingV1beta1().KafkaChannels(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil || !kc.IsReady() || kc.Status.Address == nil || kc.Status.Address.Audience == nil {
			return false, nil
		}
		audience = *kc.Status.Address.Audience
		code, err := Send(context.Background(), e.MustReceiverURL(t), namespace, name, NewEvent("probe", "e2e.oidc.probe", nil), nil)
		return err == nil && code == http.StatusUnauthorized, nil
	})
	if err != nil {
		t.Fatalf("KafkaChannel %s/%s: no audience published or tokens not required: %v", namespace, name, err)
	}
	return audience
}

// setFeature sets one key of eventing's config-features and restores it when the test ends.
func (e *Env) setFeature(t testing.TB, key, value string) {
	t.Helper()
	ctx := context.Background()
	cms := e.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace)
	update := func(v string, set bool) error {
		cm, err := cms.Get(ctx, feature.FlagsConfigName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		if set {
			cm.Data[key] = v
		} else {
			delete(cm.Data, key)
		}
		_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	}
	cm, err := cms.Get(ctx, feature.FlagsConfigName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading %s: %v", feature.FlagsConfigName, err)
	}
	old, had := cm.Data[key]
	if err := update(value, true); err != nil {
		t.Fatalf("setting %s in %s: %v", key, feature.FlagsConfigName, err)
	}
	t.Cleanup(func() {
		if err := update(old, had); err != nil {
			t.Errorf("restoring %s in %s: %v", key, feature.FlagsConfigName, err)
		}
	})
}

// SendAs sends an event to a channel through the receiver with a bearer token.
func (e *Env) SendAs(t testing.TB, token, namespace, channel string, ev cloudevents.Event) (int, error) {
	t.Helper()
	return Send(context.Background(), e.MustReceiverURL(t), namespace, channel, ev, http.Header{"Authorization": {"Bearer " + token}})
}

// ServiceAccount creates a ServiceAccount and returns a token of it for audience.
func (e *Env) ServiceAccount(t testing.TB, namespace, name, audience string) string {
	t.Helper()
	ctx := context.Background()
	_, err := e.Kube.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating ServiceAccount %s/%s: %v", namespace, name, err)
	}
	token, err := e.ServiceAccountToken(ctx, namespace, name, audience)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TokenReviewer checks tokens as a Kubernetes workload would: the API server's
// TokenReview, for one audience. It returns the token's user name.
func (e *Env) TokenReviewer(audience string) func(token string) (string, error) {
	return func(token string) (string, error) {
		tr, err := e.Kube.AuthenticationV1().TokenReviews().Create(context.Background(), &authenticationv1.TokenReview{
			Spec: authenticationv1.TokenReviewSpec{Token: token, Audiences: []string{audience}},
		}, metav1.CreateOptions{})
		if err != nil {
			return "", err
		}
		if !tr.Status.Authenticated {
			return "", fmt.Errorf("token not valid for audience %s: %s", audience, tr.Status.Error)
		}
		return tr.Status.User.Username, nil
	}
}

// SubscribeOIDCSink subscribes a sink that accepts only tokens for audience
// (checked by TokenReview) to a channel, and returns it with the user the
// Subscription's OIDC identity is, the one the dispatcher must send as.
func (e *Env) SubscribeOIDCSink(t testing.TB, namespace, name, channel, audience string) (*Sink, string) {
	t.Helper()
	sink := NewSink(t)
	sink.Authenticate = e.TokenReviewer(audience)
	e.StartSubscription(t, namespace, name, channel, SubscriptionOptions{Subscriber: sink.URL, SubscriberAudience: audience})
	// Eventing's controller may reconcile the Subscription before it sees
	// authentication-oidc turned on; its change re-reconciles every Subscription.
	var sub *messagingv1.Subscription
	err := poll(2*time.Minute, func() (bool, error) {
		sub = e.WaitSubscriptionReady(t, namespace, name)
		return sub.Status.Auth != nil && sub.Status.Auth.ServiceAccountName != nil, nil
	})
	if err != nil {
		t.Fatalf("Subscription %s/%s has no OIDC identity: %+v", namespace, name, sub.Status.Auth)
	}
	return sink, "system:serviceaccount:" + namespace + ":" + *sub.Status.Auth.ServiceAccountName
}
