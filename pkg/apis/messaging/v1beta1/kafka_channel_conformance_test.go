package v1beta1

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/apis/duck"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// Knative Eventing drives channels only through duck types, so a field that does not survive the
// trip through them is a field Eventing cannot read or write.

func TestDuckTypes(t *testing.T) {
	for _, iface := range []duck.Implementable{
		&eventingduckv1.Channelable{},
		&eventingduckv1.Subscribable{},
		&duckv1.Addressable{},
		&duckv1.Conditions{},
	} {
		if err := duck.VerifyType(&KafkaChannel{}, iface); err != nil {
			t.Errorf("%T: %v", iface, err)
		}
	}
}

// fullChannelable sets every field of the Channelable duck type.
func fullChannelable() *eventingduckv1.Channelable {
	linear := eventingduckv1.BackoffPolicyExponential
	format := eventingduckv1.DeliveryFormatBinary
	delivery := &eventingduckv1.DeliverySpec{
		DeadLetterSink: &duckv1.Destination{
			Ref:      &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "dls", Namespace: "ns"},
			URI:      apis.HTTP("dls.ns.svc.cluster.local"),
			CACerts:  ptr.To("dls-ca"),
			Audience: ptr.To("dls-aud"),
		},
		Retry:         ptr.To[int32](5),
		Timeout:       ptr.To("PT10S"),
		BackoffPolicy: &linear,
		BackoffDelay:  ptr.To("PT0.5S"),
		RetryAfterMax: ptr.To("PT1M"),
		Format:        &format,
	}
	auth := &duckv1.AuthStatus{ServiceAccountName: ptr.To("sa"), ServiceAccountNames: []string{"sa", "sb"}}
	addr := duckv1.Addressable{Name: ptr.To("http"), URL: apis.HTTP("ch-kn-channel.ns.svc.cluster.local"), CACerts: ptr.To("ca"), Audience: ptr.To("aud")}
	return &eventingduckv1.Channelable{
		TypeMeta:   metav1.TypeMeta{APIVersion: SchemeGroupVersion.String(), Kind: "KafkaChannel"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ch", Generation: 4},
		Spec: eventingduckv1.ChannelableSpec{
			SubscribableSpec: eventingduckv1.SubscribableSpec{Subscribers: []eventingduckv1.SubscriberSpec{{
				Name:               ptr.To("sub"),
				UID:                "uid-1",
				Generation:         2,
				SubscriberURI:      apis.HTTP("sink.ns.svc.cluster.local"),
				SubscriberCACerts:  ptr.To("sub-ca"),
				SubscriberAudience: ptr.To("sub-aud"),
				ReplyURI:           apis.HTTP("reply.ns.svc.cluster.local"),
				ReplyCACerts:       ptr.To("reply-ca"),
				ReplyAudience:      ptr.To("reply-aud"),
				Delivery:           delivery,
				Auth:               auth,
			}}},
			Delivery: delivery,
		},
		Status: eventingduckv1.ChannelableStatus{
			Status: duckv1.Status{
				ObservedGeneration: 4,
				Conditions:         duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue, Reason: "R", Message: "M", Severity: apis.ConditionSeverityError}},
				Annotations:        map[string]string{"a": "b"},
			},
			AddressStatus: duckv1.AddressStatus{Address: &addr, Addresses: []duckv1.Addressable{addr}},
			SubscribableStatus: eventingduckv1.SubscribableStatus{Subscribers: []eventingduckv1.SubscriberStatus{{
				UID: "uid-1", ObservedGeneration: 2, Ready: corev1.ConditionTrue, Message: "ok", Auth: auth,
			}}},
			DeliveryStatus: eventingduckv1.DeliveryStatus{
				DeadLetterSinkURI:      apis.HTTP("dls.ns.svc.cluster.local"),
				DeadLetterSinkCACerts:  ptr.To("dls-ca"),
				DeadLetterSinkAudience: ptr.To("dls-aud"),
			},
			AppliedEventPoliciesStatus: eventingduckv1.AppliedEventPoliciesStatus{
				Policies: []eventingduckv1.AppliedEventPolicyRef{{APIVersion: "eventing.knative.dev/v1alpha1", Name: "policy"}},
			},
		},
	}
}

func roundTrip(t *testing.T, from, to interface{}) {
	t.Helper()
	b, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, to); err != nil {
		t.Fatalf("%T into %T: %v", from, to, err)
	}
}

// Every Channelable field, including the ones duck.VerifyType leaves empty (CA certs, audiences,
// OIDC auth, policies, retryAfterMax, format), goes through a KafkaChannel and back unchanged.
func TestChannelableRoundTripIsLossless(t *testing.T) {
	want := fullChannelable()
	kc := &KafkaChannel{}
	roundTrip(t, want, kc)
	got := &eventingduckv1.Channelable{}
	roundTrip(t, kc, got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lost through KafkaChannel (-want +got):\n%s", diff)
	}
}

// What the controller writes on a KafkaChannel is what Eventing reads through the duck types.
func TestKafkaChannelReadAsDuckTypes(t *testing.T) {
	kc := &KafkaChannel{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ch"},
		Spec: KafkaChannelSpec{
			NumPartitions: 3, ReplicationFactor: 1, RetentionDuration: "PT1H",
			ChannelableSpec: fullChannelable().Spec,
		},
	}
	markAllReady(&kc.Status)
	kc.Status.SubscribableStatus = fullChannelable().Status.SubscribableStatus
	kc.Status.TopicName = "ns.ch"

	ch := &eventingduckv1.Channelable{}
	roundTrip(t, kc, ch)
	if diff := cmp.Diff(kc.Spec.ChannelableSpec, ch.Spec); diff != "" {
		t.Errorf("spec as Channelable (-want +got):\n%s", diff)
	}
	// JSON keeps condition times to the second; the comparison is about fields, not clocks.
	ignoreTime := cmpopts.IgnoreFields(apis.Condition{}, "LastTransitionTime")
	if diff := cmp.Diff(kc.Status.ChannelableStatus, ch.Status, ignoreTime); diff != "" {
		t.Errorf("status as Channelable (-want +got):\n%s", diff)
	}

	addressable := &duckv1.AddressableType{}
	roundTrip(t, kc, addressable)
	if got := addressable.Status.Address; got == nil || got.URL.String() != "http://ch-kn-channel.ns.svc.cluster.local" {
		t.Errorf("address as AddressableType = %+v", got)
	}
	if diff := cmp.Diff(kc.Status.Addresses, addressable.Status.Addresses); diff != "" {
		t.Errorf("addresses as AddressableType (-want +got):\n%s", diff)
	}

	// The topic shape and name are KafkaChannel's own and stay out of the duck view.
	b, _ := json.Marshal(ch)
	back := &KafkaChannel{}
	if err := json.Unmarshal(b, back); err != nil {
		t.Fatal(err)
	}
	if back.Spec.NumPartitions != 0 || back.Status.TopicName != "" {
		t.Errorf("duck view carried KafkaChannel fields: %+v", back)
	}
}
