package servertls

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	"knative.dev/eventing/pkg/eventingtls"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	"knative.dev/pkg/controller"
	reconcilertesting "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/system"
	_ "knative.dev/pkg/system/testing"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

func secret(p kafkatest.PKI) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: SecretName},
		Data: map[string][]byte{
			eventingtls.TLSCrt: p.CertPEM, eventingtls.TLSKey: p.KeyPEM, eventingtls.SecretCACert: p.CAPEM,
		},
	}
}

func started(t *testing.T) context.Context {
	t.Helper()
	ctx, informers := reconcilertesting.SetupFakeContext(t)
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// The receiver serves the Secret's certificate as it is at each handshake:
// none (with an error naming the Secret) before it exists, then the one
// cert-manager wrote, then its renewal, without a restart.
func TestCertificateFollowsTheSecret(t *testing.T) {
	ctx := started(t)
	get := GetCertificate(ctx)
	if _, err := get(&tls.ClientHelloInfo{}); err == nil || !strings.Contains(err.Error(), SecretName) {
		t.Fatalf("without the Secret: error %v, want one naming %s", err, SecretName)
	}
	secrets := fakekubeclient.Get(ctx).CoreV1().Secrets(system.Namespace())
	first, renewed := kafkatest.NewPKI(t), kafkatest.NewPKI(t)
	if _, err := secrets.Create(ctx, secret(first), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitServes(t, get, first)
	if _, err := secrets.Update(ctx, secret(renewed), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitServes(t, get, renewed)
}

func waitServes(t *testing.T, get func(*tls.ClientHelloInfo) (*tls.Certificate, error), p kafkatest.PKI) {
	t.Helper()
	want, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cert, _ := get(&tls.ClientHelloInfo{})
		if cert != nil && string(cert.Certificate[0]) == string(want.Certificate[0]) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the Secret's certificate is not served")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCACerts(t *testing.T) {
	p := kafkatest.NewPKI(t)
	withoutCA := secret(p)
	delete(withoutCA.Data, eventingtls.SecretCACert)
	tests := []struct {
		name    string
		secret  *corev1.Secret
		want    *string
		wantErr string
	}{
		{name: "missing Secret", wantErr: SecretName + " not found"},
		{name: "CA in ca.crt", secret: secret(p), want: ptr(string(p.CAPEM))},
		{name: "no ca.crt: clients use their trust bundles", secret: withoutCA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, _ := reconcilertesting.SetupFakeContext(t)
			if tc.secret != nil {
				if err := Informer(ctx).Informer().GetIndexer().Add(tc.secret); err != nil {
					t.Fatal(err)
				}
			}
			got, err := CACerts(Informer(ctx).Lister().Secrets(system.Namespace()))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("CACerts = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// Only the one Secret is listed and watched: the other Secrets of the system
// namespace (other products' credentials) stay out of the components' memory.
func TestInformerAsksForTheSecretAlone(t *testing.T) {
	ctx, informers := reconcilertesting.SetupFakeContext(t)
	asked := make(chan string, 10)
	fakekubeclient.Get(ctx).PrependReactor("list", "secrets", func(a clientgotesting.Action) (bool, runtime.Object, error) {
		l := a.(clientgotesting.ListActionImpl)
		asked <- l.GetNamespace() + " " + l.GetListRestrictions().Fields.String()
		return false, nil, nil
	})
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}
	want := system.Namespace() + " metadata.name=" + SecretName
	for {
		select {
		case got := <-asked:
			if got == want {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no list of Secrets restricted to %q", want)
		}
	}
}
