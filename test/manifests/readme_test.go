package manifests

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// readmeDocs are the YAML documents of README.md's yaml blocks.
func readmeDocs(t *testing.T) [][]byte {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range yamlBlock.FindAllSubmatch(readme, -1) {
		out = append(out, bytes.Split(m[1], []byte("\n---\n"))...)
	}
	return out
}

// readmeSecrets are the Kafka Secret examples of README.md.
func readmeSecrets(t *testing.T) []*corev1.Secret {
	t.Helper()
	var out []*corev1.Secret
	for _, doc := range readmeDocs(t) {
		var s corev1.Secret
		if err := yaml.UnmarshalStrict(doc, &s); err != nil || s.Kind != "Secret" {
			continue
		}
		if s.Labels[client.SecretLabel] != "true" {
			t.Errorf("README example Secret %s lacks the label %s", s.Name, client.SecretLabel)
		}
		if s.Name != client.SecretName {
			t.Errorf("README example Secret %s is not named %s", s.Name, client.SecretName)
		}
		out = append(out, &s)
	}
	return out
}

// The README's worked Secret examples use the keys and values the code reads,
// and each configures what it says (SASL mechanism, TLS, client certificate).
func TestReadmeSecretExamples(t *testing.T) {
	secrets := readmeSecrets(t)
	if len(secrets) < 3 {
		t.Fatalf("found %d Kafka Secret examples in README.md, want one per auth mode", len(secrets))
	}
	pki := kafkatest.NewPKI(t)
	// The examples' PEM blocks are placeholders; keep the keys, use real PEM.
	realPEM := map[string][]byte{client.CACertKey: pki.CAPEM, client.UserCertKey: pki.CertPEM, client.UserKeyKey: pki.KeyPEM}
	for _, s := range secrets {
		data := map[string][]byte{}
		for k, v := range s.StringData {
			data[k] = []byte(v)
			if pem, ok := realPEM[k]; ok {
				data[k] = pem
			}
		}
		protocol := string(data[client.ProtocolKey])
		name, kafka := protocol, config.Default()
		if string(data[client.UserKey]) == "$ConnectionString" { // the Event Hubs example
			var err error
			if kafka, err = config.NewKafkaFromMap(map[string]string{config.FlavorKey: string(config.FlavorAzure)}); err != nil {
				t.Fatal(err)
			}
			name = "azure"
		}
		t.Run(name, func(t *testing.T) {
			settings, err := client.NewSettings(data, kafka, "readme")
			if err != nil {
				t.Fatalf("the README example does not configure a client: %v", err)
			}
			cfg := settings.Sarama
			wantSASL := strings.HasPrefix(protocol, "SASL_")
			wantTLS := strings.HasSuffix(protocol, "SSL")
			if cfg.Net.SASL.Enable != wantSASL || cfg.Net.TLS.Enable != wantTLS {
				t.Errorf("SASL %v TLS %v, want %v %v", cfg.Net.SASL.Enable, cfg.Net.TLS.Enable, wantSASL, wantTLS)
			}
			if wantSASL && string(cfg.Net.SASL.Mechanism) != string(data[client.SASLMechanismKey]) {
				t.Errorf("SASL mechanism %s, want %s", cfg.Net.SASL.Mechanism, data[client.SASLMechanismKey])
			}
			if _, mtls := data[client.UserCertKey]; mtls && len(cfg.Net.TLS.Config.Certificates) != 1 {
				t.Error("user.crt given, but no client certificate configured")
			}
		})
	}
}

// The README's worked config-kafka examples are valid config-kafka, each of the
// flavor it shows.
func TestReadmeConfigKafkaExamples(t *testing.T) {
	flavors := map[config.Flavor]bool{}
	for _, doc := range readmeDocs(t) {
		var cm corev1.ConfigMap
		if err := yaml.UnmarshalStrict(doc, &cm); err != nil || cm.Kind != "ConfigMap" || cm.Name != "config-kafka" {
			continue
		}
		k, err := config.NewKafkaFromMap(cm.Data)
		if err != nil {
			t.Errorf("README config-kafka example %v: %v", cm.Data, err)
			continue
		}
		if string(k.Flavor) != cm.Data[config.FlavorKey] {
			t.Errorf("README example of flavor %q reads as %q", cm.Data[config.FlavorKey], k.Flavor)
		}
		flavors[k.Flavor] = true
	}
	for _, f := range []config.Flavor{config.FlavorKafka, config.FlavorAzure, config.FlavorCustom} {
		if !flavors[f] {
			t.Errorf("README has no worked config-kafka example for flavor %s", f)
		}
	}
}
