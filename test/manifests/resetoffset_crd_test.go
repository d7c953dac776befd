package manifests

import (
	"encoding/json"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
)

func resetOffsetCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	return crdNamed(t, "resetoffsets.kafka.knative-kafka.dev")
}

func TestResetOffsetCRDShape(t *testing.T) {
	crd := resetOffsetCRD(t)
	names := crd.Spec.Names
	if crd.Spec.Group != v1alpha1.GroupName || names.Kind != "ResetOffset" || names.Plural != "resetoffsets" ||
		crd.Spec.Scope != apiextensionsv1.NamespaceScoped || strings.Join(names.ShortNames, ",") != "kro" {
		t.Errorf("group %s, kind %s, plural %s, scope %s, short names %v", crd.Spec.Group, names.Kind, names.Plural, crd.Spec.Scope, names.ShortNames)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%d versions, want only v1alpha1", len(crd.Spec.Versions))
	}
	if v := crd.Spec.Versions[0]; v.Name != v1alpha1.SchemeGroupVersion.Version || !v.Served || !v.Storage || v.Subresources == nil || v.Subresources.Status == nil {
		t.Errorf("version %s served %v, storage %v, subresources %+v; want v1alpha1 served, stored, with status", v.Name, v.Served, v.Storage, v.Subresources)
	}
}

// Every field of the Go types, filled in at random, survives the API server's pruning.
func TestResetOffsetCRDSchemaKeepsEveryField(t *testing.T) {
	s := structuralOf(t, servedSchemaOf(t, resetOffsetCRD(t), v1alpha1.SchemeGroupVersion.Version))
	ro := &v1alpha1.ResetOffset{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "ResetOffset"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "replay"},
	}
	filler := randomFiller()
	filler.Fill(&ro.Spec)
	filler.Fill(&ro.Status)
	obj := toUnstructured(t, ro)
	if pruned := prunedPaths(s, obj); len(pruned) > 0 {
		t.Errorf("the schema drops these fields of ResetOffset: %v", pruned)
	}
}

// The README's example is a valid ResetOffset.
func TestResetOffsetCRDValidatesSample(t *testing.T) {
	const sample = `{"apiVersion": "kafka.knative-kafka.dev/v1alpha1", "kind": "ResetOffset",
	  "metadata": {"namespace": "shop", "name": "replay-orders"},
	  "spec": {"ref": {"apiVersion": "messaging.knative.dev/v1", "kind": "Subscription", "name": "orders-to-billing"},
	           "offset": {"time": "2026-01-02T15:04:05Z"}, "dryRun": true}}`
	good := map[string]interface{}{}
	if err := json.Unmarshal([]byte(sample), &good); err != nil {
		t.Fatal(err)
	}
	v := schemaValidatorOf(t, resetOffsetCRD(t))
	if res := v.Validate(good); !res.IsValid() {
		t.Fatalf("valid sample refused: %v", res.Errors)
	}
	obj := toUnstructured(t, good)
	delete(obj["spec"].(map[string]interface{}), "offset")
	if res := v.Validate(obj); res.IsValid() {
		t.Error("a ResetOffset without spec.offset accepted")
	}
}
