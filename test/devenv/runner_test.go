package devenv

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The dispatcher learns its memory budget from a Downward API resourceFieldRef:
// the dev environment must resolve it as a kubelet does.
func TestResourceField(t *testing.T) {
	c := corev1.Container{Name: "dispatcher", Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("500Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
	}}
	for _, tc := range []struct {
		ref  corev1.ResourceFieldSelector
		want string
	}{
		{corev1.ResourceFieldSelector{Resource: "limits.memory"}, "524288000"},
		{corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}, "500"},
		{corev1.ResourceFieldSelector{ContainerName: "dispatcher", Resource: "requests.cpu"}, "1"},
		{corev1.ResourceFieldSelector{Resource: "requests.cpu", Divisor: resource.MustParse("1m")}, "250"},
		{corev1.ResourceFieldSelector{Resource: "limits.cpu"}, ""},
	} {
		got, err := resourceField(c, &tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("resourceField(%+v) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	if _, err := resourceField(c, &corev1.ResourceFieldSelector{ContainerName: "other", Resource: "limits.memory"}); err == nil {
		t.Error("a resourceFieldRef of another container was accepted")
	}
}

// The receiver's HTTP port is Options.ReceiverPort when set; otherwise one
// kept in Dir, the same for the next start of the environment. Other ports
// stay free ones.
func TestReceiverPort(t *testing.T) {
	receiver := deploymentWorkload(fakePodDeployment(ReceiverName))
	dir := t.TempDir()
	ports := func(opts Options) map[string]int {
		e, _ := newEnv(context.Background(), opts)
		p, err := e.portsFor(receiver)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first, again := ports(Options{Dir: dir}), ports(Options{Dir: dir})
	if first["PORT"] != again["PORT"] || first["PROBES_PORT"] == again["PROBES_PORT"] {
		t.Errorf("ports %v, then %v: want the same PORT only", first, again)
	}
	if got := ports(Options{Dir: dir, ReceiverPort: 18123})["PORT"]; got != 18123 {
		t.Errorf("with ReceiverPort 18123 the receiver serves on %d", got)
	}
	if got := ports(Options{Dir: dir})["PORT"]; got != first["PORT"] {
		t.Errorf("ReceiverPort changed the port kept in Dir: %d, was %d", got, first["PORT"])
	}
}
