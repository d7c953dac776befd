// Command controller reconciles KafkaChannels and ResetOffsets.
package main

import (
	filteredfactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/probes"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/resetoffset"
)

func main() {
	ctx := probes.Serve(signals.NewContext())
	ctx = filteredfactory.WithSelectors(ctx, contract.OwnedSelector)
	sharedmain.MainWithContext(ctx, "kafka-channel-controller", kafkachannel.NewController, resetoffset.NewController)
}
