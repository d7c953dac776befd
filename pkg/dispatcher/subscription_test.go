package dispatcher

import (
	"testing"
	"time"

	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
)

// The waits before retries 1, 2 and 3 of each backoff policy.
func TestBackoffWaits(t *testing.T) {
	tests := []struct {
		policy eventingduckv1.BackoffPolicyType
		want   []time.Duration
	}{
		{eventingduckv1.BackoffPolicyLinear, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
		{eventingduckv1.BackoffPolicyExponential, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(string(tc.policy), func(t *testing.T) {
			kc := channel("")
			kc.Spec.Delivery = &eventingduckv1.DeliverySpec{BackoffPolicy: &tc.policy, BackoffDelay: ptr.To("PT1S"), Retry: ptr.To[int32](3)}
			s, err := newSubscription(kc, eventingduckv1.SubscriberSpec{UID: "a", SubscriberURI: apis.HTTP("sink")})
			if err != nil {
				t.Fatal(err)
			}
			for attempt, want := range tc.want { // go-retryablehttp counts attempts from 0
				if got := s.retry.Backoff(attempt, nil); got != want {
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
		if got := s.withDefaultTimeout(30 * time.Second).retry.RequestTimeout; got != tc.want {
			t.Errorf("%s: per-attempt timeout %v, want %v", name, got, tc.want)
		}
	}
}
