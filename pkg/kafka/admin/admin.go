// Package admin manages the Kafka topics that back KafkaChannels, reads the
// consumer-group offsets that tell when a subscriber is ready, and deletes the
// consumer groups of subscribers that left.
package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/IBM/sarama"
)

// TopicSpec is the shape of a channel's topic.
type TopicSpec struct {
	NumPartitions     int32
	ReplicationFactor int16
	Retention         time.Duration
	// MaxMessageBytes sets the topic's max.message.bytes; 0 keeps the broker's default.
	MaxMessageBytes int64
	// MinInSyncReplicas sets the topic's min.insync.replicas, at most
	// ReplicationFactor; 0 keeps the broker's default.
	MinInSyncReplicas int16
}

// TopicAdmin creates and deletes topics; each flavor of Kafka has its own.
type TopicAdmin interface {
	// EnsureTopic creates the topic, or grows its partitions to spec; it is
	// idempotent. created tells that this call created the topic, rather than
	// found it: only a channel that created its topic deletes it.
	EnsureTopic(ctx context.Context, topic string, spec TopicSpec) (created bool, err error)
	// DeleteTopic deletes the topic; a missing topic is not an error.
	DeleteTopic(ctx context.Context, topic string) error
	Close() error
}

// SubscriberProber tells whether a subscriber's consumer group will see every
// event written from now on: the dispatcher commits the group's starting offsets
// for every partition before it consumes, and only then is the subscriber ready.
type SubscriberProber interface {
	OffsetsInitialized(ctx context.Context, group, topic string) (bool, error)
}

// LagReader measures consumer lag from what Kafka holds, whatever the
// consumers do: a stalled or dead consumer shows growing lag.
type LagReader interface {
	// Lag maps each of groups, then each partition of topic on which it
	// committed an offset, to the records past it (the high-water mark minus
	// the committed offset). A group whose offsets could not be read is left
	// out, with its error among those returned.
	Lag(ctx context.Context, topic string, groups []string) (map[string]map[int32]int64, error)
}

// ErrGroupHasMembers is returned for a consumer group that cannot be deleted
// yet because members still run in it: try again once they stopped.
var ErrGroupHasMembers = errors.New("consumer group still has members")

// GroupAdmin deletes the consumer groups of subscribers that left, so that
// neither their offsets nor their lag outlive them.
type GroupAdmin interface {
	// ConsumerGroups lists the consumer groups whose names match.
	ConsumerGroups(ctx context.Context, match func(group string) bool) ([]string, error)
	// DeleteConsumerGroup deletes a group; a missing group is not an error, a
	// group with members is ErrGroupHasMembers.
	DeleteConsumerGroup(ctx context.Context, group string) error
}

// Kafka is the TopicAdmin and SubscriberProber of the "kafka" flavor, on Sarama's ClusterAdmin.
type Kafka struct {
	admin sarama.ClusterAdmin
}

var (
	_ TopicAdmin       = (*Kafka)(nil)
	_ SubscriberProber = (*Kafka)(nil)
	_ GroupAdmin       = (*Kafka)(nil)
	_ LagReader        = (*Kafka)(nil)
)

// NewKafka connects a ClusterAdmin to the brokers.
func NewKafka(brokers []string, cfg *sarama.Config) (*Kafka, error) {
	a, err := sarama.NewClusterAdmin(brokers, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %v: %w", brokers, err)
	}
	return &Kafka{admin: a}, nil
}

// EnsureTopic implements TopicAdmin.
func (k *Kafka) EnsureTopic(_ context.Context, topic string, spec TopicSpec) (bool, error) {
	err := k.admin.CreateTopic(topic, &sarama.TopicDetail{
		NumPartitions:     spec.NumPartitions,
		ReplicationFactor: spec.ReplicationFactor,
		ConfigEntries:     topicConfig(spec),
	}, false)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return false, fmt.Errorf("creating topic %q: %w", topic, err)
	}
	return false, k.growPartitions(topic, spec.NumPartitions)
}

func topicConfig(spec TopicSpec) map[string]*string {
	entry := func(n int64) *string { s := strconv.FormatInt(n, 10); return &s }
	cfg := map[string]*string{"retention.ms": entry(spec.Retention.Milliseconds())}
	if spec.MaxMessageBytes > 0 {
		cfg["max.message.bytes"] = entry(spec.MaxMessageBytes)
	}
	if spec.MinInSyncReplicas > 0 {
		cfg["min.insync.replicas"] = entry(int64(min(spec.MinInSyncReplicas, spec.ReplicationFactor)))
	}
	return cfg
}

func (k *Kafka) growPartitions(topic string, want int32) error {
	have, err := k.partitionCount(topic)
	if err != nil {
		return err
	}
	if have >= want {
		return nil
	}
	if err := k.admin.CreatePartitions(topic, want, nil, false); err != nil {
		return fmt.Errorf("growing topic %q from %d to %d partitions: %w", topic, have, want, err)
	}
	return nil
}

func (k *Kafka) partitionCount(topic string) (int32, error) {
	md, err := k.admin.DescribeTopics([]string{topic})
	if err != nil {
		return 0, fmt.Errorf("describing topic %q: %w", topic, err)
	}
	if len(md) != 1 || !errors.Is(md[0].Err, sarama.ErrNoError) {
		return 0, fmt.Errorf("describing topic %q: %v", topic, topicErr(md))
	}
	return int32(len(md[0].Partitions)), nil
}

func topicErr(md []*sarama.TopicMetadata) error {
	if len(md) == 0 {
		return errors.New("no metadata returned")
	}
	return md[0].Err
}

// DeleteTopic implements TopicAdmin.
func (k *Kafka) DeleteTopic(_ context.Context, topic string) error {
	err := k.admin.DeleteTopic(topic)
	if err == nil || errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return nil
	}
	return fmt.Errorf("deleting topic %q: %w", topic, err)
}

// OffsetsInitialized implements SubscriberProber.
func (k *Kafka) OffsetsInitialized(_ context.Context, group, topic string) (bool, error) {
	partitions, err := k.partitions(topic)
	if err != nil {
		return false, err
	}
	committed, err := k.committed(group, topic, partitions)
	return err == nil && len(committed) == len(partitions), err
}

// Lag implements LagReader: the topic's partitions and high-water marks are
// read once for all its groups.
func (k *Kafka) Lag(_ context.Context, topic string, groups []string) (map[string]map[int32]int64, error) {
	partitions, err := k.partitions(topic)
	if err != nil {
		return nil, err
	}
	ends, err := k.highWaterMarks(topic, partitions)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[int32]int64, len(groups))
	var errs []error
	for _, group := range groups {
		committed, err := k.committed(group, topic, partitions)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		lag := make(map[int32]int64, len(committed))
		for p, offset := range committed {
			if end, ok := ends[p]; ok {
				lag[p] = max(end-offset, 0)
			}
		}
		out[group] = lag
	}
	return out, errors.Join(errs...)
}

// highWaterMarks reads the newest offset of each partition; a partition whose
// leader did not answer is left out: no figure rather than a wrong one.
func (k *Kafka) highWaterMarks(topic string, partitions []int32) (map[int32]int64, error) {
	newest := make(map[int32]int64, len(partitions))
	for _, p := range partitions {
		newest[p] = sarama.OffsetNewest
	}
	resp, err := k.admin.ListOffsets(map[string]map[int32]int64{topic: newest}, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the high-water marks of topic %q: %w", topic, err)
	}
	ends := make(map[int32]int64, len(partitions))
	for p, end := range resp[topic] {
		if end != nil && (end.Err == nil || errors.Is(end.Err, sarama.ErrNoError)) {
			ends[p] = end.Offset
		}
	}
	return ends, nil
}

// partitions lists the topic's partitions.
func (k *Kafka) partitions(topic string) ([]int32, error) {
	n, err := k.partitionCount(topic)
	if err != nil {
		return nil, err
	}
	partitions := make([]int32, n)
	for i := range partitions {
		partitions[i] = int32(i)
	}
	return partitions, nil
}

// committed reads the offsets group committed on these partitions of topic;
// those without a commit are left out.
func (k *Kafka) committed(group, topic string, partitions []int32) (map[int32]int64, error) {
	resp, err := k.admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: partitions})
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		return nil, nil // the dispatcher has not created the group yet
	}
	if err != nil {
		return nil, fmt.Errorf("reading offsets of group %q: %w", group, err)
	}
	committed := map[int32]int64{}
	for _, p := range partitions {
		if b := resp.GetBlock(topic, p); b != nil && b.Offset >= 0 {
			committed[p] = b.Offset
		}
	}
	return committed, nil
}

// ConsumerGroups implements GroupAdmin.
func (k *Kafka) ConsumerGroups(_ context.Context, match func(string) bool) ([]string, error) {
	all, err := k.admin.ListConsumerGroups()
	if err != nil {
		return nil, fmt.Errorf("listing consumer groups: %w", err)
	}
	var out []string
	for g := range all {
		if match(g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// DeleteConsumerGroup implements GroupAdmin.
func (k *Kafka) DeleteConsumerGroup(_ context.Context, group string) error {
	err := k.admin.DeleteConsumerGroup(group)
	switch {
	case err == nil, errors.Is(err, sarama.ErrGroupIDNotFound):
		return nil
	case errors.Is(err, sarama.ErrNonEmptyGroup):
		return fmt.Errorf("deleting consumer group %q: %w", group, ErrGroupHasMembers)
	}
	return fmt.Errorf("deleting consumer group %q: %w", group, err)
}

// Close implements TopicAdmin.
func (k *Kafka) Close() error {
	return k.admin.Close()
}
