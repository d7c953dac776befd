package devenv

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher/placement"
)

// Names from config/ that the environment relies on.
const (
	ControllerName  = "kafka-channel-controller"
	WebhookName     = "kafka-channel-webhook"
	ReceiverName    = "kafka-channel-receiver"
	KafkaSecretName = "kafka-cluster"
)

// startProject applies config/, points its Kafka Secret at the dev broker and runs
// its workloads as local processes until controller, webhook and receiver are available.
func (e *Env) startProject(ctx context.Context) error {
	// A webhook configuration left by a previous run points at a webhook that is not
	// running yet, and would refuse the objects about to be applied.
	if err := e.deleteWebhookConfigurations(ctx); err != nil {
		return err
	}
	manifests := e.Manifests
	if manifests == "" {
		manifests = filepath.Join(e.Root, "config")
	}
	if err := e.apply(ctx, manifests); err != nil {
		return err
	}
	if err := e.pointSecretAtBroker(ctx); err != nil {
		return err
	}
	e.startRunner(ctx)
	for _, name := range []string{ControllerName, WebhookName, ReceiverName} {
		if err := e.WaitDeploymentAvailable(ctx, name, 3*time.Minute); err != nil {
			return err
		}
	}
	return e.waitPoolCountedIn(ctx, 3*time.Minute)
}

// waitPoolCountedIn waits until every replica of the dispatcher pool has
// renewed its Lease: until then the replicas disagree on which of them hosts
// a group, and a test's first subscription would see its group move.
func (e *Env) waitPoolCountedIn(ctx context.Context, timeout time.Duration) error {
	return waitFor(ctx, "the dispatcher pool's Leases", nil, timeout, func() error {
		s, err := e.Kube.AppsV1().StatefulSets(SystemNamespace).Get(ctx, contract.PoolName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		list, err := e.Kube.CoordinationV1().Leases(SystemNamespace).List(ctx,
			metav1.ListOptions{LabelSelector: placement.LeaseSelector(contract.PoolName).String()})
		if err != nil {
			return err
		}
		leases := make([]*coordinationv1.Lease, len(list.Items))
		for i := range list.Items {
			leases[i] = &list.Items[i]
		}
		replicas := int(ptr.Deref(s.Spec.Replicas, 1))
		// Counted as the replicas count one another: self, out of range, counts none.
		if live, _ := placement.Live(leases, contract.PoolName, replicas, replicas, time.Now()); len(live) < replicas {
			return fmt.Errorf("replicas %v of %d renewed their Lease; process logs in %s", live, replicas,
				filepath.Join(e.Dir, "logs", contract.PoolName+"-<ordinal>.log"))
		}
		return nil
	})
}

// startRunner runs the system namespace's workloads as local processes until ctx ends.
func (e *Env) startRunner(ctx context.Context) {
	e.runner = newRunner(e)
	e.workloads = e.runner
	go e.runner.loop(ctx)
}

func (e *Env) deleteWebhookConfigurations(ctx context.Context) error {
	sel := metav1.ListOptions{}
	ar := e.Kube.AdmissionregistrationV1()
	mutating, err := ar.MutatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return err
	}
	for _, w := range mutating.Items {
		if callsService(mutatingClientConfigs(&w), WebhookName) {
			if err := ar.MutatingWebhookConfigurations().Delete(ctx, w.Name, metav1.DeleteOptions{}); err != nil && !apierrs.IsNotFound(err) {
				return err
			}
		}
	}
	validating, err := ar.ValidatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return err
	}
	for _, w := range validating.Items {
		if callsService(validatingClientConfigs(&w), WebhookName) {
			if err := ar.ValidatingWebhookConfigurations().Delete(ctx, w.Name, metav1.DeleteOptions{}); err != nil && !apierrs.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// callsService reports whether any of the webhooks calls the service.
func callsService(ccs []*admissionregistrationv1.WebhookClientConfig, svc string) bool {
	for _, cc := range ccs {
		if s := cc.Service; s != nil && s.Name == svc && s.Namespace == SystemNamespace {
			return true
		}
	}
	return false
}

func (e *Env) pointSecretAtBroker(ctx context.Context) error {
	secrets := e.Kube.CoreV1().Secrets(SystemNamespace)
	s, err := secrets.Get(ctx, KafkaSecretName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("the Kafka Secret of config/: %w", err)
	}
	s.Data = map[string][]byte{"brokers": []byte(e.BrokerAddr)}
	s.StringData = nil
	_, err = secrets.Update(ctx, s, metav1.UpdateOptions{})
	return err
}

// routeWebhook lets the API server reach a webhook process: the Service that
// selects the workload's pods becomes an ExternalName for localhost, and the webhook
// configurations that name it use the process's port. TLS still verifies the
// certificate against <service>.<namespace>.svc, as in a cluster.
func (e *Env) routeWebhook(ctx context.Context, w *workload, port int) error {
	services, err := e.Kube.CoreV1().Services(w.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range services.Items {
		svc := &services.Items[i]
		if svc.Name != WebhookName || len(svc.Spec.Selector) == 0 ||
			!labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(w.template.Labels)) {
			continue
		}
		if err := e.externalNameForLocalhost(ctx, svc); err != nil {
			return err
		}
		return e.patchWebhookPorts(ctx, svc.Name, int32(port))
	}
	return nil
}

func (e *Env) externalNameForLocalhost(ctx context.Context, svc *corev1.Service) error {
	services := e.Kube.CoreV1().Services(svc.Namespace)
	if err := services.Delete(ctx, svc.Name, metav1.DeleteOptions{}); err != nil && !apierrs.IsNotFound(err) {
		return err
	}
	ports := make([]corev1.ServicePort, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		ports[i] = corev1.ServicePort{Name: p.Name, Port: p.Port, Protocol: p.Protocol}
	}
	_, err := services.Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: svc.Labels},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost", Ports: ports},
	}, metav1.CreateOptions{})
	return err
}

// patchWebhookPorts sets the port of every webhook that calls the service; it waits
// for the configurations, which the webhook itself may create or reconcile.
func (e *Env) patchWebhookPorts(ctx context.Context, service string, port int32) error {
	ar := e.Kube.AdmissionregistrationV1()
	mutating, err := ar.MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range mutating.Items {
		w := &mutating.Items[i]
		if setPorts(mutatingClientConfigs(w), service, port) {
			if _, err := ar.MutatingWebhookConfigurations().Update(ctx, w, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	}
	validating, err := ar.ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range validating.Items {
		w := &validating.Items[i]
		if setPorts(validatingClientConfigs(w), service, port) {
			if _, err := ar.ValidatingWebhookConfigurations().Update(ctx, w, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	}
	return nil
}

func mutatingClientConfigs(w *admissionregistrationv1.MutatingWebhookConfiguration) []*admissionregistrationv1.WebhookClientConfig {
	out := make([]*admissionregistrationv1.WebhookClientConfig, len(w.Webhooks))
	for i := range w.Webhooks {
		out[i] = &w.Webhooks[i].ClientConfig
	}
	return out
}

func validatingClientConfigs(w *admissionregistrationv1.ValidatingWebhookConfiguration) []*admissionregistrationv1.WebhookClientConfig {
	out := make([]*admissionregistrationv1.WebhookClientConfig, len(w.Webhooks))
	for i := range w.Webhooks {
		out[i] = &w.Webhooks[i].ClientConfig
	}
	return out
}

func setPorts(ccs []*admissionregistrationv1.WebhookClientConfig, service string, port int32) bool {
	changed := false
	for _, cc := range ccs {
		if s := cc.Service; s != nil && s.Name == service && s.Namespace == SystemNamespace && (s.Port == nil || *s.Port != port) {
			s.Port = &port
			changed = true
		}
	}
	return changed
}

// WaitDeploymentAvailable waits for a Deployment of the system namespace to report Available.
func (e *Env) WaitDeploymentAvailable(ctx context.Context, name string, timeout time.Duration) error {
	return waitFor(ctx, "Deployment "+name, nil, timeout, func() error {
		d, err := e.Kube.AppsV1().Deployments(SystemNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if c := availableCondition(d); c != nil && c.Status == corev1.ConditionTrue {
			return nil
		}
		return fmt.Errorf("not available; process log in %s", filepath.Join(e.Dir, "logs", name+".log"))
	})
}

// WaitDeploymentRolledOut waits for a Deployment of the system namespace to
// have observed its current generation and to run only replicas of it, all
// available (the dev environment's one process per Deployment, or a node's
// spec.replicas pods).
func (e *Env) WaitDeploymentRolledOut(ctx context.Context, name string, timeout time.Duration) error {
	return waitFor(ctx, "Deployment "+name+" rolled out", nil, timeout, func() error {
		d, err := e.Kube.AppsV1().Deployments(SystemNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		st := d.Status
		if st.ObservedGeneration < d.Generation || st.UpdatedReplicas == 0 ||
			st.Replicas != st.UpdatedReplicas || st.AvailableReplicas != st.UpdatedReplicas {
			return fmt.Errorf("generation %d, observed %d; %d replicas, %d updated, %d available",
				d.Generation, st.ObservedGeneration, st.Replicas, st.UpdatedReplicas, st.AvailableReplicas)
		}
		return nil
	})
}

// WaitStatefulSetReady waits for a StatefulSet of the system namespace to ask
// for replicas and have them all ready at its current generation: scaled and
// rolled out.
func (e *Env) WaitStatefulSetReady(ctx context.Context, name string, replicas int32, timeout time.Duration) error {
	return waitFor(ctx, "StatefulSet "+name, nil, timeout, func() error {
		s, err := e.Kube.AppsV1().StatefulSets(SystemNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := statefulSetReady(s, replicas); err != nil {
			return fmt.Errorf("%w; process logs in %s", err, filepath.Join(e.Dir, "logs", name+"-<ordinal>.log"))
		}
		return nil
	})
}

// statefulSetReady tells why a StatefulSet is not (yet) at replicas, all
// ready and updated.
func statefulSetReady(s *appsv1.StatefulSet, replicas int32) error {
	spec := int32(1)
	if s.Spec.Replicas != nil {
		spec = *s.Spec.Replicas
	}
	st := s.Status
	switch {
	case spec != replicas:
		return fmt.Errorf("spec.replicas is %d, not %d", spec, replicas)
	case st.ObservedGeneration != s.Generation:
		return fmt.Errorf("generation %d not observed yet (status is of %d)", s.Generation, st.ObservedGeneration)
	case st.Replicas != replicas || st.ReadyReplicas != replicas || st.UpdatedReplicas != replicas:
		return fmt.Errorf("%d replicas, %d ready, %d updated; want %d", st.Replicas, st.ReadyReplicas, st.UpdatedReplicas, replicas)
	}
	return nil
}

// portsFor picks the ports a workload's process serves on (portEnvs): free
// ones, except the receiver's HTTP port, which stays the same across its
// restarts so that its URL does.
func (e *Env) portsFor(w *workload) (map[string]int, error) {
	ports := map[string]int{}
	for _, name := range portEnvs {
		p, err := freePort()
		if name == "PORT" && w.key == "Deployment/"+ReceiverName {
			p, err = e.receiverPort()
		}
		if err != nil {
			return nil, err
		}
		ports[name] = p
	}
	return ports, nil
}

// receiverPort is Options.ReceiverPort, or else a port kept in Dir.
func (e *Env) receiverPort() (int, error) {
	if e.ReceiverPort != 0 {
		return e.ReceiverPort, nil
	}
	return e.stablePort("receiver")
}

// ReceiverURL is where this host reaches the shared receiver.
func (e *Env) ReceiverURL() (string, error) { return e.workloads.receiverURL(false) }

// ReceiverHTTPSURL is where this host reaches the shared receiver's HTTPS
// listener, which serves the certificate of servertls.SecretName.
func (e *Env) ReceiverHTTPSURL() (string, error) { return e.workloads.receiverURL(true) }

// MetricsURL is where a pod of the system namespace (one of Pods) serves
// Prometheus metrics when its config-observability selects them.
func (e *Env) MetricsURL(pod string) (string, error) { return e.workloads.metricsURL(pod) }

// KillDeployment crashes every replica of a Deployment (SIGKILL); each is
// started again.
func (e *Env) KillDeployment(name string) error {
	pods := e.Pods(name)
	if len(pods) == 0 {
		return fmt.Errorf("Deployment %s runs no replica", name)
	}
	for _, pod := range pods {
		if err := e.KillPod(pod); err != nil {
			return err
		}
	}
	return nil
}

// KillPod crashes one replica (SIGKILL), by its pod's name, e.g.
// "kafka-channel-dispatcher-1": a local process is started again under the
// same name, a pod's containers are restarted by kubelet.
func (e *Env) KillPod(name string) error { return e.workloads.kill(name) }

// HoldPod keeps one replica down until ReleasePod: its process is killed
// (SIGKILL) if it runs, and not started again, as a pod Pending for want of
// room or on a lost node stays. The workload's status counts it missing.
// Local processes only.
func (e *Env) HoldPod(name string) error { return e.workloads.hold(name, true) }

// ReleasePod lets the environment start a replica HoldPod kept down.
func (e *Env) ReleasePod(name string) error { return e.workloads.hold(name, false) }

// Pods lists the pods a Deployment or StatefulSet of the system namespace
// runs, lowest ordinal first.
func (e *Env) Pods(workload string) []string { return e.workloads.podNames(workload) }
