package kafkachannel

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

// withPool leaves the channel on the shared pool, the default.
func withPool(kc *v1beta1.KafkaChannel) { delete(kc.Annotations, v1beta1.DispatcherAnnotation) }

func pool(replicas, ready int32) *appsv1.StatefulSet {
	return NewPool(systemNS, contract.PoolName, replicas, ready)
}

// poolStatus is readyStatus for a channel on the pool.
func poolStatus(ss *appsv1.StatefulSet, extra ...KafkaChannelOption) []KafkaChannelOption {
	return append(readyStatus(withPool, WithPoolStatus(ss)), extra...)
}

// A channel on the shared pool gets no Deployment: its DispatcherReady is the pool's readiness.
func TestReconcilePool(t *testing.T) {
	ready, down, none := pool(2, 1), pool(2, 0), pool(0, 0)
	newDispatcher := dispatcherFor(config.Default(), "")
	newDispatcher.Status = appsv1.DeploymentStatus{}
	table := TableTest{{
		Name:                    "create on the pool: topic, channel service, no dispatcher Deployment",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects:                 []runtime.Object{NewKafkaChannel(kcName, testNS), receiver(), ready},
		WantCreates:             []runtime.Object{newChannelService()},
		WantPatches:             []clientgotesting.PatchActionImpl{finalizerPatch()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithObservedGeneration, WithInitConditions, WithTopic(topic), WithConfigReady,
				WithTopicReady, WithDeadLetterSinkNotConfigured, WithPoolStatus(ready),
				WithReceiverStatus(receiver()), WithChannelServiceReady, WithAddress(channelHost), WithEmptySubscriberStatus,
				WithEventPoliciesOIDCDisabled),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, kcName)},
	}, {
		Name:    "steady on the pool: nothing to change",
		Key:     kcKey,
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, poolStatus(ready)...), receiver(), channelService(), ready},
	}, {
		Name:    "no replica of the pool ready",
		Key:     kcKey,
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, poolStatus(ready)...), receiver(), channelService(), down},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, poolStatus(down,
				WithDispatcherFailed("DispatcherPoolUnavailable", "none of the 2 replicas of the dispatcher pool is ready"))...),
		}},
	}, {
		Name:    "pool scaled to zero",
		Key:     kcKey,
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, poolStatus(ready)...), receiver(), channelService(), none},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, poolStatus(none,
				WithDispatcherFailed("DispatcherPoolScaledToZero", "the dispatcher pool has no replicas"))...),
		}},
	}, {
		Name:    "pool not installed",
		Key:     kcKey,
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, poolStatus(ready)...), receiver(), channelService()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, poolStatus(ready,
				WithDispatcherFailed("DispatcherPoolNotFound", "the dispatcher pool, StatefulSet "+systemNS+"/"+contract.PoolName+", does not exist"))...),
		}},
	}, {
		Name:                    "dedicated back to the pool: the channel's Deployment goes",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus(withPool)...), dispatcher(corev1.ConditionTrue), receiver(), channelService(), ready,
		},
		// DispatcherReady stays True: the pool is ready.
		WantDeletes: []clientgotesting.DeleteActionImpl{deploymentDelete(contract.DispatcherName(testNS, kcName))},
	}, {
		Name:                    "pool to dedicated: the channel gets its Deployment",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(poolStatus(ready), WithDedicatedDispatcher)...), receiver(), channelService(), ready,
		},
		WantCreates: []runtime.Object{newDispatcher},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithDispatcherStatus(newDispatcher))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "DispatcherCreated", "Created dispatcher Deployment %s/%s", systemNS, contract.DispatcherName(testNS, kcName)),
		},
	}}
	table.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}

// A status update of the receiver or the pool re-reconciles every channel only
// when the readiness that channels report changed.
func TestOnReadinessChange(t *testing.T) {
	calls := 0
	h := onReadinessChange(poolReadiness, func(any) { calls++ })
	h.OnAdd(pool(2, 1), false)
	h.OnUpdate(pool(2, 1), pool(2, 2)) // one more ready replica: channels say the same
	if calls != 1 {
		t.Errorf("%d calls after an add and an update that changes no channel, want 1", calls)
	}
	h.OnUpdate(pool(2, 2), pool(2, 0))
	h.OnDelete(pool(2, 0))
	if calls != 3 {
		t.Errorf("%d calls, want 3 (the pool went unready, then away)", calls)
	}

	calls = 0
	h = onReadinessChange(deploymentReadiness, func(any) { calls++ })
	a, b := receiver(), receiver()
	b.Status.ObservedGeneration = 7
	h.OnUpdate(a, b)
	h.OnUpdate(b, NewDeployment(systemNS, contract.ReceiverName, corev1.ConditionFalse))
	if calls != 1 {
		t.Errorf("%d calls for the receiver, want 1 (it went unavailable)", calls)
	}
}
