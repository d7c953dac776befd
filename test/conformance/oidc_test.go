//go:build e2e

package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// eventing's rekt feature DispatcherAuthenticatesRequestsWithOIDC: with OIDC
// on, a subscriber that has an audience receives each event with a token for
// that audience, issued to the Subscription's OIDC identity. Eventing's suite
// also requires strict transport encryption (TLS) as a prerequisite of the
// feature; the OIDC rules themselves do not depend on it, so the check runs
// over plain HTTP (TLS has its own rule, TestMust_HTTPSEndpointUnder…, and
// the e2e TestTransportEncryption).
func oidcDelivery(t *testing.T, ns string) (received framework.Received, wantUser string) {
	t.Helper()
	env.EnableOIDC(t)
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	audience := env.WaitOIDCChannel(t, ns, "ch")
	sink, wantUser := env.SubscribeOIDCSink(t, ns, "sub", "ch", ns+"-receiver")
	token := env.ServiceAccount(t, ns, "source", audience)
	code, err := env.SendAs(t, token, ns, "ch", framework.NewEvent("full", "conformance.oidc", nil))
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("sending with a token for the channel: status %d, err %v", code, err)
	}
	isFull := func(r framework.Received) bool { return r.Event.ID() == "full" }
	got := sink.WaitFor(t, time.Minute, "the event, with a token the sink accepts", func(r []framework.Received) bool {
		return slices.ContainsFunc(r, isFull)
	})
	return got[slices.IndexFunc(got, isFull)], wantUser
}

// channel dispatcher: authenticate requests with OIDC
func TestMust_OIDCDispatcherAuthenticatesRequests(t *testing.T) {
	rule(t, must, "authenticate requests with OIDC")
	r, _ := oidcDelivery(t, env.Namespace(t, "conf-oidc-authn"))
	if r.User == "" {
		t.Fatal("the sink recorded the event without an authenticated user")
	}
}

// channel dispatcher: uses subscriptions identity for OIDC
func TestMust_OIDCUsesSubscriptionIdentity(t *testing.T) {
	rule(t, must, "uses subscriptions identity for OIDC")
	r, want := oidcDelivery(t, env.Namespace(t, "conf-oidc-identity"))
	check(t, must, func() error {
		if r.User != want {
			return fmt.Errorf("the dispatcher authenticated as %q, want the Subscription's identity %q", r.User, want)
		}
		return nil
	}())
}
