package client

import (
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

func secretData(kv ...string) map[string][]byte {
	out := map[string][]byte{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = []byte(kv[i+1])
	}
	return out
}

func TestSettingsBrokers(t *testing.T) {
	s, err := NewSettings(secretData(BrokersKey, " a:9092, b:9093 ,,"), config.Default(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Brokers, "|") != "a:9092|b:9093" {
		t.Errorf("brokers = %q", s.Brokers)
	}
	if s.Sarama.ClientID != "test" || s.Sarama.Net.SASL.Enable || s.Sarama.Net.TLS.Enable {
		t.Errorf("PLAINTEXT by default: client id %q, SASL %v, TLS %v", s.Sarama.ClientID, s.Sarama.Net.SASL.Enable, s.Sarama.Net.TLS.Enable)
	}
}

func TestSettingsSecurity(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	tests := []struct {
		name          string
		data          map[string][]byte
		wantSASL      string // mechanism, "" for none
		wantTLS       bool
		wantRootCAs   bool
		wantClientCrt bool
	}{{
		name: "plaintext",
		data: secretData(BrokersKey, "b:9092", ProtocolKey, "PLAINTEXT"),
	}, {
		name:     "SASL defaults to PLAIN",
		data:     secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_PLAINTEXT", UserKey, "u", PasswordKey, "p"),
		wantSASL: sarama.SASLTypePlaintext,
	}, {
		name:     "SCRAM-SHA-256, protocol and mechanism case-insensitive",
		data:     secretData(BrokersKey, "b:9092", ProtocolKey, "sasl_plaintext", SASLMechanismKey, "scram-sha-256", UserKey, "u", PasswordKey, "p"),
		wantSASL: sarama.SASLTypeSCRAMSHA256,
	}, {
		name:     "SCRAM-SHA-512",
		data:     secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_PLAINTEXT", SASLMechanismKey, "SCRAM-SHA-512", UserKey, "u", PasswordKey, "p"),
		wantSASL: sarama.SASLTypeSCRAMSHA512,
	}, {
		name:    "SSL with system roots",
		data:    secretData(BrokersKey, "b:9093", ProtocolKey, "SSL"),
		wantTLS: true,
	}, {
		name:          "SSL with a CA and a client certificate (mTLS)",
		data:          secretData(BrokersKey, "b:9093", ProtocolKey, "SSL", CACertKey, string(pki.CAPEM), UserCertKey, string(pki.CertPEM), UserKeyKey, string(pki.KeyPEM)),
		wantTLS:       true,
		wantRootCAs:   true,
		wantClientCrt: true,
	}, {
		name:        "SASL_SSL",
		data:        secretData(BrokersKey, "b:9093", ProtocolKey, "SASL_SSL", SASLMechanismKey, "SCRAM-SHA-512", UserKey, "u", PasswordKey, "p", CACertKey, string(pki.CAPEM)),
		wantSASL:    sarama.SASLTypeSCRAMSHA512,
		wantTLS:     true,
		wantRootCAs: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSettings(tc.data, config.Default(), "test")
			if err != nil {
				t.Fatal(err)
			}
			checkSASL(t, s.Sarama, tc.wantSASL)
			net := s.Sarama.Net
			if net.TLS.Enable != tc.wantTLS {
				t.Errorf("TLS enabled = %v, want %v", net.TLS.Enable, tc.wantTLS)
			}
			if !tc.wantTLS {
				return
			}
			if net.TLS.Config.MinVersion < 0x0303 {
				t.Errorf("TLS minimum version %x, want 1.2 or later", net.TLS.Config.MinVersion)
			}
			if (net.TLS.Config.RootCAs != nil) != tc.wantRootCAs {
				t.Errorf("custom root CAs = %v, want %v", net.TLS.Config.RootCAs != nil, tc.wantRootCAs)
			}
			if (len(net.TLS.Config.Certificates) == 1) != tc.wantClientCrt {
				t.Errorf("client certificates = %d, want one: %v", len(net.TLS.Config.Certificates), tc.wantClientCrt)
			}
		})
	}
}

func checkSASL(t *testing.T, cfg *sarama.Config, mechanism string) {
	t.Helper()
	sasl := cfg.Net.SASL
	if sasl.Enable != (mechanism != "") {
		t.Fatalf("SASL enabled = %v, want mechanism %q", sasl.Enable, mechanism)
	}
	if mechanism == "" {
		return
	}
	if string(sasl.Mechanism) != mechanism || sasl.User != "u" || sasl.Password != "p" {
		t.Errorf("SASL = %s %s/%s, want %s u/p", sasl.Mechanism, sasl.User, sasl.Password, mechanism)
	}
	if isSCRAM := strings.HasPrefix(mechanism, "SCRAM"); isSCRAM != (sasl.SCRAMClientGeneratorFunc != nil) {
		t.Errorf("SCRAM client generator set = %v for %s", sasl.SCRAMClientGeneratorFunc != nil, mechanism)
	}
}

func TestSettingsErrorsNameTheKey(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	tests := []struct {
		name string
		data map[string][]byte
		key  string
	}{
		{"no brokers", secretData(ProtocolKey, "PLAINTEXT"), BrokersKey},
		{"only separators", secretData(BrokersKey, " , "), BrokersKey},
		{"unknown protocol", secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_TLS"), ProtocolKey},
		{"unknown mechanism", secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_PLAINTEXT", SASLMechanismKey, "GSSAPI", UserKey, "u", PasswordKey, "p"), SASLMechanismKey},
		{"SASL without password", secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_SSL", UserKey, "u"), PasswordKey},
		{"SASL without user", secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_PLAINTEXT", PasswordKey, "p"), UserKey},
		{"CA not PEM", secretData(BrokersKey, "b:9093", ProtocolKey, "SSL", CACertKey, "not a certificate"), CACertKey},
		{"client cert not PEM", secretData(BrokersKey, "b:9093", ProtocolKey, "SSL", UserCertKey, "garbage", UserKeyKey, string(pki.KeyPEM)), UserCertKey},
		{"client cert without key", secretData(BrokersKey, "b:9093", ProtocolKey, "SSL", UserCertKey, string(pki.CertPEM)), UserKeyKey},
		{"key of another certificate", secretData(BrokersKey, "b:9093", ProtocolKey, "SSL", UserCertKey, string(pki.CAPEM), UserKeyKey, string(pki.KeyPEM)), UserCertKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSettings(tc.data, config.Default(), "test")
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %v, want one naming %q", err, tc.key)
			}
		})
	}
}

func TestNewSettingsFromSecret(t *testing.T) {
	if _, err := NewSettingsFromSecret(nil, config.Default(), "test"); err == nil || !strings.Contains(err.Error(), SecretLabel) {
		t.Errorf("no Secret: error %v, want one naming the label %s", err, SecretLabel)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "knative-eventing", Name: "kafka-cluster"}}
	if _, err := NewSettingsFromSecret(secret, config.Default(), "test"); err == nil || !strings.Contains(err.Error(), "knative-eventing/kafka-cluster") {
		t.Errorf("empty Secret: error %v, want one naming the Secret", err)
	}
}

func kafkaConfig(t *testing.T, data map[string]string) *config.Kafka {
	t.Helper()
	k, err := config.NewKafkaFromMap(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSaramaOverrides(t *testing.T) {
	brokers := secretData(BrokersKey, "b:9092")
	k := kafkaConfig(t, map[string]string{config.SaramaKey: "Net:\n  DialTimeout: 5000000000\nProducer:\n  MaxMessageBytes: 2097152\n"})
	s, err := NewSettings(brokers, k, "test")
	if err != nil {
		t.Fatal(err)
	}
	if s.Sarama.Net.DialTimeout != 5*time.Second || s.Sarama.Producer.MaxMessageBytes != 2097152 {
		t.Errorf("overrides not applied: dial timeout %v, max message bytes %d", s.Sarama.Net.DialTimeout, s.Sarama.Producer.MaxMessageBytes)
	}
	// Fields the overrides leave alone keep Sarama's defaults.
	if s.Sarama.Net.ReadTimeout != sarama.NewConfig().Net.ReadTimeout {
		t.Errorf("read timeout %v changed", s.Sarama.Net.ReadTimeout)
	}
	// Overrides config-kafka refuses are tested with config; this is one that gets past it.
	if _, err := NewSettings(brokers, &config.Kafka{Sarama: "Net: ["}, "test"); err == nil || !strings.Contains(err.Error(), config.SaramaKey) {
		t.Errorf("unparsable overrides: error %v, want one naming %q", err, config.SaramaKey)
	}
}

// Idle consumer groups long-poll (IdleFetchWait) unless config-kafka's sarama
// says otherwise; a wait that would let a member's heartbeats lapse is refused.
func TestFetchWait(t *testing.T) {
	brokers := secretData(BrokersKey, "b:9092")
	s, err := NewSettings(brokers, kafkaConfig(t, nil), "test")
	if err != nil {
		t.Fatal(err)
	}
	if s.Sarama.Consumer.MaxWaitTime != IdleFetchWait {
		t.Errorf("default fetch wait %v, want %v", s.Sarama.Consumer.MaxWaitTime, IdleFetchWait)
	}
	s, err = NewSettings(brokers, kafkaConfig(t, map[string]string{config.SaramaKey: "Consumer:\n  MaxWaitTime: 500000000\n"}), "test")
	if err != nil || s.Sarama.Consumer.MaxWaitTime != 500*time.Millisecond {
		t.Errorf("the operator's fetch wait not kept: %v, %v", s, err)
	}
	_, err = NewSettings(brokers, kafkaConfig(t, map[string]string{config.SaramaKey: "Consumer:\n  MaxWaitTime: 5000000000\n"}), "test")
	if err == nil || !strings.Contains(err.Error(), "Consumer.MaxWaitTime") {
		t.Errorf("a 5 s fetch wait with 3 s heartbeats in a 10 s session: error %v, want one naming Consumer.MaxWaitTime", err)
	}
}

// A JoinGroup the broker may hold for the rebalance timeout must be read to
// its end: the default rebalance timeout stays below Net.ReadTimeout, and an
// override that does not is refused.
func TestRebalanceTimeoutWithinReadTimeout(t *testing.T) {
	brokers := secretData(BrokersKey, "b:9092")
	s, err := NewSettings(brokers, kafkaConfig(t, nil), "test")
	if err != nil {
		t.Fatal(err)
	}
	if g := s.Sarama.Consumer.Group; g.Rebalance.Timeout != RebalanceTimeout || g.Rebalance.Timeout >= s.Sarama.Net.ReadTimeout {
		t.Errorf("rebalance timeout %v with read timeout %v, want %v below it", g.Rebalance.Timeout, s.Sarama.Net.ReadTimeout, RebalanceTimeout)
	}
	_, err = NewSettings(brokers, kafkaConfig(t, map[string]string{config.SaramaKey: "Consumer:\n  Group:\n    Rebalance:\n      Timeout: 60000000000\n"}), "test")
	if err == nil || !strings.Contains(err.Error(), "Consumer.Group.Rebalance.Timeout") {
		t.Errorf("Sarama's 60 s rebalance timeout with its 30 s read timeout: error %v, want one naming Consumer.Group.Rebalance.Timeout", err)
	}
}

func TestFingerprint(t *testing.T) {
	data := secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_PLAINTEXT", UserKey, "u", PasswordKey, "p")
	fp := func(data map[string][]byte, k *config.Kafka) string {
		t.Helper()
		s, err := NewSettings(data, k, "test")
		if err != nil {
			t.Fatal(err)
		}
		return s.Fingerprint
	}
	base := fp(data, config.Default())
	if fp(data, config.Default()) != base {
		t.Error("fingerprint is not stable")
	}
	rotated := secretData(BrokersKey, "b:9092", ProtocolKey, "SASL_PLAINTEXT", UserKey, "u", PasswordKey, "p2")
	if fp(rotated, config.Default()) == base {
		t.Error("a rotated password keeps the fingerprint; clients would not reconnect")
	}
	if fp(data, kafkaConfig(t, map[string]string{config.SaramaKey: "ClientID: x"})) == base {
		t.Error("changed Sarama overrides keep the fingerprint")
	}
	// Channel defaults do not shape connections; changing them must not churn clients.
	if fp(data, kafkaConfig(t, map[string]string{config.NumPartitionsKey: "9"})) != base {
		t.Error("a changed default partition count changed the fingerprint")
	}
}
