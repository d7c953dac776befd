package dispatcher

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/eventingtls"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// Knative's transport encryption: https subscribers, replies and dead-letter
// sinks, trusted through the CA certificates of the channel's spec or
// eventing's trust bundles. Each sink's certificate is issued by a CA of its
// own, so that the delivery succeeds only if that CA reached the dispatcher's
// client for that URL.

// newTLSSink is newSink over HTTPS, presenting pki's certificate for
// 127.0.0.1 until rotate replaces it with another PKI's and closes the
// connections made under the old one.
func newTLSSink(t *testing.T, pki kafkatest.PKI, respond func(cloudevents.Event, int, http.ResponseWriter)) (s *sink, rotate func(kafkatest.PKI)) {
	var current atomic.Pointer[tls.Config]
	current.Store(pki.ServerTLS(t))
	s = unstartedSink(t, respond)
	s.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return current.Load(), nil }}
	// Refused handshakes are what some tests expect.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	return s, func(p kafkatest.PKI) {
		current.Store(p.ServerTLS(t))
		s.CloseClientConnections()
	}
}

func httpsURL(t *testing.T, s *sink) *apis.URL {
	t.Helper()
	u, err := apis.ParseURL(s.URL)
	if err != nil || u.Scheme != "https" {
		t.Fatalf("sink URL %q: %v", s.URL, err)
	}
	return u
}

func caCerts(p kafkatest.PKI) *string { return ptr.To(string(p.CAPEM)) }

func httpsSubscriber(t *testing.T, uid string, s *sink, ca *string) eventingduckv1.SubscriberSpec {
	return eventingduckv1.SubscriberSpec{UID: types.UID(uid), SubscriberURI: httpsURL(t, s), SubscriberCACerts: ca}
}

func TestHTTPSSubscriberWithCACerts(t *testing.T) {
	const partitions, perPartition = 2, 10
	e := newEnv(t, partitions)
	pki := kafkatest.NewPKI(t)
	s, _ := newTLSSink(t, pki, nil)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", httpsSubscriber(t, "a", s, caCerts(pki)))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(partitions, 0, perPartition, "")
	waitFor(t, "every event over https", func() bool { return s.hasAll(ids) })
	want := make([]int, perPartition)
	for i := range want {
		want[i] = i
	}
	for p, got := range byPartition(s.ids()) {
		if !slices.Equal(got, want) {
			t.Errorf("partition %s: received %v, want %v", p, got, want)
		}
	}
}

// A trust bundle is read from the lister at every TLS handshake, so one added
// or changed after the dispatcher started, even after a failed handshake
// cached the URL's client, is trusted from the next connection on.
func TestHTTPSSubscriberTrustedThroughTrustBundle(t *testing.T) {
	e := newEnv(t, 1)
	first, second := kafkatest.NewPKI(t), kafkatest.NewPKI(t)
	s, rotate := newTLSSink(t, first, nil)
	dls := newSink(t, nil)
	// An indexer stands for NewController's ConfigMap informer of the system namespace.
	bundles := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	trust := eventingtls.ClientConfig{TrustBundleConfigMapLister: corev1listers.NewConfigMapLister(bundles).ConfigMaps("knative-eventing")}
	// Not a trust bundle: trusted by nobody.
	if err := bundles.Add(trustBundle("unlabelled", first, nil)); err != nil {
		t.Fatal(err)
	}
	sub := httpsSubscriber(t, "a", s, nil)
	sub.Delivery = linearRetry(1)
	sub.Delivery.DeadLetterSink = &duckv1.Destination{URI: apis.HTTP(dls.Listener.Addr().String())}
	d := e.dispatcher(Options{ClientConfig: trust})
	if err := d.Reconcile(channel("", sub)); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")

	e.produce(1, 0, 1, "untrusted")
	waitFor(t, "the untrusted event dead-lettered", func() bool { return len(dls.ids()) == 1 })

	labels := map[string]string{eventingtls.TrustBundleLabelKey: eventingtls.TrustBundleLabelValue}
	if err := bundles.Add(trustBundle("bundle", first, labels)); err != nil {
		t.Fatal(err)
	}
	ids := e.produce(1, 1, 5, "added")
	waitFor(t, "events after the bundle was added", func() bool { return s.hasAll(ids) })

	// The subscriber's certificate now comes from another CA, which the bundle is updated to.
	if err := bundles.Update(trustBundle("bundle", second, labels)); err != nil {
		t.Fatal(err)
	}
	rotate(second)
	ids = append(ids, e.produce(1, 5, 10, "changed")...)
	waitFor(t, "events after the bundle changed", func() bool { return s.hasAll(ids) })

	if got := s.ids(); !slices.Equal(got, ids) {
		t.Errorf("subscriber received %v, want %v", got, ids)
	}
	if got := dls.ids(); !slices.Equal(got, []string{"0-0"}) {
		t.Errorf("dead-letter sink received %v, want only the event sent before the bundle", got)
	}
}

func trustBundle(name string, p kafkatest.PKI, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "knative-eventing", Name: name, Labels: labels},
		Data:       map[string]string{"ca.crt": string(p.CAPEM)},
	}
}

// An untrusted subscriber fails like an unreachable one: retried per its
// delivery spec, then dead-lettered to its (https) sink, and the next event goes on.
func TestHTTPSUntrustedSubscriberDeadLetters(t *testing.T) {
	const events, retries = 3, 2
	for _, tc := range []struct {
		name string
		ca   func(trusted kafkatest.PKI) *string
		// channels: the delivery is the channel's, its sink resolved into the status.
		channels bool
	}{
		{"without CA certs, subscriber's delivery", func(kafkatest.PKI) *string { return nil }, false},
		{"with another CA's certs, channel's delivery", caCerts, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 1)
			trusted, other := kafkatest.NewPKI(t), kafkatest.NewPKI(t)
			s, _ := newTLSSink(t, other, nil)
			dls, _ := newTLSSink(t, trusted, nil)
			sub := httpsSubscriber(t, "a", s, tc.ca(trusted))
			kc := channel("", sub)
			if tc.channels {
				kc.Spec.Delivery = linearRetry(retries)
				kc.Spec.Delivery.DeadLetterSink = &duckv1.Destination{Ref: &duckv1.KReference{Kind: "Service", Name: "dls", APIVersion: "v1"}}
				kc.Status.DeadLetterSinkURI, kc.Status.DeadLetterSinkCACerts = httpsURL(t, dls), caCerts(trusted)
			} else {
				kc.Spec.Subscribers[0].Delivery = linearRetry(retries)
				kc.Spec.Subscribers[0].Delivery.DeadLetterSink = &duckv1.Destination{URI: httpsURL(t, dls), CACerts: caCerts(trusted)}
			}
			reader := sdkmetric.NewManualReader()
			d := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
			if err := d.Reconcile(kc); err != nil {
				t.Fatal(err)
			}
			e.waitReady("a")
			ids := e.produce(1, 0, events, "")
			waitFor(t, "every event dead-lettered", func() bool { return dls.hasAll(ids) })

			if got := dls.ids(); !slices.Equal(got, ids) {
				t.Errorf("dead-letter sink received %v, want %v", got, ids)
			}
			for _, ev := range dls.events() {
				if dest := ev.Extensions()["knativeerrordest"]; dest != s.URL {
					t.Errorf("%s: knativeerrordest = %v, want %s", ev.ID(), dest, s.URL)
				}
			}
			if n := len(s.ids()); n != 0 {
				t.Errorf("the untrusted subscriber received %d requests", n)
			}
			if n := counterValue(t, reader, "kn.kafkachannel.dispatch.retries", ""); n != events*retries {
				t.Errorf("retries = %d, want %d", n, events*retries)
			}
			if n := counterValue(t, reader, "kn.kafkachannel.dispatch.dead_lettered", ""); n != events {
				t.Errorf("dead_lettered = %d, want %d", n, events)
			}
		})
	}
}

func TestHTTPSReply(t *testing.T) {
	e := newEnv(t, 1)
	subscriberPKI, replyPKI := kafkatest.NewPKI(t), kafkatest.NewPKI(t)
	replies, _ := newTLSSink(t, replyPKI, nil)
	s, _ := newTLSSink(t, subscriberPKI, replyWithReplyID(t))
	sub := httpsSubscriber(t, "a", s, caCerts(subscriberPKI))
	sub.ReplyURI, sub.ReplyCACerts = httpsURL(t, replies), caCerts(replyPKI)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", sub)); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	var want []string
	for _, id := range e.produce(1, 0, 5, "") {
		want = append(want, "reply-"+id)
	}
	waitFor(t, "every reply over https", func() bool { return replies.hasAll(want) })
	if got := replies.ids(); !slices.Equal(got, want) {
		t.Errorf("replies %v, want %v", got, want)
	}
}

// A subscriber reissued a certificate by a new CA keeps its URL, whose client
// kncloudevents caches with the CA certificates it was first given: the new
// ones must replace it (trustCACerts).
func TestHTTPSSubscriberCACertsChange(t *testing.T) {
	e := newEnv(t, 1)
	first, second := kafkatest.NewPKI(t), kafkatest.NewPKI(t)
	s, rotate := newTLSSink(t, first, nil)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", httpsSubscriber(t, "a", s, caCerts(first)))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(1, 0, 3, "first")
	waitFor(t, "events under the first CA", func() bool { return s.hasAll(ids) })

	rotate(second)
	sub := httpsSubscriber(t, "a", s, caCerts(second))
	sub.Delivery = linearRetry(3)
	if err := d.Reconcile(channel("", sub)); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, e.produce(1, 3, 6, "second")...)
	waitFor(t, "events under the second CA", func() bool { return s.hasAll(ids) })
	if got := s.ids(); !slices.Equal(got, ids) {
		t.Errorf("subscriber received %v, want %v", got, ids)
	}
}
