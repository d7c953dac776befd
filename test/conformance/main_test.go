//go:build e2e

// Package conformance checks KafkaChannel against Knative's channel
// specification, rule by rule, on the dev environment (test/devenv), or on
// hack/node-up.sh's real node with KNATIVE_KAFKA_ENV=node.
//
// The rules are those of knative.dev/eventing@v0.50.0
// test/rekt/features/channel/{control_plane,data_plane,readyness,oidc_feature}.go,
// which this project cannot import (knative.dev/reconciler-test is not served
// by the module proxy). Each rule is one Go test named after it, whose comment
// and log carry the rule's exact text:
//
//   - TestMust_*, TestMustNot_*, TestShould_* and TestMay_* fail when the
//     rule is broken: a SHOULD or MAY the project meets is held like a MUST;
//   - only the SHOULD and MAY rules the project decided not to meet skip,
//     with the reason; each is listed once in unmet (helpers_test.go):
//     NonHTTPEndpoints (the channel exposes only HTTP(S) endpoints). A
//     listed rule that turns out met fails, so the list stays true.
//
// No test sleeps to let something happen or not: it polls observable state,
// bounded, and a rule that something is not delivered waits for a marker
// event sent after it, through the same one-partition channel, to reach the
// subscriber first (markerThrough). Rules whose rekt check is `todo` get a
// real check here wherever the dev environment can check them.
package conformance

import (
	"os"
	"testing"

	"github.com/knative-kafka/knative-kafka/test/framework"
)

var env *framework.Env

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, &env))
}
