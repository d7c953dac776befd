//go:build tools

// Package eventing pins the Knative Eventing controller that the dev environment
// and the end-to-end tests run against this channel. Its own module: never vendored.
package eventing

import (
	_ "knative.dev/eventing/cmd/controller"
)
