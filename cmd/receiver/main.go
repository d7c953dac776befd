// Command receiver is the shared HTTP ingress of all KafkaChannels: it writes
// each CloudEvent to its channel's topic and answers 202 once Kafka acked it.
package main

import (
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
)

func main() {
	ctx := signals.NewContext()
	// The receiver serves its own probes on its port, and every replica takes
	// traffic: there is nothing to elect a leader for.
	ctx = sharedmain.WithHealthProbesDisabled(ctx)
	ctx = sharedmain.WithHADisabled(ctx)

	cmd := receiver.NewCommand()
	sharedmain.MainWithContext(ctx, contract.ReceiverName, cmd.NewController)
	cmd.WaitForShutdown()
}
