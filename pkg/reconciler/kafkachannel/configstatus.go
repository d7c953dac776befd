package kafkachannel

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// Reasons of ConfigurationReady=False. Each message names the key or the
// credentials at fault.
const (
	// ReasonInvalidConfigKafka: config-kafka was refused (applied without the webhook).
	ReasonInvalidConfigKafka = "InvalidConfigKafka"
	// ReasonInvalidKafkaSecret: the Kafka Secret is missing, ambiguous or invalid.
	ReasonInvalidKafkaSecret = "InvalidKafkaSecret"
	// ReasonKafkaAuthenticationFailed: Kafka refused the Secret's SASL credentials.
	ReasonKafkaAuthenticationFailed = "KafkaAuthenticationFailed"
	// ReasonKafkaUnreachable: no client could be connected to Kafka for another reason.
	ReasonKafkaUnreachable = "KafkaUnreachable"
)

// configError is why snap cannot be used to change channels or topics, or nil.
// A refused config-kafka stops the controller even though a last valid one is
// in force: before any valid one, that is the built-in defaults, and a topic
// named or deleted by the wrong template or policy cannot be taken back.
func configError(snap client.Snapshot) error {
	if snap.KafkaErr != nil {
		return snap.KafkaErr // it names the ConfigMap
	}
	if snap.Err != nil {
		return fmt.Errorf("kafka configuration: %w", snap.Err)
	}
	return nil
}

// markConfigError marks ConfigurationReady false when snap cannot be used and
// returns the error that fails the reconcile.
func markConfigError(kc *v1beta1.KafkaChannel, snap client.Snapshot) error {
	switch {
	case snap.KafkaErr != nil:
		kc.Status.MarkConfigFailed(ReasonInvalidConfigKafka,
			"%v; the receiver and the dispatchers keep running on the last valid config-kafka, and the controller changes no channel until it is fixed",
			snap.KafkaErr)
	case snap.Err != nil:
		kc.Status.MarkConfigFailed(ReasonInvalidKafkaSecret, "%v", snap.Err)
	}
	return configError(snap)
}

// markConnectFailed marks ConfigurationReady false when no Kafka client could
// be connected. Kafka answers wrong SASL credentials with
// SASL_AUTHENTICATION_FAILED, which is a configuration problem, not an outage.
func markConnectFailed(kc *v1beta1.KafkaChannel, s *client.Settings, err error) {
	if errors.Is(err, sarama.ErrSASLAuthenticationFailed) {
		sasl := s.Sarama.Net.SASL
		kc.Status.MarkConfigFailed(ReasonKafkaAuthenticationFailed,
			"Kafka refused the credentials of user %q (%s) from the Kafka Secret: %v", sasl.User, sasl.Mechanism, err)
		return
	}
	kc.Status.MarkConfigFailed(ReasonKafkaUnreachable, "%v", err)
}
