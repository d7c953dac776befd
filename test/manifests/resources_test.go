package manifests

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// What a 2-core node also runs besides config/: Knative Eventing v0.50's core
// (eventing-controller 100m, eventing-webhook 100m, job-sink 125m), its
// channel-based Broker (mt-broker-controller, -filter and -ingress, 100m
// each) and CoreDNS (100m, as kubeadm deploys it). Headroom is left for what
// comes later: dedicated dispatchers (100m each by default), a sink, a CNI.
const (
	nodeCPU     = "2"
	othersCPU   = "725m"
	headroomCPU = "400m"
)

// The CPU config/ requests, every replica counted, fits a 2-core node next to
// Eventing's core, its Broker and CoreDNS with headroom: a scheduler reserves
// requests, and a replica that does not fit stays Pending.
func TestInstallRequestsFitATwoCoreNode(t *testing.T) {
	requested := resource.MustParse("0")
	for _, w := range workloads(load(t)) {
		for _, c := range w.template.Spec.Containers {
			for i := int32(0); i < w.replicas; i++ {
				requested.Add(*c.Resources.Requests.Cpu())
			}
		}
	}
	budget := resource.MustParse(nodeCPU)
	budget.Sub(resource.MustParse(othersCPU))
	budget.Sub(resource.MustParse(headroomCPU))
	if requested.Cmp(budget) > 0 {
		t.Errorf("config/ requests %s CPU, replicas counted: more than the %s a 2-core node has for it (README: Requests)",
			requested.String(), budget.String())
	}
}
