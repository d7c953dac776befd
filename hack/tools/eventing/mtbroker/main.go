// Command mtbroker is Knative Eventing's multi-tenant channel-based Broker
// controller (knative.dev/eventing/cmd/mtchannel_broker) with sharedmain's
// health probes moved off the fixed :8080, which the Eventing controller
// already holds when both run on one host in the dev environment.
package main

import (
	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/reconciler/broker"
	mttrigger "knative.dev/eventing/pkg/reconciler/broker/trigger"
	filteredFactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"
)

func main() {
	ctx := filteredFactory.WithSelectors(signals.NewContext(), auth.OIDCLabelSelector)
	ctx = sharedmain.WithHealthProbesDisabled(ctx)
	sharedmain.MainWithContext(ctx, "mt-broker-controller", broker.NewController, mttrigger.NewController)
}
