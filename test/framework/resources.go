package framework

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	eventingclient "knative.dev/eventing/pkg/client/clientset/versioned"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// Namespace creates a namespace for one test and deletes it when the test ends.
func (e *Env) Namespace(t testing.TB, name string) string {
	t.Helper()
	e.createNamespace(t, name)
	t.Cleanup(func() { e.deleteNamespace(name) })
	return name
}

// SharedNamespace creates, the first time the binary asks for it, a
// namespace for fixtures several tests share; it is deleted when the binary
// ends, so that a later run against the same node starts clean (see Restore).
func (e *Env) SharedNamespace(t testing.TB, name string) string {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shared[name] {
		return name
	}
	e.createNamespace(t, name)
	if e.shared == nil {
		e.shared = map[string]bool{}
	}
	e.shared[name] = true
	e.restores = append(e.restores, func() { e.deleteNamespace(name) })
	return name
}

// createNamespace creates a namespace, after an earlier run's of the same
// name is gone: a namespace's deletion outlives the test that asked for it.
func (e *Env) createNamespace(t testing.TB, name string) {
	t.Helper()
	namespaces := e.Kube.CoreV1().Namespaces()
	err := poll(2*time.Minute, func() (bool, error) {
		_, err := namespaces.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if !apierrs.IsAlreadyExists(err) {
			return err == nil, err
		}
		old, err := namespaces.Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && old.DeletionTimestamp == nil {
			return false, fmt.Errorf("it exists and is not being deleted")
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("namespace %s: %v", name, err)
	}
}

func (e *Env) deleteNamespace(name string) {
	_ = e.Kube.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
}

// Eventing is a client for Subscriptions, Channels and Brokers.
func (e *Env) Eventing(t testing.TB) eventingclient.Interface {
	t.Helper()
	c, err := eventingclient.NewForConfig(e.AdminConfig)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CreateChannel creates a KafkaChannel on the shared dispatcher pool and waits for it to be Ready.
func (e *Env) CreateChannel(t testing.TB, namespace, name string, spec v1beta1.KafkaChannelSpec) *v1beta1.KafkaChannel {
	t.Helper()
	return e.CreateChannelObject(t, &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Spec: spec})
}

// CreateDedicatedChannel creates a KafkaChannel with a dispatcher Deployment
// of its own and waits for it to be Ready.
func (e *Env) CreateDedicatedChannel(t testing.TB, namespace, name string, spec v1beta1.KafkaChannelSpec) *v1beta1.KafkaChannel {
	t.Helper()
	return e.CreateChannelObject(t, &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace,
		Annotations: map[string]string{v1beta1.DispatcherAnnotation: v1beta1.DedicatedDispatcher}}, Spec: spec})
}

// CreateChannelObject creates kc and waits for it to be Ready.
func (e *Env) CreateChannelObject(t testing.TB, kc *v1beta1.KafkaChannel) *v1beta1.KafkaChannel {
	t.Helper()
	e.StartChannel(t, kc)
	return e.WaitChannelReady(t, kc.Namespace, kc.Name)
}

// StartChannel creates kc without waiting for it, so that a test can create many at once.
func (e *Env) StartChannel(t testing.TB, kc *v1beta1.KafkaChannel) {
	t.Helper()
	if _, err := e.Kafka.MessagingV1beta1().KafkaChannels(kc.Namespace).Create(context.Background(), kc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating KafkaChannel %s/%s: %v", kc.Namespace, kc.Name, err)
	}
}

// DeleteChannel deletes a KafkaChannel and waits until it is gone, that is
// until the controller's finalizer has removed what the channel owned.
func (e *Env) DeleteChannel(t testing.TB, namespace, name string) {
	t.Helper()
	channels := e.Kafka.MessagingV1beta1().KafkaChannels(namespace)
	if err := channels.Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting KafkaChannel %s/%s: %v", namespace, name, err)
	}
	err := poll(time.Minute, func() (bool, error) {
		_, err := channels.Get(context.Background(), name, metav1.GetOptions{})
		return apierrs.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("KafkaChannel %s/%s not deleted: %v", namespace, name, err)
	}
}

// WaitChannelReady waits for a KafkaChannel to be Ready and returns it.
func (e *Env) WaitChannelReady(t testing.TB, namespace, name string) *v1beta1.KafkaChannel {
	t.Helper()
	var kc *v1beta1.KafkaChannel
	err := poll(2*time.Minute, func() (bool, error) {
		var err error
		kc, err = e.Kafka.MessagingV1beta1().KafkaChannels(namespace).Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && kc.IsReady(), nil
	})
	if err != nil {
		t.Fatalf("KafkaChannel %s/%s not Ready: %v; status: %s", namespace, name, err, toJSON(kc))
	}
	return kc
}

// SubscriptionOptions shape a Subscription.
type SubscriptionOptions struct {
	Subscriber string
	// SubscriberCACerts is the PEM CA of an https Subscriber.
	SubscriberCACerts string
	// SubscriberAudience makes the dispatcher send a token for it (with OIDC on).
	SubscriberAudience string
	Reply              string
	Delivery           *eventingduckv1.DeliverySpec
	// Generic subscribes to the generic Channel (messaging.knative.dev/v1) of
	// that name, the way a user of channel templates does, not to its KafkaChannel.
	Generic bool
}

// Subscribe creates a Subscription to a KafkaChannel and waits for it to be Ready.
func (e *Env) Subscribe(t testing.TB, namespace, name, channel string, o SubscriptionOptions) *messagingv1.Subscription {
	t.Helper()
	e.StartSubscription(t, namespace, name, channel, o)
	return e.WaitSubscriptionReady(t, namespace, name)
}

// StartSubscription creates a Subscription to a KafkaChannel without waiting for it.
func (e *Env) StartSubscription(t testing.TB, namespace, name, channel string, o SubscriptionOptions) {
	t.Helper()
	ref := duckv1.KReference{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel", Name: channel}
	if o.Generic {
		ref = duckv1.KReference{APIVersion: messagingv1.SchemeGroupVersion.String(), Kind: "Channel", Name: channel}
	}
	sub := &messagingv1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: messagingv1.SubscriptionSpec{
			Channel:  ref,
			Delivery: o.Delivery,
		},
	}
	if o.Subscriber != "" {
		sub.Spec.Subscriber = &duckv1.Destination{URI: mustURL(t, o.Subscriber)}
		if o.SubscriberAudience != "" {
			sub.Spec.Subscriber.Audience = &o.SubscriberAudience
		}
		if o.SubscriberCACerts != "" {
			sub.Spec.Subscriber.CACerts = &o.SubscriberCACerts
		}
	}
	if o.Reply != "" {
		sub.Spec.Reply = &duckv1.Destination{URI: mustURL(t, o.Reply)}
	}
	if _, err := e.Eventing(t).MessagingV1().Subscriptions(namespace).Create(context.Background(), sub, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating Subscription %s/%s: %v", namespace, name, err)
	}
}

// WaitSubscriptionReady waits for a Subscription to be Ready and returns it.
func (e *Env) WaitSubscriptionReady(t testing.TB, namespace, name string) *messagingv1.Subscription {
	t.Helper()
	ctx := context.Background()
	subs := e.Eventing(t).MessagingV1().Subscriptions(namespace)
	var got *messagingv1.Subscription
	err := poll(2*time.Minute, func() (bool, error) {
		var err error
		got, err = subs.Get(ctx, name, metav1.GetOptions{})
		return err == nil && got.Status.IsReady() && got.Status.ObservedGeneration == got.Generation, nil
	})
	if err != nil {
		t.Fatalf("Subscription %s/%s not Ready: %v; status: %s", namespace, name, err, toJSON(got))
	}
	return got
}

// DeadLetter is a delivery spec with a retry count and a dead-letter sink URI.
func DeadLetter(t testing.TB, uri string, retries int32) *eventingduckv1.DeliverySpec {
	t.Helper()
	backoff := eventingduckv1.BackoffPolicyLinear
	delay := "PT0.1S"
	return &eventingduckv1.DeliverySpec{
		DeadLetterSink: &duckv1.Destination{URI: mustURL(t, uri)},
		Retry:          &retries,
		BackoffPolicy:  &backoff,
		BackoffDelay:   &delay,
	}
}

func mustURL(t testing.TB, s string) *apis.URL {
	t.Helper()
	u, err := apis.ParseURL(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// poll calls f every 100 ms until it returns true, an error, or timeout passes.
func poll(timeout time.Duration, f func() (bool, error)) error {
	return wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return f()
	})
}

// Poll is poll for tests: wait on observable state, bounded, never a fixed sleep.
func Poll(timeout time.Duration, f func() (bool, error)) error { return poll(timeout, f) }

// MustReceiverURL is the receiver's local address; it fails the test when the receiver is not running.
func (e *Env) MustReceiverURL(t testing.TB) string {
	t.Helper()
	u, err := e.ReceiverURL()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// MustReceiverHTTPSURL is the receiver's local HTTPS address; it fails the test when the receiver is not running.
func (e *Env) MustReceiverHTTPSURL(t testing.TB) string {
	t.Helper()
	u, err := e.ReceiverHTTPSURL()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// RolloutRestart restarts a Deployment or StatefulSet ("deployments",
// "statefulsets") of the system namespace as an operator does, with kubectl
// rollout restart, and waits until every replica was replaced and is ready.
func (e *Env) RolloutRestart(kind, name string) error {
	ctx := context.Background()
	if _, err := e.Kubectl(ctx, "rollout", "restart", "-n", devenv.SystemNamespace, kind+"/"+name); err != nil {
		return err
	}
	switch kind {
	case "deployments":
		return e.WaitDeploymentRolledOut(ctx, name, 3*time.Minute)
	case "statefulsets":
		s, err := e.Kube.AppsV1().StatefulSets(devenv.SystemNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		return e.WaitStatefulSetReady(ctx, name, ptr.Deref(s.Spec.Replicas, 1), 3*time.Minute)
	default:
		return fmt.Errorf("rollout restart of %s: not a Deployment or StatefulSet", kind)
	}
}
