package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaults(t *testing.T) {
	for name, data := range map[string]map[string]string{
		"nil data":     nil,
		"empty values": {FlavorKey: "", NumPartitionsKey: " ", RetentionKey: ""},
	} {
		t.Run(name, func(t *testing.T) {
			k, err := NewKafkaFromMap(data)
			if err != nil {
				t.Fatal(err)
			}
			want := ChannelDefaults{NumPartitions: 1, ReplicationFactor: 1, RetentionDuration: "PT168H"}
			if k.Flavor != FlavorKafka || k.Defaults != want || k.TopicDeletePolicy != TopicDelete ||
				k.MaxEventBytes != 1<<20 || k.CustomEndpoint != "" || k.Sarama != "" || k.Azure != (Azure{Tier: AzureStandard, CapacityUnits: 1}) ||
				k.DeliveryTimeout != 30*time.Second || k.Window != (Window{MaxEvents: 1000, MaxBytes: 16 << 20}) {
				t.Errorf("defaults = %+v", k)
			}
			if topic, err := k.TopicName("ns", "ch"); err != nil || topic != "ns.ch" {
				t.Errorf("default topic name = %q, %v; want ns.ch", topic, err)
			}
		})
	}
	if Default().Defaults.NumPartitions != DefaultNumPartitions {
		t.Error("Default() does not use the built-in fallbacks")
	}
}

func TestParseEachKey(t *testing.T) {
	k, err := NewKafkaFromMap(map[string]string{
		FlavorKey:             " custom ",
		NumPartitionsKey:      "12",
		ReplicationFactorKey:  "3",
		RetentionKey:          "P7D",
		TopicTemplateKey:      "knative-{{.Namespace}}_{{.Name}}",
		TopicDeletePolicyKey:  "retain",
		MaxEventBytesKey:      "2097152",
		CustomEndpointKey:     "http://topics.example.svc",
		AzureTierKey:          "dedicated",
		AzureCapacityUnitsKey: "2",
		SaramaKey:             "Net:\n  DialTimeout: 5000000000\n",
		DeliveryTimeoutKey:    "PT2.5S",
		WindowMaxEventsKey:    "50",
		WindowMaxBytesKey:     "65536",
		OffsetsCopyFromKey:    "distributed",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want interface{}
	}{
		{FlavorKey, k.Flavor, FlavorCustom},
		{NumPartitionsKey, k.Defaults.NumPartitions, int32(12)},
		{ReplicationFactorKey, k.Defaults.ReplicationFactor, int16(3)},
		{RetentionKey, k.Defaults.RetentionDuration, "P7D"},
		{TopicDeletePolicyKey, k.TopicDeletePolicy, TopicRetain},
		{MaxEventBytesKey, k.MaxEventBytes, int64(2097152)},
		{CustomEndpointKey, k.CustomEndpoint, "http://topics.example.svc"},
		{AzureTierKey, k.Azure.Tier, AzureDedicated},
		{AzureCapacityUnitsKey, k.Azure.CapacityUnits, int64(2)},
		{SaramaKey, k.Sarama, "Net:\n  DialTimeout: 5000000000"},
		{DeliveryTimeoutKey, k.DeliveryTimeout, 2500 * time.Millisecond},
		{WindowMaxEventsKey, k.Window.MaxEvents, 50},
		{WindowMaxBytesKey, k.Window.MaxBytes, int64(65536)},
		{OffsetsCopyFromKey, k.OffsetsCopyFrom, OffsetsFromDistributed},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.key, c.got, c.want)
		}
	}
	if topic, err := k.TopicName("ns", "ch"); err != nil || topic != "knative-ns_ch" {
		t.Errorf("%s: topic = %q, %v; want knative-ns_ch", TopicTemplateKey, topic, err)
	}
}

func TestBadValuesNameTheirKey(t *testing.T) {
	tests := []struct {
		data map[string]string
		key  string
	}{
		{map[string]string{FlavorKey: "pulsar"}, FlavorKey},
		{map[string]string{NumPartitionsKey: "0"}, NumPartitionsKey},
		{map[string]string{NumPartitionsKey: "-3"}, NumPartitionsKey},
		{map[string]string{NumPartitionsKey: "three"}, NumPartitionsKey},
		{map[string]string{NumPartitionsKey: "2147483648"}, NumPartitionsKey},
		{map[string]string{ReplicationFactorKey: "32768"}, ReplicationFactorKey},
		{map[string]string{RetentionKey: "168h"}, RetentionKey},
		{map[string]string{RetentionKey: "PT0S"}, RetentionKey},
		{map[string]string{TopicTemplateKey: "{{.Namespace"}, TopicTemplateKey},
		{map[string]string{TopicTemplateKey: "{{.Cluster}}.{{.Name}}"}, TopicTemplateKey},
		{map[string]string{TopicTemplateKey: "{{.Namespace}}/{{.Name}}"}, TopicTemplateKey},
		// A template must give each channel its own topic.
		{map[string]string{TopicTemplateKey: "shared"}, TopicTemplateKey},
		{map[string]string{TopicTemplateKey: "knative.{{.Name}}"}, TopicTemplateKey},
		{map[string]string{TopicTemplateKey: "{{.Namespace}}.events"}, TopicTemplateKey},
		{map[string]string{TopicTemplateKey: "{{.Namespace}}-{{.Name}}"}, TopicTemplateKey},
		{map[string]string{MinInSyncReplicasKey: "0"}, MinInSyncReplicasKey},
		{map[string]string{TopicDeletePolicyKey: "archive"}, TopicDeletePolicyKey},
		{map[string]string{OffsetsCopyFromKey: "consolidated"}, OffsetsCopyFromKey},
		{map[string]string{MaxEventBytesKey: "1MiB"}, MaxEventBytesKey},
		{map[string]string{FlavorKey: "custom"}, CustomEndpointKey},
		{map[string]string{SaramaKey: "Net: ["}, SaramaKey},
		{map[string]string{SaramaKey: "Net:\n  DialTimeout: soon\n"}, SaramaKey},
		{map[string]string{SaramaKey: "Net:\n  MaxOpenRequests: 0\n"}, SaramaKey},
		// Sarama skips a record larger than Consumer.Fetch.Max: an event would be lost.
		{map[string]string{SaramaKey: "Consumer:\n  Fetch:\n    Max: 1048576\n"}, SaramaKey},
		{map[string]string{MaxEventBytesKey: "4194304", SaramaKey: "Consumer:\n  Fetch:\n    Max: 4194304\n"}, SaramaKey},
		{map[string]string{DeliveryTimeoutKey: "30s"}, DeliveryTimeoutKey},
		{map[string]string{DeliveryTimeoutKey: "PT0S"}, DeliveryTimeoutKey},
		{map[string]string{WindowMaxEventsKey: "0"}, WindowMaxEventsKey},
		{map[string]string{WindowMaxEventsKey: "1000001"}, WindowMaxEventsKey},
		{map[string]string{WindowMaxBytesKey: "16MiB"}, WindowMaxBytesKey},
		{map[string]string{WindowMaxBytesKey: "-1"}, WindowMaxBytesKey},
	}
	for _, tc := range tests {
		_, err := NewKafkaFromMap(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%v: error %v, want one naming %q", tc.data, err, tc.key)
		}
	}
}

func TestFetchMaxThatHoldsEveryRecord(t *testing.T) {
	data := map[string]string{SaramaKey: fmt.Sprintf("Consumer:\n  Fetch:\n    Max: %d\n", DefaultMaxEventBytes+RecordHeadroom)}
	if _, err := NewKafkaFromMap(data); err != nil {
		t.Errorf("a Consumer.Fetch.Max that holds the largest record was refused: %v", err)
	}
}

func TestNewKafkaFromConfigMap(t *testing.T) {
	if k, err := NewKafkaFromConfigMap(nil); err != nil || k.Defaults.NumPartitions != DefaultNumPartitions {
		t.Errorf("nil ConfigMap: %+v, %v; want the defaults", k, err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "knative-eventing", Name: ConfigMapName},
		Data:       map[string]string{FlavorKey: "pulsar"},
	}
	_, err := NewKafkaFromConfigMap(cm)
	if err == nil || !strings.Contains(err.Error(), "knative-eventing/config-kafka") || !strings.Contains(err.Error(), FlavorKey) {
		t.Errorf("error %v, want one naming the ConfigMap and the key", err)
	}
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "PT168H", want: 168 * time.Hour},
		{in: "P1D", want: 24 * time.Hour},
		{in: "PT1M30S", want: 90 * time.Second},
		{in: "", wantErr: true},
		{in: "1h", wantErr: true},
		{in: "PT0S", wantErr: true},
		{in: "-PT1H", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseRetention(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestValidTopicName(t *testing.T) {
	valid := []string{"a", "ns.ch", "ns_ch-1", strings.Repeat("x", 249)}
	invalid := []string{"", ".", "..", strings.Repeat("x", 250), "ns/ch", "ns ch", "kanäle"}
	for _, s := range valid {
		if err := ValidTopicName(s); err != nil {
			t.Errorf("ValidTopicName(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range invalid {
		if err := ValidTopicName(s); err == nil {
			t.Errorf("ValidTopicName(%q) = nil, want an error", s)
		}
	}

	// A template that is valid for short names can still render an invalid name for a long one.
	k := Default()
	if _, err := k.TopicName(strings.Repeat("n", 200), strings.Repeat("c", 60)); err == nil {
		t.Error("a 261-character topic name was accepted")
	}
}
