package resources

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"knative.dev/pkg/kmeta"
	"knative.dev/pkg/network"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// ChannelServicePort is the port of the channel's address and of the receiver Service.
const ChannelServicePort = 80

// MakeChannelService is the channel's <name>-kn-channel Service: an ExternalName
// alias of the shared receiver, so that the channel's address resolves in-cluster
// and the receiver routes on the Host header it receives.
func MakeChannelService(kc *v1beta1.KafkaChannel, systemNamespace string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:            contract.ChannelServiceName(kc.Name),
			Namespace:       kc.Namespace,
			Labels:          map[string]string{contract.RoleLabel: contract.ChannelServiceRole},
			OwnerReferences: []metav1.OwnerReference{*kmeta.NewControllerRef(kc)},
		},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: network.GetServiceHostname(contract.ReceiverName, systemNamespace),
			// The target port is what the API server would default it to:
			// left unset, the desired Service would differ from the stored
			// one and be updated on every reconcile.
			Ports: []corev1.ServicePort{{
				Name:       "http",
				Protocol:   corev1.ProtocolTCP,
				Port:       ChannelServicePort,
				TargetPort: intstr.FromInt32(ChannelServicePort),
			}},
		},
	}
}
