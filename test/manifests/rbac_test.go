package manifests

import (
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// request is one API call a component's ServiceAccount might make.
type request struct {
	verb, group, resource, namespace, name string
}

// authorizer answers like the RBAC authorizer for the roles and bindings in config/
// (Eventing's addressable-resolver, bound but not defined here, grants nothing in this model).
type authorizer struct {
	clusterRoles map[string][]rbacv1.PolicyRule
	roles        map[string][]rbacv1.PolicyRule // by namespace/name
	// grants lists, per ServiceAccount, the rules it holds and the namespace they are limited to ("" = cluster).
	grants map[string][]grant
}

type grant struct {
	namespace string
	rules     []rbacv1.PolicyRule
}

func newAuthorizer(objs []object) *authorizer {
	a := &authorizer{clusterRoles: map[string][]rbacv1.PolicyRule{}, roles: map[string][]rbacv1.PolicyRule{}, grants: map[string][]grant{}}
	for _, r := range all[*rbacv1.ClusterRole](objs) {
		a.clusterRoles[r.Name] = r.Rules
	}
	for _, r := range all[*rbacv1.Role](objs) {
		a.roles[r.Namespace+"/"+r.Name] = r.Rules
	}
	for _, b := range all[*rbacv1.ClusterRoleBinding](objs) {
		a.bind(b.Subjects, "", a.clusterRoles[b.RoleRef.Name])
	}
	for _, b := range all[*rbacv1.RoleBinding](objs) {
		rules := a.clusterRoles[b.RoleRef.Name]
		if b.RoleRef.Kind == "Role" {
			rules = a.roles[b.Namespace+"/"+b.RoleRef.Name]
		}
		a.bind(b.Subjects, b.Namespace, rules)
	}
	return a
}

func (a *authorizer) bind(subjects []rbacv1.Subject, namespace string, rules []rbacv1.PolicyRule) {
	for _, s := range subjects {
		a.grants[s.Name] = append(a.grants[s.Name], grant{namespace: namespace, rules: rules})
	}
}

func (a *authorizer) allowed(sa string, r request) bool {
	for _, g := range a.grants[sa] {
		if g.namespace != "" && g.namespace != r.namespace {
			continue
		}
		for _, rule := range g.rules {
			if matches(rule.Verbs, r.verb) && matches(rule.APIGroups, r.group) && matches(rule.Resources, r.resource) &&
				(len(rule.ResourceNames) == 0 || slices.Contains(rule.ResourceNames, r.name)) {
				return true
			}
		}
	}
	return false
}

func matches(set []string, v string) bool {
	return slices.Contains(set, v) || slices.Contains(set, rbacv1.ResourceAll)
}

const userNS = "team-a"

// What each component does (allowed) and some of what it must not be able to do (denied).
func TestLeastPrivilege(t *testing.T) {
	a := newAuthorizer(load(t))
	tests := []struct {
		sa      string
		allowed []request
		denied  []request
	}{{
		sa: "kafka-channel-controller",
		allowed: []request{
			{"watch", "messaging.knative.dev", "kafkachannels", userNS, ""},
			{"patch", "messaging.knative.dev", "kafkachannels", userNS, "ch"},
			{"update", "messaging.knative.dev", "kafkachannels/status", userNS, "ch"},
			{"update", "messaging.knative.dev", "kafkachannels/finalizers", userNS, "ch"},
			{"create", "", "services", userNS, ""},
			{"delete", "", "services", userNS, "ch-kn-channel"},
			{"watch", "apps", "deployments", userNS, ""},
			{"create", "apps", "deployments", systemNamespace, ""},
			{"delete", "apps", "deployments", systemNamespace, "ch-ns-kafka-dispatcher"},
			{"create", "", "events", userNS, ""},
			{"watch", "", "secrets", systemNamespace, client.SecretName},
			{"watch", "", "secrets", systemNamespace, servertls.SecretName},
			{"watch", "", "configmaps", systemNamespace, ""},
			{"update", "coordination.k8s.io", "leases", systemNamespace, "kafka-channel-controller"},
			{"watch", "eventing.knative.dev", "eventpolicies", userNS, ""},
			{"watch", "kafka.knative-kafka.dev", "resetoffsets", userNS, ""},
			{"update", "kafka.knative-kafka.dev", "resetoffsets/status", userNS, "replay"},
			{"update", "kafka.knative-kafka.dev", "resetoffsets/finalizers", userNS, "replay"},
			{"get", "messaging.knative.dev", "subscriptions", userNS, "sub"},
		},
		denied: []request{
			{"create", "apps", "deployments", userNS, ""},
			{"create", "kafka.knative-kafka.dev", "resetoffsets", userNS, ""},
			{"update", "messaging.knative.dev", "subscriptions", userNS, "sub"},
			{"get", "", "secrets", userNS, "db-password"},
			{"get", "", "secrets", systemNamespace, "eventing-webhook-certs"},
			{"list", "", "secrets", systemNamespace, ""},
			{"delete", "messaging.knative.dev", "kafkachannels", userNS, "ch"},
			{"update", "coordination.k8s.io", "leases", userNS, "x"},
		},
	}, {
		sa: "kafka-channel-receiver",
		allowed: []request{
			{"list", "messaging.knative.dev", "kafkachannels", userNS, ""},
			// A list or watch of one name (field selector metadata.name) is authorized for that name.
			{"watch", "", "secrets", systemNamespace, client.SecretName},
			{"watch", "", "secrets", systemNamespace, servertls.SecretName},
			{"watch", "", "configmaps", systemNamespace, ""},
			{"watch", "eventing.knative.dev", "eventpolicies", userNS, ""},
		},
		denied: []request{
			{"update", "messaging.knative.dev", "kafkachannels", userNS, "ch"},
			{"update", "eventing.knative.dev", "eventpolicies", userNS, "p"},
			{"create", "", "serviceaccounts/token", userNS, "sa"},
			{"get", "", "secrets", userNS, "db-password"},
			{"update", "", "secrets", systemNamespace, client.SecretName},
			// Eventing's and other software's keys share the namespace.
			{"get", "", "secrets", systemNamespace, "eventing-webhook-certs"},
			{"list", "", "secrets", systemNamespace, ""},
		},
	}, {
		sa: "kafka-channel-dispatcher",
		allowed: []request{
			{"get", "messaging.knative.dev", "kafkachannels", userNS, "ch"},
			{"watch", "messaging.knative.dev", "kafkachannels", userNS, ""},
			{"create", "", "events", userNS, ""},
			{"get", "", "secrets", systemNamespace, client.SecretName},
			{"watch", "", "secrets", systemNamespace, client.SecretName},
			{"list", "", "configmaps", systemNamespace, ""},
			// Narrowed to the Subscriptions' OIDC identities by an admission policy (TestDispatcherTokenPolicy).
			{"create", "", "serviceaccounts/token", userNS, "subscription-oidc"},
			// A pool replica renews its Lease and watches the others'.
			{"create", "coordination.k8s.io", "leases", systemNamespace, ""},
			{"update", "coordination.k8s.io", "leases", systemNamespace, "kafka-channel-dispatcher-1"},
			{"watch", "coordination.k8s.io", "leases", systemNamespace, ""},
		},
		denied: []request{
			{"get", "", "serviceaccounts", userNS, "subscription-oidc"},
			{"create", "apps", "deployments", systemNamespace, ""},
			{"list", "", "secrets", userNS, ""},
			{"list", "", "secrets", systemNamespace, ""},
			{"get", "", "secrets", systemNamespace, "eventing-webhook-certs"},
			{"get", "", "secrets", systemNamespace, servertls.SecretName},
			{"patch", "messaging.knative.dev", "kafkachannels", userNS, "ch"},
			// Not another component's Lease (the controller's leader election), nor a Lease elsewhere.
			{"update", "coordination.k8s.io", "leases", systemNamespace, "kafka-channel-controller"},
			{"delete", "coordination.k8s.io", "leases", systemNamespace, "kafka-channel-dispatcher-1"},
			{"create", "coordination.k8s.io", "leases", userNS, ""},
		},
	}, {
		sa: "kafka-channel-webhook",
		allowed: []request{
			{"watch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", ""},
			{"update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "defaulting.webhook.kafka.messaging.knative.dev"},
			{"update", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "validation.webhook.kafka.messaging.knative.dev"},
			{"update", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "config.webhook.kafka.messaging.knative.dev"},
			{"get", "", "namespaces", "", systemNamespace},
			{"update", "", "secrets", systemNamespace, "kafka-channel-webhook-certs"},
			{"watch", "", "configmaps", systemNamespace, ""},
			{"update", "coordination.k8s.io", "leases", systemNamespace, "kafka-channel-webhook"},
		},
		denied: []request{
			{"update", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "validation.webhook.eventing.knative.dev"},
			{"update", "", "secrets", systemNamespace, "kafka-cluster"},
			{"get", "", "namespaces", "", "kube-system"},
			{"get", "messaging.knative.dev", "kafkachannels", userNS, "ch"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.sa, func(t *testing.T) {
			for _, r := range tc.allowed {
				if !a.allowed(tc.sa, r) {
					t.Errorf("cannot %+v", r)
				}
			}
			for _, r := range tc.denied {
				if a.allowed(tc.sa, r) {
					t.Errorf("can %+v", r)
				}
			}
		})
	}
}

// Wildcards grant whatever a future API adds; every rule of config/ names what it grants.
func TestNoWildcards(t *testing.T) {
	objs := load(t)
	var rules []rbacv1.PolicyRule
	for _, r := range all[*rbacv1.ClusterRole](objs) {
		rules = append(rules, r.Rules...)
	}
	for _, r := range all[*rbacv1.Role](objs) {
		rules = append(rules, r.Rules...)
	}
	for _, rule := range rules {
		for _, set := range [][]string{rule.Verbs, rule.APIGroups, rule.Resources} {
			if slices.Contains(set, rbacv1.ResourceAll) {
				t.Errorf("wildcard in %+v", rule)
			}
		}
	}
}

// aggregated binds, to each subject, the rules of the ClusterRoles of config/ that carry its label:
// what the aggregated ClusterRole selecting that label gains.
func aggregated(t *testing.T, subjects map[string]string) *authorizer {
	t.Helper()
	a := newAuthorizer(nil)
	for _, r := range all[*rbacv1.ClusterRole](load(t)) {
		for subject, label := range subjects {
			if r.Labels[label] == "true" {
				a.bind([]rbacv1.Subject{{Name: subject}}, "", r.Rules)
			}
		}
	}
	return a
}

// Eventing's aggregated ClusterRoles pick up KafkaChannels through these labels.
func TestEventingAggregation(t *testing.T) {
	a := aggregated(t, map[string]string{
		"channelable": "duck.knative.dev/channelable",
		"addressable": "duck.knative.dev/addressable",
		"subscriber":  "duck.knative.dev/crossnamespace-subscribable",
	})
	checks := []struct {
		sa string
		r  request
	}{
		{"channelable", request{"create", "messaging.knative.dev", "kafkachannels", userNS, ""}},
		{"channelable", request{"patch", "messaging.knative.dev", "kafkachannels", userNS, "ch"}},
		{"channelable", request{"get", "messaging.knative.dev", "kafkachannels/status", userNS, "ch"}},
		{"channelable", request{"delete", "messaging.knative.dev", "kafkachannels", userNS, "ch"}},
		{"addressable", request{"watch", "messaging.knative.dev", "kafkachannels", userNS, ""}},
		{"addressable", request{"get", "messaging.knative.dev", "kafkachannels/status", userNS, "ch"}},
		{"subscriber", request{"knsubscribe", "messaging.knative.dev", "kafkachannels", userNS, "ch"}},
	}
	for _, c := range checks {
		if !a.allowed(c.sa, c.r) {
			t.Errorf("Eventing's %s role does not grant %+v", c.sa, c.r)
		}
	}
}

// RBAC lets the dispatcher create tokens of every ServiceAccount (it cannot
// match the Subscriptions' OIDC identities, which eventing names after each
// Subscription): a ValidatingAdmissionPolicy, bound to deny, narrows that for
// the dispatcher's user. Which names it lets through, the API server tells
// (test/e2e TestDispatcherTokensOnlyForSubscriptionIdentities).
func TestDispatcherTokenPolicy(t *testing.T) {
	objs := load(t)
	user := "system:serviceaccount:" + systemNamespace + ":" + contract.DispatcherServiceAccount
	bound := map[string]bool{}
	for _, b := range all[*admissionregistrationv1.ValidatingAdmissionPolicyBinding](objs) {
		if slices.Contains(b.Spec.ValidationActions, admissionregistrationv1.Deny) && b.Spec.MatchResources == nil {
			bound[b.Spec.PolicyName] = true
		}
	}
	for _, p := range all[*admissionregistrationv1.ValidatingAdmissionPolicy](objs) {
		if bound[p.Name] && tokenCreates(p.Spec.MatchConstraints) && len(p.Spec.Validations) > 0 &&
			p.Spec.FailurePolicy != nil && *p.Spec.FailurePolicy == admissionregistrationv1.Fail &&
			len(p.Spec.MatchConditions) == 1 && p.Spec.MatchConditions[0].Expression == "request.userInfo.username == '"+user+"'" {
			return
		}
	}
	t.Errorf("no ValidatingAdmissionPolicy bound with Deny validates the creation of serviceaccounts/token by %s", user)
}

// tokenCreates tells whether m matches every creation of a ServiceAccount token.
func tokenCreates(m *admissionregistrationv1.MatchResources) bool {
	if m == nil {
		return false
	}
	for _, r := range m.ResourceRules {
		if matches(r.APIGroups, "") && matches(r.APIVersions, "v1") && matches(r.Resources, "serviceaccounts/token") &&
			slices.Contains(r.Operations, admissionregistrationv1.Create) && (r.Scope == nil || *r.Scope != admissionregistrationv1.ClusterScope) {
			return true
		}
	}
	return false
}

// Kubernetes' user-facing roles let a namespace's editors and admins replay
// their subscribers, and its viewers see the resets, but not more.
func TestUserRolesAggregateResetOffsets(t *testing.T) {
	a := aggregated(t, map[string]string{
		"edit":  "rbac.authorization.k8s.io/aggregate-to-edit",
		"admin": "rbac.authorization.k8s.io/aggregate-to-admin",
		"view":  "rbac.authorization.k8s.io/aggregate-to-view",
	})
	for _, sa := range []string{"edit", "admin"} {
		for _, verb := range []string{"create", "get", "list", "watch", "delete"} {
			if r := (request{verb, "kafka.knative-kafka.dev", "resetoffsets", userNS, "replay"}); !a.allowed(sa, r) {
				t.Errorf("the %s role does not grant %+v", sa, r)
			}
		}
		if r := (request{"update", "kafka.knative-kafka.dev", "resetoffsets/status", userNS, "replay"}); a.allowed(sa, r) {
			t.Errorf("the %s role grants %+v: the status is the controller's", sa, r)
		}
	}
	if r := (request{"get", "kafka.knative-kafka.dev", "resetoffsets", userNS, "replay"}); !a.allowed("view", r) {
		t.Errorf("the view role does not grant %+v", r)
	}
	if r := (request{"create", "kafka.knative-kafka.dev", "resetoffsets", userNS, ""}); a.allowed("view", r) {
		t.Errorf("the view role grants %+v", r)
	}
}
