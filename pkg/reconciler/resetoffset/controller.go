package resetoffset

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	eventingclient "knative.dev/eventing/pkg/client/injection/client"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"

	kcclient "github.com/knative-kafka/knative-kafka/pkg/client/injection/client"
	roinformer "github.com/knative-kafka/knative-kafka/pkg/client/injection/informers/kafka/v1alpha1/resetoffset"
	kcinformer "github.com/knative-kafka/knative-kafka/pkg/client/injection/informers/messaging/v1beta1/kafkachannel"
	roreconciler "github.com/knative-kafka/knative-kafka/pkg/client/injection/reconciler/kafka/v1alpha1/resetoffset"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

var metav1PatchOptions = metav1.PatchOptions{}

// NewController wires the ResetOffset reconciler; sharedmain calls it.
func NewController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	events := eventingclient.Get(ctx)
	watcher := client.NewWatcher(ctx, cmw, "kafka-channel-controller-resetoffset")
	r := &Reconciler{
		Client:        kcclient.Get(ctx),
		ChannelLister: kcinformer.Get(ctx).Lister(),
		// A Subscription is read once per reconcile of a reset that has not
		// ended: fewer reads than a cache of every Subscription would cost.
		Subscription: func(ctx context.Context, namespace, name string) (*messagingv1.Subscription, error) {
			return events.MessagingV1().Subscriptions(namespace).Get(ctx, name, metav1.GetOptions{})
		},
		// Read only for a Subscription to a generic Channel, as rarely.
		Channel: func(ctx context.Context, namespace, name string) (*messagingv1.Channel, error) {
			return events.MessagingV1().Channels(namespace).Get(ctx, name, metav1.GetOptions{})
		},
		Kafka:   watcher.Current,
		Connect: ConnectKafka,
	}
	impl := roreconciler.NewImpl(ctx, r)
	roinformer.Get(ctx).Informer().AddEventHandler(controller.HandleAll(impl.Enqueue))
	return impl
}
