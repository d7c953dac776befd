package v1alpha1

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"knative.dev/pkg/apis"
)

// Validate checks the spec on creation, and on update that it did not change.
func (r *ResetOffset) Validate(ctx context.Context) *apis.FieldError {
	if apis.IsInUpdate(ctx) {
		if original, ok := apis.GetBaseline(ctx).(*ResetOffset); ok && original != nil {
			return r.CheckImmutableFields(original)
		}
	}
	return r.Spec.validate(r.Namespace, time.Now()).ViaField("spec")
}

func (s *ResetOffsetSpec) validate(namespace string, now time.Time) *apis.FieldError {
	errs := validateRef(s, namespace).ViaField("ref")
	if _, err := ParseOffsetTime(s.Offset.Time, now); err != nil {
		errs = errs.Also(apis.ErrInvalidValue(s.Offset.Time, "time", err.Error()).ViaField("offset"))
	}
	return errs
}

func validateRef(s *ResetOffsetSpec, namespace string) *apis.FieldError {
	var errs *apis.FieldError
	ref := s.Ref
	if ref.Name == "" {
		errs = errs.Also(apis.ErrMissingField("name"))
	}
	if ref.APIVersion != SubscriptionAPIVersion {
		errs = errs.Also(apis.ErrInvalidValue(ref.APIVersion, "apiVersion", "must be "+SubscriptionAPIVersion))
	}
	if ref.Kind != SubscriptionKind {
		errs = errs.Also(apis.ErrInvalidValue(ref.Kind, "kind", "must be "+SubscriptionKind))
	}
	if ref.Namespace != "" && ref.Namespace != namespace {
		errs = errs.Also(apis.ErrInvalidValue(ref.Namespace, "namespace", "must be the ResetOffset's own namespace"))
	}
	return errs
}

// OffsetTime is a parsed spec.offset.time: Earliest, Latest, or At.
// +k8s:deepcopy-gen=false
type OffsetTime struct {
	Earliest, Latest bool
	At               time.Time
}

// ParseOffsetTime reads spec.offset.time, refusing a time after now: Kafka
// would answer with the end of each partition, which is what "latest" says.
func ParseOffsetTime(v string, now time.Time) (OffsetTime, error) {
	switch v {
	case OffsetEarliest:
		return OffsetTime{Earliest: true}, nil
	case OffsetLatest:
		return OffsetTime{Latest: true}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return OffsetTime{}, fmt.Errorf(`want "earliest", "latest" or an RFC 3339 time such as 2026-01-02T15:04:05Z`)
	}
	if at.After(now) {
		return OffsetTime{}, fmt.Errorf("is in the future (now is %s): no event has that time yet", now.UTC().Format(time.RFC3339))
	}
	return OffsetTime{At: at}, nil
}

// CheckImmutableFields refuses any change of the spec: a reset acts once.
func (r *ResetOffset) CheckImmutableFields(original *ResetOffset) *apis.FieldError {
	if equality.Semantic.DeepEqual(r.Spec, original.Spec) {
		return nil
	}
	return &apis.FieldError{
		Message: "Immutable field changed (a ResetOffset acts once: create another one)",
		Paths:   []string{"spec"},
	}
}

// SupportedSubResources limits the validating webhook to the resource itself:
// its status is the controller's alone.
func (*ResetOffset) SupportedSubResources() []string { return []string{""} }

// SupportedVerbs leaves out deletion, which has nothing to validate.
func (*ResetOffset) SupportedVerbs() []admissionregistrationv1.OperationType {
	return []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
}
