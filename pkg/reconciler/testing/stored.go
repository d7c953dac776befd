package testing

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// The As* functions return an object as kube-apiserver stores it: with the
// defaults it fills in where the desired object left a field unset (as
// observed on the dev environment's API server). A reconciler compares the
// desired object with the stored one, so a test that starts from the
// desired object itself cannot see an update it makes on every reconcile.

// AsStoredService is svc with the API server's defaults.
func AsStoredService(svc *corev1.Service) *corev1.Service {
	s := svc.DeepCopy()
	if s.Spec.SessionAffinity == "" {
		s.Spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	for i := range s.Spec.Ports {
		p := &s.Spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == (intstr.IntOrString{}) {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	return s
}

// AsStoredDeployment is d with the API server's defaults.
func AsStoredDeployment(d *appsv1.Deployment) *appsv1.Deployment {
	s := d.DeepCopy()
	if s.Spec.Replicas == nil {
		s.Spec.Replicas = ptr.To[int32](1)
	}
	if s.Spec.RevisionHistoryLimit == nil {
		s.Spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	if s.Spec.ProgressDeadlineSeconds == nil {
		s.Spec.ProgressDeadlineSeconds = ptr.To[int32](600)
	}
	if s.Spec.Strategy.Type == "" {
		quarter := intstr.FromString("25%")
		s.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &quarter, MaxUnavailable: &quarter}}
	}
	pod := &s.Spec.Template.Spec
	defaultString(&pod.RestartPolicy, corev1.RestartPolicyAlways)
	defaultString(&pod.DNSPolicy, corev1.DNSClusterFirst)
	defaultString(&pod.SchedulerName, corev1.DefaultSchedulerName)
	if pod.TerminationGracePeriodSeconds == nil {
		pod.TerminationGracePeriodSeconds = ptr.To[int64](corev1.DefaultTerminationGracePeriodSeconds)
	}
	if pod.SecurityContext == nil {
		pod.SecurityContext = &corev1.PodSecurityContext{}
	}
	for i := range pod.Containers {
		storedContainer(&pod.Containers[i])
	}
	return s
}

func storedContainer(c *corev1.Container) {
	defaultString(&c.TerminationMessagePath, corev1.TerminationMessagePathDefault)
	defaultString(&c.TerminationMessagePolicy, corev1.TerminationMessageReadFile)
	defaultString(&c.ImagePullPolicy, corev1.PullIfNotPresent)
	for i := range c.Ports {
		defaultString(&c.Ports[i].Protocol, corev1.ProtocolTCP)
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			defaultString(&e.ValueFrom.FieldRef.APIVersion, "v1")
		}
	}
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
		if p == nil {
			continue
		}
		defaultInt(&p.TimeoutSeconds, 1)
		defaultInt(&p.PeriodSeconds, 10)
		defaultInt(&p.SuccessThreshold, 1)
		defaultInt(&p.FailureThreshold, 3)
		if p.HTTPGet != nil {
			defaultString(&p.HTTPGet.Scheme, corev1.URISchemeHTTP)
		}
	}
}

func defaultString[T ~string](field *T, value T) {
	if *field == "" {
		*field = value
	}
}

func defaultInt(field *int32, value int32) {
	if *field == 0 {
		*field = value
	}
}
