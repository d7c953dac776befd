// Package offsets moves the committed offsets of a consumer group that no
// member runs: what a ResetOffset does once the dispatchers paused its
// subscriber. Kafka refuses such a commit while the group has members, so a
// member that joined after all is never overridden, only waited for.
package offsets

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"
)

// Where a partition restarts, besides a time (milliseconds since the epoch):
// Kafka's ListOffsets spellings.
const (
	Earliest = sarama.OffsetOldest
	Latest   = sarama.OffsetNewest
)

// At is the ListOffsets timestamp of a time: each partition's first offset
// whose record has that timestamp or a later one.
func At(t time.Time) int64 { return t.UnixMilli() }

// ErrGroupHasMembers is returned while a member of the group runs: its
// offsets move only once the group is empty.
var ErrGroupHasMembers = errors.New("consumer group has members")

// Kafka reads and moves consumer-group offsets.
type Kafka struct {
	client sarama.Client
	admin  sarama.ClusterAdmin
}

// New connects to the brokers.
func New(brokers []string, cfg *sarama.Config) (*Kafka, error) {
	c, err := sarama.NewClient(brokers, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %v: %w", brokers, err)
	}
	a, err := sarama.NewClusterAdminFromClient(c)
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connecting to Kafka at %v: %w", brokers, err)
	}
	return &Kafka{client: c, admin: a}, nil
}

// Close closes the connections.
func (k *Kafka) Close() error {
	return k.admin.Close() // closes the client too
}

// Members tells how many members the group has now, and its state as Kafka
// names it ("Empty", "Stable", "PreparingRebalance", "Dead" for no group).
func (k *Kafka) Members(group string) (int, string, error) {
	desc, err := k.admin.DescribeConsumerGroups([]string{group})
	if err != nil {
		return 0, "", fmt.Errorf("describing consumer group %q: %w", group, err)
	}
	if len(desc) != 1 {
		return 0, "", fmt.Errorf("describing consumer group %q: %d descriptions returned", group, len(desc))
	}
	if kerr := desc[0].Err; kerr != sarama.ErrNoError && !errors.Is(kerr, sarama.ErrGroupIDNotFound) {
		return 0, "", fmt.Errorf("describing consumer group %q: %w", group, kerr)
	}
	return len(desc[0].Members), desc[0].State, nil
}

// Partitions lists the topic's partitions as Kafka knows them now.
func (k *Kafka) Partitions(topic string) ([]int32, error) {
	if err := k.client.RefreshMetadata(topic); err != nil {
		return nil, fmt.Errorf("reading the partitions of topic %q: %w", topic, err)
	}
	ps, err := k.client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("reading the partitions of topic %q: %w", topic, err)
	}
	ps = slices.Clone(ps)
	slices.Sort(ps)
	return ps, nil
}

// Committed reads the group's committed offset of each partition; -1 where it has none.
func (k *Kafka) Committed(group, topic string, partitions []int32) (map[int32]int64, error) {
	out := make(map[int32]int64, len(partitions))
	for _, p := range partitions {
		out[p] = -1
	}
	resp, err := k.admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: partitions})
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the offsets of consumer group %q: %w", group, err)
	}
	for _, p := range partitions {
		if b := resp.GetBlock(topic, p); b != nil && b.Offset >= 0 {
			out[p] = b.Offset
		}
	}
	return out, nil
}

// Targets finds where each partition restarts: Earliest, Latest, or the
// first offset at or after a time (At). A time after a partition's newest
// record gives its end; one before its retention, its oldest retained record.
func (k *Kafka) Targets(topic string, partitions []int32, when int64) (map[int32]int64, error) {
	out := make(map[int32]int64, len(partitions))
	for _, p := range partitions {
		offset, err := k.client.GetOffset(topic, p, when)
		if err == nil && offset < 0 {
			// No record at or after the time: the partition restarts at its end.
			offset, err = k.client.GetOffset(topic, p, Latest)
		}
		if err != nil {
			return nil, fmt.Errorf("finding the offset of %s/%d: %w", topic, p, err)
		}
		out[p] = offset
	}
	return out, nil
}

// Commit commits the offsets of every partition in one request, outside any
// generation of the group: Kafka accepts it only while the group has no
// member (ErrGroupHasMembers otherwise), so that no member can have read
// from a partition at its old offset once another moved.
func (k *Kafka) Commit(group, topic string, offsets map[int32]int64) error {
	coordinator, err := k.client.Coordinator(group)
	if err != nil {
		return fmt.Errorf("finding the coordinator of consumer group %q: %w", group, err)
	}
	req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group,
		ConsumerGroupGeneration: sarama.GroupGenerationUndefined, RetentionTime: -1}
	for p, o := range offsets {
		req.AddBlock(topic, p, o, 0, "")
	}
	resp, err := coordinator.CommitOffset(req)
	if err != nil {
		_ = k.client.RefreshCoordinator(group)
		return fmt.Errorf("committing the offsets of consumer group %q: %w", group, err)
	}
	for _, partitions := range resp.Errors {
		for p, kerr := range partitions {
			switch {
			case errors.Is(kerr, sarama.ErrNoError):
			case errors.Is(kerr, sarama.ErrUnknownMemberId), errors.Is(kerr, sarama.ErrIllegalGeneration), errors.Is(kerr, sarama.ErrRebalanceInProgress):
				return fmt.Errorf("committing the offsets of consumer group %q: %w (%v)", group, ErrGroupHasMembers, kerr)
			default:
				if errors.Is(kerr, sarama.ErrNotCoordinatorForConsumer) {
					_ = k.client.RefreshCoordinator(group)
				}
				return fmt.Errorf("committing offset %d of %s/%d for consumer group %q: %w", offsets[p], topic, p, group, kerr)
			}
		}
	}
	return nil
}
