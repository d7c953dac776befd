package dispatcher

import (
	"context"
	"os"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.uber.org/zap"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	coordinationv1informers "k8s.io/client-go/informers/coordination/v1"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/eventingtls"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	configmapinformer "knative.dev/pkg/injection/clients/namespacedkube/informers/core/v1/configmap"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/system"

	versionedscheme "github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned/scheme"
	kafkachannelinformer "github.com/knative-kafka/knative-kafka/pkg/client/injection/informers/messaging/v1beta1/kafkachannel"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/delivery"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher/placement"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// Component is the dispatcher's name for sharedmain, logs and metrics.
const Component = "kafka-channel-dispatcher"

// PortEnv names the port of the probes; DefaultPort when unset.
const (
	PortEnv     = "PORT"
	DefaultPort = 8080
)

type stoppedKey struct{}

// WithStopped returns a context for sharedmain and a channel closed once the
// dispatcher built by NewController stopped: main waits on it after sharedmain
// returns, so that the final offset commit happens before the process exits.
func WithStopped(ctx context.Context) (context.Context, <-chan struct{}) {
	ch := make(chan struct{})
	return context.WithValue(ctx, stoppedKey{}, ch), ch
}

// NewController runs a dispatcher: the dedicated one of the channel named by
// CHANNEL_NAMESPACE and CHANNEL_NAME, or, without them, the replica of the
// shared pool that POD_NAME (<statefulset>-<ordinal>) names. It serves the
// probes on PORT.
func NewController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	logger := logging.FromContext(ctx)
	port := DefaultPort
	if p, err := strconv.Atoi(os.Getenv(PortEnv)); err == nil {
		port = p
	}
	memoryLimit := memoryLimitFromEnv()
	SetGoMemoryLimit(memoryLimit)
	trust := eventingtls.ClientConfig{TrustBundleConfigMapLister: configmapinformer.Get(ctx).Lister().ConfigMaps(system.Namespace())}
	sender := delivery.NewSender(trust, auth.NewOIDCTokenProvider(ctx), otel.GetTracerProvider())
	opts := Options{Sender: sender, Logger: logger.Desugar(), MemoryLimit: memoryLimit, Recorder: eventRecorder(ctx)}
	watcher := client.NewWatcher(ctx, cmw, Component+"-"+os.Getenv("POD_NAME"))

	var impl *controller.Impl
	var prober Prober
	var closer func()
	if namespace, name := os.Getenv(contract.ChannelNamespaceEnv), os.Getenv(contract.ChannelNameEnv); namespace != "" || name != "" {
		impl, prober, closer = newDedicated(ctx, namespace, name, watcher, opts)
	} else {
		impl, prober, closer = newPoolReplica(ctx, watcher, opts)
	}
	go func() {
		if err := ServeProbes(ctx, port, prober); err != nil {
			logger.Fatalw("Serving probes", zap.Error(err))
		}
	}()
	go func() {
		<-ctx.Done()
		closer()
		if ch, ok := ctx.Value(stoppedKey{}).(chan struct{}); ok {
			close(ch)
		}
	}()
	return impl
}

// newDedicated runs the Dispatcher of one channel, reconciling it on every change of the KafkaChannel.
func newDedicated(ctx context.Context, namespace, name string, watcher *client.Watcher, opts Options) (*controller.Impl, Prober, func()) {
	logger := logging.FromContext(ctx)
	if namespace == "" || name == "" {
		logger.Fatalf("%s and %s must both name the dispatcher's KafkaChannel", contract.ChannelNamespaceEnv, contract.ChannelNameEnv)
	}
	d, err := New(ctx, watcher, opts)
	if err != nil {
		logger.Fatalw("Creating the dispatcher", zap.Error(err))
	}
	informer := kafkachannelinformer.Get(ctx)
	r := &reconciler{namespace: namespace, name: name, lister: informer.Lister(), dispatcher: d}
	impl := controller.NewContext(ctx, r, controller.ControllerOptions{WorkQueueName: "KafkaChannelDispatcher", Logger: logger})
	informer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: controller.FilterWithNameAndNamespace(namespace, name),
		Handler:    controller.HandleAll(impl.Enqueue),
	})
	return impl, d, d.Close
}

// poolConcurrency is how many channels a pool replica reconciles at once.
const poolConcurrency = 8

// newPoolReplica runs a replica of the shared pool over every channel of the
// cluster, following the pool's size on its StatefulSet and which of its
// replicas run on their Leases, and renewing its own.
func newPoolReplica(ctx context.Context, watcher *client.Watcher, opts Options) (*controller.Impl, Prober, func()) {
	logger := logging.FromContext(ctx)
	statefulSet, ordinal, err := PoolMember(os.Getenv("POD_NAME"))
	if err != nil {
		logger.Fatalw("Finding this replica's place in the dispatcher pool", zap.Error(err))
	}
	informer := kafkachannelinformer.Get(ctx)
	leases := followLeases(ctx, statefulSet)
	pool := NewPool(ctx, statefulSet, ordinal, watcher, informer.Lister(), leases.Lister().Leases(system.Namespace()), opts)
	// Channels are independent, and a reconcile waits on Kafka (a new group
	// connects, a leaving one drains): a few at once keep one slow channel
	// from holding up the others.
	impl := controller.NewContext(ctx, pool, controller.ControllerOptions{WorkQueueName: "KafkaChannelPool", Logger: logger, Concurrency: poolConcurrency})
	cameOrWent := func(obj any) {
		pool.ChannelChanged()
		impl.Enqueue(obj)
	}
	informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: cameOrWent,
		UpdateFunc: func(old, obj any) {
			pool.ChannelUpdated(old, obj)
			impl.Enqueue(obj)
		},
		DeleteFunc: cameOrWent,
	})
	refreshes := make(chan struct{}, 1)
	_, _ = leases.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { poke(refreshes) },
		UpdateFunc: func(any, any) { poke(refreshes) },
		DeleteFunc: func(any) { poke(refreshes) },
	})
	go refreshPlacement(ctx, pool, refreshes)
	go placement.Heartbeat(ctx, kubeclient.Get(ctx).CoordinationV1().Leases(system.Namespace()), statefulSet, ordinal, pool.Ready,
		func(err error) {
			logger.Warnw("Renewing this replica's Lease: the others may place its groups elsewhere", zap.Error(err))
		})
	watchPoolSize(ctx, statefulSet, pool.SetReplicas)
	return impl, pool, pool.Close
}

// followLeases starts an informer of the pool's Leases and waits for its
// cache, so that the replica's first placement already counts the others.
func followLeases(ctx context.Context, statefulSet string) coordinationv1informers.LeaseInformer {
	factory, informer := placement.LeaseInformer(kubeclient.Get(ctx), system.Namespace(), statefulSet)
	informer.Informer() // registered before Start, or the factory starts nothing
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return informer
}

// refreshPlacement has the pool re-read its Leases on every change of one
// and when the next expires, until ctx ends.
func refreshPlacement(ctx context.Context, pool *Pool, changed <-chan struct{}) {
	for {
		var expiry <-chan time.Time
		if next := pool.Refresh(time.Now()); !next.IsZero() {
			expiry = time.After(time.Until(next))
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-expiry:
		}
	}
}

// poke signals ch without blocking: one pending signal stands for many.
func poke(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// watchPoolSize calls set with the StatefulSet's spec.replicas on every change.
func watchPoolSize(ctx context.Context, name string, set func(int32)) {
	factory, informer := placement.PoolInformer(kubeclient.Get(ctx), system.Namespace(), name)
	update := func(obj any) {
		if ss, ok := obj.(*appsv1.StatefulSet); ok {
			set(ptr.Deref(ss.Spec.Replicas, 1))
		}
	}
	_, _ = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    update,
		UpdateFunc: func(_, obj any) { update(obj) },
	})
	factory.Start(ctx.Done())
}

// eventRecorder records Kubernetes events on the channel: the one sharedmain's
// context carries, else one of its own, as the controller's generated
// reconciler makes.
func eventRecorder(ctx context.Context) record.EventRecorder {
	if r := controller.GetEventRecorder(ctx); r != nil {
		return r
	}
	// Events name their object's kind, which the scheme must know.
	utilruntime.Must(versionedscheme.AddToScheme(scheme.Scheme))
	broadcaster := record.NewBroadcaster()
	watch := broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kubeclient.Get(ctx).CoreV1().Events("")})
	go func() {
		<-ctx.Done()
		watch.Stop()
	}()
	return broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: Component})
}

// reconciler hands the dispatcher's one KafkaChannel to the Dispatcher.
type reconciler struct {
	namespace, name string
	lister          listers.KafkaChannelLister
	dispatcher      *Dispatcher
}

// Reconcile implements controller.Reconciler; an error requeues with backoff.
func (r *reconciler) Reconcile(context.Context, string) error {
	kc, err := r.lister.KafkaChannels(r.namespace).Get(r.name)
	if apierrs.IsNotFound(err) {
		return r.dispatcher.Reconcile(nil)
	}
	if err != nil {
		return err
	}
	return r.dispatcher.Reconcile(kc)
}
