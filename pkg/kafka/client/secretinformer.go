package client

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1informers "k8s.io/client-go/informers/core/v1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"

	"github.com/knative-kafka/knative-kafka/pkg/systemsecrets"
)

// The informer of the Kafka Secrets: only those labelled SecretLabel=true in
// the system namespace are listed and cached (see systemsecrets).
func init() {
	injection.Default.RegisterInformer(withSecretInformer)
	injection.Fake.RegisterInformer(withSecretInformer)
}

type secretInformerKey struct{}

func withSecretInformer(ctx context.Context) (context.Context, controller.Informer) {
	inf := systemsecrets.NewInformer(ctx, func(o *metav1.ListOptions) { o.LabelSelector = SecretLabel + "=true" })
	return context.WithValue(ctx, secretInformerKey{}, inf), inf.Informer()
}

// secretInformer returns the Kafka Secret informer of the context.
func secretInformer(ctx context.Context) corev1informers.SecretInformer {
	inf, ok := ctx.Value(secretInformerKey{}).(corev1informers.SecretInformer)
	if !ok {
		logging.FromContext(ctx).Panic("Unable to fetch the Kafka Secret informer from context.")
	}
	return inf
}
