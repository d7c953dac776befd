package kafkachannel

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

// Channel "a-b" in namespace "c" and channel "a" in namespace "b-c" once got
// the same dispatcher Deployment, "a-b-c-kafka-dispatcher".
const (
	pairNS, pairName           = "c", "a-b"
	otherPairNS, otherPairName = "b-c", "a"
	legacyPairDispatcher       = "a-b-c-kafka-dispatcher"
)

// dispatcherOf is the dispatcher Deployment of channel ns/name, available, under the given name.
func dispatcherOf(ns, name, deploymentName string) *appsv1.Deployment {
	d := resources.MakeDispatcher(resources.DispatcherArgs{
		Channel: NewKafkaChannel(name, ns, WithDedicatedDispatcher), SystemNamespace: systemNS, Image: image, Resources: config.Default().Dispatcher.Resources,
	})
	d.Name = deploymentName
	d.Status = NewDeployment(systemNS, d.Name, corev1.ConditionTrue).Status
	return d
}

func deploymentDelete(name string) clientgotesting.DeleteActionImpl {
	return clientgotesting.DeleteActionImpl{
		ActionImpl: clientgotesting.ActionImpl{Namespace: systemNS, Verb: "delete", Resource: appsv1.SchemeGroupVersion.WithResource("deployments")},
		Name:       name,
	}
}

// A channel never updates nor deletes a Deployment that is another channel's,
// whatever its name; it reports the conflict instead.
func TestChannelsNeverTouchEachOthersDispatcher(t *testing.T) {
	pairDispatcher := newDispatcherOf(pairNS, pairName)
	// An operator's (or another channel's) Deployment that has this channel's name.
	squatter := dispatcherOf(otherPairNS, otherPairName, contract.DispatcherName(testNS, kcName))
	ownLegacy := dispatcherOf(testNS, kcName, contract.LegacyDispatcherName(testNS, kcName))

	table := TableTest{{
		Name:                    "colliding pair: c/a-b gets its own dispatcher, b-c/a's is left alone",
		Key:                     pairNS + "/" + pairName,
		SkipNamespaceValidation: true,
		Objects: []runtime.Object{
			NewKafkaChannel(pairName, pairNS, WithDedicatedDispatcher, WithFinalizer), receiver(),
			dispatcherOf(otherPairNS, otherPairName, legacyPairDispatcher),
		},
		WantCreates: []runtime.Object{pairDispatcher, resources.MakeChannelService(NewKafkaChannel(pairName, pairNS, WithDedicatedDispatcher), systemNS)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(pairName, pairNS, WithDedicatedDispatcher, WithFinalizer, WithObservedGeneration, WithInitConditions, WithTopic(pairNS+"."+pairName),
				WithConfigReady, WithTopicReady, WithDeadLetterSinkNotConfigured, WithDispatcherStatus(pairDispatcher),
				WithReceiverStatus(receiver()), WithChannelServiceReady, WithAddress(pairName+"-kn-channel."+pairNS+".svc.cluster.local"),
				WithEmptySubscriberStatus, WithEventPoliciesOIDCDisabled),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "DispatcherCreated", "Created dispatcher Deployment %s/%s", systemNS, pairDispatcher.Name),
		},
	}, {
		Name:                    "a Deployment by the channel's dispatcher name is another channel's: DispatcherReady false, untouched",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects:                 []runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...), squatter, receiver(), channelService()},
		WantErr:                 true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithDispatcherFailed("DispatcherNotOwned",
				"Deployment knative-testing/"+squatter.Name+" belongs to channel b-c/a, not to this channel"))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", "Deployment knative-testing/"+squatter.Name+" belongs to channel b-c/a, not to this channel"),
		},
	}, {
		Name:                    "deleted c/a-b: b-c/a's dispatcher under the old shared name survives",
		Key:                     pairNS + "/" + pairName,
		SkipNamespaceValidation: true,
		Objects: []runtime.Object{
			NewKafkaChannel(pairName, pairNS, WithDedicatedDispatcher, WithFinalizer, WithDeleted),
			dispatcherOf(otherPairNS, otherPairName, legacyPairDispatcher),
		},
		WantPatches: []clientgotesting.PatchActionImpl{{
			ActionImpl: clientgotesting.ActionImpl{Namespace: pairNS},
			Name:       pairName,
			Patch:      []byte(`{"metadata":{"finalizers":[],"resourceVersion":""}}`),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, pairName),
		},
	}, {
		Name:                    "upgrade: the dispatcher under the old name is replaced, one dispatcher left",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects:                 []runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...), ownLegacy, receiver(), channelService()},
		WantCreates:             []runtime.Object{newDispatcherOf(testNS, kcName)},
		WantDeletes:             []clientgotesting.DeleteActionImpl{deploymentDelete(ownLegacy.Name)},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithDispatcherStatus(newDispatcherOf(testNS, kcName)))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "DispatcherCreated", "Created dispatcher Deployment %s/%s", systemNS, contract.DispatcherName(testNS, kcName)),
		},
	}}
	table.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}

// newDispatcherOf is the dispatcher Deployment of ns/name as first created, without status.
func newDispatcherOf(ns, name string) *appsv1.Deployment {
	d := dispatcherOf(ns, name, contract.DispatcherName(ns, name))
	d.Status = appsv1.DeploymentStatus{}
	return d
}

// A channel deletes only the topic it created, and only while no other
// channel is on it; a topic it found existing (an operator's, or one it
// adopted) survives it.
func TestChannelDeletesOnlyTheTopicItCreated(t *testing.T) {
	otherOnTopic := NewKafkaChannel("other", "other-ns", WithTopic(topic), WithTopicCreated)
	for _, tc := range []struct {
		name        string
		status      []KafkaChannelOption
		others      []runtime.Object
		wantDeleted []string
	}{
		{name: "created: deleted", status: []KafkaChannelOption{WithTopicCreated}, wantDeleted: []string{topic}},
		{name: "adopted: kept"},
		{name: "created but another channel is on it: kept", status: []KafkaChannelOption{WithTopicCreated}, others: []runtime.Object{otherOnTopic}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fa := &fakeAdmin{}
			TableTest{{
				Key:                     kcKey,
				Ctx:                     withKafka(&rowKafka{admin: fa}),
				SkipNamespaceValidation: true,
				Objects: append([]runtime.Object{
					NewKafkaChannel(kcName, testNS, append(readyStatus(tc.status...), WithDeleted)...),
					dispatcher(corev1.ConditionTrue),
				}, tc.others...),
				WantDeletes: []clientgotesting.DeleteActionImpl{dispatcherDelete()},
				WantPatches: []clientgotesting.PatchActionImpl{finalizerRemovePatch()},
				WantEvents:  []string{Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, kcName)},
			}}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
			if fmt.Sprint(fa.deleted) != fmt.Sprint(tc.wantDeleted) {
				t.Errorf("deleted topics %v, want %v", fa.deleted, tc.wantDeleted)
			}
		})
	}
}

// The channel records that it created its topic, the first time only.
func TestCreatedTopicIsRecorded(t *testing.T) {
	fa := &fakeAdmin{creates: true}
	TableTest{{
		Key:     kcKey,
		Ctx:     withKafka(&rowKafka{admin: fa}),
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...), dispatcher(corev1.ConditionTrue), receiver(), channelService()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithTopicCreated)...),
		}},
	}, {
		Key:     kcKey,
		Ctx:     withKafka(&rowKafka{admin: &fakeAdmin{}}),
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus(WithTopicCreated)...), dispatcher(corev1.ConditionTrue), receiver(), channelService()},
	}}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}
