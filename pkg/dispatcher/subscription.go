package dispatcher

import (
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/types"
	eventingapis "knative.dev/eventing/pkg/apis"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/kncloudevents"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/delivery"
)

// subscription is where and how one subscriber's events are delivered. It is
// immutable: a changed subscriber gets a new one, swapped into its consumer.
type subscription struct {
	uid types.UID
	// Spec's Retry is never nil; its Header carries the channel's namespace
	// (Kn-Namespace) and its ServiceAccount the Subscription's OIDC identity.
	delivery.Spec
	// initialized: the controller reported the subscriber ready, so its
	// offsets were initialised once (see doc.go, Offsets).
	initialized bool
}

// newSubscription builds a subscriber's subscription with its delivery spec,
// else the channel's (see deliveryOf).
func newSubscription(kc *v1beta1.KafkaChannel, sub eventingduckv1.SubscriberSpec) (*subscription, error) {
	if err := v1beta1.CheckSubscriber(sub); err != nil {
		return nil, fmt.Errorf("subscriber %s refused: %w", sub.UID, err)
	}
	spec, deadLetter := deliveryOf(kc, sub)
	rc, err := kncloudevents.RetryConfigFromDeliverySpec(spec)
	if err != nil {
		return nil, fmt.Errorf("subscriber %s: %w", sub.UID, err)
	}
	rc.Backoff = byRetryNumber(rc.Backoff)
	s := &subscription{
		uid: sub.UID,
		Spec: delivery.Spec{
			Subscriber: duckv1.Addressable{URL: sub.SubscriberURI, CACerts: sub.SubscriberCACerts, Audience: sub.SubscriberAudience},
			DeadLetter: deadLetter,
			Retry:      &rc,
			Header:     http.Header{eventingapis.KnNamespaceHeader: {kc.Namespace}},
		},
		initialized: kc.Status.SubscriberReady(sub.UID),
	}
	if sub.ReplyURI != nil {
		s.Reply = &duckv1.Addressable{URL: sub.ReplyURI, CACerts: sub.ReplyCACerts, Audience: sub.ReplyAudience}
	}
	if sub.Auth != nil && sub.Auth.ServiceAccountName != nil && *sub.Auth.ServiceAccountName != "" {
		s.ServiceAccount = &types.NamespacedName{Namespace: kc.Namespace, Name: *sub.Auth.ServiceAccountName}
	}
	return s, nil
}

// withDefaultTimeout bounds each attempt of a subscription whose delivery spec
// (the subscriber's, else the channel's) sets no timeout, so that a subscriber
// that never answers holds its partition for a retry cycle, not forever.
func (s *subscription) withDefaultTimeout(timeout time.Duration) *subscription {
	if s.Retry.RequestTimeout == 0 {
		s.Retry.RequestTimeout = timeout
	}
	return s
}

// deliveryOf is the subscriber's delivery spec whole, dead-letter sink
// included, when it has one; else the channel's. Knative's Subscription
// reconciler already writes the channel's spec into a subscriber whose
// Subscription has none, and the InMemoryChannel then delivers with the
// subscriber's spec alone: a Subscription's delivery fully overrides the
// channel's, field by field merging would retry where the user asked not to.
func deliveryOf(kc *v1beta1.KafkaChannel, sub eventingduckv1.SubscriberSpec) (eventingduckv1.DeliverySpec, *duckv1.Addressable) {
	if d := sub.Delivery; d != nil {
		// The Subscription reconciler resolved the sink into a URI.
		if d.DeadLetterSink != nil && d.DeadLetterSink.URI != nil {
			return *d, &duckv1.Addressable{URL: d.DeadLetterSink.URI, CACerts: d.DeadLetterSink.CACerts, Audience: d.DeadLetterSink.Audience}
		}
		return *d, nil
	}
	if kc.Spec.Delivery == nil {
		return eventingduckv1.DeliverySpec{}, nil
	}
	return *kc.Spec.Delivery, channelDeadLetterSink(kc)
}

// channelDeadLetterSink is the channel's sink as the controller resolved it
// into the status, else the spec's own absolute URI.
func channelDeadLetterSink(kc *v1beta1.KafkaChannel) *duckv1.Addressable {
	if st := kc.Status.DeliveryStatus; st.DeadLetterSinkURI != nil {
		return &duckv1.Addressable{URL: st.DeadLetterSinkURI, CACerts: st.DeadLetterSinkCACerts, Audience: st.DeadLetterSinkAudience}
	}
	if d := kc.Spec.Delivery; d != nil && d.DeadLetterSink != nil && d.DeadLetterSink.Ref == nil &&
		d.DeadLetterSink.URI != nil && d.DeadLetterSink.URI.URL().IsAbs() {
		return &duckv1.Addressable{URL: d.DeadLetterSink.URI, CACerts: d.DeadLetterSink.CACerts, Audience: d.DeadLetterSink.Audience}
	}
	return nil
}

// byRetryNumber makes the backoff of either policy wait what the
// DeliverySpec defines for retry n, n counted from 1: backoffDelay × n
// (linear) or backoffDelay × 2^n (exponential). kncloudevents' Backoff is
// called, as retryablehttp calls it and as pkg/delivery does, with n - 1:
// its first linear retry would come at once, hitting a failing subscriber
// twice in a row, and every exponential one after half the defined wait.
func byRetryNumber(b kncloudevents.Backoff) kncloudevents.Backoff {
	if b == nil {
		return nil
	}
	return func(attempt int, resp *http.Response) time.Duration { return b(attempt+1, resp) }
}
