// The webhook binary: admission for KafkaChannels and config-kafka.
package main

import (
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"
	pkgwebhook "knative.dev/pkg/webhook"
	"knative.dev/pkg/webhook/certificates"

	"github.com/knative-kafka/knative-kafka/pkg/probes"
	"github.com/knative-kafka/knative-kafka/pkg/webhook"
)

func main() {
	ctx := pkgwebhook.WithOptions(probes.Serve(signals.NewContext()), pkgwebhook.Options{
		ServiceName: pkgwebhook.NameFromEnv(),
		Port:        pkgwebhook.PortFromEnv(8443),
		SecretName:  webhook.CertsSecretName,
	})

	sharedmain.WebhookMainWithContext(ctx, pkgwebhook.NameFromEnv(),
		certificates.NewController,
		webhook.NewConfigValidationController,
		webhook.NewValidationAdmissionController,
		webhook.NewDefaultingAdmissionController,
	)
}
