//go:build e2e

package conformance

import (
	"fmt"
	"net"
	"net/http"
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
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
// dead-letter sinks after one event went through.
func retrySetup(t *testing.T, policy eventingduckv1.BackoffPolicyType, delay string, retries int32, respond func(attempt int) int) (sub, dls *framework.Sink, id string) {
	t.Helper()
	kc := newChannel(t, v1beta1.KafkaChannelSpec{})
	sub, dls = newSink(t), newSink(t)
	sub.Respond = func(_ cloudevents.Event, attempt int) (int, *cloudevents.Event) { return respond(attempt), nil }
	d := framework.DeadLetter(t, dls.URL, retries)
	d.BackoffPolicy, d.BackoffDelay = &policy, &delay
	env.Subscribe(t, kc.Namespace, "sub", kc.Name, framework.SubscriptionOptions{Subscriber: sub.URL, Delivery: d})
	e := framework.NewEvent(uniqueID(t), "conformance.retry", nil)
	mustAccept(t, target{ns: kc.Namespace, name: kc.Name}, e, false, nil)
	return sub, dls, e.ID()
}

func alwaysFail(int) int { return http.StatusInternalServerError }

// attemptGaps waits for n attempts and the dead-lettered copy, and returns the gaps between attempts.
func attemptGaps(t *testing.T, sub, dls *framework.Sink, id string, n int) []time.Duration {
	t.Helper()
	got := sub.WaitFor(t, time.Minute, fmt.Sprintf("%d attempts", n), func(r []framework.Received) bool { return len(withID(r, id)) >= n })
	receivedID(t, dls, id)
	got = withID(got, id)
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
	sub, dls, id := retrySetup(t, eventingduckv1.BackoffPolicyLinear, "PT0.1S", 2, func(attempt int) int {
		if attempt == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusAccepted
	})
	sub.WaitFor(t, 30*time.Second, "the retry", func(r []framework.Received) bool { return len(withID(r, id)) >= 2 })
	time.Sleep(time.Second)
	if n := len(withID(sub.Received(), id)); n != 2 {
		notMet(t, should, "a subscriber failing once saw %d attempts, want 2", n)
	}
	if n := len(withID(dls.Received(), id)); n != 0 {
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
	sub, dls, id := retrySetup(t, eventingduckv1.BackoffPolicyLinear, "PT0.1S", retries, alwaysFail)
	attemptGaps(t, sub, dls, id, retries+1)
	time.Sleep(2 * time.Second)
	if n := len(withID(sub.Received(), id)); n != retries+1 {
		notMet(t, should, "retry %d: the subscriber saw %d attempts, want %d", retries, n, retries+1)
	}
}

// Channels SHOULD support various retry configuration parameters: [the time in-between retries]
func TestShould_RetryDelay(t *testing.T) {
	rule(t, should, "Channels SHOULD support various retry configuration parameters: [the time in-between retries]")
	const delay = 600 * time.Millisecond
	sub, dls, id := retrySetup(t, eventingduckv1.BackoffPolicyLinear, "PT0.6S", 3, alwaysFail)
	gaps := attemptGaps(t, sub, dls, id, 4)
	// Linear backoff: each retry waits backoffDelay longer than the one before.
	for i := 1; i < len(gaps); i++ {
		if step := gaps[i] - gaps[i-1]; step < delay*8/10 || step > delay*2 {
			notMet(t, should, "linear backoff PT0.6S: gap %d is %v longer than gap %d, want about %v (gaps %v)", i+1, step, i, delay, gaps)
		}
	}
	// And no retry comes sooner than backoffDelay.
	if gaps[0] < delay*8/10 {
		notMet(t, should, "linear backoff PT0.6S: the first retry came %v after the first attempt, want about %v (gaps %v)", gaps[0], delay, gaps)
	}
}

// Channels SHOULD support various retry configuration parameters: [the backoff rate]
func TestShould_RetryBackoffRate(t *testing.T) {
	rule(t, should, "Channels SHOULD support various retry configuration parameters: [the backoff rate]")
	sub, dls, id := retrySetup(t, eventingduckv1.BackoffPolicyExponential, "PT0.2S", 3, alwaysFail)
	gaps := attemptGaps(t, sub, dls, id, 4)
	for i := 1; i < len(gaps); i++ {
		if ratio := float64(gaps[i]) / float64(gaps[i-1]); ratio < 1.5 {
			notMet(t, should, "exponential backoff: gap %d/%d ratio %.2f, want about 2 (gaps %v)", i+1, i, ratio, gaps)
		}
	}
}
