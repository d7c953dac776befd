// Package webhook builds the admission controllers of the KafkaChannel webhook: defaulting and
// validation of KafkaChannels and ResetOffsets, with config-kafka and Eventing's feature flags in their context,
// and validation of this project's config maps.
package webhook

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/leaderelection"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/webhook/configmaps"
	"knative.dev/pkg/webhook/resourcesemantics"
	"knative.dev/pkg/webhook/resourcesemantics/defaulting"
	"knative.dev/pkg/webhook/resourcesemantics/validation"

	kafkav1alpha1 "github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// Names shared with config/600-webhooks.yaml and config/500-webhook.yaml.
const (
	DefaultingWebhookName       = "defaulting.webhook.kafka.messaging.knative.dev"
	ValidationWebhookName       = "validation.webhook.kafka.messaging.knative.dev"
	ConfigValidationWebhookName = "config.webhook.kafka.messaging.knative.dev"
	// CertsSecretName is the Secret the certificates controller keeps the serving certificate in.
	CertsSecretName = "kafka-channel-webhook-certs"
)

// Types are the resources the webhook defaults and validates.
var Types = map[schema.GroupVersionKind]resourcesemantics.GenericCRD{
	v1beta1.SchemeGroupVersion.WithKind("KafkaChannel"):      &v1beta1.KafkaChannel{},
	kafkav1alpha1.SchemeGroupVersion.WithKind("ResetOffset"): &kafkav1alpha1.ResetOffset{},
}

// ConfigConstructors are the config maps the config webhook validates, each with the parser
// the components use, so that a value the webhook admits is one they can load.
func ConfigConstructors() configmap.Constructors {
	return configmap.Constructors{
		config.ConfigMapName:           config.NewKafkaFromConfigMap,
		leaderelection.ConfigMapName(): leaderelection.NewConfigFromConfigMap,
	}
}

// NewContextDecorator watches config-kafka (channel defaults) and Eventing's config-features
// (which DeliverySpec validation consults, e.g. for delivery timeouts), and returns a function
// that puts their latest valid values into an admission request's context.
func NewContextDecorator(ctx context.Context, cmw configmap.Watcher) func(context.Context) context.Context {
	logger := logging.FromContext(ctx)
	kafka := config.NewStore(logger.Named("config-kafka"))
	kafka.WatchConfigs(cmw)
	features := feature.NewStore(logger.Named("config-features"))
	features.WatchConfigs(cmw)
	return func(ctx context.Context) context.Context {
		return features.ToContext(kafka.ToContext(ctx))
	}
}

// NewDefaultingAdmissionController fills in KafkaChannel defaults from config-kafka.
func NewDefaultingAdmissionController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	return defaulting.NewAdmissionController(ctx, DefaultingWebhookName, "/defaulting",
		Types, NewContextDecorator(ctx, cmw),
		true, // Refuse unknown fields: the CRD schema would prune them silently.
	)
}

// NewValidationAdmissionController validates KafkaChannels and ResetOffsets, including immutability on update.
func NewValidationAdmissionController(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
	return validation.NewAdmissionController(ctx, ValidationWebhookName, "/resource-validation",
		Types, NewContextDecorator(ctx, cmw),
		true, // Refuse unknown fields: the CRD schema would prune them silently.
		map[schema.GroupVersionKind]validation.Callback{},
	)
}

// NewConfigValidationController refuses invalid config-kafka and leader-election config maps.
func NewConfigValidationController(ctx context.Context, _ configmap.Watcher) *controller.Impl {
	return configmaps.NewAdmissionController(ctx, ConfigValidationWebhookName, "/config-validation",
		ConfigConstructors())
}
