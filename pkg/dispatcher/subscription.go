package dispatcher

import (
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/kncloudevents"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
)

// subscription is where and how one subscriber's events are delivered. It is
// immutable: a changed subscriber gets a new one, swapped into its consumer.
type subscription struct {
	uid        types.UID
	subscriber duckv1.Addressable
	reply      *duckv1.Addressable
	deadLetter *duckv1.Addressable
	// retry is never nil, so that every attempt goes through retryablehttp's
	// CheckRetry, where the dispatcher observes attempts and stops at session end.
	retry *kncloudevents.RetryConfig
	// serviceAccount is the OIDC identity of the Subscription, when it has one.
	serviceAccount *types.NamespacedName
	// initialized: the controller reported the subscriber ready, so its
	// offsets were initialised once (see doc.go, Offsets).
	initialized bool
}

// newSubscription builds a subscriber's subscription; the channel's delivery
// spec and resolved dead-letter sink fill in what the subscriber leaves unset.
func newSubscription(kc *v1beta1.KafkaChannel, sub eventingduckv1.SubscriberSpec) (*subscription, error) {
	if sub.SubscriberURI == nil {
		return nil, fmt.Errorf("subscriber %s has no subscriberUri", sub.UID)
	}
	delivery := mergeDelivery(sub.Delivery, kc.Spec.Delivery)
	rc, err := kncloudevents.RetryConfigFromDeliverySpec(delivery)
	if err != nil {
		return nil, fmt.Errorf("subscriber %s: %w", sub.UID, err)
	}
	rc.Backoff = linearFromFirstRetry(delivery, rc.Backoff)
	s := &subscription{
		uid:         sub.UID,
		subscriber:  duckv1.Addressable{URL: sub.SubscriberURI, CACerts: sub.SubscriberCACerts, Audience: sub.SubscriberAudience},
		deadLetter:  deadLetterSink(kc, sub.Delivery),
		retry:       &rc,
		initialized: kc.Status.SubscriberReady(sub.UID),
	}
	if sub.ReplyURI != nil {
		s.reply = &duckv1.Addressable{URL: sub.ReplyURI, CACerts: sub.ReplyCACerts, Audience: sub.ReplyAudience}
	}
	if sub.Auth != nil && sub.Auth.ServiceAccountName != nil && *sub.Auth.ServiceAccountName != "" {
		s.serviceAccount = &types.NamespacedName{Namespace: kc.Namespace, Name: *sub.Auth.ServiceAccountName}
	}
	return s, nil
}

// withDefaultTimeout bounds each attempt of a subscription whose delivery spec
// (the subscriber's, else the channel's) sets no timeout, so that a subscriber
// that never answers holds its partition for a retry cycle, not forever.
func (s *subscription) withDefaultTimeout(timeout time.Duration) *subscription {
	if s.retry.RequestTimeout == 0 {
		s.retry.RequestTimeout = timeout
	}
	return s
}

// mergeDelivery takes each retry setting from the subscriber, else from the channel.
// The dead-letter sink is resolved separately (deadLetterSink).
func mergeDelivery(sub, channel *eventingduckv1.DeliverySpec) eventingduckv1.DeliverySpec {
	var out eventingduckv1.DeliverySpec
	for _, d := range []*eventingduckv1.DeliverySpec{channel, sub} { // later wins
		if d == nil {
			continue
		}
		if d.Retry != nil {
			out.Retry = d.Retry
		}
		if d.BackoffPolicy != nil {
			out.BackoffPolicy = d.BackoffPolicy
		}
		if d.BackoffDelay != nil {
			out.BackoffDelay = d.BackoffDelay
		}
		if d.Timeout != nil {
			out.Timeout = d.Timeout
		}
		if d.RetryAfterMax != nil {
			out.RetryAfterMax = d.RetryAfterMax
		}
	}
	return out
}

// deadLetterSink is the subscriber's sink (its Subscription resolved it into a
// URI), else the channel's as the controller resolved it into the status, else
// the channel spec's own URI.
func deadLetterSink(kc *v1beta1.KafkaChannel, sub *eventingduckv1.DeliverySpec) *duckv1.Addressable {
	if sub != nil && sub.DeadLetterSink != nil && sub.DeadLetterSink.URI != nil {
		return &duckv1.Addressable{URL: sub.DeadLetterSink.URI, CACerts: sub.DeadLetterSink.CACerts, Audience: sub.DeadLetterSink.Audience}
	}
	if st := kc.Status.DeliveryStatus; st.DeadLetterSinkURI != nil {
		return &duckv1.Addressable{URL: st.DeadLetterSinkURI, CACerts: st.DeadLetterSinkCACerts, Audience: st.DeadLetterSinkAudience}
	}
	if d := kc.Spec.Delivery; d != nil && d.DeadLetterSink != nil && d.DeadLetterSink.Ref == nil &&
		d.DeadLetterSink.URI != nil && d.DeadLetterSink.URI.URL().IsAbs() {
		return &duckv1.Addressable{URL: d.DeadLetterSink.URI, CACerts: d.DeadLetterSink.CACerts, Audience: d.DeadLetterSink.Audience}
	}
	return nil
}

// linearFromFirstRetry makes linear backoff wait backoffDelay before the first
// retry too. kncloudevents waits backoffDelay*n before retry n+1, counting n
// from 0, so its first linear retry comes at once and hits a failing
// subscriber twice in a row; the delivery spec means backoffDelay times the
// number of the retry. Exponential backoff already waits backoffDelay first.
func linearFromFirstRetry(d eventingduckv1.DeliverySpec, b kncloudevents.Backoff) kncloudevents.Backoff {
	if b == nil || d.BackoffPolicy == nil || *d.BackoffPolicy != eventingduckv1.BackoffPolicyLinear {
		return b
	}
	return func(attempt int, resp *http.Response) time.Duration { return b(attempt+1, resp) }
}
