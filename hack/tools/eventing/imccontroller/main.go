// Command imccontroller is Knative Eventing's InMemoryChannel controller
// (knative.dev/eventing/cmd/in_memory/channel_controller) with sharedmain's
// health probes moved off the fixed :8080, which the Eventing controller
// already holds when both run on one host in the dev environment, and
// without its admission webhook, which the dev environment does not run for
// Eventing's kinds either.
package main

import (
	inmemorychannel "knative.dev/eventing/pkg/reconciler/inmemorychannel/controller"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"
)

func main() {
	ctx := sharedmain.WithHealthProbesDisabled(signals.NewContext())
	sharedmain.MainWithContext(ctx, "imc-controller", inmemorychannel.NewController)
}
