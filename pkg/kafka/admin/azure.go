package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// ErrEventHubsLimit marks a topic that an Event Hubs quota or rule refuses. The azure flavor
// finds it out before asking the service, so nothing was created or changed.
var ErrEventHubsLimit = errors.New("Event Hubs limit")

// eventHubReplicationFactor is what CreateTopics asks for: Event Hubs replicates every event
// itself and has no per-topic replication setting, and 1 is valid however many brokers its
// Kafka endpoint presents.
const eventHubReplicationFactor = 1

// Azure is the TopicAdmin and SubscriberProber of the "azure" flavor: Azure Event Hubs
// through its Kafka endpoint, where the namespace is the cluster and an event hub a topic.
//
// It is the kafka flavor's admin, using the part of the Kafka admin API that Event Hubs
// serves: CreateTopics (partitions and retention.ms), CreatePartitions (premium and dedicated
// only), DeleteTopics, Metadata, and consumer groups (offsets, listing, deletion). It does not use DescribeConfigs,
// which the endpoint has not always served, nor max.message.bytes, which is the tier's, not a
// topic's.
// Before creating or growing an event hub it checks the tier's quotas (config.AzureLimits),
// so that breaking one is a clear ErrEventHubsLimit rather than the service's error code;
// the service stays the authority, for instance when two controllers race for the last slot.
type Azure struct {
	*Kafka
	azure  config.Azure
	limits config.AzureLimits
}

var _ Admin = (*Azure)(nil)

// NewAzure connects to the namespace's Kafka endpoint; cfg comes from client.NewSettings
// with flavor azure, which checks the credentials and fits the client to Event Hubs.
func NewAzure(brokers []string, cfg *sarama.Config, azure config.Azure) (*Azure, error) {
	k, err := NewKafka(brokers, cfg)
	if err != nil {
		return nil, err
	}
	return &Azure{Kafka: k, azure: azure, limits: azure.Limits()}, nil
}

// EnsureTopic implements TopicAdmin: the event hub is created, or grown, only if the tier's
// quotas allow it.
func (a *Azure) EnsureTopic(ctx context.Context, topic string, spec TopicSpec) (bool, error) {
	if err := a.checkEventHub(topic, spec); err != nil {
		return false, fmt.Errorf("event hub %q: %w", topic, err)
	}
	hubs, err := a.eventHubs()
	if err != nil {
		return false, err
	}
	if have, ok := hubs[topic]; ok && have >= spec.NumPartitions {
		// Created before, or pre-provisioned by an operator whose namespace does not take
		// CreateTopics: there is nothing to ask of Event Hubs.
		return false, nil
	}
	if err := a.checkNamespace(hubs, topic, spec.NumPartitions); err != nil {
		return false, fmt.Errorf("event hub %q: %w", topic, err)
	}
	return a.Kafka.EnsureTopic(ctx, topic, eventHubSpec(spec))
}

// eventHubSpec is the part of a topic's shape that Event Hubs takes from a Kafka client.
func eventHubSpec(spec TopicSpec) TopicSpec {
	spec.ReplicationFactor = eventHubReplicationFactor
	spec.MaxMessageBytes = 0
	spec.MinInSyncReplicas = 0 // Event Hubs replicates on its own terms
	return spec
}

// checkEventHub applies the quotas and rules of one event hub; partitions and
// retention through the checks the webhook applies to channels.
func (a *Azure) checkEventHub(topic string, spec TopicSpec) error {
	if topic == "" || !alnum(topic[0]) || !alnum(topic[len(topic)-1]) {
		return limitf("event hub names must start and end with a letter or digit")
	}
	for _, err := range []error{a.azure.CheckPartitions(spec.NumPartitions), a.azure.CheckRetention(spec.Retention)} {
		if err != nil {
			return fmt.Errorf("%w: %w", ErrEventHubsLimit, err)
		}
	}
	if spec.MaxMessageBytes > a.limits.MaxRecordBytes {
		return limitf("records of up to %d bytes exceed the %d bytes Event Hubs takes (lower max.event.bytes)", spec.MaxMessageBytes, a.limits.MaxRecordBytes)
	}
	return nil
}

// checkNamespace applies the namespace-wide quotas to creating topic, or growing it to want
// partitions, given the namespace's event hubs and their partition counts. An event hub that
// already has its partitions never gets here: a namespace over a quota lowered since must not
// fail the channels that work.
func (a *Azure) checkNamespace(hubs map[string]int32, topic string, want int32) error {
	tier := a.azure.Tier
	have, exists := hubs[topic]
	switch {
	case !exists && len(hubs) >= a.limits.EventHubsPerNamespace:
		return limitf("the namespace already has %d event hubs, the %s tier's maximum%s; delete one or move to a larger tier",
			len(hubs), tier, a.units())
	case exists && have < want && !a.limits.GrowPartitions:
		return limitf("the %s tier cannot add partitions to an existing event hub (it has %d, the channel asks for %d)", tier, have, want)
	}
	added := int64(want - have) // have is 0 for a new event hub
	if total := sumPartitions(hubs); a.limits.NamespacePartitions > 0 && total+added > a.limits.NamespacePartitions {
		return limitf("the namespace's event hubs would have %d partitions, over the %s tier's %d%s",
			total+added, tier, a.limits.NamespacePartitions, a.units())
	}
	return nil
}

// units names the capacity the premium and dedicated quotas were computed for, since a
// namespace with more units than config-kafka says is refused what it could take.
func (a *Azure) units() string {
	if a.azure.Tier == config.AzureStandard {
		return ""
	}
	return fmt.Sprintf(" for %d capacity units (%s)", max(a.azure.CapacityUnits, 1), config.AzureCapacityUnitsKey)
}

// eventHubs lists the namespace's event hubs with their partition counts from one metadata
// request for all topics; ListTopics would also need DescribeConfigs.
func (a *Azure) eventHubs() (map[string]int32, error) {
	md, err := a.admin.DescribeTopics(nil)
	if err != nil {
		return nil, fmt.Errorf("listing the namespace's event hubs: %w", err)
	}
	hubs := make(map[string]int32, len(md))
	for _, t := range md {
		if !t.IsInternal && errors.Is(t.Err, sarama.ErrNoError) {
			hubs[t.Name] = int32(len(t.Partitions))
		}
	}
	return hubs, nil
}

func sumPartitions(hubs map[string]int32) int64 {
	var n int64
	for _, p := range hubs {
		n += int64(p)
	}
	return n
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func limitf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrEventHubsLimit}, args...)...)
}
