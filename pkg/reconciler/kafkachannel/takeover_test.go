package kafkachannel

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	corev1listers "k8s.io/client-go/listers/core/v1"
	clientgotesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/kmeta"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

// ownedServices is what the controller's filtered informer serves: only the
// Services that carry a role label of ours.
func ownedServices(all corev1listers.ServiceLister) corev1listers.ServiceLister {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	owned, _ := all.List(labels.Everything())
	for _, s := range owned {
		if _, ok := s.Labels[contract.RoleLabel]; ok {
			_ = indexer.Add(s)
		}
	}
	return corev1listers.NewServiceLister(indexer)
}

// foreignChannelService is a <name>-kn-channel Service another KafkaChannel
// implementation left, controlled by the channel but labelled its own way.
func foreignChannelService(controlled bool) *corev1.Service {
	kc := NewKafkaChannel(kcName, testNS)
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name: kcName + "-kn-channel", Namespace: testNS,
			Labels: map[string]string{"app": "other-kafka-channel"},
		},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "kafka-channel-ingress.knative-eventing.svc.cluster.local"},
	}
	if controlled {
		s.OwnerReferences = []metav1.OwnerReference{*kmeta.NewControllerRef(kc)}
	}
	return s
}

// adoptedChannelService is the foreign Service once the channel took it over:
// our spec, and our role label next to the other implementation's.
func adoptedChannelService() *corev1.Service {
	s := foreignChannelService(true)
	s.Spec = newChannelService().Spec
	s.Labels = kmeta.UnionMaps(s.Labels, newChannelService().Labels)
	return s
}

// A channel that another implementation reconciled keeps its address: the
// Service it left under the channel's name, controlled by the channel but
// invisible to our label-filtered cache, is taken over rather than failing
// the channel with AlreadyExists.
func TestTakeOverChannelService(t *testing.T) {
	TableTest{{
		Name:                    "controlled by the channel: taken over",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer), dispatcher(corev1.ConditionTrue), receiver(), foreignChannelService(true),
		},
		WantCreates:       []runtime.Object{newChannelService()},
		WantUpdates:       []clientgotesting.UpdateActionImpl{{Object: adoptedChannelService()}},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{Object: NewKafkaChannel(kcName, testNS, readyStatus()...)}},
	}}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}
