package client

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	rtesting "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/system"

	_ "knative.dev/pkg/system/testing"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// The controller re-reconciles every channel on each snapshot the watcher
// announces, so every change of the Secret or of config-kafka, a refused
// config-kafka included, must be announced.
func TestWatcherAnnouncesEveryChange(t *testing.T) {
	ctx, cancel, informers := rtesting.SetupFakeContextWithCancel(t)
	defer cancel()
	cmw := &configmap.ManualWatcher{Namespace: system.Namespace()}
	w := NewWatcher(ctx, cmw, "test")
	snapshots := make(chan Snapshot, 10)
	w.OnChange(func(s Snapshot) { snapshots <- s })
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}

	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: SecretName, Labels: map[string]string{SecretLabel: "true"}},
		Data:       secretData(BrokersKey, "b:9092"),
	}
	if _, err := fakekubeclient.Get(ctx).CoreV1().Secrets(secret.Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := next(t, snapshots); s.Err != nil || s.Settings.Brokers[0] != "b:9092" {
		t.Errorf("after the Secret was created: %+v", s)
	}
	// Current is cached between changes, never past one.
	secret.Data = secretData(BrokersKey, "c:9092")
	if _, err := fakekubeclient.Get(ctx).CoreV1().Secrets(secret.Namespace).Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := next(t, snapshots); s.Err != nil || s.Settings.Brokers[0] != "c:9092" {
		t.Errorf("after the Secret was updated: %+v", s)
	}
	if s := w.Current(); s.Err != nil || s.Settings.Brokers[0] != "c:9092" {
		t.Errorf("Current after the Secret was updated: %+v", s)
	}

	cmw.OnChange(kafkaConfigMap(map[string]string{config.NumPartitionsKey: "3"}))
	if s := next(t, snapshots); s.KafkaErr != nil || s.Kafka.Defaults.NumPartitions != 3 {
		t.Errorf("after a valid config-kafka: KafkaErr %v, %d partitions; want nil, 3", s.KafkaErr, s.Kafka.Defaults.NumPartitions)
	}

	cmw.OnChange(kafkaConfigMap(map[string]string{config.NumPartitionsKey: "three"}))
	s := next(t, snapshots)
	if s.KafkaErr == nil || !strings.Contains(s.KafkaErr.Error(), config.NumPartitionsKey) {
		t.Errorf("after an invalid config-kafka: KafkaErr %v, want one naming %s", s.KafkaErr, config.NumPartitionsKey)
	}
	// The components go on with the last valid config-kafka.
	if s.Err != nil || s.Kafka.Defaults.NumPartitions != 3 {
		t.Errorf("after an invalid config-kafka: Err %v, %d partitions; want nil, 3 (kept)", s.Err, s.Kafka.Defaults.NumPartitions)
	}
}

// A dispatcher pool reads the settings for every group of every channel it
// places: they are built once per change, not on every read.
func TestWatcherBuildsSettingsOncePerChange(t *testing.T) {
	w := NewStaticWatcher(secretData(BrokersKey, "b:9092"), nil, "test")
	first := w.Current()
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	if again := w.Current(); again.Settings != first.Settings {
		t.Error("Current built new Settings with nothing changed")
	}
	w.Set(secretData(BrokersKey, "c:9092"), nil)
	if s := w.Current(); s.Settings == first.Settings || s.Settings.Brokers[0] != "c:9092" {
		t.Errorf("after Set: brokers %v, same Settings %v; want c:9092, new Settings", s.Settings.Brokers, s.Settings == first.Settings)
	}
}

func kafkaConfigMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: config.ConfigMapName}, Data: data}
}

func next(t *testing.T, snapshots <-chan Snapshot) Snapshot {
	t.Helper()
	select {
	case s := <-snapshots:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no snapshot announced")
		return Snapshot{}
	}
}

// The components cache only the labelled Kafka Secret, not every Secret of
// the system namespace (credentials of other software included).
func TestWatcherCachesOnlyTheKafkaSecret(t *testing.T) {
	ctx, cancel, informers := rtesting.SetupFakeContextWithCancel(t)
	defer cancel()
	for name, labels := range map[string]map[string]string{SecretName: {SecretLabel: "true"}, "unrelated": nil} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: name, Labels: labels}, Data: secretData(BrokersKey, "b:9092")}
		if _, err := fakekubeclient.Get(ctx).CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	w := NewWatcher(ctx, &configmap.ManualWatcher{Namespace: system.Namespace()}, "test")
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}
	if s := w.Current(); s.Err != nil {
		t.Fatalf("Kafka Secret not found: %v", s.Err)
	}
	for _, inf := range informers {
		// The receiver's certificate informer lists by name, a field selector
		// the fake clientset ignores (servertls tests that it asks for it).
		if inf == servertls.Informer(ctx).Informer() {
			continue
		}
		for _, obj := range inf.(cache.SharedInformer).GetStore().List() {
			if s, ok := obj.(*corev1.Secret); ok && s.Labels[SecretLabel] != "true" {
				t.Errorf("Secret %s/%s, not labelled %s, is cached", s.Namespace, s.Name, SecretLabel)
			}
		}
	}
}

// The Kafka Secret is listed and watched by its name: RBAC grants the receiver
// and the dispatchers that name alone (resourceNames), which holds for a list
// or a watch only when it asks for metadata.name=<the name>.
func TestWatcherAsksForTheKafkaSecretByName(t *testing.T) {
	ctx, cancel, informers := rtesting.SetupFakeContextWithCancel(t)
	defer cancel()
	asked := make(chan string, 10)
	fakekubeclient.Get(ctx).PrependReactor("list", "secrets", func(a clientgotesting.Action) (bool, runtime.Object, error) {
		l := a.(clientgotesting.ListActionImpl)
		asked <- l.GetNamespace() + " " + l.GetListRestrictions().Fields.String() + " " + l.GetListRestrictions().Labels.String()
		return false, nil, nil
	})
	NewWatcher(ctx, &configmap.ManualWatcher{Namespace: system.Namespace()}, "test")
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}
	want := system.Namespace() + " metadata.name=" + SecretName + " " + SecretLabel + "=true"
	var got []string
	for {
		select {
		case g := <-asked:
			if g == want {
				return
			}
			got = append(got, g)
		case <-time.After(10 * time.Second):
			t.Fatalf("no list of Secrets asked for %q; asked for %q", want, got)
		}
	}
}

// A labelled Secret of another name is not the Kafka Secret (the receiver and
// the dispatchers cannot read it): the error says which name it must have.
func TestWatcherNamesTheKafkaSecretItWants(t *testing.T) {
	ctx, cancel, informers := rtesting.SetupFakeContextWithCancel(t)
	defer cancel()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: system.Namespace(), Name: "my-kafka", Labels: map[string]string{SecretLabel: "true"}},
		Data: secretData(BrokersKey, "b:9092")}
	if _, err := fakekubeclient.Get(ctx).CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := NewWatcher(ctx, &configmap.ManualWatcher{Namespace: system.Namespace()}, "test")
	if err := controller.StartInformers(ctx.Done(), informers...); err != nil {
		t.Fatal(err)
	}
	if err := w.Current().Err; err == nil || !strings.Contains(err.Error(), SecretName) {
		t.Errorf("with the labelled Secret named %s: error %v, want one naming %s", s.Name, err, SecretName)
	}
}
