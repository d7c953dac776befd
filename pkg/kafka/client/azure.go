package client

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// AzureUser is the SASL user name of Event Hubs' Kafka endpoint; the password is the
// namespace's connection string.
const AzureUser = "$ConnectionString"

// What Event Hubs' Kafka endpoint asks of clients (Microsoft's "Apache Kafka client
// configurations for Azure Event Hubs"). These win over config-kafka's sarama overrides.
const (
	// Azure closes inbound TCP connections idle for 240 s: metadata is refreshed before that,
	// and TCP keep-alives keep an idle connection alive.
	azureIdleTimeout    = 240 * time.Second
	azureMetadataMaxAge = 180 * time.Second
	// Event Hubs holds requests for at least 20 s; the client must wait longer (request.timeout.ms).
	azureRequestTimeout = 60 * time.Second
	// Shorter group sessions make consumers rebalance over ordinary service latency.
	azureSessionTimeout = 30 * time.Second
)

// applyAzure fits a Sarama configuration to Event Hubs' Kafka endpoint, after
// applySecurity set TLS and SASL from the Secret.
func applyAzure(cfg *sarama.Config, kafka *config.Kafka) error {
	if err := checkAzureAuth(cfg); err != nil {
		return fmt.Errorf("flavor azure: %w", err)
	}
	limits := kafka.Azure.Limits()
	if err := checkAzureCompression(cfg.Producer.Compression, kafka.Azure.Tier, limits); err != nil {
		return fmt.Errorf("flavor azure: config-kafka %q: %w", config.SaramaKey, err)
	}
	if !cfg.Version.IsAtLeast(sarama.V1_0_0_0) {
		cfg.Version = sarama.V1_0_0_0 // the oldest protocol Event Hubs speaks
	}
	keepAzureConnectionsAlive(cfg)
	cfg.Net.ReadTimeout = max(cfg.Net.ReadTimeout, azureRequestTimeout)
	cfg.Consumer.Group.Session.Timeout = max(cfg.Consumer.Group.Session.Timeout, azureSessionTimeout)
	// Event Hubs creates an event hub for any metadata request that allows it; only the
	// controller may create one, after checking the namespace's quota.
	cfg.Metadata.AllowAutoTopicCreation = false
	boundAzureRequests(cfg, kafka.MaxRecordBytes(), limits.MaxRecordBytes)
	return nil
}

// checkAzureAuth: Event Hubs' Kafka endpoint takes TLS with SASL PLAIN, user
// $ConnectionString and a namespace connection string as password.
func checkAzureAuth(cfg *sarama.Config) error {
	sasl := cfg.Net.SASL
	if !cfg.Net.TLS.Enable || !sasl.Enable || sasl.Mechanism != sarama.SASLTypePlaintext {
		return fmt.Errorf("Event Hubs needs %s=%s with %s=%s", ProtocolKey, SASLSSL, SASLMechanismKey, sarama.SASLTypePlaintext)
	}
	if sasl.User != AzureUser {
		return fmt.Errorf("Event Hubs needs %s %q (the %s is the namespace's connection string), not %q", UserKey, AzureUser, PasswordKey, sasl.User)
	}
	if err := checkConnectionString(sasl.Password); err != nil {
		return fmt.Errorf("%s: %w", PasswordKey, err)
	}
	return nil
}

// checkConnectionString accepts a namespace-level shared-access-key connection string,
// "Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=<rule>;SharedAccessKey=<key>".
// The flavor lists, creates and deletes event hubs: a key scoped to one event hub
// (EntityPath) cannot, and Event Hubs' Kafka endpoint refuses shared access signatures.
func checkConnectionString(cs string) error {
	fields := connectionStringFields(cs)
	switch {
	case fields["entitypath"] != "":
		return fmt.Errorf("the connection string is scoped to event hub %q (EntityPath); the azure flavor manages event hubs and needs a namespace connection string", fields["entitypath"])
	case fields["sharedaccesssignature"] != "":
		return fmt.Errorf("Event Hubs' Kafka endpoint takes no shared access signature; use a namespace connection string with SharedAccessKeyName and SharedAccessKey")
	case fields["sharedaccesskeyname"] == "" || fields["sharedaccesskey"] == "":
		return fmt.Errorf("not an Event Hubs connection string: want Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=<rule>;SharedAccessKey=<key>")
	}
	u, err := url.Parse(fields["endpoint"])
	if err != nil || u.Scheme != "sb" || u.Host == "" {
		return fmt.Errorf("the connection string's Endpoint %q is not sb://<namespace host>/", fields["endpoint"])
	}
	return nil
}

// connectionStringFields splits "k1=v1;k2=v2" with case-insensitive keys, as Azure reads them.
// A key's value may itself hold '=' (base64 padding).
func connectionStringFields(cs string) map[string]string {
	fields := map[string]string{}
	for _, part := range strings.Split(cs, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return fields
}

// checkAzureCompression: Event Hubs reads gzip, and only on tiers above standard.
func checkAzureCompression(codec sarama.CompressionCodec, tier config.AzureTier, limits config.AzureLimits) error {
	switch {
	case codec == sarama.CompressionNone:
		return nil
	case codec == sarama.CompressionGZIP && limits.Gzip:
		return nil
	case codec == sarama.CompressionGZIP:
		return fmt.Errorf("Producer.Compression gzip: the %s tier takes no compressed records (premium and dedicated take gzip)", tier)
	}
	return fmt.Errorf("Producer.Compression %s: Event Hubs takes only gzip (premium and dedicated tiers)", codec)
}

func keepAzureConnectionsAlive(cfg *sarama.Config) {
	if cfg.Metadata.RefreshFrequency <= 0 || cfg.Metadata.RefreshFrequency > azureMetadataMaxAge {
		cfg.Metadata.RefreshFrequency = azureMetadataMaxAge
	}
	// Zero is Go's default keep-alive (15 s); a negative value would turn keep-alives off.
	if cfg.Net.KeepAlive < 0 || cfg.Net.KeepAlive >= azureIdleTimeout {
		cfg.Net.KeepAlive = 0
	}
}

// boundAzureRequests keeps every produce request under Event Hubs' request limit. Sarama bounds
// a partition's batch by Producer.MaxMessageBytes but packs batches of several partitions into
// one request; capping the records per request at limit/record keeps the whole request below
// the limit even when every record has the largest size an accepted event can make.
func boundAzureRequests(cfg *sarama.Config, recordBytes, limit int64) {
	cfg.Producer.MaxMessageBytes = int(recordBytes)
	perRequest := int(max(limit/recordBytes, 1))
	if cfg.Producer.Flush.MaxMessages == 0 || cfg.Producer.Flush.MaxMessages > perRequest {
		cfg.Producer.Flush.MaxMessages = perRequest
	}
	cfg.Producer.Flush.Messages = min(cfg.Producer.Flush.Messages, cfg.Producer.Flush.MaxMessages)
}
