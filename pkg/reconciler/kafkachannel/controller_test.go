package kafkachannel

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/eventing/pkg/apis/feature"
	v1addr "knative.dev/pkg/client/injection/ducks/duck/v1/addressable"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	rtesting "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/system"

	_ "github.com/knative-kafka/knative-kafka/pkg/client/injection/informers/messaging/v1beta1/kafkachannel/fake"
	_ "knative.dev/eventing/pkg/client/injection/informers/eventing/v1alpha1/eventpolicy/fake"
	_ "knative.dev/pkg/client/injection/kube/informers/apps/v1/deployment/filtered/fake"
	_ "knative.dev/pkg/client/injection/kube/informers/core/v1/service/filtered/fake"
	_ "knative.dev/pkg/client/injection/kube/informers/factory/filtered/fake"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
	reconcilertesting "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

// The controller caches only the Deployments and Services it owns, not every
// one of the cluster, and runs Concurrency workers.
func TestControllerCachesOnlyItsOwn(t *testing.T) {
	t.Setenv("DISPATCHER_IMAGE", image)
	ctx, cancel, informers := rtesting.SetupFakeContextWithCancel(t, func(ctx context.Context) context.Context {
		return filteredfactory.WithSelectors(ctx, contract.OwnedSelector)
	})
	defer cancel()
	kube := fakekubeclient.Get(ctx)
	ours := resources.MakeDispatcher(resources.DispatcherArgs{Channel: reconcilertesting.NewKafkaChannel(kcName, testNS, reconcilertesting.WithDedicatedDispatcher), SystemNamespace: system.Namespace()})
	theirs := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web"}}
	for _, d := range []*appsv1.Deployment{ours, theirs} {
		if _, err := kube.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web"}}
	if _, err := kube.CoreV1().Services(svc.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cm := func(name string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: name}}
	}
	impl := NewController(v1addr.WithDuck(ctx), configmap.NewStaticWatcher(cm(config.ConfigMapName), cm(feature.FlagsConfigName)))
	// The generated NewImpl drops controller.Options.Concurrency: with
	// knative.dev/pkg's default of 2 workers, a thousand new channels waited
	// in the queue for most of a minute and a half.
	if impl.Concurrency != Concurrency {
		t.Errorf("the controller runs %d workers, want %d", impl.Concurrency, Concurrency)
	}
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}
	for _, inf := range informers {
		for _, obj := range inf.(cache.SharedInformer).GetStore().List() {
			if m, ok := obj.(metav1.Object); ok && m.GetNamespace() == "apps" {
				t.Errorf("%T %s/%s, not the controller's, is cached", obj, m.GetNamespace(), m.GetName())
			}
		}
	}
}
