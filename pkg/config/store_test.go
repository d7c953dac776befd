package config

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

func TestStoreKeepsLastValidConfig(t *testing.T) {
	updates := 0
	store := NewStore(logtesting.TestLogger(t), func(string, interface{}) { updates++ })
	if got := store.Load(); got.Defaults.NumPartitions != DefaultNumPartitions {
		t.Errorf("before any load: %+v, want the defaults", got.Defaults)
	}

	cm := func(partitions string) *corev1.ConfigMap {
		return &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: "knative-eventing", Name: ConfigMapName},
			Data:       map[string]string{NumPartitionsKey: partitions},
		}
	}
	store.OnConfigChanged(cm("4"))
	if got := FromContext(store.ToContext(context.Background())); got.Defaults.NumPartitions != 4 {
		t.Errorf("after a valid update: %d partitions, want 4", got.Defaults.NumPartitions)
	}
	store.OnConfigChanged(cm("none"))
	if got := store.Load(); got.Defaults.NumPartitions != 4 {
		t.Errorf("after an invalid update: %d partitions, want 4 kept", got.Defaults.NumPartitions)
	}
	if updates != 1 {
		t.Errorf("onAfterStore called %d times, want once (for the valid update only)", updates)
	}
}
