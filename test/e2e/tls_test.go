//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/eventing/pkg/apis/feature"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/network"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// Knative transport encryption, as a cluster with cert-manager runs it: the
// receiver serves the certificate of its Secret, every channel publishes an
// https address with that CA, and the dispatcher delivers to https
// subscribers it trusts through the Subscription's CA or a trust bundle.
// Permissive takes both ways in; strict refuses plain HTTP.
func TestTransportEncryption(t *testing.T) {
	receiverHost := network.GetServiceHostname(contract.ReceiverName, devenv.SystemNamespace)
	receiverPKI := kafkatest.NewPKI(t, receiverHost)
	env.ReceiverCertificate(t, receiverPKI)
	env.SetTransportEncryption(t, feature.Permissive)
	ns := env.Namespace(t, "e2e-tls")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	kc := waitChannel(t, ns, "ch", "an http address and an https one", func(kc *v1beta1.KafkaChannel) bool {
		return kc.Status.Address != nil && kc.Status.Address.URL.Scheme == "http" && len(kc.Status.Addresses) == 2
	})
	https := kc.Status.Addresses[0]
	if want := "https://" + receiverHost + "/" + ns + "/ch"; https.URL.String() != want || https.CACerts == nil || *https.CACerts != string(receiverPKI.CAPEM) {
		t.Fatalf("status.addresses[0] = %s with CA %v, want %s with the receiver's CA", https.URL, https.CACerts, want)
	}

	subscriberPKI, bundledPKI := kafkatest.NewPKI(t), kafkatest.NewPKI(t)
	byCA := framework.NewTLSSink(t, subscriberPKI.ServerTLS(t))
	byBundle := framework.NewTLSSink(t, bundledPKI.ServerTLS(t))
	t.Logf("subscriber trusted by its CA: %s; by a trust bundle: %s", byCA.URL, byBundle.URL)
	env.TrustBundle(t, ns+"-bundle", bundledPKI.CAPEM)
	env.Subscribe(t, ns, "by-ca", "ch", framework.SubscriptionOptions{Subscriber: byCA.URL, SubscriberCACerts: string(subscriberPKI.CAPEM)})
	env.Subscribe(t, ns, "by-bundle", "ch", framework.SubscriptionOptions{Subscriber: byBundle.URL})

	accepted(t, "permissive, over https", sendTLS(t, https, "permissive-https"))
	accepted(t, "permissive, over http", sendHTTP(t, ns, "permissive-http"))

	env.SetTransportEncryption(t, feature.Strict)
	kc = waitChannel(t, ns, "ch", "only the https address", func(kc *v1beta1.KafkaChannel) bool {
		return kc.Status.Address != nil && kc.Status.Address.URL.Scheme == "https" && len(kc.Status.Addresses) == 1
	})
	err := framework.Poll(time.Minute, func() (bool, error) {
		code, err := sendHTTP(t, ns, "strict-http")()
		return err == nil && code == http.StatusNotFound, nil
	})
	if err != nil {
		t.Fatalf("strict: the receiver still takes plain HTTP: %v", err)
	}
	accepted(t, "strict, over https", sendTLS(t, *kc.Status.Address, "strict-https"))

	for name, sink := range map[string]*framework.Sink{"subscriber trusted by its CA": byCA, "subscriber trusted by a trust bundle": byBundle} {
		for _, id := range []string{"permissive-https", "permissive-http", "strict-https"} {
			if got := sink.WaitForID(t, time.Minute, id); got.Event.ID() != id {
				t.Errorf("%s got %s, want %s", name, got.Event.ID(), id)
			}
		}
		if refused := framework.WithID(sink.Received(), "strict-http"); len(refused) > 0 {
			t.Errorf("%s got the event strict mode refused over plain HTTP", name)
		}
	}
}

func sendTLS(t *testing.T, addr duckv1.Addressable, id string) func() (int, error) {
	return func() (int, error) { return env.SendTLS(t, addr, framework.NewEvent(id, "e2e.tls", nil)) }
}

func sendHTTP(t *testing.T, ns, id string) func() (int, error) {
	return func() (int, error) {
		return framework.Send(context.Background(), env.MustReceiverURL(t), ns, "ch", framework.NewEvent(id, "e2e.tls", nil), nil)
	}
}

// accepted sends until an answer other than 404, which a receiver gives
// while the transport-encryption mode just set has not reached it yet.
func accepted(t *testing.T, what string, send func() (int, error)) {
	t.Helper()
	var code int
	var err error
	_ = framework.Poll(30*time.Second, func() (bool, error) {
		code, err = send()
		return code != http.StatusNotFound, nil
	})
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("%s: status %d, err %v; want 202", what, code, err)
	}
}

// waitChannel waits until the channel is Ready and pred holds.
func waitChannel(t *testing.T, ns, name, what string, pred func(*v1beta1.KafkaChannel) bool) *v1beta1.KafkaChannel {
	t.Helper()
	var kc *v1beta1.KafkaChannel
	err := framework.Poll(2*time.Minute, func() (bool, error) {
		var err error
		kc, err = env.Kafka.MessagingV1beta1().KafkaChannels(ns).Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && kc.IsReady() && pred(kc), nil
	})
	if err != nil {
		t.Fatalf("KafkaChannel %s/%s: not Ready with %s: %v; status %+v", ns, name, what, err, kc.Status)
	}
	return kc
}
