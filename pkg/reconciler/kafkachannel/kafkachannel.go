// Package kafkachannel reconciles KafkaChannels: config → topic → dispatcher
// (the shared pool's readiness, or a dedicated Deployment for a channel
// annotated knative-kafka.dev/dispatcher: dedicated) → channel Service →
// address → subscriber readiness, and deletes the consumer groups of
// subscribers that left (and, on deletion, all of the channel's).
//
// At scale: the controller caches only the objects it owns, asks Kafka about
// a topic only when its spec or the Kafka settings changed (or every
// admin.TopicRecheckInterval), and re-reconciles every channel on a status
// change of the receiver or the pool only when the readiness channels report
// changed.
//
// A channel touches only its own objects: every name derived from it is unique
// per (namespace, name); a dispatcher Deployment is changed or deleted only if
// its labels name the channel (otherwise DispatcherReady is False, reason
// DispatcherNotOwned), the channel Service only if the channel controls it, and
// the topic is deleted only if the channel created it (status.topicCreated)
// and no other channel is on it.
package kafkachannel

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appsv1listers "k8s.io/client-go/listers/apps/v1"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	eventingv1alpha1listers "knative.dev/eventing/pkg/client/listers/eventing/v1alpha1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/kmeta"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/resolver"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	kcclientset "github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned"
	kcreconciler "github.com/knative-kafka/knative-kafka/pkg/client/injection/reconciler/messaging/v1beta1/kafkachannel"
	kclisters "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
)

// SubscriberProbeInterval is how soon a channel is looked at again while a
// subscriber waits for its dispatcher to initialise the group's offsets.
const SubscriberProbeInterval = 2 * time.Second

// Reconciler implements the generated kafkachannel.Interface and kafkachannel.Finalizer.
type Reconciler struct {
	KubeClient kubernetes.Interface
	// Client reads a channel live where the cache may be behind.
	Client kcclientset.Interface
	// ChannelLister finds the other channels on a topic, which keep it alive.
	ChannelLister    kclisters.KafkaChannelLister
	DeploymentLister appsv1listers.DeploymentLister
	// PoolLister finds the shared dispatcher pool's StatefulSet.
	PoolLister    appsv1listers.StatefulSetLister
	ServiceLister corev1listers.ServiceLister
	URIResolver   *resolver.URIResolver
	// EventPolicyLister finds the EventPolicies that apply to a channel.
	EventPolicyLister eventingv1alpha1listers.EventPolicyLister
	// ServerTLSSecretLister finds the receiver's certificate Secret
	// (servertls.SecretName), whose CA the https addresses carry.
	ServerTLSSecretLister corev1listers.SecretLister

	// Kafka returns the Kafka configuration in force (Secret + config-kafka).
	Kafka  func() client.Snapshot
	Admins *admin.Cache
	// Topics spares Kafka the EnsureTopic of a reconcile where nothing changed; nil asks every time.
	Topics *admin.EnsuredTopics

	SystemNamespace string
	DispatcherImage string
}

var (
	_ kcreconciler.Interface = (*Reconciler)(nil)
	_ kcreconciler.Finalizer = (*Reconciler)(nil)
)

// ReconcileKind implements kcreconciler.Interface.
func (r *Reconciler) ReconcileKind(ctx context.Context, kc *v1beta1.KafkaChannel) pkgreconciler.Event {
	kc.Status.InitializeConditions()
	snap, adm, err := r.connect(kc)
	if err != nil {
		return err
	}
	kafka := snap.Kafka
	if err := r.reconcileTopic(ctx, kc, snap, adm); err != nil {
		return err
	}
	if err := r.reconcileDeadLetterSink(ctx, kc); err != nil {
		return err
	}
	if err := r.reconcileDispatcher(ctx, kc, kafka); err != nil {
		return err
	}
	r.reconcileReceiver(kc)
	if err := r.reconcileChannelService(ctx, kc); err != nil {
		return err
	}
	// A channel without an address still reports its subscribers and policies.
	addrErr := r.reconcileAddress(ctx, kc)
	if err := r.reconcileAuth(ctx, kc); err != nil {
		return err
	}
	previous := kc.Status.Subscribers
	err = r.reconcileSubscribers(ctx, kc, adm)
	if leftErr := deleteLeftGroups(ctx, kc, adm, previous); err == nil {
		err = leftErr
	}
	if addrErr != nil {
		return addrErr
	}
	return err
}

// connect validates the Kafka configuration and returns an Admin for it.
func (r *Reconciler) connect(kc *v1beta1.KafkaChannel) (client.Snapshot, admin.Admin, error) {
	snap := r.Kafka()
	if err := markConfigError(kc, snap); err != nil {
		return snap, nil, err
	}
	adm, err := r.Admins.Get(snap.Settings, snap.Kafka)
	if err != nil {
		markConnectFailed(kc, snap.Settings, err)
		return snap, nil, err
	}
	kc.Status.MarkConfigTrue()
	return snap, adm, nil
}

// lagReader is the Admin of the Kafka configuration in force, for the lag meter.
func (r *Reconciler) lagReader() (admin.LagReader, error) {
	snap := r.Kafka()
	if snap.Err != nil {
		return nil, snap.Err
	}
	return r.Admins.Get(snap.Settings, snap.Kafka)
}

func (r *Reconciler) reconcileTopic(ctx context.Context, kc *v1beta1.KafkaChannel, snap client.Snapshot, adm admin.Admin) error {
	kafka := snap.Kafka
	if kc.Status.TopicName == "" {
		name, err := kafka.TopicName(kc.Namespace, kc.Name)
		if err != nil {
			kc.Status.MarkTopicFailed("InvalidTopicName", "%v", err)
			return err
		}
		kc.Status.TopicName = name
	}
	spec, err := topicSpec(kc, kafka)
	if err != nil {
		kc.Status.MarkTopicFailed("InvalidTopicSpec", "%v", err)
		return err
	}
	if fresh, created := r.Topics.Fresh(kc.Status.TopicName, snap.Settings.Fingerprint, spec); fresh {
		kc.Status.TopicCreated = kc.Status.TopicCreated || created
		kc.Status.MarkTopicTrue()
		return nil
	}
	wasReady := kc.Status.GetCondition(v1beta1.KafkaChannelConditionTopicReady).IsTrue()
	created, err := adm.EnsureTopic(ctx, kc.Status.TopicName, spec)
	if err != nil {
		reason := "TopicCreateFailed"
		if errors.Is(err, admin.ErrEventHubsLimit) {
			// Not a connection problem: keep the cached admin, the operator must act.
			reason = "EventHubsLimitExceeded"
		} else {
			r.Admins.Invalidate()
		}
		if wasReady {
			// A topic that was ready still takes events: say what failed
			// (a periodic check, a growth) without stopping ingress.
			kc.Status.MarkTopicCheckFailed(reason, "%v", err)
		} else {
			kc.Status.MarkTopicFailed(reason, "%v", err)
		}
		return err
	}
	// Once created, always: later calls find the topic this channel made.
	kc.Status.TopicCreated = kc.Status.TopicCreated || created || r.createdEarlier(ctx, kc)
	kc.Status.MarkTopicTrue()
	r.Topics.Record(kc.Status.TopicName, snap.Settings.Fingerprint, spec, kc.Status.TopicCreated)
	return nil
}

// createdEarlier tells, for a topic this reconcile found rather than created,
// whether the channel's live status says an earlier reconcile created it. A
// reconcile that started from a cache not yet showing that status would
// otherwise record the topic as adopted, and the topic would outlive its
// channel. Only channels whose topic looks adopted pay this read.
func (r *Reconciler) createdEarlier(ctx context.Context, kc *v1beta1.KafkaChannel) bool {
	live, err := r.Client.MessagingV1beta1().KafkaChannels(kc.Namespace).Get(ctx, kc.Name, metav1.GetOptions{})
	return err == nil && live.Status.TopicCreated
}

func topicSpec(kc *v1beta1.KafkaChannel, kafka *config.Kafka) (admin.TopicSpec, error) {
	retention, err := config.ParseRetention(kc.Spec.RetentionDuration)
	if err != nil {
		return admin.TopicSpec{}, err
	}
	return admin.TopicSpec{
		NumPartitions:     kc.Spec.NumPartitions,
		ReplicationFactor: kc.Spec.ReplicationFactor,
		Retention:         retention,
		MaxMessageBytes:   kafka.MaxRecordBytes(),
		MinInSyncReplicas: kafka.MinInSyncReplicas,
	}, nil
}

func (r *Reconciler) reconcileDeadLetterSink(ctx context.Context, kc *v1beta1.KafkaChannel) error {
	if kc.Spec.Delivery == nil || kc.Spec.Delivery.DeadLetterSink == nil {
		kc.Status.MarkDeadLetterSinkNotConfigured()
		return nil
	}
	addr, err := r.URIResolver.AddressableFromDestinationV1(ctx, *kc.Spec.Delivery.DeadLetterSink, kc)
	if err != nil {
		kc.Status.MarkDeadLetterSinkFailed("Unable to get the DeadLetterSink's URI", "%v", err)
		return fmt.Errorf("resolving dead letter sink: %w", err)
	}
	kc.Status.MarkDeadLetterSinkResolved(eventingduckv1.DeliveryStatus{
		DeadLetterSinkURI:      addr.URL,
		DeadLetterSinkCACerts:  addr.CACerts,
		DeadLetterSinkAudience: addr.Audience,
	})
	return nil
}

func (r *Reconciler) reconcileDispatcher(ctx context.Context, kc *v1beta1.KafkaChannel, kafka *config.Kafka) error {
	if !kc.HasDedicatedDispatcher() {
		return r.reconcilePool(ctx, kc)
	}
	name := contract.DispatcherName(kc.Namespace, kc.Name)
	current, err := r.DeploymentLister.Deployments(r.SystemNamespace).Get(name)
	if err != nil && !apierrs.IsNotFound(err) {
		kc.Status.MarkDispatcherFailed("DispatcherGetFailed", "%v", err)
		return err
	}
	if current != nil && !resources.IsDispatcherOf(current, kc.Namespace, kc.Name) {
		err := fmt.Errorf("Deployment %s/%s belongs to channel %s/%s, not to this channel", current.Namespace, current.Name,
			current.Labels[contract.ChannelNamespaceLabel], current.Labels[contract.ChannelNameLabel])
		kc.Status.MarkDispatcherFailed("DispatcherNotOwned", "%v", err)
		return err
	}
	args := resources.DispatcherArgs{Channel: kc, SystemNamespace: r.SystemNamespace, Image: r.DispatcherImage, Resources: kafka.Dispatcher.Resources}
	if current != nil && current.Spec.Replicas != nil {
		args.Replicas = *current.Spec.Replicas
	}
	desired := resources.MakeDispatcher(args)
	d, err := r.applyDeployment(ctx, current, desired)
	if err != nil {
		kc.Status.MarkDispatcherFailed("DispatcherApplyFailed", "%v", err)
		return err
	}
	if current == nil {
		controller.GetEventRecorder(ctx).Eventf(kc, corev1.EventTypeNormal, "DispatcherCreated", "Created dispatcher Deployment %s/%s", d.Namespace, d.Name)
	}
	kc.Status.PropagateDispatcherStatus(&d.Status)
	// Upgrade: the dispatcher that ran under the name DispatcherName gave before
	// it was unique per channel leaves once this one exists.
	return r.deleteDispatcher(ctx, kc, contract.LegacyDispatcherName(kc.Namespace, kc.Name), r.cachedDeployment)
}

// reconcilePool reports the shared pool's readiness for a channel whose
// groups run there. A dedicated dispatcher the channel had before goes: its
// members leave their groups, committing, and the pool's take over.
func (r *Reconciler) reconcilePool(ctx context.Context, kc *v1beta1.KafkaChannel) error {
	for _, name := range dispatcherNames(kc) {
		if err := r.deleteDispatcher(ctx, kc, name, r.cachedDeployment); err != nil {
			kc.Status.MarkDispatcherFailed("DispatcherDeleteFailed", "%v", err)
			return err
		}
	}
	pool, err := r.PoolLister.StatefulSets(r.SystemNamespace).Get(contract.PoolName)
	switch {
	case apierrs.IsNotFound(err):
		// Its creation re-reconciles every channel.
		kc.Status.MarkDispatcherFailed("DispatcherPoolNotFound", "the dispatcher pool, StatefulSet %s/%s, does not exist", r.SystemNamespace, contract.PoolName)
		return nil
	case err != nil:
		kc.Status.MarkDispatcherFailed("DispatcherPoolGetFailed", "%v", err)
		return err
	}
	kc.Status.PropagatePoolStatus(&pool.Status, ptr.Deref(pool.Spec.Replicas, 1))
	return nil
}

// dispatcherNames are the names a dedicated dispatcher of the channel may have.
func dispatcherNames(kc *v1beta1.KafkaChannel) []string {
	return []string{contract.DispatcherName(kc.Namespace, kc.Name), contract.LegacyDispatcherName(kc.Namespace, kc.Name)}
}

func (r *Reconciler) cachedDeployment(_ context.Context, name string) (*appsv1.Deployment, error) {
	return r.DeploymentLister.Deployments(r.SystemNamespace).Get(name)
}

func (r *Reconciler) liveDeployment(ctx context.Context, name string) (*appsv1.Deployment, error) {
	return r.KubeClient.AppsV1().Deployments(r.SystemNamespace).Get(ctx, name, metav1.GetOptions{})
}

// deleteDispatcher deletes the Deployment of that name in the system namespace
// if its labels say it is this channel's dispatcher; another channel's, or an
// operator's, is left alone.
func (r *Reconciler) deleteDispatcher(ctx context.Context, kc *v1beta1.KafkaChannel, name string, get func(context.Context, string) (*appsv1.Deployment, error)) error {
	d, err := get(ctx, name)
	if apierrs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !resources.IsDispatcherOf(d, kc.Namespace, kc.Name) {
		logging.FromContext(ctx).Infof("leaving Deployment %s/%s alone: it is not this channel's dispatcher", d.Namespace, d.Name)
		return nil
	}
	// The UID precondition keeps a Deployment created since under the same name.
	err = r.KubeClient.AppsV1().Deployments(d.Namespace).Delete(ctx, d.Name, metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions(string(d.UID))})
	if err != nil && !apierrs.IsNotFound(err) {
		return fmt.Errorf("deleting dispatcher %s/%s: %w", d.Namespace, d.Name, err)
	}
	return nil
}

func (r *Reconciler) applyDeployment(ctx context.Context, current, desired *appsv1.Deployment) (*appsv1.Deployment, error) {
	deployments := r.KubeClient.AppsV1().Deployments(desired.Namespace)
	if current == nil {
		return deployments.Create(ctx, desired, metav1.CreateOptions{})
	}
	if equality.Semantic.DeepDerivative(desired.Spec, current.Spec) && equality.Semantic.DeepDerivative(desired.Labels, current.Labels) {
		return current, nil
	}
	updated := current.DeepCopy()
	updated.Labels = kmeta.UnionMaps(current.Labels, desired.Labels)
	updated.Spec = desired.Spec
	return deployments.Update(ctx, updated, metav1.UpdateOptions{})
}

func (r *Reconciler) reconcileReceiver(kc *v1beta1.KafkaChannel) {
	d, err := r.DeploymentLister.Deployments(r.SystemNamespace).Get(contract.ReceiverName)
	if err != nil {
		kc.Status.MarkReceiverFailed("ReceiverNotFound", "Deployment %s/%s: %v", r.SystemNamespace, contract.ReceiverName, err)
		return
	}
	kc.Status.PropagateReceiverStatus(&d.Status)
}

func (r *Reconciler) reconcileChannelService(ctx context.Context, kc *v1beta1.KafkaChannel) error {
	desired := resources.MakeChannelService(kc, r.SystemNamespace)
	current, err := r.ServiceLister.Services(kc.Namespace).Get(desired.Name)
	services := r.KubeClient.CoreV1().Services(kc.Namespace)
	if apierrs.IsNotFound(err) {
		current, err = r.createChannelService(ctx, desired)
	}
	switch {
	case err != nil || current == nil:
	case !metav1.IsControlledBy(current, kc):
		kc.Status.MarkChannelServiceFailed("ChannelServiceNotOwned", "Service %s/%s exists and is not owned by this channel", kc.Namespace, desired.Name)
		return fmt.Errorf("service %s/%s is not owned by KafkaChannel %s", kc.Namespace, desired.Name, kc.Name)
	case !equality.Semantic.DeepDerivative(desired.Spec, current.Spec) || !equality.Semantic.DeepDerivative(desired.Labels, current.Labels):
		updated := current.DeepCopy()
		updated.Spec = desired.Spec
		// The role label brings a Service taken over into the controller's cache.
		updated.Labels = kmeta.UnionMaps(current.Labels, desired.Labels)
		_, err = services.Update(ctx, updated, metav1.UpdateOptions{})
	}
	if err != nil {
		kc.Status.MarkChannelServiceFailed("ChannelServiceFailed", "%v", err)
		return err
	}
	kc.Status.MarkChannelServiceTrue()
	return nil
}

// createChannelService creates the channel's Service, or returns nil once it
// did. One that exists without our role label, so outside the cache (another
// KafkaChannel implementation left it when this one took over), is read live
// and returned, to be taken over if the channel controls it.
func (r *Reconciler) createChannelService(ctx context.Context, desired *corev1.Service) (*corev1.Service, error) {
	services := r.KubeClient.CoreV1().Services(desired.Namespace)
	_, err := services.Create(ctx, desired, metav1.CreateOptions{})
	if !apierrs.IsAlreadyExists(err) {
		return nil, err
	}
	return services.Get(ctx, desired.Name, metav1.GetOptions{})
}

// reconcileSubscribers reports a subscriber ready only once its consumer group has
// committed offsets on every partition: from then on no event sent can be missed.
// A subscriber once ready stays ready: the dispatcher reads that as "initialised"
// and starts a partition that lacks an offset later (the topic grew, an offset
// expired) at its oldest offset, so that no event is missed either.
func (r *Reconciler) reconcileSubscribers(ctx context.Context, kc *v1beta1.KafkaChannel, adm admin.SubscriberProber) error {
	statuses := make([]eventingduckv1.SubscriberStatus, 0, len(kc.Spec.Subscribers))
	pending := false
	for _, sub := range kc.Spec.Subscribers {
		st := eventingduckv1.SubscriberStatus{UID: sub.UID, ObservedGeneration: sub.Generation, Ready: corev1.ConditionTrue}
		if err := v1beta1.CheckSubscriber(sub); err != nil {
			// The dispatcher does not start it; nothing to wait for until the spec changes.
			st.Ready, st.Message = corev1.ConditionFalse, fmt.Sprintf("refused by the dispatcher: %v", err)
			statuses = append(statuses, st)
			continue
		}
		if kc.Status.SubscriberReady(sub.UID) {
			statuses = append(statuses, st)
			continue
		}
		group := contract.ConsumerGroup(kc.Namespace, kc.Name, string(sub.UID))
		ready, err := adm.OffsetsInitialized(ctx, group, kc.Status.TopicName)
		switch {
		case err != nil:
			st.Ready, st.Message = corev1.ConditionUnknown, fmt.Sprintf("reading offsets of consumer group %s: %v", group, err)
			pending = true
		case !ready:
			st.Ready, st.Message = corev1.ConditionUnknown, fmt.Sprintf("waiting for the dispatcher to initialise consumer group %s", group)
			pending = true
		}
		statuses = append(statuses, st)
	}
	kc.Status.Subscribers = statuses
	if pending {
		logging.FromContext(ctx).Debug("subscribers pending, probing again")
		return controller.NewRequeueAfter(SubscriberProbeInterval)
	}
	return nil
}

// deleteLeftGroups deletes the consumer groups of the subscribers that left
// spec.subscribers since the last reconcile (they are on the status it started
// from), so that no offsets or lag outlive them; Kafka is asked nothing when
// no subscriber left. A subscriber whose group could not be deleted stays on
// status.subscribers, not ready, saying why: soon tried again while the
// dispatcher's members are stopping, with the work queue's backoff when Kafka
// fails otherwise.
func deleteLeftGroups(ctx context.Context, kc *v1beta1.KafkaChannel, adm admin.GroupAdmin, previous []eventingduckv1.SubscriberStatus) error {
	listed := make(map[types.UID]bool, len(kc.Spec.Subscribers))
	for _, sub := range kc.Spec.Subscribers {
		listed[sub.UID] = true
	}
	var failed []error
	stopping := false
	for _, st := range previous {
		if listed[st.UID] {
			continue
		}
		group := contract.ConsumerGroup(kc.Namespace, kc.Name, string(st.UID))
		err := adm.DeleteConsumerGroup(ctx, group)
		switch {
		case err == nil:
			logging.FromContext(ctx).Infof("deleted consumer group %s of removed subscriber %s", group, st.UID)
			continue
		case errors.Is(err, admin.ErrGroupHasMembers):
			stopping = true
		default:
			failed = append(failed, err)
		}
		st.Ready, st.Message = corev1.ConditionFalse, fmt.Sprintf("removed from spec.subscribers; its consumer group is deleted once its members stopped: %v", err)
		kc.Status.Subscribers = append(kc.Status.Subscribers, st)
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	if stopping {
		return controller.NewRequeueAfter(SubscriberProbeInterval)
	}
	return nil
}

// FinalizeKind removes the dispatcher (it is in another namespace, so no owner
// reference cleans it up), the channel's consumer groups and, unless
// config-kafka says retain, the topic.
func (r *Reconciler) FinalizeKind(ctx context.Context, kc *v1beta1.KafkaChannel) pkgreconciler.Event {
	for _, name := range dispatcherNames(kc) {
		// Read live: a dispatcher created just before the channel's deletion
		// may not be in the informer's cache yet, and must not be left behind.
		if err := r.deleteDispatcher(ctx, kc, name, r.liveDeployment); err != nil {
			return err
		}
	}
	if kc.Status.TopicName == "" {
		return nil
	}
	snap := r.Kafka()
	if err := configError(snap); err != nil {
		return fmt.Errorf("deleting topic %s: %w", kc.Status.TopicName, err)
	}
	adm, err := r.Admins.Get(snap.Settings, snap.Kafka)
	if err != nil {
		return err
	}
	if err := deleteChannelGroups(ctx, kc, adm); err != nil {
		return err
	}
	if keep := r.topicKept(kc, snap.Kafka.TopicDeletePolicy); keep != "" {
		logging.FromContext(ctx).Infof("keeping topic %s: %s", kc.Status.TopicName, keep)
		return nil
	}
	r.Topics.Forget(kc.Status.TopicName)
	if err := adm.DeleteTopic(ctx, kc.Status.TopicName); err != nil {
		r.Admins.Invalidate()
		return err
	}
	return nil
}

// topicKept says why a deleted channel's topic stays, or "" if it goes: a
// channel deletes only the topic it created, and not while another channel
// (one that adopted it) is on it.
func (r *Reconciler) topicKept(kc *v1beta1.KafkaChannel, policy config.TopicDeletePolicy) string {
	if policy == config.TopicRetain {
		return "topic.delete.policy is retain"
	}
	if !kc.Status.TopicCreated {
		return "it existed before the channel"
	}
	channels, err := r.ChannelLister.List(labels.Everything())
	if err != nil {
		return fmt.Sprintf("listing the channels that may use it: %v", err)
	}
	for _, other := range channels {
		if other.Status.TopicName == kc.Status.TopicName && (other.Namespace != kc.Namespace || other.Name != kc.Name) {
			return fmt.Sprintf("channel %s/%s uses it", other.Namespace, other.Name)
		}
	}
	return ""
}

// deleteChannelGroups deletes every consumer group of a deleted channel, those
// of subscribers whose deletion did not finish included. The dispatcher was
// deleted first: a group whose members have not stopped yet fails the
// finalizer, which is tried again with backoff.
func deleteChannelGroups(ctx context.Context, kc *v1beta1.KafkaChannel, adm admin.GroupAdmin) error {
	groups, err := adm.ConsumerGroups(ctx, func(g string) bool { return contract.IsConsumerGroupOf(kc.Namespace, kc.Name, g) })
	if err != nil {
		return err
	}
	var errs []error
	for _, g := range groups {
		errs = append(errs, adm.DeleteConsumerGroup(ctx, g))
	}
	return errors.Join(errs...)
}
