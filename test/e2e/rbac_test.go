//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	"knative.dev/eventing/pkg/auth"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
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
			{"get", "secrets/" + devenv.KafkaSecretName, sys, true},
			{"get", "secrets/eventing-webhook-certs", sys, false},
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
			// Of the system namespace's Secrets, the Kafka Secret and its own certificate only.
			{"get", "secrets/" + devenv.KafkaSecretName, sys, true},
			{"get", "secrets/" + servertls.SecretName, sys, true},
			{"get", "secrets/eventing-webhook-certs", sys, false},
			{"list", "secrets", sys, false},
		},
		"kafka-channel-dispatcher": {
			{"watch", "kafkachannels.messaging.knative.dev", "user-ns", true},
			{"update", "kafkachannels.messaging.knative.dev/status", "user-ns", false},
			{"get", "secrets", "user-ns", false},
			{"create", "deployments.apps", sys, false},
			// A pool replica watches its own StatefulSet, and no other.
			{"update", "statefulsets.apps", sys, false},
			{"list", "statefulsets.apps", "user-ns", false},
			// Of the system namespace's Secrets, the Kafka Secret only.
			{"get", "secrets/" + devenv.KafkaSecretName, sys, true},
			{"get", "secrets/" + servertls.SecretName, sys, false},
			{"get", "secrets/eventing-webhook-certs", sys, false},
			{"list", "secrets", sys, false},
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

// RBAC cannot tell one ServiceAccount from another by what it is for, so the
// dispatcher's ClusterRole lets it ask for a token of any; the admission
// policy of config/ narrows that to the Subscriptions' OIDC identities, the
// only ones it sends as. Without it, whoever took over a dispatcher could
// mint a token of any ServiceAccount, kube-system's included.
func TestDispatcherTokensOnlyForSubscriptionIdentities(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t, "e2e-tokens")
	subscription := func(name string) string {
		return auth.GetOIDCServiceAccountNameForResource(messagingv1.SchemeGroupVersion.WithKind("Subscription"),
			metav1.ObjectMeta{Name: name, Namespace: ns})
	}
	privileged := "knative-kafka-e2e-privileged"
	for _, c := range []struct {
		namespace, name string
		allowed         bool
	}{
		{ns, subscription("sub"), true},
		// eventing hashes the names of Subscriptions longer than 23 characters
		// and keeps as much of its suffix as fits in 63.
		{ns, subscription("abcdefghijklmnopqrstuvwx"), true},
		{ns, subscription("abcdefghijklmnopqrstuvwxy"), true},
		{ns, subscription("a-subscription-with-a-long-name.example"), true},
		{ns, "default", false},
		{ns, "sub-oidc-messaging.knative.dev-subscription-not", false},
		{"kube-system", privileged, false},
	} {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: c.name, Namespace: c.namespace}}
		if _, err := env.Kube.CoreV1().ServiceAccounts(c.namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrs.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = env.Kube.CoreV1().ServiceAccounts(sa.Namespace).Delete(context.Background(), sa.Name, metav1.DeleteOptions{})
		})
		out, err := env.Kubectl(ctx, "create", "token", c.name, "-n", c.namespace,
			"--as=system:serviceaccount:"+devenv.SystemNamespace+":"+contract.DispatcherServiceAccount)
		if got := err == nil; got != c.allowed {
			t.Errorf("token of %s/%s as the dispatcher: allowed %v, want %v (%s)", c.namespace, c.name, got, c.allowed, out)
		}
	}
}
