// Command controller reconciles KafkaChannels.
package main

import (
	"knative.dev/pkg/injection/sharedmain"

	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel"
)

func main() {
	sharedmain.Main("kafka-channel-controller", kafkachannel.NewController)
}
