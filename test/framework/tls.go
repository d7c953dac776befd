package framework

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/eventing/pkg/eventingtls"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// SetTransportEncryption sets eventing's transport-encryption (disabled,
// permissive or strict) until the test ends. The test ends once the receiver
// takes plain HTTP again, unless the mode restored is strict, so that the
// tests after it do not meet a receiver still in strict mode.
func (e *Env) SetTransportEncryption(t testing.TB, mode feature.Flag) {
	t.Helper()
	t.Cleanup(func() { e.waitPlainHTTP(t) }) // runs after setFeature's restore
	e.setFeature(t, feature.TransportEncryption, string(mode))
}

func (e *Env) waitPlainHTTP(t testing.TB) {
	t.Helper()
	cm, err := e.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace).Get(context.Background(), feature.FlagsConfigName, metav1.GetOptions{})
	if err != nil {
		t.Errorf("reading %s: %v", feature.FlagsConfigName, err)
		return
	}
	if feature.Flag(cm.Data[feature.TransportEncryption]) == feature.Strict {
		return
	}
	// OPTIONS, the delivery handshake, is answered 200 for any channel path
	// by a listener that takes events, 404 by one that does not.
	err = poll(time.Minute, func() (bool, error) {
		code, err := SendRaw(context.Background(), http.MethodOptions, e.MustReceiverURL(t)+"/any/channel", http.Header{}, nil)
		return err == nil && code == http.StatusOK, nil
	})
	if err != nil {
		t.Errorf("the receiver does not take plain HTTP again after transport-encryption was restored: %v", err)
	}
}

// ReceiverCertificate writes the receiver's server Secret as cert-manager
// would, from p, and deletes it when the test ends.
func (e *Env) ReceiverCertificate(t testing.TB, p kafkatest.PKI) {
	t.Helper()
	createUntilCleanup(t, e.Kube.CoreV1().Secrets(devenv.SystemNamespace), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: servertls.SecretName, Namespace: devenv.SystemNamespace},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			eventingtls.TLSCrt: p.CertPEM, eventingtls.TLSKey: p.KeyPEM, eventingtls.SecretCACert: p.CAPEM,
		},
	})
}

// TrustBundle publishes a CA as one of eventing's trust bundles (a labelled
// ConfigMap of the system namespace) until the test ends.
func (e *Env) TrustBundle(t testing.TB, name string, caPEM []byte) {
	t.Helper()
	createUntilCleanup(t, e.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: devenv.SystemNamespace,
			Labels: map[string]string{"networking.knative.dev/trust-bundle": "true"}},
		Data: map[string]string{"ca.crt": string(caPEM)},
	})
}

// objects is what createUntilCleanup needs of a typed client.
type objects[T any] interface {
	Create(context.Context, T, metav1.CreateOptions) (T, error)
	Delete(context.Context, string, metav1.DeleteOptions) error
}

// createUntilCleanup creates obj and deletes it when the test ends.
func createUntilCleanup[T metav1.Object](t testing.TB, client objects[T], obj T) {
	t.Helper()
	ctx := context.Background()
	if _, err := client.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
	t.Cleanup(func() {
		if err := client.Delete(ctx, obj.GetName(), metav1.DeleteOptions{}); err != nil {
			t.Errorf("deleting %T %s: %v", obj, obj.GetName(), err)
		}
	})
}

// SendTLS posts an event to an https address as a client in the cluster
// would: verifying the receiver's certificate for the address's host against
// the address's CA certificates, the path routing to the channel. The dev
// environment has no cluster DNS, so the connection goes to the local
// receiver's HTTPS port.
func (e *Env) SendTLS(t testing.TB, addr duckv1.Addressable, ev cloudevents.Event) (int, error) {
	t.Helper()
	base, err := e.ReceiverHTTPSURL()
	if err != nil {
		return 0, err
	}
	roots := x509.NewCertPool()
	if addr.CACerts == nil || !roots.AppendCertsFromPEM([]byte(*addr.CACerts)) {
		return 0, fmt.Errorf("address %s publishes no CA certificate", addr.URL)
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: addr.URL.URL().Hostname(), MinVersion: tls.VersionTLS12},
	}}
	defer client.CloseIdleConnections()
	req, err := eventRequest(context.Background(), base+addr.URL.Path, ev)
	if err != nil {
		return 0, err
	}
	return do(client, req)
}
