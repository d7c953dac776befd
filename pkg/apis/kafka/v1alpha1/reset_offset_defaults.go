package v1alpha1

import (
	"context"
	"strings"

	"knative.dev/eventing/pkg/apis/messaging"
)

// SubscriptionAPIVersion and SubscriptionKind are what spec.ref names.
const (
	SubscriptionAPIVersion = messaging.GroupName + "/v1"
	SubscriptionKind       = "Subscription"
)

// SetDefaults makes spec.ref a Subscription of the ResetOffset's namespace
// unless it says otherwise, and spells earliest and latest in lower case.
func (r *ResetOffset) SetDefaults(context.Context) {
	ref := &r.Spec.Ref
	if ref.APIVersion == "" {
		ref.APIVersion = SubscriptionAPIVersion
	}
	if ref.Kind == "" {
		ref.Kind = SubscriptionKind
	}
	if ref.Namespace == "" {
		ref.Namespace = r.Namespace
	}
	if t := strings.ToLower(r.Spec.Offset.Time); t == OffsetEarliest || t == OffsetLatest {
		r.Spec.Offset.Time = t
	}
}
