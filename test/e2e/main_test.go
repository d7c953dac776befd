//go:build e2e

// Package e2e tests knative-kafka end to end on the dev environment: a real API
// server, the real Knative Eventing controller, a kfake broker, and this
// project's binaries running under their own ServiceAccounts. With
// KNATIVE_KAFKA_ENV=node and the node build tag, the tests that do not need
// the dev environment's control of its processes run on hack/node-up.sh's
// real node, with those only a node can run (node_test.go).
package e2e

import (
	"os"
	"testing"

	"github.com/knative-kafka/knative-kafka/test/framework"
)

var env *framework.Env

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, &env))
}
