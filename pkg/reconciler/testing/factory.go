// Package testing holds the table-test scaffolding of this project's reconcilers,
// on top of knative.dev/pkg/reconciler/testing.
package testing

import (
	"context"
	"testing"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	fakekubeclientset "k8s.io/client-go/kubernetes/fake"
	appsv1listers "k8s.io/client-go/listers/apps/v1"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	eventingv1alpha1 "knative.dev/eventing/pkg/apis/eventing/v1alpha1"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	eventingv1alpha1listers "knative.dev/eventing/pkg/client/listers/eventing/v1alpha1"
	messagingv1listers "knative.dev/eventing/pkg/client/listers/messaging/v1"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	fakedynamicclient "knative.dev/pkg/injection/clients/dynamicclient/fake"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/reconciler"
	rtesting "knative.dev/pkg/reconciler/testing"

	appsv1 "k8s.io/api/apps/v1"

	fakeclientset "github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned/fake"
	fakeclient "github.com/knative-kafka/knative-kafka/pkg/client/injection/client/fake"
	kafkalisters "github.com/knative-kafka/knative-kafka/pkg/client/listers/kafka/v1alpha1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
)

var schemes = []func(*runtime.Scheme) error{
	fakekubeclientset.AddToScheme,
	fakeclientset.AddToScheme,
	eventingv1alpha1.AddToScheme,
	messagingv1.AddToScheme,
}

// NewScheme knows the Kubernetes types, this project's, EventPolicies, Subscriptions and Channels.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range schemes {
		_ = add(s)
	}
	return s
}

// Listers serve a table row's objects to the reconciler under test.
type Listers struct {
	sorter rtesting.ObjectSorter
}

// NewListers indexes objs by type.
func NewListers(objs []runtime.Object) *Listers {
	l := &Listers{sorter: rtesting.NewObjectSorter(NewScheme())}
	l.sorter.AddObjects(objs...)
	return l
}

func (l *Listers) indexerFor(obj runtime.Object) cache.Indexer {
	return l.sorter.IndexerForObjectType(obj)
}

// KubeObjects are the row's objects the Kubernetes clientset knows.
func (l *Listers) KubeObjects() []runtime.Object {
	return l.sorter.ObjectsForSchemeFunc(fakekubeclientset.AddToScheme)
}

// KafkaObjects are the row's KafkaChannels and ResetOffsets.
func (l *Listers) KafkaObjects() []runtime.Object {
	return l.sorter.ObjectsForSchemeFunc(fakeclientset.AddToScheme)
}

// KafkaChannels lists the row's KafkaChannels.
func (l *Listers) KafkaChannels() listers.KafkaChannelLister {
	return listers.NewKafkaChannelLister(l.indexerFor(&v1beta1.KafkaChannel{}))
}

// ResetOffsets lists the row's ResetOffsets.
func (l *Listers) ResetOffsets() kafkalisters.ResetOffsetLister {
	return kafkalisters.NewResetOffsetLister(l.indexerFor(&v1alpha1.ResetOffset{}))
}

// Subscriptions lists the row's Subscriptions.
func (l *Listers) Subscriptions() messagingv1listers.SubscriptionLister {
	return messagingv1listers.NewSubscriptionLister(l.indexerFor(&messagingv1.Subscription{}))
}

// Channels lists the row's generic Channels.
func (l *Listers) Channels() messagingv1listers.ChannelLister {
	return messagingv1listers.NewChannelLister(l.indexerFor(&messagingv1.Channel{}))
}

// StatefulSets lists the row's StatefulSets.
func (l *Listers) StatefulSets() appsv1listers.StatefulSetLister {
	return appsv1listers.NewStatefulSetLister(l.indexerFor(&appsv1.StatefulSet{}))
}

// Deployments lists the row's Deployments.
func (l *Listers) Deployments() appsv1listers.DeploymentLister {
	return appsv1listers.NewDeploymentLister(l.indexerFor(&appsv1.Deployment{}))
}

// Services lists the row's Services.
func (l *Listers) Services() corev1listers.ServiceLister {
	return corev1listers.NewServiceLister(l.indexerFor(&corev1.Service{}))
}

// Secrets lists the row's Secrets.
func (l *Listers) Secrets() corev1listers.SecretLister {
	return corev1listers.NewSecretLister(l.indexerFor(&corev1.Secret{}))
}

// EventPolicies lists the row's EventPolicies.
func (l *Listers) EventPolicies() eventingv1alpha1listers.EventPolicyLister {
	return eventingv1alpha1listers.NewEventPolicyLister(l.indexerFor(&eventingv1alpha1.EventPolicy{}))
}

// Ctor builds the reconciler under test from the fakes in ctx.
type Ctor func(context.Context, *Listers, configmap.Watcher) controller.Reconciler

// MakeFactory gives knative.dev/pkg/reconciler/testing a reconciler on fake clients.
func MakeFactory(ctor Ctor, logger *zap.SugaredLogger) rtesting.Factory {
	return func(t *testing.T, r *rtesting.TableRow) (controller.Reconciler, rtesting.ActionRecorderList, rtesting.EventList) {
		ls := NewListers(r.Objects)
		ctx := r.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		ctx = logging.WithLogger(ctx, logger)
		r.Ctx = ctx
		ctx, kubeClient := fakekubeclient.With(ctx, ls.KubeObjects()...)
		ctx, client := fakeclient.With(ctx, ls.KafkaObjects()...)
		ctx, dynamicClient := fakedynamicclient.With(ctx, NewScheme(), toUnstructured(t, r.Objects)...)
		recorder := record.NewFakeRecorder(20)
		ctx = controller.WithEventRecorder(ctx, recorder)

		c := ctor(ctx, ls, configmap.NewStaticWatcher())
		if la, ok := c.(reconciler.LeaderAware); ok {
			_ = la.Promote(reconciler.UniversalBucket(), func(reconciler.Bucket, types.NamespacedName) {})
		}
		for _, reactor := range r.WithReactors {
			kubeClient.PrependReactor("*", "*", reactor)
			client.PrependReactor("*", "*", reactor)
		}
		return c, rtesting.ActionRecorderList{dynamicClient, client, kubeClient}, rtesting.EventList{Recorder: recorder}
	}
}

// toUnstructured gives the dynamic fake typed-in objects, as it only handles Unstructured.
func toUnstructured(t *testing.T, objs []runtime.Object) []runtime.Object {
	s := NewScheme()
	out := make([]runtime.Object, 0, len(objs))
	for _, obj := range objs {
		obj = obj.DeepCopyObject()
		gvks, _, err := s.ObjectKinds(obj)
		if err != nil {
			t.Fatalf("kind of %T: %v", obj, err)
		}
		ta, err := meta.TypeAccessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		apiVersion, kind := gvks[0].ToAPIVersionAndKind()
		ta.SetAPIVersion(apiVersion)
		ta.SetKind(kind)
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &unstructured.Unstructured{Object: u})
	}
	return out
}
