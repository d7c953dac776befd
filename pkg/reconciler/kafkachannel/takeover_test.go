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
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/kmeta"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
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

// withForeignStatus is what another KafkaChannel implementation leaves in a
// channel's status: conditions of its own, annotations, and its subscriber
// reported ready; no topicName, which it did not record there.
func withForeignStatus(kc *v1beta1.KafkaChannel) {
	kc.Status.Conditions = append(kc.Status.Conditions, apis.Condition{Type: "DataPlaneAvailable", Status: corev1.ConditionTrue})
	kc.Status.Annotations = map[string]string{"bootstrap.servers": "127.0.0.1:9092"}
	kc.Status.Subscribers = []eventingduckv1.SubscriberStatus{{UID: subUID, Ready: corev1.ConditionTrue}}
}

// A channel another implementation reconciled, whose topic exists, is
// adopted: the topic is recorded as not created by it (the fake admin finds
// it existing), and its subscriber, which the other implementation reported
// ready, stays ready: the fake admin would report its offsets uninitialised.
func TestAdoptChannelWithForeignLeftovers(t *testing.T) {
	sub := WithSubscriber(subUID, 1, "sub.ns.svc.cluster.local")
	fa := &fakeAdmin{}
	TableTest{{
		Key: kcKey,
		Ctx: withKafka(&rowKafka{admin: fa}),
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, sub, withForeignStatus),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append([]KafkaChannelOption{withForeignStatus}, readyStatus(sub, WithSubscriberStatus(subUID, 1, corev1.ConditionTrue, ""))...)...),
		}},
	}}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
	if _, ok := fa.ensured[topic]; !ok {
		t.Errorf("topic %s not ensured: %v", topic, fa.ensured)
	}
}
