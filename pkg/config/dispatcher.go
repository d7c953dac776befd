package config

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// Keys of config-kafka that shape the dispatcher Deployments and their memory.
const (
	DispatcherRequestsCPUKey    = "dispatcher.resources.requests.cpu"
	DispatcherRequestsMemoryKey = "dispatcher.resources.requests.memory"
	DispatcherLimitsCPUKey      = "dispatcher.resources.limits.cpu"
	DispatcherLimitsMemoryKey   = "dispatcher.resources.limits.memory"
	DispatcherBufferPercentKey  = "dispatcher.buffer.percent"
	// PoolMaxGroupMembersKey caps how many replicas of the shared pool host
	// one subscriber's consumer group.
	PoolMaxGroupMembersKey = "dispatcher.pool.max.group.members"
)

// Built-in fallbacks of the dispatcher keys. No CPU limit by default: a
// throttled dispatcher delays every subscriber, while a memory limit is what
// the dispatcher sizes its Kafka buffers from.
const (
	DefaultDispatcherRequestsCPU    = "100m"
	DefaultDispatcherRequestsMemory = "100Mi"
	DefaultDispatcherLimitsMemory   = "500Mi"
	// DefaultDispatcherBufferPercent leaves the other half of the memory limit
	// to the Go runtime, decoding, deliveries in flight and garbage not yet collected.
	DefaultDispatcherBufferPercent = 50
	// DefaultPoolMaxGroupMembers: a group of several partitions survives the
	// loss of one replica with no pause, at the cost of one more Kafka client
	// per group; more members only add throughput to busy channels.
	DefaultPoolMaxGroupMembers = 2
)

// maxDispatcherBufferPercent keeps room for the rest of the process.
const maxDispatcherBufferPercent = 90

// maxPoolGroupMembers is far above any pool's size; it only refuses nonsense.
const maxPoolGroupMembers = 1000

// Dispatcher is what config-kafka says about the dispatcher Deployments.
type Dispatcher struct {
	// Resources are the dispatcher container's requests and limits.
	Resources corev1.ResourceRequirements
	// BufferPercent is the share of the container's memory limit that the
	// Kafka consumers' buffers of all consumer groups of a pod may hold.
	BufferPercent int64
	// PoolMaxGroupMembers caps the replicas of the shared pool that host one
	// consumer group (a group has at most one member per partition anyway).
	PoolMaxGroupMembers int
}

func parseDispatcher(p *parser) Dispatcher {
	d := Dispatcher{
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{},
			Limits:   corev1.ResourceList{},
		},
		BufferPercent:       p.positive(DispatcherBufferPercentKey, DefaultDispatcherBufferPercent, maxDispatcherBufferPercent),
		PoolMaxGroupMembers: int(p.positive(PoolMaxGroupMembersKey, DefaultPoolMaxGroupMembers, maxPoolGroupMembers)),
	}
	p.quantity(d.Resources.Requests, corev1.ResourceCPU, DispatcherRequestsCPUKey, DefaultDispatcherRequestsCPU)
	p.quantity(d.Resources.Requests, corev1.ResourceMemory, DispatcherRequestsMemoryKey, DefaultDispatcherRequestsMemory)
	p.quantity(d.Resources.Limits, corev1.ResourceCPU, DispatcherLimitsCPUKey, "")
	p.quantity(d.Resources.Limits, corev1.ResourceMemory, DispatcherLimitsMemoryKey, DefaultDispatcherLimitsMemory)
	p.check(requestsWithinLimits(d.Resources, corev1.ResourceCPU), DispatcherRequestsCPUKey)
	p.check(requestsWithinLimits(d.Resources, corev1.ResourceMemory), DispatcherRequestsMemoryKey)
	return d
}

// quantity sets list[name] from key, or from def; an empty def leaves it unset.
func (p *parser) quantity(list corev1.ResourceList, name corev1.ResourceName, key, def string) {
	s := p.str(key, def)
	if s == "" {
		return
	}
	q, err := resource.ParseQuantity(s)
	if err != nil || q.Sign() <= 0 {
		p.fail(key, fmt.Errorf("%q is not a positive quantity such as 500Mi or 250m", s))
		return
	}
	list[name] = q
}

// requestsWithinLimits applies Kubernetes' rule, so that the Deployment the
// controller makes from config-kafka is never refused.
func requestsWithinLimits(r corev1.ResourceRequirements, name corev1.ResourceName) error {
	req, hasReq := r.Requests[name]
	limit, hasLimit := r.Limits[name]
	if hasReq && hasLimit && req.Cmp(limit) > 0 {
		return fmt.Errorf("%s exceeds the %s limit %s", req.String(), name, limit.String())
	}
	return nil
}

// SaramaSets tells whether the "sarama" key sets the field at path, such as
// "Consumer.Fetch.Default", so that a value an operator chose wins over one
// the components would derive. Field names match as Sarama's YAML decoding
// matches them: without regard to case.
func (k *Kafka) SaramaSets(path string) bool {
	var node interface{}
	if err := yaml.Unmarshal([]byte(k.Sarama), &node); err != nil {
		return false
	}
	for _, name := range strings.Split(path, ".") {
		fields, ok := node.(map[string]interface{})
		if !ok {
			return false
		}
		node, ok = fieldFold(fields, name)
		if !ok {
			return false
		}
	}
	return true
}

func fieldFold(fields map[string]interface{}, name string) (interface{}, bool) {
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}
