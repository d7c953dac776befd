package webhook

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/eventing/pkg/apis/feature"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	vwcinformer "knative.dev/pkg/client/injection/kube/informers/admissionregistration/v1/validatingwebhookconfiguration"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	secretinformer "knative.dev/pkg/injection/clients/namespacedkube/informers/core/v1/secret"
	"knative.dev/pkg/reconciler"
	"knative.dev/pkg/system"
	pkgwebhook "knative.dev/pkg/webhook"
	certresources "knative.dev/pkg/webhook/certificates/resources"

	_ "knative.dev/pkg/client/injection/kube/informers/admissionregistration/v1/mutatingwebhookconfiguration/fake"
	_ "knative.dev/pkg/client/injection/kube/informers/admissionregistration/v1/validatingwebhookconfiguration/fake"
	_ "knative.dev/pkg/injection/clients/namespacedkube/informers/core/v1/secret/fake"
	reconcilertesting "knative.dev/pkg/reconciler/testing"
	_ "knative.dev/pkg/system/testing"

	kafkav1alpha1 "github.com/knative-kafka/knative-kafka/pkg/apis/kafka/v1alpha1"
	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// admitter builds one admission controller the way cmd/webhook does, fed by a ManualWatcher
// so that a test can change config maps while it runs.
func admitter(t *testing.T, ctor func(context.Context, configmap.Watcher) *controller.Impl) (pkgwebhook.AdmissionController, *configmap.ManualWatcher) {
	t.Helper()
	ctx, _ := reconcilertesting.SetupFakeContext(t, func(ctx context.Context) context.Context {
		return pkgwebhook.WithOptions(ctx, pkgwebhook.Options{SecretName: CertsSecretName})
	})
	cmw := &configmap.ManualWatcher{Namespace: system.Namespace()}
	impl := ctor(ctx, cmw)
	ac, ok := impl.Reconciler.(pkgwebhook.AdmissionController)
	if !ok {
		t.Fatalf("%T is not an admission controller", impl.Reconciler)
	}
	return ac, cmw
}

func configMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: name}, Data: data}
}

// request is an admission request for a KafkaChannel given as JSON; old is "" on create.
func request(op admissionv1.Operation, obj, old string) *admissionv1.AdmissionRequest {
	gvk := v1beta1.SchemeGroupVersion.WithKind("KafkaChannel")
	r := &admissionv1.AdmissionRequest{
		Operation: op,
		Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Namespace: "ns",
		Name:      "ch",
		Object:    runtime.RawExtension{Raw: []byte(obj)},
	}
	if old != "" {
		r.OldObject = runtime.RawExtension{Raw: []byte(old)}
	}
	return r
}

func channelJSON(spec string) string {
	return `{"apiVersion":"messaging.knative.dev/v1beta1","kind":"KafkaChannel",` +
		`"metadata":{"namespace":"ns","name":"ch"},"spec":` + spec + `}`
}

// patchValues maps each JSON-patch path to the value it sets.
func patchValues(t *testing.T, resp *admissionv1.AdmissionResponse) map[string]interface{} {
	t.Helper()
	if !resp.Allowed {
		t.Fatalf("request denied: %v", resp.Result)
	}
	var ops []struct {
		Path  string      `json:"path"`
		Value interface{} `json:"value"`
	}
	if err := json.Unmarshal(resp.Patch, &ops); err != nil {
		t.Fatalf("patch %s: %v", resp.Patch, err)
	}
	out := map[string]interface{}{}
	for _, op := range ops {
		out[op.Path] = op.Value
	}
	return out
}

func TestDefaultingFollowsConfigKafka(t *testing.T) {
	ac, cmw := admitter(t, NewDefaultingAdmissionController)
	ctx := context.Background()
	create := request(admissionv1.Create, channelJSON(`{}`), "")

	cmw.OnChange(configMap(config.ConfigMapName, map[string]string{
		config.NumPartitionsKey: "3", config.ReplicationFactorKey: "2", config.RetentionKey: "PT1H",
	}))
	got := patchValues(t, ac.Admit(ctx, create))
	want := map[string]interface{}{"/spec/numPartitions": 3.0, "/spec/replicationFactor": 2.0, "/spec/retentionDuration": "PT1H"}
	for path, v := range want {
		if got[path] != v {
			t.Errorf("%s = %v, want %v (patch %v)", path, got[path], v, got)
		}
	}

	// A change of config-kafka applies to the next request, without a restart.
	cmw.OnChange(configMap(config.ConfigMapName, map[string]string{config.NumPartitionsKey: "7"}))
	if got := patchValues(t, ac.Admit(ctx, create)); got["/spec/numPartitions"] != 7.0 {
		t.Errorf("after the update, numPartitions = %v, want 7", got["/spec/numPartitions"])
	}

	// An invalid config-kafka is not taken up: the last valid one stays in force.
	cmw.OnChange(configMap(config.ConfigMapName, map[string]string{config.NumPartitionsKey: "zero"}))
	if got := patchValues(t, ac.Admit(ctx, create)); got["/spec/numPartitions"] != 7.0 {
		t.Errorf("after an invalid update, numPartitions = %v, want 7 (kept)", got["/spec/numPartitions"])
	}
}

func TestDefaultingKeepsExplicitValues(t *testing.T) {
	ac, cmw := admitter(t, NewDefaultingAdmissionController)
	cmw.OnChange(configMap(config.ConfigMapName, map[string]string{config.NumPartitionsKey: "3"}))
	got := patchValues(t, ac.Admit(context.Background(), request(admissionv1.Create,
		channelJSON(`{"numPartitions":10,"replicationFactor":3,"retentionDuration":"P1D"}`), "")))
	for _, path := range []string{"/spec/numPartitions", "/spec/replicationFactor", "/spec/retentionDuration"} {
		if v, ok := got[path]; ok {
			t.Errorf("explicit %s was overwritten with %v", path, v)
		}
	}
}

func TestValidation(t *testing.T) {
	valid := `{"numPartitions":3,"replicationFactor":1,"retentionDuration":"PT1H"}`
	tests := []struct {
		name     string
		op       admissionv1.Operation
		obj, old string
		// features is config-features' data; nil leaves Eventing's defaults.
		features map[string]string
		// wantErr is a substring of the denial; "" means allowed.
		wantErr string
	}{{
		name: "valid channel",
		op:   admissionv1.Create, obj: channelJSON(valid),
	}, {
		name: "zero partitions",
		op:   admissionv1.Create, obj: channelJSON(`{"numPartitions":0,"replicationFactor":1,"retentionDuration":"PT1H"}`),
		wantErr: "spec.numPartitions",
	}, {
		name: "bad retention",
		op:   admissionv1.Create, obj: channelJSON(`{"numPartitions":1,"replicationFactor":1,"retentionDuration":"a week"}`),
		wantErr: "spec.retentionDuration",
	}, {
		name: "unknown field is refused, not pruned",
		op:   admissionv1.Create, obj: channelJSON(`{"numPartitions":1,"replicationFactor":1,"retentionDuration":"PT1H","partitions":4}`),
		wantErr: "unknown field",
	}, {
		name: "partitions may grow",
		op:   admissionv1.Update, obj: channelJSON(`{"numPartitions":4,"replicationFactor":1,"retentionDuration":"PT1H"}`), old: channelJSON(valid),
	}, {
		name: "partitions may not shrink",
		op:   admissionv1.Update, obj: channelJSON(`{"numPartitions":2,"replicationFactor":1,"retentionDuration":"PT1H"}`), old: channelJSON(valid),
		wantErr: "spec.numPartitions",
	}, {
		name: "retention is immutable",
		op:   admissionv1.Update, obj: channelJSON(`{"numPartitions":3,"replicationFactor":1,"retentionDuration":"PT2H"}`), old: channelJSON(valid),
		wantErr: "spec.retentionDuration",
	}, {
		name: "retryAfterMax needs its feature flag",
		op:   admissionv1.Create, obj: channelJSON(`{"numPartitions":1,"replicationFactor":1,"retentionDuration":"PT1H","delivery":{"retry":3,"retryAfterMax":"PT30S"}}`),
		wantErr: "spec.delivery.retryAfterMax",
	}, {
		name: "retryAfterMax allowed once config-features enables it",
		op:   admissionv1.Create, obj: channelJSON(`{"numPartitions":1,"replicationFactor":1,"retentionDuration":"PT1H","delivery":{"retry":3,"retryAfterMax":"PT30S"}}`),
		features: map[string]string{feature.DeliveryRetryAfter: "enabled"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ac, cmw := admitter(t, NewValidationAdmissionController)
			if tc.features != nil {
				cmw.OnChange(configMap(feature.FlagsConfigName, tc.features))
			}
			resp := ac.Admit(context.Background(), request(tc.op, tc.obj, tc.old))
			checkResponse(t, resp, tc.wantErr)
		})
	}
}

func checkResponse(t *testing.T, resp *admissionv1.AdmissionResponse, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && !resp.Allowed:
		t.Errorf("denied: %s", resp.Result.Message)
	case wantErr != "" && resp.Allowed:
		t.Errorf("allowed, want a denial mentioning %q", wantErr)
	case wantErr != "" && !strings.Contains(resp.Result.Message, wantErr):
		t.Errorf("denial %q does not mention %q", resp.Result.Message, wantErr)
	}
}

func TestConfigValidation(t *testing.T) {
	example := "# default.num.partitions: \"1\""
	tests := []struct {
		name    string
		cm      *corev1.ConfigMap
		wantErr string
	}{{
		name: "valid config-kafka",
		cm:   configMap(config.ConfigMapName, map[string]string{config.FlavorKey: "kafka", config.NumPartitionsKey: "6"}),
	}, {
		name:    "unknown flavor names its key",
		cm:      configMap(config.ConfigMapName, map[string]string{config.FlavorKey: "pulsar"}),
		wantErr: config.FlavorKey,
	}, {
		name:    "bad topic template names its key",
		cm:      configMap(config.ConfigMapName, map[string]string{config.TopicTemplateKey: "{{.Nope}}"}),
		wantErr: config.TopicTemplateKey,
	}, {
		name:    "topic template without the channel's name: refused, it would share topics",
		cm:      configMap(config.ConfigMapName, map[string]string{config.TopicTemplateKey: "{{.Namespace}}.events"}),
		wantErr: config.TopicTemplateKey,
	}, {
		name:    "bad leader election",
		cm:      configMap("config-leader-election", map[string]string{"buckets": "0"}),
		wantErr: "buckets",
	}, {
		name: "edited _example is refused",
		cm: func() *corev1.ConfigMap {
			cm := configMap(config.ConfigMapName, map[string]string{configmap.ExampleKey: example + " # edited"})
			cm.Annotations = map[string]string{configmap.ExampleChecksumAnnotation: configmap.Checksum(example)}
			return cm
		}(),
		wantErr: configmap.ExampleKey,
	}, {
		name: "other config maps are not ours to judge",
		cm:   configMap("config-something-else", map[string]string{config.FlavorKey: "pulsar"}),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ac, _ := admitter(t, NewConfigValidationController)
			raw, err := json.Marshal(tc.cm)
			if err != nil {
				t.Fatal(err)
			}
			resp := ac.Admit(context.Background(), &admissionv1.AdmissionRequest{
				Operation: admissionv1.Update,
				Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"},
				Namespace: system.Namespace(),
				Name:      tc.cm.Name,
				Object:    runtime.RawExtension{Raw: raw},
			})
			checkResponse(t, resp, tc.wantErr)
		})
	}
}

// The validating webhook is called for a channel's creation and updates, not
// for its status, which the controller writes often, nor for its deletion.
func TestValidationWebhookRules(t *testing.T) {
	ctx, _ := reconcilertesting.SetupFakeContext(t, func(ctx context.Context) context.Context {
		return pkgwebhook.WithOptions(ctx, pkgwebhook.Options{SecretName: CertsSecretName})
	})
	kube := fakekubeclient.Get(ctx)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: CertsSecretName},
		Data: map[string][]byte{certresources.CACert: []byte("ca")}}
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: ValidationWebhookName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: ValidationWebhookName,
			ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: system.Namespace(), Name: "kafka-channel-webhook"}}}}}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: system.Namespace()}}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.CoreV1().Secrets(secret.Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := secretinformer.Get(ctx).Informer().GetIndexer().Add(secret); err != nil {
		t.Fatal(err)
	}
	if err := vwcinformer.Get(ctx).Informer().GetIndexer().Add(vwc); err != nil {
		t.Fatal(err)
	}

	impl := NewValidationAdmissionController(ctx, &configmap.ManualWatcher{Namespace: system.Namespace()})
	if err := impl.Reconciler.(reconciler.LeaderAware).Promote(reconciler.UniversalBucket(), func(reconciler.Bucket, types.NamespacedName) {}); err != nil {
		t.Fatal(err)
	}
	if err := impl.Reconciler.Reconcile(ctx, ValidationWebhookName); err != nil {
		t.Fatal(err)
	}
	got, err := kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, ValidationWebhookName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rules []admissionregistrationv1.RuleWithOperations
	for _, w := range got.Webhooks {
		rules = append(rules, w.Rules...)
	}
	want := []admissionregistrationv1.RuleWithOperations{{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{kafkav1alpha1.SchemeGroupVersion.Group}, APIVersions: []string{kafkav1alpha1.SchemeGroupVersion.Version},
			Resources: []string{"resetoffsets"}},
	}, {
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{v1beta1.SchemeGroupVersion.Group}, APIVersions: []string{v1beta1.SchemeGroupVersion.Version},
			Resources: []string{"kafkachannels"}},
	}}
	if diff := cmp.Diff(want, rules, cmpopts.IgnoreFields(admissionregistrationv1.Rule{}, "Scope")); diff != "" {
		t.Errorf("validating webhook rules (-want +got):\n%s", diff)
	}
}

// resetOffsetRequest is an admission request for a ResetOffset given as its spec; old is "" on create.
func resetOffsetRequest(op admissionv1.Operation, spec, oldSpec string) *admissionv1.AdmissionRequest {
	gvk := kafkav1alpha1.SchemeGroupVersion.WithKind("ResetOffset")
	obj := func(spec string) runtime.RawExtension {
		return runtime.RawExtension{Raw: []byte(`{"apiVersion":"kafka.knative-kafka.dev/v1alpha1","kind":"ResetOffset",` +
			`"metadata":{"namespace":"ns","name":"replay"},"spec":` + spec + `}`)}
	}
	r := &admissionv1.AdmissionRequest{
		Operation: op,
		Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Namespace: "ns",
		Name:      "replay",
		Object:    obj(spec),
	}
	if oldSpec != "" {
		r.OldObject = obj(oldSpec)
	}
	return r
}

func TestResetOffsetDefaulting(t *testing.T) {
	ac, _ := admitter(t, NewDefaultingAdmissionController)
	got := patchValues(t, ac.Admit(context.Background(),
		resetOffsetRequest(admissionv1.Create, `{"ref":{"name":"sub"},"offset":{"time":"EARLIEST"}}`, "")))
	want := map[string]interface{}{
		"/spec/ref/apiVersion": "messaging.knative.dev/v1", "/spec/ref/kind": "Subscription",
		"/spec/ref/namespace": "ns", "/spec/offset/time": "earliest",
	}
	for path, v := range want {
		if got[path] != v {
			t.Errorf("%s = %v, want %v (patch %v)", path, got[path], v, got)
		}
	}
}

func TestResetOffsetValidation(t *testing.T) {
	ref := `"ref":{"apiVersion":"messaging.knative.dev/v1","kind":"Subscription","name":"sub"}`
	earliest := `{` + ref + `,"offset":{"time":"earliest"}}`
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name      string
		op        admissionv1.Operation
		spec, old string
		wantErr   string
	}{
		{name: "earliest", op: admissionv1.Create, spec: earliest},
		{name: "a time", op: admissionv1.Create, spec: `{` + ref + `,"offset":{"time":"2026-01-02T15:04:05Z"},"dryRun":true}`},
		{name: "a time in the future", op: admissionv1.Create, spec: `{` + ref + `,"offset":{"time":"` + future + `"}}`, wantErr: "spec.offset.time"},
		{name: "not a Subscription", op: admissionv1.Create,
			spec: `{"ref":{"apiVersion":"v1","kind":"Service","name":"sub"},"offset":{"time":"earliest"}}`, wantErr: "spec.ref.kind"},
		{name: "unknown field", op: admissionv1.Create, spec: `{` + ref + `,"offset":{"time":"earliest","partition":1}}`, wantErr: "unknown field"},
		{name: "the spec is immutable", op: admissionv1.Update, spec: `{` + ref + `,"offset":{"time":"latest"}}`, old: earliest, wantErr: "spec"},
		{name: "an unchanged spec", op: admissionv1.Update, spec: earliest, old: earliest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ac, _ := admitter(t, NewValidationAdmissionController)
			checkResponse(t, ac.Admit(context.Background(), resetOffsetRequest(tc.op, tc.spec, tc.old)), tc.wantErr)
		})
	}
}
