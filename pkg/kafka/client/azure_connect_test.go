package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// eventHubsSecret is the Secret an operator writes for the namespace behind eh.
func eventHubsSecret(eh *kafkatest.EventHubs, password string) map[string][]byte {
	return secretData(BrokersKey, strings.Join(eh.Addrs, ","), ProtocolKey, SASLSSL, SASLMechanismKey, "PLAIN",
		UserKey, AzureUser, PasswordKey, password, CACertKey, string(eh.PKI.CAPEM))
}

func azureSettings(t *testing.T, data map[string][]byte) *Settings {
	t.Helper()
	s, err := NewSettings(data, azureConfig(t, config.SaramaKey, kafkatest.FailFast), "azure-test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAzureConnectsWithTheConnectionString(t *testing.T) {
	eh := kafkatest.StartEventHubs(t)
	if _, err := metadata(azureSettings(t, eventHubsSecret(eh, eh.ConnectionString))); err != nil {
		t.Errorf("with the namespace's connection string: %v", err)
	}
	other := strings.Replace(eh.ConnectionString, "SharedAccessKey=", "SharedAccessKey=x", 1)
	if _, err := metadata(azureSettings(t, eventHubsSecret(eh, other))); err == nil {
		t.Error("connected with another key")
	}
}

func metadata(s *Settings) ([]string, error) {
	c, err := sarama.NewClient(s.Brokers, s.Sarama)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Topics()
}

// The receiver's producer (idempotent, acks=all) and the dispatcher's consumer group work on
// the Settings the azure flavor builds.
func TestAzureProduceConsume(t *testing.T) {
	const topic = "ns.orders"
	eh := kafkatest.StartEventHubs(t, kfake.SeedTopics(2, topic))
	s := azureSettings(t, eventHubsSecret(eh, eh.ConnectionString))

	producer, err := sarama.NewSyncProducer(s.Brokers, receiverLike(s.Sarama))
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

	got := consumeGroup(t, s, topic, len(sent))
	for _, v := range got {
		delete(sent, v)
	}
	if len(sent) != 0 {
		t.Errorf("consumer group got %q; missing %v", got, sent)
	}
}

// receiverLike is the receiver's producer configuration: 202 only after acks=all, and
// idempotent so that Sarama's retries do not write twice.
func receiverLike(base *sarama.Config) *sarama.Config {
	cfg := *base
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Return.Successes = true
	return &cfg
}

// consumeGroup reads n records of topic from the start with a consumer group, as a dispatcher does.
func consumeGroup(t *testing.T, s *Settings, topic string, n int) []string {
	t.Helper()
	cfg := *s.Sarama
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	group, err := sarama.NewConsumerGroup(s.Brokers, "kafka.ns.orders.subscriber", &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer group.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := &collector{want: n, done: cancel}
	if err := group.Consume(ctx, []string{topic}, h); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	return h.values()
}

type collector struct {
	want int
	done context.CancelFunc
	got  chan string
}

func (c *collector) Setup(sarama.ConsumerGroupSession) error {
	c.got = make(chan string, c.want)
	return nil
}

func (c *collector) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (c *collector) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		c.got <- string(m.Value)
		s.MarkMessage(m, "")
		if len(c.got) == c.want {
			c.done()
		}
	}
	return nil
}

func (c *collector) values() []string {
	var out []string
	for len(c.got) > 0 {
		out = append(out, <-c.got)
	}
	return out
}
