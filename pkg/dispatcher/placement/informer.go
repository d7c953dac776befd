package placement

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	appsv1informers "k8s.io/client-go/informers/apps/v1"
	"k8s.io/client-go/kubernetes"
)

// PoolInformer watches the pool's StatefulSet, and no other, so that the
// controller and the pool's replicas cache one object and need only a
// namespaced Role. The caller starts the factory.
func PoolInformer(kube kubernetes.Interface, namespace, name string) (informers.SharedInformerFactory, appsv1informers.StatefulSetInformer) {
	factory := informers.NewSharedInformerFactoryWithOptions(kube, 0,
		informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}))
	return factory, factory.Apps().V1().StatefulSets()
}
