package client

import (
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

const testConnectionString = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=a2V5LWJ5dGVz+/0="

// azureSecret is Secret data for an Event Hubs namespace, with kv replacing or adding keys.
func azureSecret(kv ...string) map[string][]byte {
	data := secretData(BrokersKey, "ns.servicebus.windows.net:9093", ProtocolKey, SASLSSL,
		SASLMechanismKey, "PLAIN", UserKey, AzureUser, PasswordKey, testConnectionString)
	for k, v := range secretData(kv...) {
		data[k] = v
	}
	return data
}

func azureConfig(t *testing.T, kv ...string) *config.Kafka {
	t.Helper()
	data := map[string]string{config.FlavorKey: "azure"}
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i]] = kv[i+1]
	}
	return kafkaConfig(t, data)
}

func TestAzureSettings(t *testing.T) {
	// Overrides that Event Hubs cannot live with are corrected, not obeyed.
	k := azureConfig(t, config.SaramaKey, "Metadata:\n  RefreshFrequency: 600000000000\n"+
		"Net:\n  KeepAlive: -1\n  ReadTimeout: 10000000000\nConsumer:\n  Group:\n    Session:\n      Timeout: 10000000000\n")
	s, err := NewSettings(azureSecret(), k, "test")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Sarama
	checkSASL := c.Net.SASL.Enable && c.Net.SASL.Mechanism == sarama.SASLTypePlaintext && c.Net.SASL.User == AzureUser &&
		c.Net.SASL.Password == testConnectionString
	checks := []struct {
		what string
		ok   bool
	}{
		{"TLS", c.Net.TLS.Enable},
		{"SASL PLAIN with the connection string", checkSASL},
		{"protocol 1.0 or later", c.Version.IsAtLeast(sarama.V1_0_0_0)},
		{"metadata refreshed within 180 s", c.Metadata.RefreshFrequency > 0 && c.Metadata.RefreshFrequency <= 180*time.Second},
		{"TCP keep-alives on, under Azure's 240 s idle cut", c.Net.KeepAlive >= 0 && c.Net.KeepAlive < 240*time.Second},
		{"requests wait at least 60 s", c.Net.ReadTimeout >= 60*time.Second},
		{"group sessions of at least 30 s", c.Consumer.Group.Session.Timeout >= 30*time.Second},
		{"no topic created by a metadata request", !c.Metadata.AllowAutoTopicCreation},
		{"records up to what max.event.bytes admits", c.Producer.MaxMessageBytes == int(k.MaxRecordBytes())},
	}
	for _, check := range checks {
		if !check.ok {
			t.Errorf("azure settings: want %s", check.what)
		}
	}
}

func TestAzureRequestsStayUnderTheLimit(t *testing.T) {
	tests := []struct {
		maxEventBytes string
		overrides     string
		want          int
	}{
		{want: 1},                         // default max.event.bytes: a record may take the whole request
		{maxEventBytes: "65536", want: 7}, // records of 128 KiB: 7 fit in 1000000 bytes
		{maxEventBytes: "1", want: 15},    // 64 KiB + 1 byte records
		{maxEventBytes: "65536", overrides: "Producer:\n  Flush:\n    MaxMessages: 3\n", want: 3},  // a smaller bound stays
		{maxEventBytes: "65536", overrides: "Producer:\n  Flush:\n    MaxMessages: 50\n", want: 7}, // a larger one does not
	}
	for _, tc := range tests {
		kv := []string{config.SaramaKey, tc.overrides}
		if tc.maxEventBytes != "" {
			kv = append(kv, config.MaxEventBytesKey, tc.maxEventBytes)
		}
		k := azureConfig(t, kv...)
		s, err := NewSettings(azureSecret(), k, "test")
		if err != nil {
			t.Fatalf("max.event.bytes %q: %v", tc.maxEventBytes, err)
		}
		got := s.Sarama.Producer.Flush.MaxMessages
		if got != tc.want {
			t.Errorf("max.event.bytes %q, overrides %q: %d records per request, want %d", tc.maxEventBytes, tc.overrides, got, tc.want)
		}
	}
	// Flush.Messages (a trigger) must not exceed the bound, or Sarama refuses the config.
	s, err := NewSettings(azureSecret(), azureConfig(t, config.SaramaKey, "Producer:\n  Flush:\n    Messages: 10\n    Frequency: 1000000\n"), "test")
	if err != nil || s.Sarama.Producer.Flush.Messages != 1 {
		t.Errorf("Flush.Messages 10 under a bound of 1: %v, %+v", err, s)
	}
}

func TestAzureSettingsErrors(t *testing.T) {
	tests := []struct {
		name   string
		secret map[string][]byte
		kafka  []string
		want   []string // all in the error
	}{
		{"plaintext", azureSecret(ProtocolKey, "SASL_PLAINTEXT"), nil, []string{"protocol=SASL_SSL", "sasl.mechanism=PLAIN"}},
		{"TLS without SASL", azureSecret(ProtocolKey, "SSL"), nil, []string{"protocol=SASL_SSL"}},
		{"SCRAM", azureSecret(SASLMechanismKey, "SCRAM-SHA-256"), nil, []string{"sasl.mechanism=PLAIN"}},
		{"another user", azureSecret(UserKey, "admin"), nil, []string{`"$ConnectionString"`, `"admin"`}},
		{"not a connection string", azureSecret(PasswordKey, "hunter2"), nil, []string{"password", "not an Event Hubs connection string"}},
		{"event hub scoped", azureSecret(PasswordKey, testConnectionString+";EntityPath=orders"), nil, []string{"password", `"orders"`, "namespace connection string"}},
		{"shared access signature", azureSecret(PasswordKey, "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y"), nil, []string{"no shared access signature"}},
		{"endpoint not sb://", azureSecret(PasswordKey, "Endpoint=https://ns.servicebus.windows.net/;SharedAccessKeyName=r;SharedAccessKey=k"), nil, []string{"Endpoint", "sb://"}},
		{"snappy", azureSecret(), []string{config.SaramaKey, "Producer:\n  Compression: snappy\n"}, []string{"sarama", "snappy", "only gzip"}},
		{"gzip on standard", azureSecret(), []string{config.SaramaKey, "Producer:\n  Compression: gzip\n"}, []string{"standard tier takes no compressed records"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSettings(tc.secret, azureConfig(t, tc.kafka...), "test")
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range append(tc.want, "flavor azure") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
	// The same Secret with keys in any case, and gzip on premium, are fine.
	keys := strings.ReplaceAll(testConnectionString, "SharedAccessKeyName", "sharedaccesskeyname")
	if _, err := NewSettings(azureSecret(PasswordKey, keys), azureConfig(t, config.AzureTierKey, "premium",
		config.SaramaKey, "Producer:\n  Compression: gzip\n"), "test"); err != nil {
		t.Errorf("gzip on premium, lower-case key names: %v", err)
	}
}

func TestAzureFingerprint(t *testing.T) {
	fp := func(k *config.Kafka) string {
		t.Helper()
		s, err := NewSettings(azureSecret(), k, "test")
		if err != nil {
			t.Fatal(err)
		}
		return s.Fingerprint
	}
	base := fp(azureConfig(t))
	// The cached admin checks the tier's quotas; a new tier must reach it.
	if fp(azureConfig(t, config.AzureTierKey, "premium")) == base {
		t.Error("a changed tier keeps the fingerprint")
	}
	if fp(azureConfig(t, config.AzureTierKey, "premium", config.AzureCapacityUnitsKey, "2")) == fp(azureConfig(t, config.AzureTierKey, "premium")) {
		t.Error("changed capacity units keep the fingerprint")
	}
	if fp(azureConfig(t, config.MaxEventBytesKey, "65536")) == base {
		t.Error("a changed max.event.bytes keeps the fingerprint, though it bounds the producer's requests")
	}
	if fp(azureConfig(t, config.NumPartitionsKey, "4")) != base {
		t.Error("a changed default partition count changed the fingerprint")
	}
}
