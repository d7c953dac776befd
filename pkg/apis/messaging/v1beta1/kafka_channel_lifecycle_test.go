package v1beta1

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// The conditions besides Ready; Ready must follow them.
var dependents = []apis.ConditionType{
	KafkaChannelConditionAddressable,
	KafkaChannelConditionConfigurationReady,
	KafkaChannelConditionTopicReady,
	KafkaChannelConditionChannelServiceReady,
	KafkaChannelConditionReceiverReady,
	KafkaChannelConditionDispatcherReady,
	KafkaChannelConditionDeadLetterSinkResolved,
	KafkaChannelConditionEventPoliciesReady,
}

func available(status corev1.ConditionStatus) *appsv1.DeploymentStatus {
	return &appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{{
		Type: appsv1.DeploymentAvailable, Status: status, Reason: "R", Message: "M",
	}}}
}

// markAllReady drives every dependent condition to True through the public Mark/Propagate API.
func markAllReady(s *KafkaChannelStatus) {
	s.InitializeConditions()
	s.SetAddress(&duckv1.Addressable{URL: apis.HTTP("ch-kn-channel.ns.svc.cluster.local")})
	s.MarkConfigTrue()
	s.MarkTopicTrue()
	s.MarkChannelServiceTrue()
	s.PropagateReceiverStatus(available(corev1.ConditionTrue))
	s.PropagateDispatcherStatus(available(corev1.ConditionTrue))
	s.MarkDeadLetterSinkNotConfigured()
	s.MarkEventPoliciesTrueWithReason("OIDCDisabled", "msg")
}

func TestInitializeConditions(t *testing.T) {
	s := &KafkaChannelStatus{}
	s.InitializeConditions()
	for _, ct := range append(dependents, KafkaChannelConditionReady) {
		if c := s.GetCondition(ct); c == nil || c.Status != corev1.ConditionUnknown {
			t.Errorf("condition %s = %+v, want Unknown", ct, c)
		}
	}
}

func TestReadyOnlyWhenAllConditionsTrue(t *testing.T) {
	c := &KafkaChannel{}
	markAllReady(&c.Status)
	if !c.IsReady() {
		t.Fatalf("all conditions true, but not ready: %+v", c.Status.Conditions)
	}

	// Ready also needs the latest spec to have been observed.
	c.Generation = 2
	if c.IsReady() {
		t.Error("ready although generation 2 was not observed")
	}
	c.Status.ObservedGeneration = 2
	if !c.IsReady() {
		t.Error("not ready after observing generation 2")
	}

	// Any one failing condition takes Ready down with its reason.
	fail := map[apis.ConditionType]func(*KafkaChannelStatus){
		KafkaChannelConditionAddressable:            func(s *KafkaChannelStatus) { s.SetAddress(nil) },
		KafkaChannelConditionConfigurationReady:     func(s *KafkaChannelStatus) { s.MarkConfigFailed("Reason", "msg") },
		KafkaChannelConditionTopicReady:             func(s *KafkaChannelStatus) { s.MarkTopicFailed("Reason", "msg") },
		KafkaChannelConditionChannelServiceReady:    func(s *KafkaChannelStatus) { s.MarkChannelServiceFailed("Reason", "msg") },
		KafkaChannelConditionReceiverReady:          func(s *KafkaChannelStatus) { s.MarkReceiverFailed("Reason", "msg") },
		KafkaChannelConditionDispatcherReady:        func(s *KafkaChannelStatus) { s.MarkDispatcherFailed("Reason", "msg") },
		KafkaChannelConditionDeadLetterSinkResolved: func(s *KafkaChannelStatus) { s.MarkDeadLetterSinkFailed("Reason", "msg") },
		KafkaChannelConditionEventPoliciesReady:     func(s *KafkaChannelStatus) { s.MarkEventPoliciesFailed("Reason", "msg") },
	}
	if len(fail) != len(dependents) {
		t.Fatalf("%d failure cases for %d conditions", len(fail), len(dependents))
	}
	for ct, markFailed := range fail {
		t.Run(string(ct), func(t *testing.T) {
			c := &KafkaChannel{}
			markAllReady(&c.Status)
			markFailed(&c.Status)
			ready := c.Status.GetCondition(KafkaChannelConditionReady)
			if c.IsReady() || ready.Status != corev1.ConditionFalse {
				t.Fatalf("Ready = %+v after %s failed, want False", ready, ct)
			}
			if got := c.Status.GetCondition(ct); got.Status != corev1.ConditionFalse || ready.Reason != got.Reason {
				t.Errorf("%s = %+v, Ready reason %q; want False with Ready carrying its reason", ct, got, ready.Reason)
			}
		})
	}
}

func TestSetAddress(t *testing.T) {
	s := &KafkaChannelStatus{}
	s.InitializeConditions()
	s.SetAddress(&duckv1.Addressable{URL: apis.HTTP("ch-kn-channel.ns.svc.cluster.local")})
	if s.Address == nil || s.Address.URL.String() != "http://ch-kn-channel.ns.svc.cluster.local" {
		t.Fatalf("address = %+v", s.Address)
	}
	if s.Address.Name == nil || *s.Address.Name != "http" {
		t.Errorf("address name = %v, want http", s.Address.Name)
	}
	if len(s.Addresses) != 1 || s.Addresses[0].URL.String() != s.Address.URL.String() {
		t.Errorf("addresses = %+v, want the one address", s.Addresses)
	}
	if c := s.GetCondition(KafkaChannelConditionAddressable); c.Status != corev1.ConditionTrue {
		t.Errorf("Addressable = %+v, want True", c)
	}

	// A URL without a host is no address: both fields are cleared.
	s.SetAddress(&duckv1.Addressable{URL: &apis.URL{Scheme: "http"}})
	if s.Address != nil || s.Addresses != nil {
		t.Errorf("address %+v, addresses %+v; want both cleared", s.Address, s.Addresses)
	}
	if c := s.GetCondition(KafkaChannelConditionAddressable); c.Status != corev1.ConditionFalse || c.Reason != "EmptyHostname" {
		t.Errorf("Addressable = %+v, want False/EmptyHostname", c)
	}
}

// With transport encryption a channel has several addresses; status.address
// is one of them, and every one is named after its scheme unless named.
func TestSetAddresses(t *testing.T) {
	httpAddr := duckv1.Addressable{URL: apis.HTTP("ch-kn-channel.ns.svc.cluster.local")}
	ca := "CA PEM"
	httpsAddr := duckv1.Addressable{URL: apis.HTTPS("receiver.system.svc.cluster.local"), CACerts: &ca}
	httpsAddr.URL.Path = "/ns/ch"

	s := &KafkaChannelStatus{}
	s.InitializeConditions()
	s.SetAddresses(httpAddr, httpsAddr, httpAddr)
	if s.Address == nil || s.Address.URL.String() != "http://ch-kn-channel.ns.svc.cluster.local" || *s.Address.Name != "http" {
		t.Fatalf("address = %+v, want the http one, named http", s.Address)
	}
	var got []string
	for _, a := range s.Addresses {
		got = append(got, *a.Name+" "+a.URL.String())
	}
	want := []string{"https https://receiver.system.svc.cluster.local/ns/ch", "http http://ch-kn-channel.ns.svc.cluster.local"}
	if !slices.Equal(got, want) {
		t.Errorf("addresses = %q, want %q", got, want)
	}
	if s.Addresses[0].CACerts == nil || *s.Addresses[0].CACerts != ca {
		t.Errorf("https address CACerts = %v, want %q", s.Addresses[0].CACerts, ca)
	}
	if c := s.GetCondition(KafkaChannelConditionAddressable); c.Status != corev1.ConditionTrue {
		t.Errorf("Addressable = %+v, want True", c)
	}
	// The status holds copies: an audience set on one address is on that one only.
	aud := "aud"
	s.Address.Audience = &aud
	if s.Addresses[1].Audience != nil || httpAddr.Audience != nil || httpAddr.Name != nil {
		t.Error("status.address shares its memory with status.addresses or the caller's address")
	}

	// An address without a host among them: none is published.
	s.SetAddresses(httpAddr, httpAddr, duckv1.Addressable{URL: &apis.URL{Scheme: "https"}})
	if s.Address != nil || s.Addresses != nil {
		t.Errorf("address %+v, addresses %+v; want both cleared", s.Address, s.Addresses)
	}
	if c := s.GetCondition(KafkaChannelConditionAddressable); c.Status != corev1.ConditionFalse || c.Reason != "EmptyHostname" {
		t.Errorf("Addressable = %+v, want False/EmptyHostname", c)
	}
}

// An address that cannot work is not published, and Ready says why.
func TestMarkAddressFailed(t *testing.T) {
	c := &KafkaChannel{}
	markAllReady(&c.Status)
	c.Status.MarkAddressFailed("ServerTLSSecretNotFound", "Secret %s not found", "x")
	if c.Status.Address != nil || c.Status.Addresses != nil {
		t.Errorf("address %+v, addresses %+v; want both cleared", c.Status.Address, c.Status.Addresses)
	}
	addressable := c.Status.GetCondition(KafkaChannelConditionAddressable)
	if addressable.Status != corev1.ConditionFalse || addressable.Reason != "ServerTLSSecretNotFound" || addressable.Message != "Secret x not found" {
		t.Errorf("Addressable = %+v", addressable)
	}
	if ready := c.Status.GetCondition(KafkaChannelConditionReady); c.IsReady() || ready.Reason != "ServerTLSSecretNotFound" {
		t.Errorf("Ready = %+v, want False with the reason", ready)
	}
}

func TestPropagateDeploymentStatus(t *testing.T) {
	tests := []struct {
		name       string
		status     *appsv1.DeploymentStatus
		wantStatus corev1.ConditionStatus
		wantReason string
	}{
		{"available", available(corev1.ConditionTrue), corev1.ConditionTrue, ""},
		{"unavailable", available(corev1.ConditionFalse), corev1.ConditionFalse, "DispatcherUnavailable"},
		{"availability unknown", available(corev1.ConditionUnknown), corev1.ConditionUnknown, "DispatcherUnknown"},
		{"no Available condition yet", &appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
		}}}, corev1.ConditionUnknown, "DispatcherStarting"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &KafkaChannelStatus{}
			s.InitializeConditions()
			s.PropagateDispatcherStatus(tc.status)
			c := s.GetCondition(KafkaChannelConditionDispatcherReady)
			if c.Status != tc.wantStatus || c.Reason != tc.wantReason {
				t.Errorf("DispatcherReady = %s/%s, want %s/%s", c.Status, c.Reason, tc.wantStatus, tc.wantReason)
			}
			// The receiver is a different condition, untouched.
			if r := s.GetCondition(KafkaChannelConditionReceiverReady); r.Status != corev1.ConditionUnknown || r.Reason != "" {
				t.Errorf("ReceiverReady changed to %+v", r)
			}
		})
	}
}

func TestDeadLetterSinkStatus(t *testing.T) {
	s := &KafkaChannelStatus{}
	s.InitializeConditions()
	s.MarkDeadLetterSinkResolved(eventingduckv1.DeliveryStatus{DeadLetterSinkURI: apis.HTTP("dls.ns.svc.cluster.local")})
	if s.DeadLetterSinkURI.String() != "http://dls.ns.svc.cluster.local" {
		t.Errorf("deadLetterSinkUri = %v", s.DeadLetterSinkURI)
	}
	s.MarkDeadLetterSinkNotConfigured()
	c := s.GetCondition(KafkaChannelConditionDeadLetterSinkResolved)
	if s.DeadLetterSinkURI != nil || c.Status != corev1.ConditionTrue || c.Reason != "DeadLetterSinkNotConfigured" {
		t.Errorf("after removing the sink: uri %v, condition %+v", s.DeadLetterSinkURI, c)
	}
}
