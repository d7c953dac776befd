package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/system"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// DispatcherPort serves the dispatcher's health endpoints.
const DispatcherPort = 8080

const dispatcherContainerName = "dispatcher"

// DispatcherArgs are the inputs of MakeDispatcher.
type DispatcherArgs struct {
	Channel         *v1beta1.KafkaChannel
	SystemNamespace string
	Image           string
	// Replicas keeps a replica count an operator set on the Deployment; 0 means 1.
	Replicas int32
	// Resources are the dispatcher container's requests and limits, from config-kafka.
	Resources corev1.ResourceRequirements
}

// MakeDispatcher is the Deployment that delivers one KafkaChannel's events. It lives in
// the system namespace next to the Kafka Secret, so channel owners never see credentials.
func MakeDispatcher(args DispatcherArgs) *appsv1.Deployment {
	kc := args.Channel
	labels := DispatcherLabels(kc.Namespace, kc.Name)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      contract.DispatcherName(kc.Namespace, kc.Name),
			Namespace: args.SystemNamespace,
			Labels:    labels,
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(dispatcherReplicas(args.Replicas, kc.Spec.NumPartitions)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: contract.DispatcherServiceAccount,
					Containers:         []corev1.Container{dispatcherContainer(args)},
				},
			},
		},
	}
}

// DispatcherLabels select the dispatcher of one channel.
func DispatcherLabels(namespace, name string) map[string]string {
	return map[string]string{
		contract.RoleLabel:             contract.DispatcherRole,
		contract.ChannelNamespaceLabel: namespace,
		contract.ChannelNameLabel:      name,
	}
}

// IsDispatcherOf tells whether a Deployment is the dispatcher of channel
// namespace/name by its labels, whatever its name: the controller changes and
// deletes only its own channel's.
func IsDispatcherOf(d *appsv1.Deployment, namespace, name string) bool {
	return d.Labels[contract.RoleLabel] == contract.DispatcherRole && d.Labels[contract.ChannelNamespaceLabel] == namespace && d.Labels[contract.ChannelNameLabel] == name
}

// dispatcherReplicas keeps at least one replica and no more than the partitions,
// since a consumer group leaves replicas beyond the partition count idle.
func dispatcherReplicas(current, partitions int32) int32 {
	switch {
	case current < 1:
		return 1
	case partitions > 0 && current > partitions:
		return partitions
	}
	return current
}

// MetricsPort is where Knative's Prometheus exporter serves, which
// ObservabilityConfigName selects by default: named, like every component's,
// so that a scrape configuration can select it by name.
const MetricsPort = 9090

func dispatcherContainer(args DispatcherArgs) corev1.Container {
	// The timings are Kubernetes' defaults, written out: the API server
	// fills in unset ones, and a desired Deployment that differs from the
	// stored one in a number would be updated on every reconcile.
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromInt32(DispatcherPort),
		}}, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
	}
	return corev1.Container{
		Name:  dispatcherContainerName,
		Image: args.Image,
		Env: []corev1.EnvVar{
			{Name: system.NamespaceEnvKey, Value: args.SystemNamespace},
			{Name: contract.ChannelNamespaceEnv, Value: args.Channel.Namespace},
			{Name: contract.ChannelNameEnv, Value: args.Channel.Name},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "CONTAINER_NAME", Value: dispatcherContainerName},
			// The dispatcher sizes its Kafka buffers from its memory limit.
			{Name: contract.MemoryLimitEnv, ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
				ContainerName: dispatcherContainerName, Resource: "limits.memory",
			}}},
			{Name: "CONFIG_LOGGING_NAME", Value: "config-logging"},
			{Name: "CONFIG_OBSERVABILITY_NAME", Value: contract.ObservabilityConfigName},
			{Name: "METRICS_DOMAIN", Value: "knative.dev/eventing"},
		},
		Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: DispatcherPort}, {Name: "metrics", ContainerPort: MetricsPort}},
		ReadinessProbe: probe("/readyz"),
		LivenessProbe:  probe("/healthz"),
		Resources:      *args.Resources.DeepCopy(),
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}
