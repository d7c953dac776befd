package dispatcher

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// Every auth mode of the Kafka Secret works through each component's own code
// path: the controller's topic admin creates the topic, the receiver produces
// to it, the dispatcher consumes it with a group and delivers.
func TestAuthModesThroughEachComponent(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	mtls := pki.ServerTLS(t)
	mtls.ClientAuth, mtls.ClientCAs = tls.RequireAndVerifyClientCert, x509.NewCertPool()
	mtls.ClientCAs.AppendCertsFromPEM(pki.CAPEM)
	sasl := func(mechanism string) []kfake.Opt {
		return []kfake.Opt{kfake.EnableSASL(), kfake.Superuser(mechanism, "knative", "secret")}
	}
	tlsOnly := func(c *tls.Config) []kfake.Opt { return []kfake.Opt{kfake.TLS(c)} }
	ca := string(pki.CAPEM)
	tests := []struct {
		name   string
		broker []kfake.Opt
		secret []string
		// needs are keys without which the broker must refuse the client, so
		// that the success is due to them.
		needs []string
	}{
		{"SASL_PLAINTEXT PLAIN", sasl("PLAIN"), []string{client.ProtocolKey, client.SASLPlaintext, client.SASLMechanismKey, "PLAIN"},
			[]string{client.ProtocolKey}},
		{"SASL_PLAINTEXT SCRAM-SHA-256", sasl("SCRAM-SHA-256"), []string{client.ProtocolKey, client.SASLPlaintext, client.SASLMechanismKey, "SCRAM-SHA-256"},
			[]string{client.ProtocolKey}},
		{"SASL_SSL SCRAM-SHA-512", append(sasl("SCRAM-SHA-512"), kfake.TLS(pki.ServerTLS(t))),
			[]string{client.ProtocolKey, client.SASLSSL, client.SASLMechanismKey, "SCRAM-SHA-512", client.CACertKey, ca},
			[]string{client.CACertKey}},
		{"SSL", tlsOnly(pki.ServerTLS(t)), []string{client.ProtocolKey, client.SSL, client.CACertKey, ca}, []string{client.CACertKey}},
		{"SSL with a client certificate", tlsOnly(mtls), []string{client.ProtocolKey, client.SSL, client.CACertKey, ca,
			client.UserCertKey, string(pki.CertPEM), client.UserKeyKey, string(pki.KeyPEM)},
			[]string{client.UserCertKey, client.UserKeyKey}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := kafkatest.Start(t, append(tc.broker, kfake.GroupMinSessionTimeout(100*time.Millisecond))...)
			secret := map[string][]byte{client.BrokersKey: []byte(strings.Join(b.Addrs, ",")),
				client.UserKey: []byte("knative"), client.PasswordKey: []byte("secret")}
			for i := 0; i+1 < len(tc.secret); i += 2 {
				secret[tc.secret[i]] = []byte(tc.secret[i+1])
			}
			kafka := rotationConfig(t, "")
			checkRefusedWithout(t, secret, tc.needs)
			createTopic(t, secret)
			r := (&rotationEnv{t: t, addrs: b.Addrs}).start(secret, kafka)

			var ids []string
			tr := &traffic{client: http.DefaultClient}
			for i := 0; i < 20; i++ {
				id := fmt.Sprintf("%d", i)
				if err := tr.post(r.channelURL, id, id); err != nil {
					t.Fatalf("event %s: %v", id, err)
				}
				ids = append(ids, id)
			}
			waitFor(t, "every event delivered", func() bool { return r.sink.hasAll(ids) })
		})
	}
}

func checkRefusedWithout(t *testing.T, secret map[string][]byte, keys []string) {
	t.Helper()
	without := maps.Clone(secret)
	for _, k := range keys {
		delete(without, k)
	}
	s, err := client.NewSettings(without, rotationConfig(t, kafkatest.FailFast), "security-test-refused")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := sarama.NewClient(s.Brokers, s.Sarama); err == nil {
		c.Close()
		t.Errorf("connected without %v", keys)
	}
}

// createTopic creates the channel's topic as the controller does: admin.New
// with Settings from the Secret.
func createTopic(t *testing.T, secret map[string][]byte) {
	t.Helper()
	kafka := rotationConfig(t, "")
	s, err := client.NewSettings(secret, kafka, "security-test-controller")
	if err != nil {
		t.Fatal(err)
	}
	adm, err := admin.New(s, kafka)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	spec := admin.TopicSpec{NumPartitions: rotationPartitions, ReplicationFactor: 1, Retention: time.Hour, MaxMessageBytes: kafka.MaxRecordBytes()}
	if _, err := adm.EnsureTopic(context.Background(), testTopic, spec); err != nil {
		t.Fatalf("creating the topic: %v", err)
	}
}
