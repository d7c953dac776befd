// Command dispatcher delivers one KafkaChannel's events to its subscribers;
// the controller runs it as the channel's dispatcher Deployment.
package main

import (
	"context"
	"os"

	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/knative-kafka/knative-kafka/pkg/dispatcher"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
)

func main() {
	ctx, cancel := context.WithCancel(signals.NewContext())
	// Watch only the channel's namespace; the Kafka Secret and config-kafka are
	// read from the system namespace regardless.
	ctx = injection.WithNamespaceScope(ctx, os.Getenv(resources.ChannelNamespaceEnv))
	// Every replica consumes (the partitions are shared through Kafka), so no leader election.
	ctx = sharedmain.WithHADisabled(ctx)
	// The dispatcher serves /healthz and /readyz itself, on PORT (default 8080).
	ctx = sharedmain.WithHealthProbesDisabled(ctx)
	ctx, stopped := dispatcher.WithStopped(ctx)
	sharedmain.MainWithContext(ctx, dispatcher.Component, dispatcher.NewController)
	// Whatever ended sharedmain, stop the consumer groups and wait for their last commit.
	cancel()
	<-stopped
}
