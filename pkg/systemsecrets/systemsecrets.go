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
