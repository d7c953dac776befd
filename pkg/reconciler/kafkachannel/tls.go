package kafkachannel

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/eventing/pkg/eventingtls"
	pkgreconciler "knative.dev/pkg/reconciler"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// ReasonServerTLSSecretNotFound: transport encryption is on and the
// receiver's certificate Secret (servertls.SecretName) does not exist.
const ReasonServerTLSSecretNotFound = "ServerTLSSecretNotFound"

// reconcileAddress publishes the channel's addresses as eventing's
// transport-encryption asks, as an InMemoryChannel does: disabled, the http
// address; permissive, the http address with the https one listed first
// beside it; strict, the https address alone.
func (r *Reconciler) reconcileAddress(ctx context.Context, kc *v1beta1.KafkaChannel) error {
	flags := feature.FromContext(ctx)
	http := resources.HTTPAddress(kc.Namespace, kc.Name)
	if !flags.IsPermissiveTransportEncryption() && !flags.IsStrictTransportEncryption() {
		kc.Status.SetAddress(&http)
		return nil
	}
	// A lister fails only when the Secret is not in its cache.
	caCerts, err := servertls.CACerts(r.ServerTLSSecretLister.Secrets(r.SystemNamespace))
	if err != nil {
		// An https address without the CA its certificate needs would be a
		// broken one: none is published. The Secret's creation re-reconciles
		// the channel; the error retries it meanwhile.
		kc.Status.MarkAddressFailed(ReasonServerTLSSecretNotFound, "%v", err)
		// Wrapped, the event is recorded under its reason and still fails the reconcile.
		return fmt.Errorf("%w", pkgreconciler.NewEvent(corev1.EventTypeWarning, ReasonServerTLSSecretNotFound, "%v", err))
	}
	https := resources.HTTPSAddress(r.SystemNamespace, kc.Namespace, kc.Name, caCerts)
	if flags.IsStrictTransportEncryption() {
		kc.Status.SetAddresses(https)
		return nil
	}
	kc.Status.SetAddresses(http, https, http)
	return nil
}

// onCAChange calls resync for the receiver's certificate Secret (its
// informer holds no other): every channel's https address carries its CA, so
// its creation, deletion or CA rotation concerns them all; a renewal of the
// certificate alone (same CA) none.
func onCAChange(resync func(any)) cache.ResourceEventHandler {
	return onReadinessChange(caCerts, resync)
}

// caCerts is what a channel's https address reads from the Secret.
func caCerts(obj any) string {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return ""
	}
	return string(s.Data[eventingtls.SecretCACert])
}
