package config

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestDispatcherDefaults(t *testing.T) {
	d := Default().Dispatcher
	want := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("100Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("500Mi")},
	}
	if !equality.Semantic.DeepEqual(d.Resources, want) {
		t.Errorf("default resources = %v, want %v", d.Resources, want)
	}
	if d.BufferPercent != 50 {
		t.Errorf("default buffer percent = %d, want 50", d.BufferPercent)
	}
	if d.PoolMaxGroupMembers != 2 {
		t.Errorf("default pool members per group = %d, want 2", d.PoolMaxGroupMembers)
	}
}

func TestDispatcherKeys(t *testing.T) {
	k, err := NewKafkaFromMap(map[string]string{
		DispatcherRequestsCPUKey:    "250m",
		DispatcherRequestsMemoryKey: "1Gi",
		DispatcherLimitsCPUKey:      "2",
		DispatcherLimitsMemoryKey:   "2Gi",
		DispatcherBufferPercentKey:  "30",
		PoolMaxGroupMembersKey:      "4",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")},
	}
	if !equality.Semantic.DeepEqual(k.Dispatcher.Resources, want) {
		t.Errorf("resources = %v, want %v", k.Dispatcher.Resources, want)
	}
	if k.Dispatcher.BufferPercent != 30 {
		t.Errorf("buffer percent = %d, want 30", k.Dispatcher.BufferPercent)
	}
	if k.Dispatcher.PoolMaxGroupMembers != 4 {
		t.Errorf("pool members per group = %d, want 4", k.Dispatcher.PoolMaxGroupMembers)
	}
}

func TestDispatcherKeysRefused(t *testing.T) {
	for _, tc := range []struct {
		data map[string]string
		key  string
	}{
		{map[string]string{DispatcherLimitsMemoryKey: "lots"}, DispatcherLimitsMemoryKey},
		{map[string]string{DispatcherRequestsCPUKey: "-1"}, DispatcherRequestsCPUKey},
		{map[string]string{DispatcherRequestsMemoryKey: "1Gi"}, DispatcherRequestsMemoryKey}, // above the default 500Mi limit
		{map[string]string{DispatcherRequestsCPUKey: "2", DispatcherLimitsCPUKey: "1"}, DispatcherRequestsCPUKey},
		{map[string]string{DispatcherBufferPercentKey: "95"}, DispatcherBufferPercentKey},
		{map[string]string{DispatcherBufferPercentKey: "0"}, DispatcherBufferPercentKey},
		{map[string]string{PoolMaxGroupMembersKey: "0"}, PoolMaxGroupMembersKey},
		{map[string]string{PoolMaxGroupMembersKey: "all"}, PoolMaxGroupMembersKey},
	} {
		if _, err := NewKafkaFromMap(tc.data); err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%v: error %v, want one naming %s", tc.data, err, tc.key)
		}
	}
}

func TestSaramaSets(t *testing.T) {
	k := &Kafka{Sarama: "consumer:\n  fetch: {Default: 65536}\nChannelBufferSize: 8\n"}
	for path, want := range map[string]bool{
		"Consumer.Fetch.Default":  true, // case-insensitive, as Sarama's YAML decoding
		"ChannelBufferSize":       true,
		"Consumer.Fetch.Max":      false,
		"Consumer.Fetch.MaxBytes": false,
		"Producer.Compression":    false,
	} {
		if got := k.SaramaSets(path); got != want {
			t.Errorf("SaramaSets(%q) = %v, want %v", path, got, want)
		}
	}
	if Default().SaramaSets("ChannelBufferSize") {
		t.Error("no sarama key sets nothing")
	}
}
