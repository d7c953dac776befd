package kafkachannel

import (
	"context"
	"fmt"

	"github.com/kelseyhightower/envconfig"
	"go.opentelemetry.io/otel"
	"go.uber.org/zap"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/eventing/pkg/auth"
	eventpolicyinformer "knative.dev/eventing/pkg/client/injection/informers/eventing/v1alpha1/eventpolicy"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	deploymentinformer "knative.dev/pkg/client/injection/kube/informers/apps/v1/deployment/filtered"
	serviceinformer "knative.dev/pkg/client/injection/kube/informers/core/v1/service/filtered"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/resolver"
	"knative.dev/pkg/system"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	kcclient "github.com/knative-kafka/knative-kafka/pkg/client/injection/client"
	kcinformer "github.com/knative-kafka/knative-kafka/pkg/client/injection/informers/messaging/v1beta1/kafkachannel"
	kcreconciler "github.com/knative-kafka/knative-kafka/pkg/client/injection/reconciler/messaging/v1beta1/kafkachannel"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher/placement"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// Concurrency is how many channels the controller reconciles at once. A
// reconcile waits on Kafka and the API server, and a thousand channels
// created at once (one per Broker) queue behind knative.dev/pkg's default of 2.
const Concurrency = 16

type envConfig struct {
	DispatcherImage string `envconfig:"DISPATCHER_IMAGE" required:"true"`
}

// NewController wires the reconciler to its informers; sharedmain calls it.
func NewController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	logger := logging.FromContext(ctx)
	var env envConfig
	if err := envconfig.Process("", &env); err != nil {
		logger.Fatalw("Missing environment of the KafkaChannel controller", "error", err)
	}
	kcInformer := kcinformer.Get(ctx)
	// Only what carries a role label of ours: cmd/controller asks the filtered
	// informer factory for contract.OwnedSelector.
	deploymentInformer := deploymentinformer.Get(ctx, contract.OwnedSelector)
	serviceInformer := serviceinformer.Get(ctx, contract.OwnedSelector)
	eventPolicyInformer := eventpolicyinformer.Get(ctx)
	serverTLSInformer := servertls.Informer(ctx)
	watcher := client.NewWatcher(ctx, cmw, "kafka-channel-controller")
	poolFactory, poolInformer := placement.PoolInformer(kubeclient.Get(ctx), system.Namespace(), contract.PoolName)

	r := &Reconciler{
		KubeClient:            kubeclient.Get(ctx),
		Client:                kcclient.Get(ctx),
		ChannelLister:         kcInformer.Lister(),
		DeploymentLister:      deploymentInformer.Lister(),
		PoolLister:            poolInformer.Lister(),
		ServiceLister:         serviceInformer.Lister(),
		EventPolicyLister:     eventPolicyInformer.Lister(),
		ServerTLSSecretLister: serverTLSInformer.Lister(),
		Kafka:                 watcher.Current,
		Admins:                &admin.Cache{New: admin.New},
		Topics:                &admin.EnsuredTopics{Interval: admin.TopicRecheckInterval},
		SystemNamespace:       system.Namespace(),
		DispatcherImage:       env.DispatcherImage,
	}
	lag, err := newLagMeter(otel.GetMeterProvider(), kcInformer.Lister(), r.lagReader, logger)
	if err != nil {
		logger.Fatalw("Creating the consumer lag gauge", zap.Error(err))
	}
	go func() {
		// The first measurement waits for the channels, rather than a whole interval.
		if cache.WaitForCacheSync(ctx.Done(), kcInformer.Informer().HasSynced) {
			lag.run(ctx, LagInterval)
		}
	}()
	// config-features (authentication-oidc, transport-encryption) reaches
	// each reconcile through its context; a change re-reconciles every channel.
	var globalResync func(interface{})
	features := feature.NewStore(logger.Named("feature-config-store"), func(string, interface{}) {
		if globalResync != nil {
			globalResync(nil)
		}
	})
	features.WatchConfigs(cmw)
	impl := kcreconciler.NewImpl(ctx, r, func(*controller.Impl) controller.Options {
		return controller.Options{ConfigStore: features}
	})
	// Set on the Impl: the generated NewImpl ignores Options.Concurrency.
	impl.Concurrency = Concurrency
	r.URIResolver = resolver.NewURIResolverFromTracker(ctx, impl.Tracker)

	kcInformer.Informer().AddEventHandler(controller.HandleAll(impl.Enqueue))
	globalResync = func(interface{}) { impl.GlobalResync(kcInformer.Informer()) }
	eventPolicyInformer.Informer().AddEventHandler(auth.EventPolicyEventHandler(
		kcInformer.Informer().GetIndexer(), v1beta1.SchemeGroupVersion.WithKind("KafkaChannel").GroupKind(), impl.EnqueueKey))
	watcher.OnChange(func(client.Snapshot) { globalResync(nil) })
	serverTLSInformer.Informer().AddEventHandler(onCAChange(globalResync))

	// Every channel's status carries the receiver's and the pool's readiness:
	// only a change of that re-reconciles them all, not every status update.
	deploymentInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: controller.FilterWithNameAndNamespace(system.Namespace(), contract.ReceiverName),
		Handler:    onReadinessChange(deploymentReadiness, globalResync),
	})
	poolInformer.Informer().AddEventHandler(onReadinessChange(poolReadiness, globalResync))
	poolFactory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), poolInformer.Informer().HasSynced) {
		logger.Fatal("The dispatcher pool's informer did not sync")
	}
	deploymentInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: pkgreconciler.LabelFilterFunc(contract.RoleLabel, contract.DispatcherRole, false),
		Handler:    controller.HandleAll(impl.EnqueueLabelOfNamespaceScopedResource(contract.ChannelNamespaceLabel, contract.ChannelNameLabel)),
	})
	serviceInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: controller.FilterController(&v1beta1.KafkaChannel{}),
		Handler:    controller.HandleAll(impl.EnqueueControllerOf),
	})
	return impl
}

// onReadinessChange calls f when an object comes or goes, and on an update
// only if readiness, as a channel's status reports it, changed.
func onReadinessChange(readiness func(any) string, f func(any)) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: f,
		UpdateFunc: func(old, obj any) {
			if readiness(old) != readiness(obj) {
				f(obj)
			}
		},
		DeleteFunc: f,
	}
}

// deploymentReadiness is what PropagateReceiverStatus reads: the Available condition.
func deploymentReadiness(obj any) string {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return ""
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return fmt.Sprintf("%s/%s/%s", c.Status, c.Reason, c.Message)
		}
	}
	return ""
}

// poolReadiness is what PropagatePoolStatus reads.
func poolReadiness(obj any) string {
	ss, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return ""
	}
	var st v1beta1.KafkaChannelStatus
	st.PropagatePoolStatus(&ss.Status, ptr.Deref(ss.Spec.Replicas, 1))
	c := st.GetCondition(v1beta1.KafkaChannelConditionDispatcherReady)
	return fmt.Sprintf("%s/%s/%s", c.Status, c.Reason, c.Message)
}
