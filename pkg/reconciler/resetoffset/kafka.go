package resetoffset

import (
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/offsets"
)

// Offsets is what a reset needs of Kafka; *offsets.Kafka in production, a
// fake in table tests (offsets is tested against kfake).
type Offsets interface {
	Members(group string) (int, string, error)
	Partitions(topic string) ([]int32, error)
	Committed(group, topic string, partitions []int32) (map[int32]int64, error)
	Targets(topic string, partitions []int32, when int64) (map[int32]int64, error)
	Commit(group, topic string, offsets map[int32]int64) error
	Close() error
}

// Connect makes an Offsets for the Kafka settings in force.
type Connect func(*client.Settings) (Offsets, error)

// ConnectKafka is Connect in production.
func ConnectKafka(s *client.Settings) (Offsets, error) {
	return offsets.New(s.Brokers, s.Sarama)
}
