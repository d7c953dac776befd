package client

import (
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// connect builds Settings from Secret data and opens a Sarama client with them; it returns the
// error of the first metadata round trip, which needs a completed authentication.
func connect(t *testing.T, data map[string][]byte) error {
	t.Helper()
	s, err := NewSettings(data, kafkaConfig(t, map[string]string{config.SaramaKey: kafkatest.FailFast}), "connect-test")
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	client, err := sarama.NewClient(s.Brokers, s.Sarama)
	if err != nil {
		return err
	}
	defer client.Close()
	_, err = client.Topics()
	return err
}

func TestSASLAgainstBroker(t *testing.T) {
	b := kafkatest.Start(t, kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", "plain-pw"),
		kfake.Superuser("SCRAM-SHA-256", "scram256-user", "scram256-pw"),
		kfake.Superuser("SCRAM-SHA-512", "scram512-user", "scram512-pw"),
	)
	brokers := strings.Join(b.Addrs, ",")
	tests := []struct {
		mechanism, user, password string
	}{
		{"PLAIN", "plain-user", "plain-pw"},
		{"SCRAM-SHA-256", "scram256-user", "scram256-pw"},
		{"SCRAM-SHA-512", "scram512-user", "scram512-pw"},
	}
	for _, tc := range tests {
		t.Run(tc.mechanism, func(t *testing.T) {
			secret := func(password string) map[string][]byte {
				return secretData(BrokersKey, brokers, ProtocolKey, SASLPlaintext,
					SASLMechanismKey, tc.mechanism, UserKey, tc.user, PasswordKey, password)
			}
			if err := connect(t, secret(tc.password)); err != nil {
				t.Errorf("right password: %v", err)
			}
			// kfake closes the socket on a failed authentication, so the client runs out of brokers.
			if err := connect(t, secret(tc.password+"-wrong")); err == nil {
				t.Error("wrong password: connected")
			}
		})
	}

	// Without SASL the broker refuses the client too: the success above is due to the credentials.
	if err := connect(t, secretData(BrokersKey, brokers)); err == nil {
		t.Error("PLAINTEXT client connected to a SASL-only broker")
	}
}

func TestTLSAgainstBroker(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	b := kafkatest.Start(t, kfake.TLS(pki.ServerTLS(t)))
	brokers := strings.Join(b.Addrs, ",")

	if err := connect(t, secretData(BrokersKey, brokers, ProtocolKey, SSL, CACertKey, string(pki.CAPEM))); err != nil {
		t.Errorf("with the broker's CA: %v", err)
	}
	// The same broker is refused when its certificate is not trusted: ca.crt is really used.
	other := kafkatest.NewPKI(t)
	if err := connect(t, secretData(BrokersKey, brokers, ProtocolKey, SSL, CACertKey, string(other.CAPEM))); err == nil {
		t.Error("connected although ca.crt does not sign the broker's certificate")
	}
}
