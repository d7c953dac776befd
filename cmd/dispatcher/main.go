// Command dispatcher delivers KafkaChannels' events to their subscribers: as a
// replica of the shared dispatcher pool (the StatefulSet in config/, over every
// channel's groups that placement gives it), or, with CHANNEL_NAMESPACE and
// CHANNEL_NAME set, as the dedicated dispatcher Deployment of one channel.
package main

import (
	"context"
	"os"

	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher"
)

func main() {
	ctx, cancel := context.WithCancel(signals.NewContext())
	// A dedicated dispatcher watches only its channel's namespace, the pool
	// every namespace; the Kafka Secret and config-kafka are read from the
	// system namespace regardless.
	ctx = injection.WithNamespaceScope(ctx, os.Getenv(contract.ChannelNamespaceEnv))
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
