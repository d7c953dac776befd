//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// Every component already runs here with a token of its own ServiceAccount, so a
// missing permission fails the other tests. This one asks the API server's RBAC
// about permissions a component must NOT have, and a few it must.
func TestServiceAccountsHaveLeastPrivilege(t *testing.T) {
	type check struct {
		verb, resource, namespace string
		allowed                   bool
	}
	sys := devenv.SystemNamespace
	for sa, checks := range map[string][]check{
		"kafka-channel-controller": {
			{"update", "kafkachannels.messaging.knative.dev/status", "user-ns", true},
			{"create", "deployments.apps", sys, true},
			{"create", "deployments.apps", "user-ns", false},
			{"get", "secrets", "user-ns", false},
			{"delete", "secrets", sys, false},
			{"create", "pods", sys, false},
			// It reads the dispatcher pool; scaling it is the operator's business.
			{"watch", "statefulsets.apps", sys, true},
			{"update", "statefulsets.apps", sys, false},
		},
		"kafka-channel-receiver": {
			{"list", "kafkachannels.messaging.knative.dev", "user-ns", true},
			{"update", "kafkachannels.messaging.knative.dev", "user-ns", false},
			{"get", "secrets", "user-ns", false},
			{"create", "deployments.apps", sys, false},
		},
		"kafka-channel-dispatcher": {
			{"watch", "kafkachannels.messaging.knative.dev", "user-ns", true},
			{"update", "kafkachannels.messaging.knative.dev/status", "user-ns", false},
			{"get", "secrets", "user-ns", false},
			{"create", "deployments.apps", sys, false},
			// A pool replica watches its own StatefulSet, and no other.
			{"update", "statefulsets.apps", sys, false},
			{"list", "statefulsets.apps", "user-ns", false},
			// It renews the pool's Leases only, not the controller's leader-election ones.
			{"update", "leases.coordination.k8s.io/kafka-channel-dispatcher-1", sys, true},
			{"update", "leases.coordination.k8s.io/kafka-channel-controller", sys, false},
			{"watch", "leases.coordination.k8s.io", "user-ns", false},
		},
		"kafka-channel-webhook": {
			{"update", "kafkachannels.messaging.knative.dev", "user-ns", false},
			{"get", "secrets", "user-ns", false},
			{"create", "deployments.apps", sys, false},
		},
	} {
		for _, c := range checks {
			t.Run(fmt.Sprintf("%s/%s %s in %s", sa, c.verb, c.resource, c.namespace), func(t *testing.T) {
				out, _ := env.Kubectl(context.Background(), "auth", "can-i", c.verb, c.resource, "-n", c.namespace,
					"--as=system:serviceaccount:"+sys+":"+sa)
				got := strings.TrimSpace(string(out))
				if want := map[bool]string{true: "yes", false: "no"}[c.allowed]; !strings.HasPrefix(got, want) {
					t.Errorf("can-i %s %s -n %s as %s = %q, want %s", c.verb, c.resource, c.namespace, sa, got, want)
				}
			})
		}
	}
}
