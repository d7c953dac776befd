package manifests

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/randfill"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
)

func kafkaChannelCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	return crdNamed(t, "kafkachannels.messaging.knative.dev")
}

func crdNamed(t *testing.T, name string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	for _, crd := range all[*apiextensionsv1.CustomResourceDefinition](load(t)) {
		if crd.Name == name {
			return crd
		}
	}
	t.Fatalf("no CRD %s in config/", name)
	return nil
}

// servedSchema is the v1beta1 schema in the API server's internal form.
func servedSchema(t *testing.T) *apiextensions.JSONSchemaProps {
	t.Helper()
	return servedSchemaOf(t, kafkaChannelCRD(t), v1beta1.SchemeGroupVersion.Version)
}

// servedSchemaOf is the schema of a version of a CRD in the API server's internal form.
func servedSchemaOf(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition, version string) *apiextensions.JSONSchemaProps {
	t.Helper()
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			internal := &apiextensions.JSONSchemaProps{}
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, internal, nil); err != nil {
				t.Fatal(err)
			}
			return internal
		}
	}
	t.Fatalf("the CRD has no version %s", version)
	return nil
}

func TestCRDShape(t *testing.T) {
	crd := kafkaChannelCRD(t)
	// Knative Eventing finds channel kinds, and conformance checks them, by these labels.
	for k, v := range map[string]string{
		"messaging.knative.dev/subscribable": "true",
		"duck.knative.dev/addressable":       "true",
		"knative.dev/crd-install":            "true",
	} {
		if crd.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, crd.Labels[k], v)
		}
	}
	names := crd.Spec.Names
	if crd.Spec.Group != v1beta1.SchemeGroupVersion.Group || names.Kind != "KafkaChannel" || names.Plural != "kafkachannels" ||
		crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
		t.Errorf("group %s, kind %s, plural %s, scope %s", crd.Spec.Group, names.Kind, names.Plural, crd.Spec.Scope)
	}
	if strings.Join(names.ShortNames, ",") != "kc" || strings.Join(names.Categories, ",") != "all,knative,messaging,channel" {
		t.Errorf("short names %v, categories %v", names.ShortNames, names.Categories)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%d versions, want only v1beta1", len(crd.Spec.Versions))
	}
	v := crd.Spec.Versions[0]
	if !v.Served || !v.Storage || v.Subresources == nil || v.Subresources.Status == nil {
		t.Errorf("v1beta1 served %v, storage %v, subresources %+v; want served, stored, with status", v.Served, v.Storage, v.Subresources)
	}
	var columns []string
	for _, c := range v.AdditionalPrinterColumns {
		columns = append(columns, c.Name)
	}
	if got := strings.Join(columns, ","); got != "Ready,Reason,URL,Age" {
		t.Errorf("printer columns %s, want Ready,Reason,URL,Age", got)
	}
}

func structural(t *testing.T) *structuralschema.Structural {
	t.Helper()
	return structuralOf(t, servedSchema(t))
}

func structuralOf(t *testing.T, schema *apiextensions.JSONSchemaProps) *structuralschema.Structural {
	t.Helper()
	s, err := structuralschema.NewStructural(schema)
	if err != nil {
		t.Fatalf("schema is not structural: %v", err)
	}
	// The checks the API server runs before it accepts a CRD's schema.
	if errs := structuralschema.ValidateStructural(field.NewPath("openAPIV3Schema"), s); len(errs) > 0 {
		t.Fatalf("schema is not structural: %v", errs.ToAggregate())
	}
	return s
}

// randomChannel sets every field of a KafkaChannel's spec and status, recursively, to some value.
// (The API server keeps metadata whatever the schema says.)
func randomChannel(t *testing.T) map[string]interface{} {
	t.Helper()
	kc := &v1beta1.KafkaChannel{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ch"},
	}
	filler := randomFiller()
	filler.Fill(&kc.Spec)
	filler.Fill(&kc.Status)
	return toUnstructured(t, kc)
}

func randomFiller() *randfill.Filler {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	return randfill.NewWithSeed(1).NilChance(0).NumElements(1, 2).Funcs(
		// Times beyond year 9999 do not marshal; the value does not matter here.
		func(t *apis.VolatileTime, _ randfill.Continue) { t.Inner = now },
	)
}

func toUnstructured(t *testing.T, v interface{}) map[string]interface{} {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func prunedPaths(s *structuralschema.Structural, obj map[string]interface{}) []string {
	return pruning.PruneWithOptions(obj, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
}

// The API server drops fields a structural schema does not list. Every field of the Go types,
// filled in at random, must survive, or the controller and dispatchers would lose data.
func TestCRDSchemaKeepsEveryField(t *testing.T) {
	s := structural(t)
	if pruned := prunedPaths(s, randomChannel(t)); len(pruned) > 0 {
		t.Errorf("the schema drops these fields of KafkaChannel: %v", pruned)
	}

	// The check sees a field the schema lacks.
	obj := randomChannel(t)
	obj["spec"].(map[string]interface{})["notAField"] = 1
	if pruned := prunedPaths(s, obj); len(pruned) != 1 || pruned[0] != "spec.notAField" {
		t.Errorf("pruned %v, want [spec.notAField]", pruned)
	}
}

// sample is a KafkaChannel as a user and Eventing write it, with valid values in every spec field.
const sample = `{
  "apiVersion": "messaging.knative.dev/v1beta1", "kind": "KafkaChannel",
  "metadata": {"namespace": "ns", "name": "ch"},
  "spec": {
    "numPartitions": 3, "replicationFactor": 3, "retentionDuration": "PT168H",
    "delivery": {
      "deadLetterSink": {"ref": {"apiVersion": "v1", "kind": "Service", "name": "dls", "namespace": "ns"},
                         "uri": "/dead", "CACerts": "pem", "audience": "dls"},
      "retry": 5, "backoffPolicy": "exponential", "backoffDelay": "PT0.2S",
      "timeout": "PT10S", "retryAfterMax": "PT1M", "format": "binary"
    },
    "subscribers": [{
      "uid": "0e5d3a3e-7c3b-4c38-9a47-6c8d5c2f7f11", "generation": 1, "name": "sub",
      "subscriberUri": "http://sink.ns.svc.cluster.local", "subscriberCACerts": "pem", "subscriberAudience": "sink",
      "replyUri": "http://reply.ns.svc.cluster.local", "replyCACerts": "pem", "replyAudience": "reply",
      "delivery": {"retry": 1, "backoffPolicy": "linear"},
      "auth": {"serviceAccountName": "sub-oidc", "serviceAccountNames": ["sub-oidc"]}
    }]
  },
  "status": {
    "observedGeneration": 1,
    "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}],
    "address": {"name": "http", "url": "http://ch-kn-channel.ns.svc.cluster.local"},
    "addresses": [{"name": "http", "url": "http://ch-kn-channel.ns.svc.cluster.local"}],
    "subscribers": [{"uid": "0e5d3a3e-7c3b-4c38-9a47-6c8d5c2f7f11", "observedGeneration": 1, "ready": "True"}],
    "deadLetterSinkUri": "http://dls.ns.svc.cluster.local/dead",
    "topicName": "ns.ch"
  }
}`

func schemaValidator(t *testing.T) *validate.SchemaValidator {
	t.Helper()
	return schemaValidatorOf(t, kafkaChannelCRD(t))
}

func schemaValidatorOf(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) *validate.SchemaValidator {
	t.Helper()
	// JSONSchemaProps and kube-openapi's Schema share their JSON form.
	b, err := json.Marshal(crd.Spec.Versions[0].Schema.OpenAPIV3Schema)
	if err != nil {
		t.Fatal(err)
	}
	s := &spec.Schema{}
	if err := json.Unmarshal(b, s); err != nil {
		t.Fatal(err)
	}
	return validate.NewSchemaValidator(s, nil, "", strfmt.Default)
}

func TestCRDSchemaValidatesSample(t *testing.T) {
	v := schemaValidator(t)
	good := map[string]interface{}{}
	if err := json.Unmarshal([]byte(sample), &good); err != nil {
		t.Fatal(err)
	}
	// The sample is a real KafkaChannel: strict decoding into the Go type accepts it.
	dec := json.NewDecoder(strings.NewReader(sample))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v1beta1.KafkaChannel{}); err != nil {
		t.Fatalf("sample is not a KafkaChannel: %v", err)
	}
	if res := v.Validate(good); !res.IsValid() {
		t.Fatalf("valid sample refused: %v", res.Errors)
	}
	if pruned := prunedPaths(structural(t), good); len(pruned) > 0 {
		t.Errorf("valid sample loses %v", pruned)
	}

	bad := []struct {
		path  []string
		value interface{}
	}{
		{[]string{"spec", "numPartitions"}, 0},
		{[]string{"spec", "replicationFactor"}, 40000},
		{[]string{"spec", "retentionDuration"}, 168},
		{[]string{"spec", "delivery", "backoffPolicy"}, "random"},
		{[]string{"spec", "delivery", "retry"}, "five"},
		{[]string{"spec", "subscribers"}, "everyone"},
	}
	for _, tc := range bad {
		obj := toUnstructured(t, good)
		set(obj, tc.path, tc.value)
		res := v.Validate(obj)
		if res.IsValid() {
			t.Errorf("%s = %v accepted", strings.Join(tc.path, "."), tc.value)
			continue
		}
		if msg := res.AsError().Error(); !strings.Contains(msg, strings.Join(tc.path, ".")) {
			t.Errorf("%s = %v: error %q does not name the field", strings.Join(tc.path, "."), tc.value, msg)
		}
	}
}

func set(obj map[string]interface{}, path []string, value interface{}) {
	for _, p := range path[:len(path)-1] {
		obj = obj[p].(map[string]interface{})
	}
	obj[path[len(path)-1]] = value
}
