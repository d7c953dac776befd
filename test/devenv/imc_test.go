package devenv

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestServiceOfHost(t *testing.T) {
	for host, want := range map[string][2]string{
		"ch-kn-channel.ns.svc.cluster.local":           {"ch-kn-channel", "ns"},
		"imc-dispatcher.knative-eventing.svc":          {"imc-dispatcher", "knative-eventing"},
		"kafka-channel-receiver.knative-eventing.svc.": {"kafka-channel-receiver", "knative-eventing"},
	} {
		name, ns, ok := serviceOfHost(host)
		if !ok || name != want[0] || ns != want[1] {
			t.Errorf("serviceOfHost(%q) = %q, %q, %v; want %q, %q", host, name, ns, ok, want[0], want[1])
		}
	}
	for _, host := range []string{"localhost", "example.com", "a.b.c.d"} {
		if name, ns, ok := serviceOfHost(host); ok {
			t.Errorf("serviceOfHost(%q) = %q, %q: not a Service's name", host, name, ns)
		}
	}
}

// The InMemoryChannel's dispatcher runs as a local process only in an
// environment that asked for it: the default one leaves its Deployment alone.
func TestIMCDispatcherRunsOnlyWhenAsked(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Image: "ko://knative.dev/eventing/cmd/in_memory/channel_dispatcher"}}}}
	if name, ok := (&Env{}).localBinary(tmpl); ok {
		t.Errorf("without InMemoryChannel, the dispatcher's image runs %s", name)
	}
	e := &Env{Options: Options{InMemoryChannel: true}}
	if name, ok := e.localBinary(tmpl); !ok || name != IMCDispatcherName {
		t.Errorf("with InMemoryChannel, localBinary = %q, %v; want %s", name, ok, IMCDispatcherName)
	}
}
