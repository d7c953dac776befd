// Package client builds the Sarama configuration of every Kafka client in this
// project from the labelled Kafka Secret and config-kafka, so that the
// controller, receiver and dispatcher cannot drift apart.
package client

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/IBM/sarama"
	corev1 "k8s.io/api/core/v1"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// SecretName and SecretLabel mark the Secret in the system namespace that
// describes the Kafka cluster. The name lets RBAC give the receiver and the
// dispatchers that one Secret (resourceNames), and no other of the namespace.
const (
	SecretName  = "kafka-cluster" //nolint:gosec // a name, not a credential
	SecretLabel = "knative-kafka.dev/kafka-secret"
)

// Keys of the Kafka Secret.
const (
	BrokersKey       = "brokers"
	ProtocolKey      = "protocol"
	SASLMechanismKey = "sasl.mechanism"
	UserKey          = "user"
	PasswordKey      = "password"
	CACertKey        = "ca.crt"
	UserCertKey      = "user.crt"
	UserKeyKey       = "user.key"
)

// Security protocols, as Kafka names them.
const (
	Plaintext     = "PLAINTEXT"
	SASLPlaintext = "SASL_PLAINTEXT"
	SSL           = "SSL"
	SASLSSL       = "SASL_SSL"
)

// Settings is what a Kafka client needs: where the brokers are and how to talk to them.
type Settings struct {
	Brokers []string
	// Sarama is a fresh config; callers adjust their own copy (producer, consumer or admin parts).
	Sarama *sarama.Config
	// Fingerprint changes whenever anything that shapes a connection changes,
	// so that long-lived clients know when to rebuild themselves.
	Fingerprint string
}

// NewSettings builds Settings from the Kafka Secret's data and config-kafka.
// Every error names the key at fault, for a ConfigurationReady reason and a log line.
func NewSettings(data map[string][]byte, kafka *config.Kafka, clientID string) (*Settings, error) {
	brokers := splitBrokers(string(data[BrokersKey]))
	if len(brokers) == 0 {
		return nil, fmt.Errorf("the Kafka Secret has no %q (comma-separated host:port list)", BrokersKey)
	}
	cfg := sarama.NewConfig()
	cfg.ClientID = clientID
	applyDefaults(cfg)
	if err := kafka.ApplySarama(cfg); err != nil {
		return nil, fmt.Errorf("config-kafka %q: %w", config.SaramaKey, err)
	}
	if err := applySecurity(cfg, data); err != nil {
		return nil, err
	}
	if kafka.Flavor == config.FlavorAzure {
		if err := applyAzure(cfg, kafka); err != nil {
			return nil, err
		}
	}
	// After the flavor's corrections, which may raise timeouts.
	if err := checkTimeouts(cfg); err != nil {
		return nil, fmt.Errorf("config-kafka %q: %w", config.SaramaKey, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid Sarama configuration: %w", err)
	}
	return &Settings{Brokers: brokers, Sarama: cfg, Fingerprint: fingerprint(data, kafka)}, nil
}

// IdleFetchWait is Consumer.MaxWaitTime unless config-kafka's sarama sets it:
// how long the broker holds a fetch of a partition with nothing new. A
// dispatcher pool runs thousands of consumer groups, mostly idle, and each
// sends an empty fetch every MaxWaitTime (Sarama's default is 500 ms): a
// longer poll cuts their idle cost several times over, and an event still
// comes as soon as it is written. It cannot be much longer: Sarama sends a
// group's heartbeats on the connection of its fetches, and Kafka answers a
// connection's requests one at a time, so a heartbeat may wait a whole fetch
// (see checkTimeouts). The price of the wait: a member leaves its session (a
// rebalance, a stop) once its fetch in flight returned, up to this long.
const IdleFetchWait = 2 * time.Second

// applyDefaults sets this project's choices where Sarama's defaults do not
// suit it; config-kafka's sarama may still change them.
func applyDefaults(cfg *sarama.Config) {
	cfg.Consumer.MaxWaitTime = IdleFetchWait
	cfg.Consumer.Group.Rebalance.Timeout = RebalanceTimeout
}

// RebalanceTimeout is Consumer.Group.Rebalance.Timeout unless config-kafka's
// sarama sets it: how long the broker waits for a group's members to rejoin
// once a rebalance began, and so how long it may hold a JoinGroup. Sarama
// reads that response within Net.ReadTimeout (30 s) like any other, so its
// own default of 60 s let a member give up on a JoinGroup the broker still
// held, rejoin, and keep the rebalance from ever ending while a member that
// left without a word (killed during a scale-down) was waited for: a group
// stopped delivering for minutes. It must stay below Net.ReadTimeout (see
// checkTimeouts), and above the dispatcher's drain of deliveries in flight.
const RebalanceTimeout = 25 * time.Second

// checkTimeouts refuses consumer group timeouts that let a member drop out
// of its group:
//   - a heartbeat may wait behind a whole fetch on the connection they share,
//     so the broker may hear from a member only every Heartbeat.Interval +
//     MaxWaitTime, which must leave a margin of one heartbeat interval within
//     Session.Timeout (with 5 s, Sarama's default 3 s heartbeats and 10 s
//     session, idle groups rebalanced every few seconds);
//   - a JoinGroup may be held for Rebalance.Timeout, which must end before
//     Net.ReadTimeout gives up on it (see RebalanceTimeout).
func checkTimeouts(cfg *sarama.Config) error {
	g := cfg.Consumer.Group
	if 2*g.Heartbeat.Interval+cfg.Consumer.MaxWaitTime > g.Session.Timeout {
		return fmt.Errorf("Consumer.MaxWaitTime (%v) + 2 x Consumer.Group.Heartbeat.Interval (%v) must not exceed Consumer.Group.Session.Timeout (%v): "+
			"a heartbeat waits behind a fetch on its connection, and a member heard from too rarely is dropped from its group",
			cfg.Consumer.MaxWaitTime, g.Heartbeat.Interval, g.Session.Timeout)
	}
	if g.Rebalance.Timeout >= cfg.Net.ReadTimeout {
		return fmt.Errorf("Consumer.Group.Rebalance.Timeout (%v) must be below Net.ReadTimeout (%v): "+
			"the broker may hold a JoinGroup that long, and a member that gives up on it first can keep its group's rebalance from ending",
			g.Rebalance.Timeout, cfg.Net.ReadTimeout)
	}
	return nil
}

// NewSettingsFromSecret is NewSettings for a Secret object; nil means "no Secret found".
func NewSettingsFromSecret(secret *corev1.Secret, kafka *config.Kafka, clientID string) (*Settings, error) {
	if secret == nil {
		return nil, fmt.Errorf("no Secret %s labelled %s=true in the system namespace", SecretName, SecretLabel)
	}
	s, err := NewSettings(secret.Data, kafka, clientID)
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return s, nil
}

func splitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func applySecurity(cfg *sarama.Config, data map[string][]byte) error {
	protocol := strings.ToUpper(strings.TrimSpace(string(data[ProtocolKey])))
	if protocol == "" {
		protocol = Plaintext
	}
	switch protocol {
	case Plaintext:
		return nil
	case SASLPlaintext:
		return applySASL(cfg, data)
	case SSL:
		return applyTLS(cfg, data)
	case SASLSSL:
		if err := applyTLS(cfg, data); err != nil {
			return err
		}
		return applySASL(cfg, data)
	}
	return fmt.Errorf("unknown %s %q, want one of %s, %s, %s, %s", ProtocolKey, protocol, Plaintext, SASLPlaintext, SSL, SASLSSL)
}

func applySASL(cfg *sarama.Config, data map[string][]byte) error {
	user, password := string(data[UserKey]), string(data[PasswordKey])
	if user == "" || password == "" {
		return fmt.Errorf("SASL needs both %q and %q", UserKey, PasswordKey)
	}
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Handshake = true
	cfg.Net.SASL.User = user
	cfg.Net.SASL.Password = password
	mechanism := strings.ToUpper(strings.TrimSpace(string(data[SASLMechanismKey])))
	switch mechanism {
	case "", sarama.SASLTypePlaintext:
		cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case sarama.SASLTypeSCRAMSHA256:
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		cfg.Net.SASL.SCRAMClientGeneratorFunc = scramSHA256
	case sarama.SASLTypeSCRAMSHA512:
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		cfg.Net.SASL.SCRAMClientGeneratorFunc = scramSHA512
	default:
		return fmt.Errorf("unknown %s %q, want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", SASLMechanismKey, mechanism)
	}
	return nil
}

func applyTLS(cfg *sarama.Config, data map[string][]byte) error {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca := data[CACertKey]; len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return fmt.Errorf("%q holds no PEM certificate", CACertKey)
		}
		tc.RootCAs = pool
	}
	certPEM, keyPEM := data[UserCertKey], data[UserKeyKey]
	if len(certPEM) > 0 || len(keyPEM) > 0 {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("%q and %q are not a valid PEM key pair: %w", UserCertKey, UserKeyKey, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	cfg.Net.TLS.Enable = true
	cfg.Net.TLS.Config = tc
	return nil
}

func fingerprint(data map[string][]byte, kafka *config.Kafka) string {
	h := sha256.New()
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%x;", k, data[k])
	}
	fmt.Fprintf(h, "flavor=%s;sarama=%s", kafka.Flavor, kafka.Sarama)
	if kafka.Flavor == config.FlavorAzure {
		// The tier shapes the admin's quota checks, the record size the producer's requests.
		fmt.Fprintf(h, ";azure=%s/%d;record=%d", kafka.Azure.Tier, kafka.Azure.CapacityUnits, kafka.MaxRecordBytes())
	}
	return hex.EncodeToString(h.Sum(nil))
}
