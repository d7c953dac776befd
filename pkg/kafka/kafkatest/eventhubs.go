package kafkatest

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
)

// EventHubsUser is the SASL PLAIN user name Event Hubs' Kafka endpoint expects.
const EventHubsUser = "$ConnectionString"

// EventHubs is a kfake broker set up as the Kafka endpoint of an Event Hubs namespace:
// SASL_SSL only, SASL PLAIN with user $ConnectionString and the namespace's connection
// string as password, and event hubs created by any metadata request that allows it.
type EventHubs struct {
	*Broker
	PKI              PKI
	ConnectionString string
}

// StartEventHubs runs such a broker on a free loopback port until the test ends.
func StartEventHubs(t testing.TB, opts ...kfake.Opt) *EventHubs {
	t.Helper()
	pki := NewPKI(t)
	cs := "Endpoint=sb://knative-kafka-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + randomKey(t)
	b := Start(t, append([]kfake.Opt{
		kfake.TLS(pki.ServerTLS(t)),
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", EventHubsUser, cs),
		kfake.AllowAutoTopicCreation(),
	}, opts...)...)
	return &EventHubs{Broker: b, PKI: pki, ConnectionString: cs}
}

// Config is Config() authenticated as the namespace's owner, to look at the broker from a test.
func (e *EventHubs) Config(t testing.TB) *sarama.Config {
	t.Helper()
	cfg := Config()
	cfg.Net.TLS.Enable = true
	cfg.Net.TLS.Config = e.PKI.ClientTLS(t)
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	cfg.Net.SASL.User = EventHubsUser
	cfg.Net.SASL.Password = e.ConnectionString
	return cfg
}

func randomKey(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
