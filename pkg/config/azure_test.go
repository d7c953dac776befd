package config

import (
	"strings"
	"testing"
	"time"
)

func TestAzureKeys(t *testing.T) {
	k, err := NewKafkaFromMap(map[string]string{FlavorKey: "azure"})
	if err != nil {
		t.Fatal(err)
	}
	if k.Azure != (Azure{Tier: AzureStandard, CapacityUnits: 1}) {
		t.Errorf("azure defaults = %+v, want standard with 1 unit", k.Azure)
	}
	// The default event size is what fits in an Event Hubs record, not Kafka's 1 MiB.
	if k.MaxEventBytes != AzureMaxRecordBytes-RecordHeadroom || k.MaxRecordBytes() != AzureMaxRecordBytes {
		t.Errorf("azure max.event.bytes = %d (records %d), want %d (records %d)",
			k.MaxEventBytes, k.MaxRecordBytes(), AzureMaxRecordBytes-RecordHeadroom, AzureMaxRecordBytes)
	}

	k, err = NewKafkaFromMap(map[string]string{FlavorKey: "azure", AzureTierKey: " premium ", AzureCapacityUnitsKey: "4"})
	if err != nil {
		t.Fatal(err)
	}
	if k.Azure != (Azure{Tier: AzurePremium, CapacityUnits: 4}) {
		t.Errorf("azure = %+v, want premium with 4 units", k.Azure)
	}
	if l := k.Azure.Limits(); l.EventHubsPerNamespace != 400 || l.NamespacePartitions != 800 {
		t.Errorf("premium with 4 PUs: %d event hubs, %d partitions per namespace; want 400 and 800",
			l.EventHubsPerNamespace, l.NamespacePartitions)
	}
}

func TestAzureLimitsPerTier(t *testing.T) {
	tests := []struct {
		azure Azure
		want  AzureLimits
	}{{
		azure: Azure{Tier: AzureStandard, CapacityUnits: 20}, // throughput units do not change the quotas
		want: AzureLimits{PartitionsPerEventHub: 32, EventHubsPerNamespace: 10, MaxRetention: 7 * 24 * time.Hour,
			MaxRecordBytes: 1_000_000},
	}, {
		azure: Azure{Tier: AzurePremium, CapacityUnits: 2},
		want: AzureLimits{PartitionsPerEventHub: 100, NamespacePartitions: 400, EventHubsPerNamespace: 200,
			MaxRetention: 90 * 24 * time.Hour, MaxRecordBytes: 1_000_000, GrowPartitions: true, Gzip: true},
	}, {
		azure: Azure{Tier: AzureDedicated, CapacityUnits: 1},
		want: AzureLimits{PartitionsPerEventHub: 1024, NamespacePartitions: 2000, EventHubsPerNamespace: 1000,
			MaxRetention: 90 * 24 * time.Hour, MaxRecordBytes: 1_000_000, GrowPartitions: true, Gzip: true},
	}, {
		azure: Azure{Tier: AzurePremium}, // zero units count as one
		want: AzureLimits{PartitionsPerEventHub: 100, NamespacePartitions: 200, EventHubsPerNamespace: 100,
			MaxRetention: 90 * 24 * time.Hour, MaxRecordBytes: 1_000_000, GrowPartitions: true, Gzip: true},
	}}
	for _, tc := range tests {
		if got := tc.azure.Limits(); got != tc.want {
			t.Errorf("%+v: limits %+v, want %+v", tc.azure, got, tc.want)
		}
	}
}

func TestAzureBadValuesNameTheirKey(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		key  string
		want string
	}{
		{"basic tier", map[string]string{FlavorKey: "azure", AzureTierKey: "basic"}, AzureTierKey, "no Kafka endpoint"},
		{"unknown tier", map[string]string{FlavorKey: "azure", AzureTierKey: "gold"}, AzureTierKey, "not an Event Hubs tier"},
		// A typo is refused before anyone switches to azure.
		{"unknown tier, kafka flavor", map[string]string{AzureTierKey: "Standard "}, AzureTierKey, "not an Event Hubs tier"},
		{"zero units", map[string]string{FlavorKey: "azure", AzureCapacityUnitsKey: "0"}, AzureCapacityUnitsKey, "between 1 and"},
		{"partitions over the tier", map[string]string{FlavorKey: "azure", NumPartitionsKey: "33"}, NumPartitionsKey, "32 per event hub"},
		{"retention over the tier", map[string]string{FlavorKey: "azure", RetentionKey: "P8D"}, RetentionKey, "7 days"},
		{"premium retention", map[string]string{FlavorKey: "azure", AzureTierKey: "premium", RetentionKey: "P91D"}, RetentionKey, "90 days"},
		{"events too large", map[string]string{FlavorKey: "azure", MaxEventBytesKey: "1048576"}, MaxEventBytesKey, "use at most 934464"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewKafkaFromMap(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q and saying %q", err, tc.key, tc.want)
			}
		})
	}
}

func TestAzureLimitsOnlyBindTheAzureFlavor(t *testing.T) {
	data := map[string]string{NumPartitionsKey: "64", RetentionKey: "P30D", MaxEventBytesKey: "2097152", AzureTierKey: "standard"}
	if _, err := NewKafkaFromMap(data); err != nil {
		t.Errorf("flavor kafka: %v", err)
	}
	data[FlavorKey] = "azure"
	if _, err := NewKafkaFromMap(data); err == nil {
		t.Error("flavor azure accepted defaults beyond the standard tier")
	}
	data[AzureTierKey] = "premium"
	data[MaxEventBytesKey] = "934464"
	if _, err := NewKafkaFromMap(data); err != nil {
		t.Errorf("premium takes 64 partitions and 30 days: %v", err)
	}
}
