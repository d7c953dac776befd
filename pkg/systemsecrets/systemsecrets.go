// Package systemsecrets builds informers of chosen Secrets of the system
// namespace: each lists and caches only the Secrets its filter selects, so
// that no component holds the namespace's other Secrets (other software's
// credentials) in memory.
package systemsecrets

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

// NewInformer returns an informer of the system namespace's Secrets that
// filter selects (a label or field selector), on the context's kube client:
// fake in tests, so that it serves as its own fake.
func NewInformer(ctx context.Context, filter func(*metav1.ListOptions)) corev1informers.SecretInformer {
	f := informers.NewSharedInformerFactoryWithOptions(kubeclient.Get(ctx), controller.GetResyncPeriod(ctx),
		informers.WithNamespace(system.Namespace()), informers.WithTweakListOptions(filter))
	return f.Core().V1().Secrets()
}

// Register registers with knative.dev/pkg injection (its Default and Fake
// injectors) an informer of the Secrets filter selects, so that sharedmain
// starts it, and returns the function that gets it from a context; what
// names it in the panic of a context without it.
func Register(what string, filter func(*metav1.ListOptions)) func(context.Context) corev1informers.SecretInformer {
	key := new(int) // a context key of its own for each informer
	with := func(ctx context.Context) (context.Context, controller.Informer) {
		inf := NewInformer(ctx, filter)
		return context.WithValue(ctx, key, inf), inf.Informer()
	}
	injection.Default.RegisterInformer(with)
	injection.Fake.RegisterInformer(with)
	return func(ctx context.Context) corev1informers.SecretInformer {
		inf, ok := ctx.Value(key).(corev1informers.SecretInformer)
		if !ok {
			logging.FromContext(ctx).Panicf("Unable to fetch the informer of %s from context.", what)
		}
		return inf
	}
}
