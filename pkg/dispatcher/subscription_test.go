package dispatcher

import (
	"testing"
	"time"

	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// The waits before retries 1 to 4 of each backoff policy, as the
// DeliverySpec defines them for retry n: backoffDelay × n (linear),
// backoffDelay × 2^n (exponential).
func TestBackoffWaits(t *testing.T) {
	tests := []struct {
		policy eventingduckv1.BackoffPolicyType
		want   []time.Duration
	}{
		{eventingduckv1.BackoffPolicyLinear, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}},
		{eventingduckv1.BackoffPolicyExponential, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(string(tc.policy), func(t *testing.T) {
			kc := channel("")
			kc.Spec.Delivery = &eventingduckv1.DeliverySpec{BackoffPolicy: &tc.policy, BackoffDelay: ptr.To("PT1S"), Retry: ptr.To[int32](4)}
			s, err := newSubscription(kc, eventingduckv1.SubscriberSpec{UID: "a", SubscriberURI: apis.HTTP("sink")})
			if err != nil {
				t.Fatal(err)
			}
			for attempt, want := range tc.want { // go-retryablehttp counts attempts from 0
				if got := s.Retry.Backoff(attempt, nil); got != want {
					t.Errorf("wait before retry %d = %v, want %v", attempt+1, got, want)
				}
			}
		})
	}
}

func TestDefaultTimeoutOnlyWhereTheDeliverySetsNone(t *testing.T) {
	five := "PT5S"
	for name, tc := range map[string]struct {
		sub, channel *eventingduckv1.DeliverySpec
		want         time.Duration
	}{
		"none set":             {want: 30 * time.Second},
		"the channel's":        {channel: &eventingduckv1.DeliverySpec{Timeout: &five}, want: 5 * time.Second},
		"the subscriber's":     {sub: &eventingduckv1.DeliverySpec{Timeout: &five}, want: 5 * time.Second},
		"retry but no timeout": {sub: linearRetry(3), want: 30 * time.Second},
	} {
		kc := channel("")
		kc.Spec.Delivery = tc.channel
		spec := subscriber("a", "http://127.0.0.1:1")
		spec.Delivery = tc.sub
		s, err := newSubscription(kc, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.withDefaultTimeout(30 * time.Second).Retry.RequestTimeout; got != tc.want {
			t.Errorf("%s: per-attempt timeout %v, want %v", name, got, tc.want)
		}
	}
}

// A subscriber's delivery spec, when set, replaces the channel's whole; the
// channel's applies only to subscribers without one. This is what eventing
// v0.50 does for the InMemoryChannel: its Subscription reconciler writes the
// channel's delivery into spec.subscribers[].delivery only when the
// Subscription has none (docs/spec/channel.md: the Subscription's delivery
// "fully overrides" the channel's), and pkg/channel/fanout
// (SubscriberSpecToFanoutConfig) then delivers with that SubscriberSpec's
// delivery alone, dead-letter sink included.
func TestDeliverySpecPrecedence(t *testing.T) {
	linear, exponential := eventingduckv1.BackoffPolicyLinear, eventingduckv1.BackoffPolicyExponential
	channelDLS, subDLS := apis.HTTP("channel-dls"), apis.HTTP("sub-dls")
	channelDelivery := &eventingduckv1.DeliverySpec{
		Retry: ptr.To[int32](5), BackoffPolicy: &exponential, BackoffDelay: ptr.To("PT2S"), Timeout: ptr.To("PT7S"),
		DeadLetterSink: &duckv1.Destination{URI: channelDLS},
	}
	tests := []struct {
		name        string
		sub         *eventingduckv1.DeliverySpec
		wantRetries int
		wantBackoff time.Duration // before the first retry; 0 when no backoff is configured
		wantTimeout time.Duration
		wantDLS     *apis.URL
	}{{
		name:        "no subscriber delivery: the channel's",
		wantRetries: 5, wantBackoff: 4 * time.Second, wantTimeout: 7 * time.Second, wantDLS: channelDLS,
	}, {
		name:        "subscriber retries only: nothing of the channel's",
		sub:         &eventingduckv1.DeliverySpec{Retry: ptr.To[int32](1)},
		wantRetries: 1,
	}, {
		name:        "subscriber with its own sink and backoff",
		sub:         &eventingduckv1.DeliverySpec{Retry: ptr.To[int32](2), BackoffPolicy: &linear, BackoffDelay: ptr.To("PT1S"), DeadLetterSink: &duckv1.Destination{URI: subDLS}},
		wantRetries: 2, wantBackoff: time.Second, wantDLS: subDLS,
	}, {
		name: "empty subscriber delivery: no retries, no sink",
		sub:  &eventingduckv1.DeliverySpec{},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kc := channel("")
			kc.Spec.Delivery = channelDelivery
			kc.Status.DeadLetterSinkURI = channelDLS
			s, err := newSubscription(kc, eventingduckv1.SubscriberSpec{UID: "a", SubscriberURI: apis.HTTP("sink"), Delivery: tc.sub})
			if err != nil {
				t.Fatal(err)
			}
			if s.Retry.RetryMax != tc.wantRetries || s.Retry.RequestTimeout != tc.wantTimeout {
				t.Errorf("retries %d, timeout %v; want %d, %v", s.Retry.RetryMax, s.Retry.RequestTimeout, tc.wantRetries, tc.wantTimeout)
			}
			var backoff time.Duration
			if s.Retry.Backoff != nil {
				backoff = s.Retry.Backoff(0, nil)
			}
			if backoff != tc.wantBackoff {
				t.Errorf("wait before the first retry %v, want %v", backoff, tc.wantBackoff)
			}
			var dls *apis.URL
			if s.DeadLetter != nil {
				dls = s.DeadLetter.URL
			}
			if dls.String() != tc.wantDLS.String() {
				t.Errorf("dead-letter sink %v, want %v", dls, tc.wantDLS)
			}
		})
	}
}
