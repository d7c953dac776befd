// Command controller reconciles KafkaChannels.
package main

import (
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/knative-kafka/knative-kafka/pkg/probes"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel"
)

func main() {
	ctx := probes.Serve(signals.NewContext())
	sharedmain.MainWithContext(ctx, "kafka-channel-controller", kafkachannel.NewController)
}
