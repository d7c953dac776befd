package manifests

import (
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/leaderelection"
	"knative.dev/pkg/observability"
	"knative.dev/pkg/observability/metrics"
	"sigs.k8s.io/yaml"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/webhook"
)

func configMapNamed(t *testing.T, name string) *corev1.ConfigMap {
	t.Helper()
	for _, cm := range all[*corev1.ConfigMap](load(t)) {
		if cm.Name == name {
			return cm
		}
	}
	t.Fatalf("no ConfigMap %s in config/", name)
	return nil
}

// exampleData reads the settings documented in a config map's _example block.
func exampleData(t *testing.T, cm *corev1.ConfigMap) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := yaml.Unmarshal([]byte(cm.Data[configmap.ExampleKey]), &out); err != nil {
		t.Fatalf("%s: _example is not YAML: %v", cm.Name, err)
	}
	return out
}

// The config webhook refuses edits of _example when this annotation does not match it.
func TestExampleChecksums(t *testing.T) {
	for _, cm := range all[*corev1.ConfigMap](load(t)) {
		example, ok := cm.Data[configmap.ExampleKey]
		if !ok {
			continue
		}
		if got, want := cm.Annotations[configmap.ExampleChecksumAnnotation], configmap.Checksum(example); got != want {
			t.Errorf("%s: %s = %q, want %q", cm.Name, configmap.ExampleChecksumAnnotation, got, want)
		}
	}
}

func TestConfigKafka(t *testing.T) {
	cm := configMapNamed(t, config.ConfigMapName)
	shipped, err := config.NewKafkaFromConfigMap(cm)
	if err != nil {
		t.Fatalf("shipped config-kafka: %v", err)
	}
	// The shipped values spell out the built-in fallbacks, so deleting a key changes nothing.
	def := config.Default()
	if shipped.Defaults != def.Defaults || shipped.Flavor != def.Flavor || shipped.TopicDeletePolicy != def.TopicDeletePolicy || shipped.MaxEventBytes != def.MaxEventBytes ||
		!equality.Semantic.DeepEqual(shipped.Dispatcher, def.Dispatcher) ||
		shipped.DeliveryTimeout != def.DeliveryTimeout || shipped.Window != def.Window {
		t.Errorf("shipped config-kafka %+v differs from the built-in defaults %+v", shipped, def)
	}

	// Every key the parser knows is documented, and the documented example is valid.
	example := exampleData(t, cm)
	for _, key := range []string{config.FlavorKey, config.NumPartitionsKey, config.ReplicationFactorKey, config.RetentionKey,
		config.TopicTemplateKey, config.TopicDeletePolicyKey, config.MaxEventBytesKey, config.CustomEndpointKey,
		config.AzureTierKey, config.AzureCapacityUnitsKey, config.SaramaKey,
		config.DispatcherRequestsCPUKey, config.DispatcherRequestsMemoryKey, config.DispatcherLimitsCPUKey, config.DispatcherLimitsMemoryKey,
		config.DispatcherBufferPercentKey, config.DeliveryTimeoutKey, config.WindowMaxEventsKey, config.WindowMaxBytesKey} {
		if _, ok := example[key]; !ok {
			t.Errorf("_example does not document %s", key)
		}
	}
	k, err := config.NewKafkaFromMap(example)
	if err != nil {
		t.Fatalf("_example: %v", err)
	}
	s, err := client.NewSettings(map[string][]byte{client.BrokersKey: []byte("b:9092")}, k, "test")
	if err != nil {
		t.Fatalf("_example's sarama overrides: %v", err)
	}
	if s.Sarama.Net.DialTimeout != 10*time.Second || s.Sarama.Producer.Compression != sarama.CompressionSnappy {
		t.Errorf("_example's sarama overrides give dial timeout %v and compression %v, want 10s and snappy",
			s.Sarama.Net.DialTimeout, s.Sarama.Producer.Compression)
	}
}

func TestLeaderElectionConfig(t *testing.T) {
	cm := configMapNamed(t, "config-leader-election-kafkachannel")
	if _, err := leaderelection.NewConfigFromMap(exampleData(t, cm)); err != nil {
		t.Errorf("_example: %v", err)
	}
	// Both leader-elected components read this config map, not Eventing's.
	for _, d := range all[*appsv1.Deployment](load(t)) {
		if d.Name == "kafka-channel-receiver" {
			continue
		}
		if got := envOf(d, "CONFIG_LEADERELECTION_NAME"); got != cm.Name {
			t.Errorf("%s: CONFIG_LEADERELECTION_NAME = %q, want %s", d.Name, got, cm.Name)
		}
	}
}

func envOf(d *appsv1.Deployment, name string) string {
	for _, c := range d.Spec.Template.Spec.Containers {
		if v, ok := envValue(c, name); ok {
			return v
		}
	}
	return ""
}

func TestExampleKafkaSecret(t *testing.T) {
	var found []*corev1.Secret
	for _, s := range all[*corev1.Secret](load(t)) {
		if s.Labels[client.SecretLabel] == "true" {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d Secrets labelled %s=true, want exactly one", len(found), client.SecretLabel)
	}
	// The receiver and the dispatchers may read it by this name only (RBAC resourceNames).
	if found[0].Name != client.SecretName {
		t.Errorf("the Kafka Secret is named %s, want %s", found[0].Name, client.SecretName)
	}
	secret := found[0].DeepCopy()
	// The API server moves stringData into data.
	secret.Data = map[string][]byte{}
	for k, v := range secret.StringData {
		secret.Data[k] = []byte(v)
	}
	s, err := client.NewSettingsFromSecret(secret, config.Default(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Brokers, ",") != "my-cluster-kafka-bootstrap.kafka:9092" {
		t.Errorf("brokers %v", s.Brokers)
	}
}

// The webhook reconciles the configurations and Secret it is told about by name; they must exist.
func TestWebhookWiring(t *testing.T) {
	objs := load(t)
	configs := map[string][]admissionregistrationv1.WebhookClientConfig{}
	for _, m := range all[*admissionregistrationv1.MutatingWebhookConfiguration](objs) {
		for _, w := range m.Webhooks {
			configs[m.Name] = append(configs[m.Name], w.ClientConfig)
			checkWebhookName(t, m.Name, w.Name)
		}
	}
	for _, v := range all[*admissionregistrationv1.ValidatingWebhookConfiguration](objs) {
		for _, w := range v.Webhooks {
			configs[v.Name] = append(configs[v.Name], w.ClientConfig)
			checkWebhookName(t, v.Name, w.Name)
		}
	}
	var webhookDeployment *appsv1.Deployment
	for _, d := range all[*appsv1.Deployment](objs) {
		if d.Name == "kafka-channel-webhook" {
			webhookDeployment = d
		}
	}
	if webhookDeployment == nil {
		t.Fatal("no webhook Deployment")
	}
	service := envOf(webhookDeployment, "WEBHOOK_NAME")
	for _, name := range []string{webhook.DefaultingWebhookName, webhook.ValidationWebhookName, webhook.ConfigValidationWebhookName} {
		ccs := configs[name]
		if len(ccs) != 1 || ccs[0].Service == nil || ccs[0].Service.Name != service || ccs[0].Service.Namespace != systemNamespace {
			t.Errorf("%s: client configs %+v, want one for Service %s/%s", name, ccs, systemNamespace, service)
		}
	}
	secretFound := false
	for _, s := range all[*corev1.Secret](objs) {
		secretFound = secretFound || s.Name == webhook.CertsSecretName
	}
	if !secretFound {
		t.Errorf("no Secret %s for the webhook's certificate", webhook.CertsSecretName)
	}
	if w := selectedWorkload(objs, serviceNamed(t, objs, service)); w == nil || w.name != "Deployment/"+webhookDeployment.Name {
		t.Errorf("Service %s does not select the webhook", service)
	}
}

// knative.dev/pkg only updates the webhook entry named like its configuration.
func checkWebhookName(t *testing.T, config, webhook string) {
	t.Helper()
	if config != webhook {
		t.Errorf("configuration %s holds webhook %s; knative.dev/pkg would not reconcile it", config, webhook)
	}
}

func serviceNamed(t *testing.T, objs []object, name string) *corev1.Service {
	t.Helper()
	for _, s := range all[*corev1.Service](objs) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no Service %s", name)
	return nil
}

// Metrics are on by default: every component reads the project's
// config-observability, which selects Knative's Prometheus exporter, and its
// documented example parses as Knative reads it.
func TestObservabilityConfig(t *testing.T) {
	cm := configMapNamed(t, contract.ObservabilityConfigName)
	cfg, err := observability.NewFromMap(cm.Data)
	if err != nil {
		t.Fatalf("%s: %v", cm.Name, err)
	}
	if cfg.Metrics.Protocol != metrics.ProtocolPrometheus {
		t.Errorf("%s: metrics-protocol %q, want %q (on by default)", cm.Name, cfg.Metrics.Protocol, metrics.ProtocolPrometheus)
	}
	if _, err := observability.NewFromMap(exampleData(t, cm)); err != nil {
		t.Errorf("%s: _example: %v", cm.Name, err)
	}
	for _, w := range workloads(load(t)) {
		for _, c := range w.template.Spec.Containers {
			if got, _ := envValue(c, "CONFIG_OBSERVABILITY_NAME"); got != contract.ObservabilityConfigName {
				t.Errorf("%s/%s: CONFIG_OBSERVABILITY_NAME %q, want %q", w.name, c.Name, got, contract.ObservabilityConfigName)
			}
		}
	}
}

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}
