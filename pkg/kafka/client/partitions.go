package client

import (
	"context"
	"time"

	"github.com/IBM/sarama"
	"k8s.io/apimachinery/pkg/util/wait"
)

// GrowthTimeout bounds how long a component waits for a topic to show the
// partitions its channel's spec asked for; past it, Sarama's periodic
// metadata refresh (Metadata.RefreshFrequency) is the fallback.
const GrowthTimeout = 2 * time.Minute

// growthPollInterval spaces the metadata requests of WaitForPartitions.
const growthPollInterval = 250 * time.Millisecond

// WaitForPartitions refreshes c's metadata of topic until it shows at least n
// partitions. The controller grows a topic after its channel's spec asked for
// more partitions, so the receiver and the dispatcher, which see the spec
// change, wait for the topic rather than for Sarama's next periodic refresh
// (10 minutes by default). It gives up after GrowthTimeout, when ctx is done,
// or with sarama.ErrClosedClient once c is closed.
func WaitForPartitions(ctx context.Context, c sarama.Client, topic string, n int) error {
	return wait.PollUntilContextTimeout(ctx, growthPollInterval, GrowthTimeout, true, func(context.Context) (bool, error) {
		if c.Closed() {
			return false, sarama.ErrClosedClient
		}
		if err := c.RefreshMetadata(topic); err != nil {
			return false, nil // Kafka may be away for a moment: try again
		}
		partitions, err := c.Partitions(topic)
		return err == nil && len(partitions) >= n, nil
	})
}
