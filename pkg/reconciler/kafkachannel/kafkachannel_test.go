package kafkachannel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgotesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	logtesting "knative.dev/pkg/logging/testing"
	. "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/resolver"
	"knative.dev/pkg/tracker"

	v1addr "knative.dev/pkg/client/injection/ducks/duck/v1/addressable"
	_ "knative.dev/pkg/system/testing"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	kcfake "github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned/fake"
	fakeclient "github.com/knative-kafka/knative-kafka/pkg/client/injection/client/fake"
	kcreconciler "github.com/knative-kafka/knative-kafka/pkg/client/injection/reconciler/messaging/v1beta1/kafkachannel"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
)

const (
	systemNS  = "knative-testing"
	testNS    = "ns"
	kcName    = "orders"
	topic     = "ns.orders"
	image     = "dispatcher-image"
	subUID    = types.UID("sub-1")
	finalizer = "kafkachannels.messaging.knative.dev"
)

var (
	kcKey       = testNS + "/" + kcName
	channelHost = kcName + "-kn-channel." + testNS + ".svc.cluster.local"
	group       = contract.ConsumerGroup(testNS, kcName, string(subUID))
)

// fakeAdmin stands in for Kafka in table tests; the real admin is tested against kfake.
type fakeAdmin struct {
	mu        sync.Mutex
	ensured   map[string]admin.TopicSpec
	deleted   []string
	ensureErr error
	// creates makes EnsureTopic report that it created the topic.
	creates     bool
	initialized map[string]bool
	// groups are the consumer groups Kafka lists; deleteGroupErr fails their deletion.
	groups         []string
	deleteGroupErr error
	// groupCalls records every consumer-group call, deletedGroups the groups deleted.
	groupCalls    int
	deletedGroups []string
}

func (f *fakeAdmin) EnsureTopic(_ context.Context, topic string, spec admin.TopicSpec) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ensureErr != nil {
		return false, f.ensureErr
	}
	f.ensured[topic] = spec
	return f.creates, nil
}

func (f *fakeAdmin) DeleteTopic(_ context.Context, topic string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, topic)
	return nil
}

func (f *fakeAdmin) OffsetsInitialized(_ context.Context, group, _ string) (bool, error) {
	return f.initialized[group], nil
}

func (f *fakeAdmin) Lag(context.Context, string, []string) (map[string]map[int32]int64, error) {
	return nil, nil
}

func (f *fakeAdmin) ConsumerGroups(_ context.Context, match func(string) bool) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groupCalls++
	var out []string
	for _, g := range f.groups {
		if match(g) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (f *fakeAdmin) DeleteConsumerGroup(_ context.Context, group string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groupCalls++
	if f.deleteGroupErr != nil {
		return fmt.Errorf("deleting consumer group %q: %w", group, f.deleteGroupErr)
	}
	f.deletedGroups = append(f.deletedGroups, group)
	return nil
}

func (f *fakeAdmin) Close() error { return nil }

type rowKafka struct {
	admin *fakeAdmin
	kafka *config.Kafka
	// secret is the Kafka Secret's data, turned into Settings as client.Watcher does.
	secret map[string][]byte
	// cfgErr replaces the Secret's outcome, as a Secret that cannot be found.
	cfgErr error
	// kafkaErr is a refused config-kafka.
	kafkaErr error
	// connectErr is what connecting the admin fails with.
	connectErr error
}

type rowKafkaKey struct{}

// withKafka attaches a row's Kafka stand-in to the row's context.
func withKafka(k *rowKafka) context.Context {
	if k.admin == nil {
		k.admin = &fakeAdmin{}
	}
	if k.admin.ensured == nil {
		k.admin.ensured = map[string]admin.TopicSpec{}
	}
	if k.kafka == nil {
		k.kafka = config.Default()
	}
	if k.secret == nil {
		k.secret = map[string][]byte{client.BrokersKey: []byte("127.0.0.1:9092")}
	}
	return context.WithValue(context.Background(), rowKafkaKey{}, k)
}

func newReconciler(ctx context.Context, ls *Listers, _ configmap.Watcher) controller.Reconciler {
	k, _ := ctx.Value(rowKafkaKey{}).(*rowKafka)
	if k == nil {
		ctx2 := withKafka(&rowKafka{})
		k = ctx2.Value(rowKafkaKey{}).(*rowKafka)
	}
	ctx = v1addr.WithDuck(ctx)
	r := &Reconciler{
		KubeClient:            fakekubeclient.Get(ctx),
		Client:                fakeclient.Get(ctx),
		ChannelLister:         ls.KafkaChannels(),
		DeploymentLister:      ls.Deployments(),
		PoolLister:            ls.StatefulSets(),
		ServiceLister:         ownedServices(ls.Services()),
		EventPolicyLister:     ls.EventPolicies(),
		ServerTLSSecretLister: ls.Secrets(),
		URIResolver:           resolver.NewURIResolverFromTracker(ctx, tracker.New(func(types.NamespacedName) {}, 0)),
		Kafka:                 k.snapshot,
		Admins:                &admin.Cache{New: k.connect},
		SystemNamespace:       systemNS,
		DispatcherImage:       image,
	}
	return kcreconciler.NewReconciler(ctx, logtesting.TestLogger(nil), fakeclient.Get(ctx), ls.KafkaChannels(), controller.GetEventRecorder(ctx), r)
}

// snapshot is what client.Watcher would serve for the row's Secret and config-kafka.
func (k *rowKafka) snapshot() client.Snapshot {
	snap := client.Snapshot{Kafka: k.kafka, KafkaErr: k.kafkaErr, Err: k.cfgErr}
	if k.cfgErr == nil {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: systemNS, Name: "kafka"}, Data: k.secret}
		snap.Settings, snap.Err = client.NewSettingsFromSecret(secret, k.kafka, "test")
	}
	return snap
}

func (k *rowKafka) connect(*client.Settings, *config.Kafka) (admin.Admin, error) {
	if k.connectErr != nil {
		return nil, k.connectErr
	}
	return k.admin, nil
}

// dispatcher is the dispatcher Deployment as the API server stores it.
func dispatcher(available corev1.ConditionStatus) *appsv1.Deployment {
	return AsStoredDeployment(dispatcherFor(config.Default(), available))
}

// dispatcherFor is the dispatcher Deployment made under config-kafka k.
func dispatcherFor(k *config.Kafka, available corev1.ConditionStatus) *appsv1.Deployment {
	d := resources.MakeDispatcher(resources.DispatcherArgs{
		Channel: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher), SystemNamespace: systemNS, Image: image, Resources: k.Dispatcher.Resources,
	})
	d.Status = NewDeployment(systemNS, d.Name, available).Status
	return d
}

func receiver() *appsv1.Deployment {
	return NewDeployment(systemNS, contract.ReceiverName, corev1.ConditionTrue)
}

// channelService is the channel's Service as the API server stores it.
func channelService() *corev1.Service {
	return AsStoredService(newChannelService())
}

// newChannelService is the channel's Service as the controller creates it.
func newChannelService() *corev1.Service {
	return resources.MakeChannelService(NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher), systemNS)
}

// readyStatus is the status of a channel whose every part is in place.
func readyStatus(extra ...KafkaChannelOption) []KafkaChannelOption {
	return append([]KafkaChannelOption{
		WithDedicatedDispatcher, WithFinalizer, WithObservedGeneration, WithInitConditions, WithTopic(topic), WithConfigReady, WithTopicReady,
		WithDeadLetterSinkNotConfigured, WithDispatcherStatus(dispatcher(corev1.ConditionTrue)),
		WithReceiverStatus(receiver()), WithChannelServiceReady, WithAddress(channelHost),
		WithEmptySubscriberStatus, WithEventPoliciesOIDCDisabled,
	}, extra...)
}

const replyOnlyUID = types.UID("sub-reply-only")

// withReplyOnlySubscriber adds a subscriber without subscriberUri, which the dispatcher refuses.
func withReplyOnlySubscriber(kc *v1beta1.KafkaChannel) {
	kc.Spec.Subscribers = append(kc.Spec.Subscribers, eventingduckv1.SubscriberSpec{UID: replyOnlyUID, Generation: 1, ReplyURI: apis.HTTP("reply.ns.svc.cluster.local")})
}

func TestReconcile(t *testing.T) {
	newDispatcher := dispatcherFor(config.Default(), "")
	newDispatcher.Status = appsv1.DeploymentStatus{}
	readyAdmin := &fakeAdmin{initialized: map[string]bool{group: true}}
	largeDispatcher := mustKafka(t, map[string]string{config.DispatcherLimitsMemoryKey: "2Gi", config.DispatcherRequestsMemoryKey: "1Gi"})

	table := TableTest{{
		Name: "bad workqueue key",
		Key:  "too/many/parts",
	}, {
		Name: "key not found",
		Key:  kcKey,
	}, {
		Name:                    "create: topic, dispatcher, channel service, finalizer and status",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Objects:                 []runtime.Object{NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher), receiver()},
		WantCreates: []runtime.Object{
			newDispatcher,
			newChannelService(),
		},
		WantPatches: []clientgotesting.PatchActionImpl{finalizerPatch()},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithObservedGeneration, WithInitConditions, WithTopic(topic), WithConfigReady,
				WithTopicReady, WithDeadLetterSinkNotConfigured, WithDispatcherStatus(newDispatcher),
				WithReceiverStatus(receiver()), WithChannelServiceReady, WithAddress(channelHost), WithEmptySubscriberStatus,
				WithEventPoliciesOIDCDisabled),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, kcName),
			Eventf(corev1.EventTypeNormal, "DispatcherCreated", "Created dispatcher Deployment %s/%s", systemNS, newDispatcher.Name),
		},
	}, {
		Name: "steady state: ready, nothing to change",
		Key:  kcKey,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
	}, {
		Name: "subscriber added: ready once its offsets are initialised",
		Key:  kcKey,
		Ctx:  withKafka(&rowKafka{admin: readyAdmin}),
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"))...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"),
				WithSubscriberStatus(subUID, 3, corev1.ConditionTrue, ""))...),
		}},
	}, {
		Name: "subscriber not yet initialised: Unknown and probed again",
		Key:  kcKey,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"))...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"),
				WithSubscriberStatus(subUID, 3, corev1.ConditionUnknown, "waiting for the dispatcher to initialise consumer group "+group))...),
		}},
	}, {
		// A partition added by growth, or an expired offset, has no committed
		// offset yet; the dispatcher starts it at its oldest offset for this
		// subscriber, which must stay ready (the dispatcher reads that as
		// "initialised") while following its Subscription's generation.
		Name: "ready subscriber stays ready while a partition has no offset",
		Key:  kcKey,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 4, "sub.ns.svc.cluster.local"),
				WithSubscriberStatus(subUID, 3, corev1.ConditionTrue, ""))...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 4, "sub.ns.svc.cluster.local"),
				WithSubscriberStatus(subUID, 4, corev1.ConditionTrue, ""))...),
		}},
	}, {
		// The controller applies the dispatcher's rule (v1beta1.CheckSubscriber):
		// a refused subscriber is False on its own, without asking Kafka about it
		// or waiting for it, and the others are reported as usual.
		Name: "subscriber the dispatcher refuses: False on its own entry, the other ready",
		Key:  kcKey,
		Ctx:  withKafka(&rowKafka{admin: readyAdmin}),
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"), withReplyOnlySubscriber)...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"), withReplyOnlySubscriber,
				WithSubscriberStatus(subUID, 3, corev1.ConditionTrue, ""),
				WithSubscriberStatus(replyOnlyUID, 1, corev1.ConditionFalse, "refused by the dispatcher: missing field(s): subscriberUri"))...),
		}},
	}, {
		Name: "dead letter sink URI resolved into status",
		Key:  kcKey,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithDeadLetterURI("http://dls.ns.svc.cluster.local"))...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithDeadLetterURI("http://dls.ns.svc.cluster.local"),
				WithDeadLetterSinkResolved("http://dls.ns.svc.cluster.local"))...),
		}},
	}, {
		Name: "dispatcher resources changed in config-kafka: Deployment updated",
		Key:  kcKey,
		Ctx:  withKafka(&rowKafka{kafka: largeDispatcher}),
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
		WantUpdates: []clientgotesting.UpdateActionImpl{{Object: dispatcherFor(largeDispatcher, corev1.ConditionTrue)}},
	}, {
		Name: "partitions grown: dispatcher kept, topic grown",
		Key:  kcKey,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithPartitions(4))...),
			dispatcher(corev1.ConditionTrue), receiver(), channelService(),
		},
	}, {
		Name:    "Kafka configuration missing: ConfigurationReady false, nothing created",
		Key:     kcKey,
		Ctx:     withKafka(&rowKafka{cfgErr: errors.New(`no Secret labelled knative-kafka.dev/kafka-secret=true in namespace knative-testing`)}),
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer)},
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, WithObservedGeneration, WithInitConditions,
				WithConfigFailed(ReasonInvalidKafkaSecret, `no Secret labelled knative-kafka.dev/kafka-secret=true in namespace knative-testing`)),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", "kafka configuration: no Secret labelled knative-kafka.dev/kafka-secret=true in namespace knative-testing"),
		},
	}, {
		Name:    "topic creation fails: TopicReady false with the broker's error",
		Key:     kcKey,
		Ctx:     withKafka(&rowKafka{admin: &fakeAdmin{ensureErr: fmt.Errorf(`creating topic "ns.orders": kafka server: Policy violation`)}}),
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer)},
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, WithObservedGeneration, WithInitConditions, WithConfigReady, WithTopic(topic),
				WithTopicFailed("TopicCreateFailed", `creating topic "ns.orders": kafka server: Policy violation`)),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", `creating topic "ns.orders": kafka server: Policy violation`),
		},
	}, {
		// The receiver produces only while TopicReady is True: a failed periodic
		// check or growth of a topic that exists must not stop ingress.
		Name: "check of a ready topic fails: TopicReady stays True, saying why",
		Key:  kcKey,
		Ctx:  withKafka(&rowKafka{admin: &fakeAdmin{ensureErr: fmt.Errorf(`growing topic "ns.orders" from 3 to 6 partitions: kafka server: Policy violation`)}}),
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...),
			dispatcher(corev1.ConditionTrue), channelService(),
		},
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(
				WithTopicCheckFailed("TopicCreateFailed", `growing topic "ns.orders" from 3 to 6 partitions: kafka server: Policy violation`))...),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", `growing topic "ns.orders" from 3 to 6 partitions: kafka server: Policy violation`),
		},
	}, {
		Name:    "Event Hubs quota refuses the topic: TopicReady false with its own reason",
		Key:     kcKey,
		Ctx:     withKafka(&rowKafka{admin: &fakeAdmin{ensureErr: fmt.Errorf(`event hub "ns.orders": %w: 48 partitions exceed the standard tier's 32 per event hub`, admin.ErrEventHubsLimit)}}),
		Objects: []runtime.Object{NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer)},
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, WithObservedGeneration, WithInitConditions, WithConfigReady, WithTopic(topic),
				WithTopicFailed("EventHubsLimitExceeded", `event hub "ns.orders": Event Hubs limit: 48 partitions exceed the standard tier's 32 per event hub`)),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeWarning, "InternalError", `event hub "ns.orders": Event Hubs limit: 48 partitions exceed the standard tier's 32 per event hub`),
		},
	}, {
		Name: "receiver missing: ReceiverReady false",
		Key:  kcKey,
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...),
			dispatcher(corev1.ConditionTrue), channelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(),
				WithReceiverMissing(`Deployment knative-testing/kafka-channel-receiver: deployment.apps "kafka-channel-receiver" not found`))...),
		}},
	}, {
		Name:                    "deleted, policy delete: dispatcher and topic removed, finalizer dropped",
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Ctx:                     withKafka(&rowKafka{admin: &fakeAdmin{}}),
		Objects: []runtime.Object{
			NewKafkaChannel(kcName, testNS, append(readyStatus(), WithDeleted)...),
			dispatcher(corev1.ConditionTrue),
		},
		WantDeletes: []clientgotesting.DeleteActionImpl{dispatcherDelete()},
		WantPatches: []clientgotesting.PatchActionImpl{finalizerRemovePatch()},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, kcName),
		},
	}}

	logger := logtesting.TestLogger(t)
	table.Test(t, MakeFactory(newReconciler, logger))
}

// oidcOn is a row context with config-features' authentication-oidc enabled.
func oidcOn(t *testing.T) context.Context {
	return withFeatures(t, map[string]string{feature.OIDCAuthentication: string(feature.Enabled)})
}

// withFeatures is a row context with that config-features data.
func withFeatures(t *testing.T, data map[string]string) context.Context {
	flags, err := feature.NewFlagsConfigFromMap(data)
	if err != nil {
		t.Fatal(err)
	}
	return feature.ToContext(withKafka(&rowKafka{}), flags)
}

func TestReconcileOIDC(t *testing.T) {
	audience := "messaging.knative.dev/kafkachannel/" + testNS + "/" + kcName
	steady := []runtime.Object{dispatcher(corev1.ConditionTrue), receiver(), channelService()}
	oidcReady := func(extra ...KafkaChannelOption) []KafkaChannelOption {
		return append(append(readyStatus(), WithAudience(audience)), extra...)
	}
	table := TableTest{{
		Name:    "OIDC on: audience published, default authorization mode reported",
		Key:     kcKey,
		Ctx:     oidcOn(t),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...)}, steady...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, oidcReady(WithEventPoliciesDefaultMode("Allow-Same-Namespace"))...),
		}},
	}, {
		Name: "OIDC on: a ready EventPolicy for the channel is listed, another channel's is not",
		Key:  kcKey,
		Ctx:  oidcOn(t),
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...),
			NewEventPolicy(testNS, "only-orders", kcName),
			NewEventPolicy(testNS, "only-payments", "payments"),
		}, steady...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, oidcReady(WithEventPolicies("only-orders"))...),
		}},
	}, {
		Name: "OIDC on: an EventPolicy that is not ready takes the channel's readiness down",
		Key:  kcKey,
		Ctx:  oidcOn(t),
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...),
			func() runtime.Object {
				ep := NewEventPolicy(testNS, "pending", kcName)
				ep.Status.Conditions[0].Status = corev1.ConditionUnknown
				return ep
			}(),
		}, steady...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, oidcReady(func(kc *v1beta1.KafkaChannel) {
				kc.Status.MarkEventPoliciesFailed("EventPoliciesNotReady", "event policies pending are not ready")
			})...),
		}},
	}, {
		// Eventing keeps listing applying policies while OIDC is off; nothing enforces them then.
		Name: "OIDC turned off: audience cleared",
		Key:  kcKey,
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, oidcReady(WithEventPolicies("only-orders"))...),
			NewEventPolicy(testNS, "only-orders", kcName),
		}, steady...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, append(readyStatus(), WithEventPolicies("only-orders"))...),
		}},
	}}
	table.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}

// transportEncryption is a row context with config-features'
// transport-encryption in that mode, and OIDC on if asked.
func transportEncryption(t *testing.T, mode feature.Flag, oidc bool) context.Context {
	data := map[string]string{feature.TransportEncryption: string(mode)}
	if oidc {
		data[feature.OIDCAuthentication] = string(feature.Enabled)
	}
	return withFeatures(t, data)
}

func httpAddress() duckv1.Addressable {
	return duckv1.Addressable{Name: ptr.To("http"), URL: apis.HTTP(channelHost)}
}

// httpsAddress is the path-based address on the receiver's own Service, which its certificate names.
func httpsAddress(caCerts *string) duckv1.Addressable {
	u := apis.HTTPS("kafka-channel-receiver." + systemNS + ".svc.cluster.local")
	u.Path = "/" + testNS + "/" + kcName
	return duckv1.Addressable{Name: ptr.To("https"), URL: u, CACerts: caCerts}
}

func TestReconcileTransportEncryption(t *testing.T) {
	const caPEM = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
	const secretMissing = "Secret kafka-channel-receiver-server-tls not found: transport encryption needs the receiver's certificate there " +
		"(config/tls/ has a cert-manager Certificate for it)"
	audience := "messaging.knative.dev/kafkachannel/" + testNS + "/" + kcName
	steady := []runtime.Object{dispatcher(corev1.ConditionTrue), receiver(), channelService()}
	withSecret := append([]runtime.Object{NewServerTLSSecret(systemNS, []byte(caPEM))}, steady...)
	table := TableTest{{
		Name:    "permissive: address http, addresses https with the CA and http",
		Key:     kcKey,
		Ctx:     transportEncryption(t, feature.Permissive, false),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...)}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(
				WithAddresses(httpAddress(), httpsAddress(ptr.To(caPEM)), httpAddress()))...),
		}},
	}, {
		Name:    "strict: the https address alone, with the CA",
		Key:     kcKey,
		Ctx:     transportEncryption(t, feature.Strict, false),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...)}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))))...),
		}},
	}, {
		Name:    "strict and OIDC: the audience on every address",
		Key:     kcKey,
		Ctx:     transportEncryption(t, feature.Strict, true),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...)}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))),
				WithAudience(audience), WithEventPoliciesDefaultMode("Allow-Same-Namespace"))...),
		}},
	}, {
		Name:    "permissive and OIDC: the audience on every address",
		Key:     kcKey,
		Ctx:     transportEncryption(t, feature.Permissive, true),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...)}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpAddress(), httpsAddress(ptr.To(caPEM)), httpAddress()),
				WithAudience(audience), WithEventPoliciesDefaultMode("Allow-Same-Namespace"))...),
		}},
	}, {
		// The https address would not work: none is published, Ready is False
		// saying what to create, and the reconcile is retried. A Secret of that
		// name in the channel's namespace is not the receiver's.
		Name: "strict, Secret missing: not addressable, saying what to create",
		Key:  kcKey,
		Ctx:  transportEncryption(t, feature.Strict, false),
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))))...),
			NewServerTLSSecret(testNS, []byte(caPEM)),
		}, steady...),
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddressFailed(ReasonServerTLSSecretNotFound, secretMissing))...),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, ReasonServerTLSSecretNotFound, secretMissing)},
	}, {
		Name:    "permissive, Secret missing: not addressable either",
		Key:     kcKey,
		Ctx:     transportEncryption(t, feature.Permissive, false),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus()...)}, steady...),
		WantErr: true,
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddressFailed(ReasonServerTLSSecretNotFound, secretMissing))...),
		}},
		WantEvents: []string{Eventf(corev1.EventTypeWarning, ReasonServerTLSSecretNotFound, secretMissing)},
	}, {
		Name: "strict, Secret created: addressable again",
		Key:  kcKey,
		Ctx:  transportEncryption(t, feature.Strict, false),
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus(WithAddressFailed(ReasonServerTLSSecretNotFound, secretMissing))...),
		}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))))...),
		}},
	}, {
		// A certificate of a CA that senders trust already (eventing's trust bundles).
		Name: "strict, Secret without ca.crt: https address without CACerts",
		Key:  kcKey,
		Ctx:  transportEncryption(t, feature.Strict, false),
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus()...), NewServerTLSSecret(systemNS, nil),
		}, steady...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(nil)))...),
		}},
	}, {
		Name: "strict, CA rotated: the new CA published",
		Key:  kcKey,
		Ctx:  transportEncryption(t, feature.Strict, false),
		Objects: append([]runtime.Object{
			NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To("old CA"))))...),
		}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))))...),
		}},
	}, {
		Name:    "strict, steady: nothing to change",
		Key:     kcKey,
		Ctx:     transportEncryption(t, feature.Strict, false),
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))))...)}, withSecret...),
	}, {
		Name:    "disabled again: the http address alone",
		Key:     kcKey,
		Objects: append([]runtime.Object{NewKafkaChannel(kcName, testNS, readyStatus(WithAddresses(httpsAddress(ptr.To(caPEM))))...)}, withSecret...),
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, readyStatus()...),
		}},
	}}
	table.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
}

// A removed subscriber's group is deleted once, when it leaves the spec; a
// reconcile where nothing changed asks Kafka nothing about groups.
func TestRemovedSubscriberGroup(t *testing.T) {
	notDeleted := func(err error) string {
		return fmt.Sprintf("removed from spec.subscribers; its consumer group is deleted once its members stopped: deleting consumer group %q: %v", group, err)
	}
	kafkaDown := errors.New("kafka: client has run out of available brokers")
	for _, tc := range []struct {
		name        string
		spec        []KafkaChannelOption // beyond a ready channel with sub-1 on its status
		deleteErr   error
		wantErr     bool
		wantEvents  []string
		wantStatus  []KafkaChannelOption
		wantCalls   int
		wantDeleted []string
	}{{
		name:       "subscriber still listed: no group call",
		spec:       []KafkaChannelOption{WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local")},
		wantStatus: []KafkaChannelOption{WithSubscriber(subUID, 3, "sub.ns.svc.cluster.local"), WithSubscriberStatus(subUID, 3, corev1.ConditionTrue, "")},
	}, {
		name:        "subscriber removed: its group deleted, its entry dropped",
		wantCalls:   1,
		wantDeleted: []string{group},
	}, {
		name:       "subscriber removed while its group has members: kept not ready, tried again",
		deleteErr:  admin.ErrGroupHasMembers,
		wantErr:    true,
		wantStatus: []KafkaChannelOption{WithSubscriberStatus(subUID, 3, corev1.ConditionFalse, notDeleted(admin.ErrGroupHasMembers))},
		wantCalls:  1,
	}, {
		// Not a matter of seconds: the work queue's backoff, and an event for the operator.
		name:       "subscriber removed while Kafka fails: kept not ready, the error returned",
		deleteErr:  kafkaDown,
		wantErr:    true,
		wantEvents: []string{Eventf(corev1.EventTypeWarning, "InternalError", "%s", fmt.Errorf("deleting consumer group %q: %w", group, kafkaDown))},
		wantStatus: []KafkaChannelOption{WithSubscriberStatus(subUID, 3, corev1.ConditionFalse, notDeleted(kafkaDown))},
		wantCalls:  1,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			fa := &fakeAdmin{initialized: map[string]bool{group: true}, deleteGroupErr: tc.deleteErr}
			kc := NewKafkaChannel(kcName, testNS, append(append(readyStatus(), tc.spec...), WithSubscriberStatus(subUID, 3, corev1.ConditionTrue, ""))...)
			row := TableRow{
				Key:        kcKey,
				Ctx:        withKafka(&rowKafka{admin: fa}),
				Objects:    []runtime.Object{kc, dispatcher(corev1.ConditionTrue), receiver(), channelService()},
				WantErr:    tc.wantErr,
				WantEvents: tc.wantEvents,
			}
			if want := NewKafkaChannel(kcName, testNS, append(readyStatus(), tc.wantStatus...)...); !equality.Semantic.DeepEqual(want.Status, kc.Status) {
				row.WantStatusUpdates = []clientgotesting.UpdateActionImpl{{Object: want}}
			}
			TableTest{row}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
			if fa.groupCalls != tc.wantCalls || fmt.Sprint(fa.deletedGroups) != fmt.Sprint(tc.wantDeleted) {
				t.Errorf("%d group calls, deleted %v; want %d, %v", fa.groupCalls, fa.deletedGroups, tc.wantCalls, tc.wantDeleted)
			}
		})
	}
}

// A deleted channel's consumer groups go with it, those of subscribers that
// left earlier included, whatever the topic policy; another channel's stay,
// "orders.x" (a channel name with a dot) and "orders2" included.
func TestFinalizeTopicPolicies(t *testing.T) {
	ours := []string{group, contract.ConsumerGroup(testNS, kcName, "left-before")}
	others := []string{
		contract.ConsumerGroup(testNS, kcName+".x", "sub-2"),
		contract.ConsumerGroup(testNS, kcName+"2", "sub-3"),
		contract.ConsumerGroup("other", kcName, "sub-4"),
	}
	for _, tc := range []struct {
		policy      string
		wantDeleted []string
	}{
		{policy: "delete", wantDeleted: []string{topic}},
		{policy: "retain", wantDeleted: nil},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			fa := &fakeAdmin{groups: append(slices.Clone(ours), others...)}
			k := &rowKafka{admin: fa, kafka: mustKafka(t, map[string]string{config.TopicDeletePolicyKey: tc.policy})}
			row := TableRow{
				Key:                     kcKey,
				Ctx:                     withKafka(k),
				SkipNamespaceValidation: true,
				WantDeletes:             []clientgotesting.DeleteActionImpl{dispatcherDelete()},
				Objects: []runtime.Object{
					NewKafkaChannel(kcName, testNS, append(readyStatus(WithTopicCreated), WithDeleted)...),
					dispatcher(corev1.ConditionTrue),
				},
				WantPatches: []clientgotesting.PatchActionImpl{finalizerRemovePatch()},
				WantEvents: []string{
					Eventf(corev1.EventTypeNormal, "FinalizerUpdate", `Updated %q finalizers`, kcName),
				},
			}
			TableTest{row}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
			if fmt.Sprint(fa.deleted) != fmt.Sprint(tc.wantDeleted) {
				t.Errorf("deleted topics %v, want %v", fa.deleted, tc.wantDeleted)
			}
			if !slices.Equal(fa.deletedGroups, ours) {
				t.Errorf("deleted consumer groups %v, want %v", fa.deletedGroups, ours)
			}
		})
	}
}

func TestCreateEnsuresTopicShape(t *testing.T) {
	fa := &fakeAdmin{}
	row := TableRow{
		Key:                     kcKey,
		SkipNamespaceValidation: true,
		Ctx:                     withKafka(&rowKafka{admin: fa}),
		Objects:                 []runtime.Object{NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, WithPartitions(6), WithRetention("PT2H")), receiver()},
		WantCreates: []runtime.Object{
			func() *appsv1.Deployment {
				d := resources.MakeDispatcher(resources.DispatcherArgs{Channel: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithPartitions(6)), SystemNamespace: systemNS, Image: image,
					Resources: config.Default().Dispatcher.Resources})
				return d
			}(),
			newChannelService(),
		},
		WantStatusUpdates: []clientgotesting.UpdateActionImpl{{
			Object: NewKafkaChannel(kcName, testNS, WithDedicatedDispatcher, WithFinalizer, WithPartitions(6), WithRetention("PT2H"), WithObservedGeneration, WithInitConditions,
				WithTopic(topic), WithConfigReady, WithTopicReady, WithDeadLetterSinkNotConfigured,
				WithDispatcherStatus(&appsv1.Deployment{}), WithReceiverStatus(receiver()), WithChannelServiceReady,
				WithAddress(channelHost), WithEmptySubscriberStatus, WithEventPoliciesOIDCDisabled),
		}},
		WantEvents: []string{
			Eventf(corev1.EventTypeNormal, "DispatcherCreated", "Created dispatcher Deployment %s/%s", systemNS, contract.DispatcherName(testNS, kcName)),
		},
	}
	TableTest{row}.Test(t, MakeFactory(newReconciler, logtesting.TestLogger(t)))
	want := admin.TopicSpec{NumPartitions: 6, ReplicationFactor: 1, Retention: 2 * time.Hour, MaxMessageBytes: 1<<20 + 64<<10, MinInSyncReplicas: 2}
	if got := fa.ensured[topic]; got != want {
		t.Errorf("topic %s ensured with %+v, want %+v", topic, got, want)
	}
}

func mustKafka(t *testing.T, data map[string]string) *config.Kafka {
	t.Helper()
	k, err := config.NewKafkaFromMap(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func finalizerPatch() clientgotesting.PatchActionImpl {
	return clientgotesting.PatchActionImpl{
		ActionImpl: clientgotesting.ActionImpl{Namespace: testNS},
		Name:       kcName,
		Patch:      []byte(`{"metadata":{"finalizers":["` + finalizer + `"],"resourceVersion":""}}`),
	}
}

func finalizerRemovePatch() clientgotesting.PatchActionImpl {
	return clientgotesting.PatchActionImpl{
		ActionImpl: clientgotesting.ActionImpl{Namespace: testNS},
		Name:       kcName,
		Patch:      []byte(`{"metadata":{"finalizers":[],"resourceVersion":""}}`),
	}
}

func dispatcherDelete() clientgotesting.DeleteActionImpl {
	return clientgotesting.DeleteActionImpl{
		ActionImpl: clientgotesting.ActionImpl{Namespace: systemNS, Verb: "delete", Resource: appsv1.SchemeGroupVersion.WithResource("deployments")},
		Name:       contract.DispatcherName(testNS, kcName),
	}
}

// A reconcile that starts from a cache not yet showing an earlier reconcile's
// status finds the topic that reconcile created. It must not write that the
// channel adopted it: the topic would then outlive the channel.
func TestStaleReconcileKeepsTopicCreated(t *testing.T) {
	live := NewKafkaChannel(kcName, testNS, append(readyStatus(), WithTopicCreated)...)
	stale := NewKafkaChannel(kcName, testNS, readyStatus()...)
	r := &Reconciler{Client: kcfake.NewSimpleClientset(live), Admins: &admin.Cache{}}
	adm := &fakeAdmin{ensured: map[string]admin.TopicSpec{}} // the topic exists: not created now
	snap := client.Snapshot{Kafka: config.Default(), Settings: &client.Settings{Fingerprint: "test"}}
	if err := r.reconcileTopic(context.Background(), stale, snap, adm); err != nil {
		t.Fatal(err)
	}
	if !stale.Status.TopicCreated {
		t.Error("a reconcile from a stale cache recorded the channel's own topic as adopted")
	}

	adopted := NewKafkaChannel(kcName, testNS, readyStatus()...)
	r.Client = kcfake.NewSimpleClientset(adopted.DeepCopy())
	if err := r.reconcileTopic(context.Background(), adopted, snap, adm); err != nil {
		t.Fatal(err)
	}
	if adopted.Status.TopicCreated {
		t.Error("a topic that existed before the channel was recorded as created by it")
	}
}

// The same, when the stale reconcile is answered from the topic cache rather
// than by Kafka: the cache remembers that the channel created its topic.
func TestStaleReconcileFromTheTopicCacheKeepsTopicCreated(t *testing.T) {
	r := &Reconciler{Client: kcfake.NewSimpleClientset(), Admins: &admin.Cache{}, Topics: &admin.EnsuredTopics{Interval: time.Minute}}
	adm := &fakeAdmin{ensured: map[string]admin.TopicSpec{}, creates: true}
	snap := client.Snapshot{Kafka: config.Default(), Settings: &client.Settings{Fingerprint: "test"}}
	first := NewKafkaChannel(kcName, testNS, readyStatus()...)
	if err := r.reconcileTopic(context.Background(), first, snap, adm); err != nil || !first.Status.TopicCreated {
		t.Fatalf("first reconcile: created %v, %v", first.Status.TopicCreated, err)
	}
	stale := NewKafkaChannel(kcName, testNS, readyStatus()...)
	if err := r.reconcileTopic(context.Background(), stale, snap, adm); err != nil {
		t.Fatal(err)
	}
	if !stale.Status.TopicCreated {
		t.Error("a reconcile from a stale cache, answered by the topic cache, recorded the channel's own topic as adopted")
	}
}

// A reconcile where nothing changed asks Kafka nothing about the topic: a
// shared change re-reconciles every channel. A new spec, new Kafka settings
// or the recheck interval make it ask again.
func TestTopicEnsuredOncePerChange(t *testing.T) {
	now := time.Now()
	r := &Reconciler{Client: kcfake.NewSimpleClientset(), Admins: &admin.Cache{}, Topics: &admin.EnsuredTopics{Interval: time.Minute, Now: func() time.Time { return now }}}
	adm := &fakeAdmin{ensured: map[string]admin.TopicSpec{}}
	snap := client.Snapshot{Kafka: config.Default(), Settings: &client.Settings{Fingerprint: "a"}}
	calls := 0
	ensure := func(kc *v1beta1.KafkaChannel, snap client.Snapshot) {
		t.Helper()
		adm.ensured = map[string]admin.TopicSpec{}
		if err := r.reconcileTopic(context.Background(), kc, snap, adm); err != nil {
			t.Fatal(err)
		}
		if c := kc.Status.GetCondition(v1beta1.KafkaChannelConditionTopicReady); !c.IsTrue() {
			t.Fatalf("TopicReady %+v", c)
		}
		calls += len(adm.ensured)
	}
	kc := NewKafkaChannel(kcName, testNS, readyStatus()...)
	for range 3 {
		ensure(kc, snap)
	}
	if calls != 1 {
		t.Errorf("%d EnsureTopic calls for three reconciles of an unchanged channel, want 1", calls)
	}
	grown := NewKafkaChannel(kcName, testNS, append(readyStatus(), WithPartitions(4))...)
	ensure(grown, snap)
	ensure(grown, client.Snapshot{Kafka: config.Default(), Settings: &client.Settings{Fingerprint: "b"}})
	now = now.Add(2 * time.Minute)
	ensure(grown, client.Snapshot{Kafka: config.Default(), Settings: &client.Settings{Fingerprint: "b"}})
	if calls != 4 {
		t.Errorf("%d EnsureTopic calls, want 4 (new partitions, new settings, interval passed)", calls)
	}
}
