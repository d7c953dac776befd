//go:build e2e

// Package conformance checks KafkaChannel against Knative's channel
// specification, rule by rule, on the dev environment (test/devenv).
//
// The rules are those of knative.dev/eventing@v0.50.0
// test/rekt/features/channel/{control_plane,data_plane,readyness,oidc_feature}.go,
// which this project cannot import (knative.dev/reconciler-test is not served
// by the module proxy). Each rule is one Go test named after it, whose comment
// and log carry the rule's exact text:
//
//   - TestMust_* / TestMustNot_* fail when the rule is broken;
//   - TestShould_* / TestMay_* never fail: a rule that is not met, or that
//     cannot be verified here, is reported with t.Skipf and the reason, so it
//     never shows as PASS unless it was checked.
//
// Rules whose rekt check is `todo` get a real check here wherever the dev
// environment can check them.
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
