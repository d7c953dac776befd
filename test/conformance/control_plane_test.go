//go:build e2e

package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

const (
	crdName = "kafkachannels.messaging.knative.dev"
	group   = "messaging.knative.dev"
)

// Every CRD MUST create a corresponding ClusterRole, that will be aggregated into the channelable-manipulator ClusterRole.This ClusterRole MUST include permissions to create, get, list, watch, patch, update and delete the CRD's custom objects and their status. Each channel MUST have the duck.knative.dev/channelable: "true" label on its channelable-manipulator ClusterRole.
func TestMust_AggregatedChannelableManipulatorClusterRole(t *testing.T) {
	rule(t, must, "Every CRD MUST create a corresponding ClusterRole, that will be aggregated into the channelable-manipulator ClusterRole."+
		"This ClusterRole MUST include permissions to create, get, list, watch, patch, update and delete the CRD's custom objects and their status. "+
		"Each channel MUST have the duck.knative.dev/channelable: \"true\" label on its channelable-manipulator ClusterRole.")
	checkAggregatedRole(t, "channelable-manipulator", "duck.knative.dev/channelable",
		[]string{"create", "get", "list", "watch", "patch", "update", "delete"})
}

// Every CRD MUST create a corresponding ClusterRole, that will be aggregated into the addressable-resolver ClusterRole. This ClusterRole MUST include permissions to get, list, and watch the CRD's custom objects and their status. Each channel MUST have the duck.knative.dev/addressable: "true" label on its addressable-resolver ClusterRole.
func TestMust_AggregatedAddressableResolverClusterRole(t *testing.T) {
	rule(t, must, "Every CRD MUST create a corresponding ClusterRole, that will be aggregated into the addressable-resolver ClusterRole. "+
		"This ClusterRole MUST include permissions to get, list, and watch the CRD's custom objects and their status. "+
		"Each channel MUST have the duck.knative.dev/addressable: \"true\" label on its addressable-resolver ClusterRole.")
	checkAggregatedRole(t, "addressable-resolver", "duck.knative.dev/addressable", []string{"get", "list", "watch"})
}

// checkAggregatedRole finds, through the API server, the ClusterRoles carrying
// the aggregation label that cover KafkaChannels, binds them (no aggregation
// controller involved) to a fresh ServiceAccount, and asks the authorizer,
// verb by verb, for the objects and their status. If Eventing's aggregated
// ClusterRole is installed, its selector must pick the label too.
func checkAggregatedRole(t *testing.T, aggregated, label string, verbs []string) {
	ctx := context.Background()
	roles, err := env.Kube.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{LabelSelector: label + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	var ours []rbacv1.ClusterRole
	for _, r := range roles.Items {
		for _, pr := range r.Rules {
			if contains(pr.APIGroups, group) && (contains(pr.Resources, "kafkachannels") || contains(pr.Resources, "*")) {
				ours = append(ours, r)
				break
			}
		}
	}
	if len(ours) == 0 {
		t.Fatalf("no ClusterRole labelled %s=true grants anything on kafkachannels", label)
	}
	ns := env.Namespace(t, dnsName(t))
	sa := "probe"
	if _, err := env.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range ours {
		t.Logf("ClusterRole %s (labels %v) covers kafkachannels", r.Name, r.Labels)
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: r.Name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: r.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: ns}},
		}
		if _, err := env.Kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	user := fmt.Sprintf("system:serviceaccount:%s:%s", ns, sa)
	for _, sub := range []string{"", "status"} {
		for _, verb := range verbs {
			attrs := &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Group: group, Resource: "kafkachannels", Subresource: sub}
			err := framework.Poll(10*time.Second, func() (bool, error) { // RBAC caches refresh asynchronously
				sar, err := env.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
					Spec: authorizationv1.SubjectAccessReviewSpec{User: user, ResourceAttributes: attrs},
				}, metav1.CreateOptions{})
				return err == nil && sar.Status.Allowed, err
			})
			if err != nil {
				t.Errorf("%s may not %s kafkachannels%s through the %s=true ClusterRoles: %v", user, verb, suffix(sub), label, err)
			}
		}
	}
	agg, err := env.Kube.RbacV1().ClusterRoles().Get(ctx, aggregated, metav1.GetOptions{})
	if err != nil || agg.AggregationRule == nil {
		t.Logf("Eventing's aggregated ClusterRole %s is not installed in the dev environment (%v); checked the label its aggregationRule selects instead", aggregated, err)
		return
	}
	for _, sel := range agg.AggregationRule.ClusterRoleSelectors {
		if sel.MatchLabels[label] == "true" {
			return
		}
	}
	t.Errorf("ClusterRole %s does not aggregate %s=true: %v", aggregated, label, agg.AggregationRule.ClusterRoleSelectors)
}

func suffix(sub string) string {
	if sub == "" {
		return ""
	}
	return "/" + sub
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// crd returns the KafkaChannel CustomResourceDefinition as the API server serves it.
func crd(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	gvr := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	u, err := env.Dynamic.Resource(gvr).Get(context.Background(), crdName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func crdLabel(key string) func(*unstructured.Unstructured) error {
	return func(u *unstructured.Unstructured) error {
		if v := u.GetLabels()[key]; v != "true" {
			return fmt.Errorf("CRD %s label %s = %q, want \"true\"", crdName, key, v)
		}
		return nil
	}
}

// The CustomResourceDefinition rules share one shape: a property of the served CRD.
var crdRules = []struct {
	text  string
	check func(*unstructured.Unstructured) error
}{
	{"Each channel is namespaced", func(u *unstructured.Unstructured) error {
		if scope, _, _ := unstructured.NestedString(u.Object, "spec", "scope"); scope != "Namespaced" {
			return fmt.Errorf("CRD %s scope = %q, want Namespaced", crdName, scope)
		}
		return nil
	}},
	{"label of messaging.knative.dev/subscribable: true", crdLabel("messaging.knative.dev/subscribable")},
	{"label of duck.knative.dev/addressable: true", crdLabel("duck.knative.dev/addressable")},
	{"The category `channel`", func(u *unstructured.Unstructured) error {
		cats, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "names", "categories")
		if !contains(cats, "channel") {
			return fmt.Errorf("CRD %s categories = %v, want channel among them", crdName, cats)
		}
		return nil
	}},
}

func checkCRDRule(t *testing.T, i int) {
	rule(t, must, crdRules[i].text)
	check(t, must, crdRules[i].check(crd(t)))
}

// Each channel is namespaced
func TestMust_ChannelCRDNamespaced(t *testing.T) { checkCRDRule(t, 0) }

// label of messaging.knative.dev/subscribable: true
func TestMust_ChannelCRDLabelSubscribable(t *testing.T) { checkCRDRule(t, 1) }

// label of duck.knative.dev/addressable: true
func TestMust_ChannelCRDLabelAddressable(t *testing.T) { checkCRDRule(t, 2) }

// The category `channel`
func TestMust_ChannelCRDCategoryChannel(t *testing.T) { checkCRDRule(t, 3) }

// each instance SHOULD have annotation: messaging.knative.dev/subscribable: v1
func TestShould_InstanceAnnotationSubscribableV1(t *testing.T) {
	rule(t, should, "each instance SHOULD have annotation: messaging.knative.dev/subscribable: v1")
	main, _, _ := sharedChannels(t)
	kc := getChannel(t, main.ns, main.name)
	if v, ok := kc.Annotations["messaging.knative.dev/subscribable"]; !ok || v != "v1" {
		notMet(t, should, "annotations[messaging.knative.dev/subscribable] = %q (present=%v), want v1", v, ok)
	}
}

// Each channel CRD MUST contain an array of subscribers: spec.subscribers. Each channel CRD MUST have a status subresource which contains [subscribers (as an array)]. The ready field of the subscriber identified by its uid MUST be set to True when the subscription is ready to be processed.
func TestMust_SpecAndStatusSubscribers(t *testing.T) {
	rule(t, must, "Each channel CRD MUST contain an array of subscribers: spec.subscribers. "+
		"Each channel CRD MUST have a status subresource which contains [subscribers (as an array)]. "+
		"The ready field of the subscriber identified by its uid MUST be set to True when the subscription is ready to be processed.")
	check(t, must, statusSubresource(crd(t)))
	kc := newChannel(t, v1beta1.KafkaChannelSpec{})
	const uri = "http://example.com"
	sub := env.Subscribe(t, kc.Namespace, "sub", kc.Name, framework.SubscriptionOptions{Subscriber: uri})
	err := framework.Poll(time.Minute, func() (bool, error) {
		kc = getChannel(t, kc.Namespace, kc.Name)
		if kc.Status.ObservedGeneration < kc.Generation || len(kc.Spec.Subscribers) != 1 || len(kc.Status.Subscribers) != 1 {
			return false, nil
		}
		s, st := kc.Spec.Subscribers[0], kc.Status.Subscribers[0]
		return s.UID == sub.UID && s.SubscriberURI.String() == uri && st.UID == sub.UID && st.Ready == corev1.ConditionTrue, nil
	})
	if err != nil {
		t.Fatalf("want spec.subscribers = [{uid %s, subscriberUri %s}] and status.subscribers = [{uid %s, ready True}]: %v; spec %+v status %+v",
			sub.UID, uri, sub.UID, err, kc.Spec.Subscribers, kc.Status.Subscribers)
	}
}

func statusSubresource(u *unstructured.Unstructured) error {
	versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
	for _, v := range versions {
		vm, _ := v.(map[string]interface{})
		if _, ok, _ := unstructured.NestedMap(vm, "subresources", "status"); !ok {
			return fmt.Errorf("CRD %s version %v has no status subresource", crdName, vm["name"])
		}
	}
	if len(versions) == 0 {
		return errors.New("CRD has no versions")
	}
	return nil
}

// observedGeneration MUST be populated if present
func TestMust_ObservedGenerationPopulated(t *testing.T) {
	rule(t, must, "observedGeneration MUST be populated if present")
	kc := newChannel(t, v1beta1.KafkaChannelSpec{})
	if kc.Status.ObservedGeneration != kc.Generation {
		t.Fatalf("Ready channel: status.observedGeneration = %d, metadata.generation = %d", kc.Status.ObservedGeneration, kc.Generation)
	}
	// A spec change must be observed again.
	retry := int32(1)
	kc.Spec.Delivery = &eventingduckv1.DeliverySpec{Retry: &retry}
	kc, err := env.Kafka.MessagingV1beta1().KafkaChannels(kc.Namespace).Update(context.Background(), kc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = framework.Poll(time.Minute, func() (bool, error) {
		got := getChannel(t, kc.Namespace, kc.Name)
		return got.Status.ObservedGeneration == kc.Generation, nil
	})
	if err != nil {
		t.Fatalf("status.observedGeneration did not reach generation %d after a spec change: %v", kc.Generation, err)
	}
}

// SHOULD have in status observedGeneration. SHOULD have in status conditions (as an array)
func TestShould_StatusObservedGenerationAndConditions(t *testing.T) {
	rule(t, should, "SHOULD have in status observedGeneration. SHOULD have in status conditions (as an array)")
	main, _, _ := sharedChannels(t)
	kc := getChannel(t, main.ns, main.name)
	if kc.Status.ObservedGeneration == 0 {
		notMet(t, should, "status.observedGeneration is not set")
	}
	if kc.Status.GetCondition(apis.ConditionReady) == nil {
		notMet(t, should, "status.conditions has no Ready condition: %+v", kc.Status.Conditions)
	}
	t.Logf("observedGeneration %d, %d conditions", kc.Status.ObservedGeneration, len(kc.Status.Conditions))
}

// status.conditions SHOULD indicate status transitions and error reasons if present
func TestShould_StatusConditionsTransitionsAndReasons(t *testing.T) {
	rule(t, should, "status.conditions SHOULD indicate status transitions and error reasons if present")
	ctx := context.Background()
	ns := env.Namespace(t, dnsName(t))
	// A dead-letter sink naming a Service that does not exist yet cannot be resolved.
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Name: "ch", Namespace: ns}}
	kc.Spec.Delivery = &eventingduckv1.DeliverySpec{DeadLetterSink: &duckv1.Destination{
		Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "dls"},
	}}
	if _, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).Create(ctx, kc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var failed *apis.Condition
	err := framework.Poll(time.Minute, func() (bool, error) {
		kc = getChannel(t, ns, "ch")
		ready := kc.Status.GetCondition(apis.ConditionReady)
		if ready == nil || !ready.IsFalse() {
			return false, nil
		}
		for i, c := range kc.Status.Conditions {
			if c.Type != apis.ConditionReady && c.IsFalse() {
				failed = &kc.Status.Conditions[i]
			}
		}
		return failed != nil, nil
	})
	if err != nil {
		notMet(t, should, "a channel whose dead-letter sink cannot be resolved never showed Ready=False with the failing condition: %v; conditions %+v", err, kc.Status.Conditions)
	}
	ready := kc.Status.GetCondition(apis.ConditionReady)
	t.Logf("unresolvable dead-letter sink: Ready=False reason %q message %q; %s=False reason %q message %q",
		ready.Reason, ready.Message, failed.Type, failed.Reason, failed.Message)
	if ready.Reason == "" || failed.Reason == "" || failed.Message == "" {
		notMet(t, should, "failing conditions carry no reason/message: Ready %+v, %s %+v", ready, failed.Type, failed)
	}
	for _, c := range kc.Status.Conditions {
		if c.LastTransitionTime.Inner.IsZero() {
			notMet(t, should, "condition %s has no lastTransitionTime", c.Type)
		}
	}
	// Fix the cause: the channel must transition to Ready=True.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "dls", Namespace: ns},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := env.Kube.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := ready.LastTransitionTime.Inner
	err = framework.Poll(time.Minute, func() (bool, error) {
		kc = getChannel(t, ns, "ch")
		return kc.IsReady(), nil
	})
	if err != nil {
		notMet(t, should, "after the dead-letter Service was created the channel did not transition to Ready=True within a minute: %+v", kc.Status.Conditions)
	}
	if after := kc.Status.GetCondition(apis.ConditionReady).LastTransitionTime.Inner; !after.After(before.Time) && !after.Equal(&before) {
		notMet(t, should, "Ready's lastTransitionTime did not move on the transition (%v -> %v)", before, after)
	}
}

// When the channel instance is ready to receive events status.address.url MUST be populated. Each Channel CRD MUST have a status subresource which contains [address]. When the Channel instance is ready to receive events status.address.url status.addressable MUST be set to True
func TestMust_ReadyChannelIsAddressable(t *testing.T) {
	rule(t, must, "When the channel instance is ready to receive events status.address.url MUST be populated. "+
		"Each Channel CRD MUST have a status subresource which contains [address]. "+
		"When the Channel instance is ready to receive events status.address.url status.addressable MUST be set to True")
	check(t, must, statusSubresource(crd(t)))
	main, _, _ := sharedChannels(t)
	kc := getChannel(t, main.ns, main.name)
	if !kc.IsReady() {
		t.Fatalf("channel not Ready: %+v", kc.Status.Conditions)
	}
	if kc.Status.Address == nil || kc.Status.Address.URL == nil || kc.Status.Address.URL.Host == "" {
		t.Fatalf("Ready channel has no status.address.url: %+v", kc.Status.Address)
	}
	if c := kc.Status.GetCondition(v1beta1.KafkaChannelConditionAddressable); c == nil || !c.IsTrue() {
		t.Fatalf("Ready channel: Addressable condition = %+v, want True", c)
	}
	t.Logf("status.address.url = %s", kc.Status.Address.URL)
}

// Set the Channel status.deadLetterSinkURI if there is a valid spec.delivery.deadLetterSink defined
func TestShould_DeadLetterSinkURIInStatus(t *testing.T) {
	rule(t, should, "Set the Channel status.deadLetterSinkURI if there is a valid spec.delivery.deadLetterSink defined")
	ns := env.Namespace(t, dnsName(t))
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "sink", Namespace: ns},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := env.Kube.CoreV1().Services(ns).Create(context.Background(), svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kc := env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{ChannelableSpec: eventingduckv1.ChannelableSpec{Delivery: &eventingduckv1.DeliverySpec{
		DeadLetterSink: &duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "sink"}},
	}}})
	want := "http://sink." + ns + ".svc.cluster.local"
	got := kc.Status.DeliveryStatus.DeadLetterSinkURI
	if got == nil {
		notMet(t, should, "Ready channel with a valid deadLetterSink has no status.deadLetterSinkUri")
	}
	if !strings.HasPrefix(got.String(), want) {
		notMet(t, should, "status.deadLetterSinkUri = %s, want %s", got, want)
	}
	t.Logf("status.deadLetterSinkUri = %s", got)
}
