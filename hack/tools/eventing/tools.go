//go:build tools

// Package eventing pins the Knative Eventing controller that the dev environment
// and the end-to-end tests run against this channel, and the InMemoryChannel
// dispatcher the side-by-side benchmarks measure it against. Its own module: never vendored.
package eventing

import (
	_ "knative.dev/eventing/cmd/controller"
	_ "knative.dev/eventing/cmd/in_memory/channel_dispatcher"
)
