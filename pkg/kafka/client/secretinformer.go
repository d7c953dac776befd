package client

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	corev1informers "k8s.io/client-go/informers/core/v1"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/system"
)

// The informer of the Kafka Secrets: only those labelled SecretLabel=true in
// the system namespace are listed and cached, so that no component holds the
// other Secrets of that namespace (another product's credentials) in memory.
// It is built on the injected kube client, fake in tests, so it serves as its
// own fake.
func init() {
	injection.Default.RegisterInformer(withSecretInformer)
	injection.Fake.RegisterInformer(withSecretInformer)
}

type secretInformerKey struct{}

func withSecretInformer(ctx context.Context) (context.Context, controller.Informer) {
	f := informers.NewSharedInformerFactoryWithOptions(kubeclient.Get(ctx), controller.GetResyncPeriod(ctx),
		informers.WithNamespace(system.Namespace()),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = SecretLabel + "=true" }))
	inf := f.Core().V1().Secrets()
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
