package resources

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// The dispatcher container carries config-kafka's resources, and learns its
// memory limit, which its Kafka buffers are sized from, through the Downward API.
func TestDispatcherResourcesFromConfig(t *testing.T) {
	k, err := config.NewKafkaFromMap(map[string]string{
		config.DispatcherRequestsCPUKey:    "250m",
		config.DispatcherRequestsMemoryKey: "300Mi",
		config.DispatcherLimitsCPUKey:      "1",
		config.DispatcherLimitsMemoryKey:   "1Gi",
	})
	if err != nil {
		t.Fatal(err)
	}
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ch"}}
	d := MakeDispatcher(DispatcherArgs{Channel: kc, SystemNamespace: "knative-eventing", Image: "dispatcher", Resources: k.Dispatcher.Resources})

	c := d.Spec.Template.Spec.Containers[0]
	if !equality.Semantic.DeepEqual(c.Resources, k.Dispatcher.Resources) {
		t.Errorf("container resources = %v, want config-kafka's %v", c.Resources, k.Dispatcher.Resources)
	}
	var env *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == contract.MemoryLimitEnv {
			env = &c.Env[i]
		}
	}
	want := &corev1.ResourceFieldSelector{ContainerName: c.Name, Resource: "limits.memory"}
	if env == nil || env.ValueFrom == nil || !equality.Semantic.DeepEqual(env.ValueFrom.ResourceFieldRef, want) {
		t.Errorf("env %s = %+v, want the Downward API's %+v", contract.MemoryLimitEnv, env, want)
	}
}

// A dedicated dispatcher's metrics port is named as the other components',
// so that one scrape configuration finds them all.
func TestDispatcherDeclaresItsMetricsPort(t *testing.T) {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ch"}}
	d := MakeDispatcher(DispatcherArgs{Channel: kc, SystemNamespace: "knative-eventing", Image: "dispatcher"})
	for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
		if p.Name == "metrics" && p.ContainerPort == MetricsPort {
			return
		}
	}
	t.Errorf("ports %v, want one named metrics on %d", d.Spec.Template.Spec.Containers[0].Ports, MetricsPort)
}
