//go:build e2e

package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// hangUp is a subscriber whose connections are closed before any response:
// a failure to send. It counts the connections.
func hangUp(t *testing.T) (string, *atomic.Int64) {
	l := framework.Listen(t)
	var n atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return "http://" + l.Addr().String(), &n
}

// retrySetup is a channel whose subscriber answers as respond says, with the
// given delivery spec and a dead-letter sink; it returns the subscriber and
// dead-letter sinks, and the channel, after one event went through.
func retrySetup(t *testing.T, policy eventingduckv1.BackoffPolicyType, delay string, retries int32, respond func(attempt int) int) (sub, dls *framework.Sink, tg target, id string) {
	t.Helper()
	kc := newChannel(t, v1beta1.KafkaChannelSpec{})
	sub, dls = newSink(t), newSink(t)
	sub.Respond = func(_ cloudevents.Event, attempt int) (int, *cloudevents.Event) { return respond(attempt), nil }
	d := framework.DeadLetter(t, dls.URL, retries)
	d.BackoffPolicy, d.BackoffDelay = &policy, &delay
	env.Subscribe(t, kc.Namespace, "sub", kc.Name, framework.SubscriptionOptions{Subscriber: sub.URL, Delivery: d})
	tg = target{ns: kc.Namespace, name: kc.Name}
	e := framework.NewEvent(uniqueID(t), "conformance.retry", nil)
	mustAccept(t, tg, e, false, nil)
	return sub, dls, tg, e.ID()
}

func alwaysFail(int) int { return http.StatusInternalServerError }

// attemptGaps waits for n attempts and the dead-lettered copy, and returns the gaps between attempts.
func attemptGaps(t *testing.T, sub, dls *framework.Sink, id string, n int) []time.Duration {
	t.Helper()
	got := sub.WaitFor(t, time.Minute, fmt.Sprintf("%d attempts", n), func(r []framework.Received) bool { return len(framework.WithID(r, id)) >= n })
	receivedID(t, dls, id)
	got = framework.WithID(got, id)
	var gaps []time.Duration
	for i := 1; i < len(got); i++ {
		gaps = append(gaps, got[i].At.Sub(got[i-1].At))
	}
	t.Logf("gaps between attempts: %v", gaps)
	return gaps
}

// Channels SHOULD retry resending CloudEvents when they fail to either connect or send CloudEvents to subscribers.
func TestShould_RetryOnFailure(t *testing.T) {
	rule(t, should, "Channels SHOULD retry resending CloudEvents when they fail to either connect or send CloudEvents to subscribers.")
	// A subscriber that fails once gets the event on the retry.
	sub, dls, tg, id := retrySetup(t, eventingduckv1.BackoffPolicyLinear, "PT0.1S", 2, func(attempt int) int {
		if attempt == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	})
	sub.WaitFor(t, time.Minute, "the retry", func(r []framework.Received) bool { return len(framework.WithID(r, id)) >= 2 })
	// The event is done once the next one reached the subscriber: no attempt or dead letter of it can follow.
	markerThrough(t, tg, sub)
	if n := len(framework.WithID(sub.Received(), id)); n != 2 {
		notMet(t, should, "a subscriber failing once saw %d attempts, want 2", n)
	}
	if n := len(framework.WithID(dls.Received(), id)); n != 0 {
		notMet(t, should, "an event delivered on retry was also dead-lettered")
	}
	// A subscriber that hangs up without answering is retried too.
	kc := newChannelIn(t, "hangup")
	url, conns := hangUp(t)
	dls2 := newSink(t)
	env.Subscribe(t, kc.Namespace, "hangup-sub", kc.Name, framework.SubscriptionOptions{Subscriber: url, Delivery: framework.DeadLetter(t, dls2.URL, 2)})
	e := framework.NewEvent(uniqueID(t), "conformance.retry", nil)
	mustAccept(t, target{ns: kc.Namespace, name: kc.Name}, e, false, nil)
	receivedID(t, dls2, e.ID())
	if n := conns.Load(); n < 3 {
		notMet(t, should, "a subscriber that hangs up got %d connections before dead-lettering, want 3 (1 + 2 retries)", n)
	}
	t.Logf("failing once: 2 attempts, delivered; hanging up: %d connections, then dead-lettered", conns.Load())
}

// newChannelIn creates a second Ready channel in the test's namespace.
func newChannelIn(t *testing.T, name string) *v1beta1.KafkaChannel {
	t.Helper()
	return env.CreateChannel(t, dnsName(t), name, v1beta1.KafkaChannelSpec{})
}

// Channels SHOULD support various retry configuration parameters: [the maximum number of retries]
func TestShould_RetryMaxCount(t *testing.T) {
	rule(t, should, "Channels SHOULD support various retry configuration parameters: [the maximum number of retries]")
	const retries = 3
	sub, dls, tg, id := retrySetup(t, eventingduckv1.BackoffPolicyLinear, "PT0.1S", retries, alwaysFail)
	attemptGaps(t, sub, dls, id, retries+1)
	// The subscriber fails this one too, but its first attempt comes only once the event is done.
	markerThrough(t, tg, sub)
	if n := len(framework.WithID(sub.Received(), id)); n != retries+1 {
		notMet(t, should, "retry %d: the subscriber saw %d attempts, want %d", retries, n, retries+1)
	}
}

// definedBackoff is the wait the DeliverySpec defines before retry n
// (counted from 1): backoffDelay × n (linear), backoffDelay × 2^n (exponential).
func definedBackoff(policy eventingduckv1.BackoffPolicyType, delay time.Duration, n int) time.Duration {
	if policy == eventingduckv1.BackoffPolicyExponential {
		return delay << n
	}
	return delay * time.Duration(n)
}

// checkBackoff sends an event to a subscriber that always fails, with 4
// retries, and checks that each gap between its attempts is the wait the
// policy defines before that retry: never shorter (but for a tenth of it),
// and longer by no more than slack, which only a loaded machine adds and
// which is smaller than the difference to the other policy, or to either
// policy counted from 0 as eventing's kncloudevents counts.
func checkBackoff(t *testing.T, policy eventingduckv1.BackoffPolicyType, delay string) {
	t.Helper()
	const slack = 1500 * time.Millisecond
	sub, dls, _, id := retrySetup(t, policy, delay, 4, alwaysFail)
	gaps := attemptGaps(t, sub, dls, id, 5)
	d, err := time.ParseDuration(strings.ToLower(strings.TrimPrefix(delay, "PT")))
	if err != nil {
		t.Fatal(err)
	}
	for i, gap := range gaps {
		if want := definedBackoff(policy, d, i+1); gap < want*9/10 || gap > want+slack {
			notMet(t, should, "%s backoff %s: retry %d came %v after the attempt before, want %v (up to %v more on a loaded machine); gaps %v", policy, delay, i+1, gap, want, slack, gaps)
		}
	}
}

// Channels SHOULD support various retry configuration parameters: [the time in-between retries]
func TestShould_RetryDelay(t *testing.T) {
	rule(t, should, "Channels SHOULD support various retry configuration parameters: [the time in-between retries]")
	// Linear: 0.5, 1, 1.5 and 2 s. Exponential would wait 8 s before the 4th.
	checkBackoff(t, eventingduckv1.BackoffPolicyLinear, "PT0.5S")
}

// Channels SHOULD support various retry configuration parameters: [the backoff rate]
func TestShould_RetryBackoffRate(t *testing.T) {
	rule(t, should, "Channels SHOULD support various retry configuration parameters: [the backoff rate]")
	// Exponential: 0.4, 0.8, 1.6 and 3.2 s. Linear would wait 0.8 s before
	// the 4th; counted from 0, the first retry would come after 0.2 s.
	checkBackoff(t, eventingduckv1.BackoffPolicyExponential, "PT0.2S")
}
