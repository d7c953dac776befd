package v1alpha1

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

func resetOffset(at string) *ResetOffset {
	r := &ResetOffset{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "replay"},
		Spec:       ResetOffsetSpec{Ref: duckv1.KReference{Name: "sub"}, Offset: OffsetSpec{Time: at}},
	}
	r.SetDefaults(context.Background())
	return r
}

// errorPaths lists the field paths of every error in fe.
func errorPaths(fe *apis.FieldError) []string {
	var out []string
	for _, e := range fe.WrappedErrors() {
		out = append(out, e.Paths...)
	}
	return out
}

func TestResetOffsetDefaults(t *testing.T) {
	r := resetOffset("Earliest")
	want := duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "Subscription", Namespace: "ns", Name: "sub"}
	if r.Spec.Ref != want {
		t.Errorf("ref = %+v, want %+v", r.Spec.Ref, want)
	}
	if r.Spec.Offset.Time != OffsetEarliest {
		t.Errorf("time = %q, want %q", r.Spec.Offset.Time, OffsetEarliest)
	}
}

func TestResetOffsetValidate(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name     string
		r        *ResetOffset
		wantPath string
	}{
		{name: "earliest", r: resetOffset("earliest")},
		{name: "latest", r: resetOffset("latest")},
		{name: "a past time", r: resetOffset(past)},
		{name: "a future time", r: resetOffset(future), wantPath: "spec.offset.time"},
		{name: "not a time", r: resetOffset("yesterday"), wantPath: "spec.offset.time"},
		{name: "no time", r: resetOffset(""), wantPath: "spec.offset.time"},
		{name: "no name", r: func() *ResetOffset { r := resetOffset("earliest"); r.Spec.Ref.Name = ""; return r }(), wantPath: "spec.ref.name"},
		{name: "not a Subscription", r: func() *ResetOffset { r := resetOffset("earliest"); r.Spec.Ref.Kind = "Trigger"; return r }(), wantPath: "spec.ref.kind"},
		{name: "another version", r: func() *ResetOffset {
			r := resetOffset("earliest")
			r.Spec.Ref.APIVersion = "messaging.knative.dev/v1beta1"
			return r
		}(), wantPath: "spec.ref.apiVersion"},
		{name: "another namespace", r: func() *ResetOffset { r := resetOffset("earliest"); r.Spec.Ref.Namespace = "other"; return r }(), wantPath: "spec.ref.namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate(context.Background())
			if tc.wantPath == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want no error", err)
				}
				return
			}
			if paths := errorPaths(err); len(paths) != 1 || paths[0] != tc.wantPath {
				t.Fatalf("Validate() = %v, want an error on %s", err, tc.wantPath)
			}
		})
	}
}

func TestResetOffsetSpecIsImmutable(t *testing.T) {
	original := resetOffset("earliest")
	changed := original.DeepCopy()
	changed.Spec.DryRun = true
	ctx := apis.WithinUpdate(context.Background(), original)
	if err := changed.Validate(ctx); len(errorPaths(err)) != 1 || errorPaths(err)[0] != "spec" {
		t.Errorf("Validate(changed spec) = %v, want an error on spec", err)
	}
	// A label is not the spec; nor is a time that has passed since creation.
	relabelled := original.DeepCopy()
	relabelled.Labels = map[string]string{"team": "a"}
	if err := relabelled.Validate(ctx); err != nil {
		t.Errorf("Validate(new label) = %v, want none", err)
	}
}

func TestResetOffsetCounts(t *testing.T) {
	var s ResetOffsetStatus
	s.SetOffsets([]PartitionOffset{
		{Partition: 0, OldOffset: 40, NewOffset: 0},
		{Partition: 1, OldOffset: 10, NewOffset: 25},
		{Partition: 2, OldOffset: -1, NewOffset: 7},
	})
	if s.EventsReplayed != 40 || s.EventsSkipped != 15 {
		t.Errorf("replayed, skipped = %d, %d; want 40, 15", s.EventsReplayed, s.EventsSkipped)
	}
}

func TestResetOffsetLifecycle(t *testing.T) {
	r := resetOffset("earliest")
	r.Status.InitializeConditions()
	if r.Done() || !r.Pauses() {
		t.Fatalf("a new reset: Done() = %t, Pauses() = %t; want false, true", r.Done(), r.Pauses())
	}
	r.Status.MarkResolved("ch", "uid", "ns.ch", "kafka.ns.ch.uid")
	r.Status.MarkGroupStopped()
	if r.Done() {
		t.Fatal("Done() before the offsets are committed")
	}
	r.Status.MarkCommitted()
	if !r.Done() || r.Pauses() || !r.Status.GetCondition(ResetOffsetConditionSucceeded).IsTrue() {
		t.Fatalf("after the commit: Done() = %t, Pauses() = %t, Succeeded = %+v", r.Done(), r.Pauses(), r.Status.GetCondition(ResetOffsetConditionSucceeded))
	}

	failed := resetOffset("earliest")
	failed.Status.InitializeConditions()
	failed.Status.MarkResolveFailed("SubscriptionNotFound", "gone")
	if c := failed.Status.GetCondition(ResetOffsetConditionSucceeded); !failed.Done() || !c.IsFalse() || c.Reason != "SubscriptionNotFound" {
		t.Fatalf("Succeeded = %+v, want False with reason SubscriptionNotFound", c)
	}

	dry := resetOffset("earliest")
	dry.Spec.DryRun = true
	dry.Status.InitializeConditions()
	if dry.Pauses() {
		t.Fatal("a dry run pauses its group")
	}
	dry.Status.MarkResolved("ch", "uid", "ns.ch", "kafka.ns.ch.uid")
	dry.Status.MarkDryRun()
	if !dry.Status.GetCondition(ResetOffsetConditionSucceeded).IsTrue() {
		t.Fatalf("a dry run did not succeed: %+v", dry.Status.Conditions)
	}
}
