// Package servertls holds what the receiver's HTTPS endpoint (Knative's
// transport encryption) is made of: the Secret with its certificate, which
// the receiver serves and whose CA the controller publishes on every channel
// address, and the informer that caches that one Secret.
package servertls

import (
	"context"
	"crypto/tls"
	"fmt"

	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"knative.dev/eventing/pkg/eventingtls"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/system"

	"github.com/knative-kafka/knative-kafka/pkg/systemsecrets"
)

// SecretName is the Secret (system namespace) holding the receiver's server
// certificate: tls.crt, tls.key and ca.crt, as cert-manager writes them.
// Knative names these <component>-server-tls.
const SecretName = "kafka-channel-receiver-server-tls" //nolint:gosec // a name, not a credential

// Informer returns the context's informer of SecretName. It caches only
// SecretName: the other Secrets of the system namespace (other products'
// credentials) are neither listed nor held.
var Informer = systemsecrets.Register("the receiver's server TLS Secret", func(o *metav1.ListOptions) {
	o.FieldSelector = fields.OneTermEqualSelector("metadata.name", SecretName).String()
})

// GetCertificate returns the certificate of SecretName as it is now, for
// tls.Config.GetCertificate: a renewed certificate is served without a restart.
func GetCertificate(ctx context.Context) func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	get := eventingtls.GetCertificateFromSecret(ctx, Informer(ctx), kubeclient.Get(ctx),
		types.NamespacedName{Namespace: system.Namespace(), Name: SecretName})
	return func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert, err := get(hello)
		if cert == nil && err == nil {
			// crypto/tls would say only "no certificates configured".
			err = fmt.Errorf("no certificate yet: Secret %s/%s is missing or has no valid %s and %s",
				system.Namespace(), SecretName, eventingtls.TLSCrt, eventingtls.TLSKey)
		}
		return cert, err
	}
}

// CACerts returns the PEM CA certificates of SecretName that clients of the
// https address must trust, or nil when it has none (a certificate of a CA
// that clients trust already, through eventing's trust bundles), or an error
// that says what is missing.
func CACerts(secrets corev1listers.SecretNamespaceLister) (*string, error) {
	s, err := secrets.Get(SecretName)
	if apierrs.IsNotFound(err) {
		return nil, fmt.Errorf("Secret %s not found: transport encryption needs the receiver's certificate there "+
			"(config/tls/ has a cert-manager Certificate for it)", SecretName)
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s: %w", SecretName, err)
	}
	if ca := s.Data[eventingtls.SecretCACert]; len(ca) > 0 {
		pem := string(ca)
		return &pem, nil
	}
	return nil, nil
}
