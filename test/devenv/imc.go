package devenv

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/apis"
)

// Names of Eventing's InMemoryChannel (Options.InMemoryChannel), from its
// config/channels/in-memory-channel.
const (
	IMCControllerName = "imc-controller"
	IMCDispatcherName = "imc-dispatcher"
)

// imcBinaries maps the images of the InMemoryChannel's workloads that run as
// local processes to the binaries hack/build-tools.sh imc builds.
var imcBinaries = map[string]string{
	"knative.dev/eventing/cmd/in_memory/channel_dispatcher": IMCDispatcherName,
}

// startInMemoryChannel installs Eventing's InMemoryChannel from its module
// (CRD, config maps, ServiceAccounts and RBAC, the dispatcher's Deployment and
// Service; not its admission webhook, as for Eventing's other kinds) and runs
// its controller as the admin. The dispatcher's Deployment runs through the
// runner, as this project's workloads do, with its own ServiceAccount's token.
func (e *Env) startInMemoryChannel(ctx context.Context) error {
	dir, err := e.eventingDir(ctx)
	if err != nil {
		return err
	}
	imc := filepath.Join(dir, "config", "channels", "in-memory-channel")
	deployments := filepath.Join(imc, "deployments")
	if err := e.apply(ctx,
		filepath.Join(imc, "200-imc-controller-serviceaccount.yaml"), filepath.Join(imc, "200-imc-dispatcher-serviceaccount.yaml"),
		filepath.Join(imc, "roles"), filepath.Join(imc, "resources"), filepath.Join(imc, "configmaps"),
		filepath.Join(deployments, "dispatcher.yaml"), filepath.Join(deployments, "dispatcher-service.yaml"),
	); err != nil {
		return err
	}
	if err := e.imcDispatcherEndpoints(ctx); err != nil {
		return err
	}
	_, err = e.startKnative(IMCControllerName, "DISPATCHER_IMAGE=unused.local/imc-dispatcher")
	return err
}

// imcDispatcherEndpoints writes the ready EndpointSlice of the dispatcher's
// Service that the EndpointSlice controller (not run here) would, from the
// local process: the InMemoryChannel controller marks a channel Ready only
// when its dispatcher has a ready endpoint. Nothing dials the address; the API
// server refuses loopback ones, hence one of TEST-NET-1 (RFC 5737).
func (e *Env) imcDispatcherEndpoints(ctx context.Context) error {
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: IMCDispatcherName + "-local", Namespace: SystemNamespace,
			Labels: map[string]string{discoveryv1.LabelServiceName: IMCDispatcherName, discoveryv1.LabelManagedBy: "knative-kafka-devenv"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.1"},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
	}
	_, err := e.Kube.DiscoveryV1().EndpointSlices(SystemNamespace).Create(ctx, slice, metav1.CreateOptions{})
	if apierrs.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// IMCDispatcherURL is the local address of the InMemoryChannel's dispatcher,
// which routes on the Host header as its Service does in a cluster: a channel's
// address is http://<name>-kn-channel.<namespace>.svc.cluster.local.
func (e *Env) IMCDispatcherURL() (string, error) {
	p, ok := e.runner.port(deploymentPod(IMCDispatcherName), "PORT")
	if !ok {
		return "", fmt.Errorf("the InMemoryChannel dispatcher is not running")
	}
	return fmt.Sprintf("http://127.0.0.1:%d", p), nil
}

// WaitIMCDispatcher waits until the InMemoryChannel's dispatcher is available.
func (e *Env) WaitIMCDispatcher(ctx context.Context) error {
	return e.WaitDeploymentAvailable(ctx, IMCDispatcherName, 3*time.Minute)
}

// ChannelIngressURL is the address on this host that serves a channel's
// address (http://<service>.<namespace>.svc.cluster.local), as cluster DNS
// and the channel's ExternalName Service would route it: the local receiver
// for a KafkaChannel, the dispatcher for an InMemoryChannel; on a node, the
// ClusterIP of the Service the name comes to, which kube-proxy routes (the
// host does not use cluster DNS), for any Service, a Broker's ingress as
// well. Requests to it carry the address's host in their Host header, on
// which the channels route.
func (e *Env) ChannelIngressURL(ctx context.Context, address *apis.URL) (string, error) {
	name, ns, ok := serviceOfHost(address.Host)
	if !ok {
		return "", fmt.Errorf("%s is not a Service's in-cluster name", address.Host)
	}
	svc, err := e.Kube.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		if name, ns, ok = serviceOfHost(svc.Spec.ExternalName); !ok {
			return "", fmt.Errorf("Service %s/%s names %s, not a Service", svc.Namespace, svc.Name, svc.Spec.ExternalName)
		}
	}
	if e.Attached() {
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			if svc, err = e.Kube.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
				return "", err
			}
		}
		return "http://" + svc.Spec.ClusterIP, nil
	}
	switch {
	case ns == SystemNamespace && name == ReceiverName:
		return e.ReceiverURL()
	case ns == SystemNamespace && name == IMCDispatcherName:
		return e.IMCDispatcherURL()
	}
	return "", fmt.Errorf("no local process serves Service %s/%s", ns, name)
}

// serviceOfHost splits <service>.<namespace>.svc[.cluster.local].
func serviceOfHost(host string) (name, namespace string, ok bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) < 3 || parts[2] != "svc" {
		return "", "", false
	}
	return parts[0], parts[1], true
}
