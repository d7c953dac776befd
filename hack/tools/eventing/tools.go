//go:build tools

// Package eventing pins the Knative Eventing controller that the dev environment
// and the end-to-end tests run against this channel, the InMemoryChannel
// dispatcher the side-by-side benchmarks measure it against, and every image of
// Eventing's release manifests (config/core, config/brokers/mt-channel-broker),
// which hack/node-up.sh builds with ko from this module. Its own module: never vendored.
package eventing

import (
	_ "knative.dev/eventing/cmd/apiserver_receive_adapter"
	_ "knative.dev/eventing/cmd/auth_proxy"
	_ "knative.dev/eventing/cmd/broker/filter"
	_ "knative.dev/eventing/cmd/broker/ingress"
	_ "knative.dev/eventing/cmd/controller"
	_ "knative.dev/eventing/cmd/in_memory/channel_dispatcher"
	_ "knative.dev/eventing/cmd/jobsink"
	_ "knative.dev/eventing/cmd/mtchannel_broker"
	_ "knative.dev/eventing/cmd/mtping"
	_ "knative.dev/eventing/cmd/requestreply"
	_ "knative.dev/eventing/cmd/webhook"
)
