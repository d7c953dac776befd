package client_test

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
)

// The receiver's producer, configured by the receiver's own ProducerConfig
// (idempotent, acks=all, no topic auto-creation), and the dispatcher's consumer group work on
// the Settings the azure flavor builds.
func TestAzureProduceConsume(t *testing.T) {
	const topic = "ns.orders"
	eh := kafkatest.StartEventHubs(t, kfake.SeedTopics(2, topic))
	s := client.AzureSettings(t, client.EventHubsSecret(eh, eh.ConnectionString))

	producer, err := sarama.NewSyncProducer(s.Brokers, receiver.ProducerConfig(s.Sarama, config.DefaultMaxEventBytes))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	sent := map[string]bool{}
	for _, key := range []string{"a", "b", "c", "d"} {
		if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.StringEncoder("event " + key)}); err != nil {
			t.Fatalf("send %s: %v", key, err)
		}
		sent["event "+key] = true
	}

	// Event Hubs would create an event hub for a record to a missing topic if the client
	// let it; the azure settings do not.
	_, _, err = producer.SendMessage(&sarama.ProducerMessage{Topic: "ns.missing", Value: sarama.StringEncoder("x")})
	if err == nil {
		t.Error("a record to a missing event hub was accepted")
	}
	if _, ok := kafkatest.TopicsWith(t, eh.Addrs, eh.Config(t))["ns.missing"]; ok {
		t.Error("producing created an event hub")
	}

	got := client.ConsumeGroup(t, s, topic, len(sent))
	for _, v := range got {
		delete(sent, v)
	}
	if len(sent) != 0 {
		t.Errorf("consumer group got %q; missing %v", got, sent)
	}
}
