package config

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/configmap"
	logtesting "knative.dev/pkg/logging/testing"
)

func TestFromContextOrDefaults(t *testing.T) {
	if FromContext(context.Background()) != nil {
		t.Error("FromContext of an empty context is not nil")
	}
	if got := FromContextOrDefaults(context.Background()); got.Defaults != Default().Defaults {
		t.Errorf("FromContextOrDefaults of an empty context = %+v, want the defaults", got.Defaults)
	}
	k, _ := NewKafkaFromMap(map[string]string{NumPartitionsKey: "5"})
	if got := FromContextOrDefaults(ToContext(context.Background(), k)); got != k {
		t.Errorf("FromContextOrDefaults = %+v, want the attached snapshot", got)
	}
}

func kafkaConfigMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "knative-eventing", Name: ConfigMapName}, Data: data}
}

func TestStoreKeepsLastValidConfig(t *testing.T) {
	var updates []*Kafka
	store := NewStore(logtesting.TestLogger(t), func(_ string, v interface{}) { updates = append(updates, v.(*Kafka)) })
	if got := store.Load(); got.Defaults.NumPartitions != DefaultNumPartitions {
		t.Errorf("before any load: %+v, want the defaults", got.Defaults)
	}

	store.OnConfigChanged(kafkaConfigMap(map[string]string{NumPartitionsKey: "4"}))
	if got := FromContext(store.ToContext(context.Background())); got.Defaults.NumPartitions != 4 {
		t.Errorf("after a valid update: %d partitions, want 4", got.Defaults.NumPartitions)
	}
	if err := store.Err(); err != nil {
		t.Errorf("after a valid update: Err() = %v", err)
	}

	store.OnConfigChanged(kafkaConfigMap(map[string]string{NumPartitionsKey: "none"}))
	if got := store.Load(); got.Defaults.NumPartitions != 4 {
		t.Errorf("after an invalid update: %d partitions, want 4 kept", got.Defaults.NumPartitions)
	}
	if err := store.Err(); err == nil || !strings.Contains(err.Error(), NumPartitionsKey) {
		t.Errorf("after an invalid update: Err() = %v, want one naming %s", err, NumPartitionsKey)
	}
	// Listeners hear of the refused update too (the controller shows it on every channel), with the value kept.
	if len(updates) != 2 || updates[1].Defaults.NumPartitions != 4 {
		t.Errorf("onChange called with %d values, want 2, the second the kept one", len(updates))
	}

	store.OnConfigChanged(kafkaConfigMap(map[string]string{NumPartitionsKey: "5"}))
	if err := store.Err(); err != nil || store.Load().Defaults.NumPartitions != 5 {
		t.Errorf("after a fix: Err() = %v, %d partitions; want nil, 5", err, store.Load().Defaults.NumPartitions)
	}
}

// An invalid config-kafka at start-up leaves the built-in defaults in force;
// knative's UntypedStore alone would end the process (Fatalf, os.Exit in this test).
func TestStoreStartsOnInvalidConfig(t *testing.T) {
	store := NewStore(logtesting.TestLogger(t))
	cmw := configmap.NewStaticWatcher(kafkaConfigMap(map[string]string{FlavorKey: "pulsar"}))
	store.WatchConfigs(cmw)
	if err := cmw.Start(nil); err != nil {
		t.Fatal(err)
	}
	if got := store.Load(); got.Flavor != FlavorKafka {
		t.Errorf("flavor %q in force, want the default %q", got.Flavor, FlavorKafka)
	}
	if err := store.Err(); err == nil || !strings.Contains(err.Error(), FlavorKey) {
		t.Errorf("Err() = %v, want one naming %s", err, FlavorKey)
	}
}
