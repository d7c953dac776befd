package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

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
