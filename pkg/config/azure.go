package config

import (
	"fmt"
	"time"
)

// Keys of config-kafka read by the azure flavor.
const (
	AzureTierKey          = "azure.tier"
	AzureCapacityUnitsKey = "azure.capacity.units"
)

// AzureTier is the pricing tier of an Event Hubs namespace; its quotas depend on it.
type AzureTier string

// The Event Hubs tiers.
const (
	AzureBasic     AzureTier = "basic"
	AzureStandard  AzureTier = "standard"
	AzurePremium   AzureTier = "premium"
	AzureDedicated AzureTier = "dedicated"
)

// DefaultAzureTier is the smallest tier that has a Kafka endpoint.
const DefaultAzureTier = AzureStandard

// AzureMaxRecordBytes is the largest record the azure flavor lets a producer send. Event Hubs
// closes the connection of a Kafka request above 1,046,528 bytes; Microsoft recommends
// max.request.size 1000000, which leaves room for the request's own framing.
const AzureMaxRecordBytes int64 = 1_000_000

// Azure is what the azure flavor knows of the Event Hubs namespace behind the Kafka Secret.
type Azure struct {
	Tier AzureTier
	// CapacityUnits are the namespace's processing units (premium) or its cluster's capacity
	// units (dedicated): some quotas of those tiers grow with them. Standard ignores them.
	CapacityUnits int64
}

// AzureLimits are the Event Hubs quotas that shape a channel's event hub (Microsoft's
// "Azure Event Hubs quotas and limits", per tier).
type AzureLimits struct {
	PartitionsPerEventHub int32
	// NamespacePartitions caps the partitions of all event hubs together; 0 means no such cap.
	NamespacePartitions   int64
	EventHubsPerNamespace int
	MaxRetention          time.Duration
	MaxRecordBytes        int64
	// GrowPartitions: whether an existing event hub can be given more partitions.
	GrowPartitions bool
	// Gzip: whether producers may compress (gzip is the only codec Event Hubs reads).
	Gzip bool
}

const day = 24 * time.Hour

// azureTiers are the quotas of the tiers that have a Kafka endpoint, for n capacity units.
var azureTiers = map[AzureTier]func(n int64) AzureLimits{
	AzureStandard: func(int64) AzureLimits {
		return AzureLimits{PartitionsPerEventHub: 32, EventHubsPerNamespace: 10,
			MaxRetention: 7 * day, MaxRecordBytes: AzureMaxRecordBytes}
	},
	AzurePremium: func(n int64) AzureLimits {
		return AzureLimits{PartitionsPerEventHub: 100, NamespacePartitions: 200 * n, EventHubsPerNamespace: int(100 * n),
			MaxRetention: 90 * day, MaxRecordBytes: AzureMaxRecordBytes, GrowPartitions: true, Gzip: true}
	},
	// A dedicated cluster's 2000 partitions per CU are shared by its namespaces; the namespace's
	// own event hubs are all the azure flavor can see, so it checks them against the whole.
	AzureDedicated: func(n int64) AzureLimits {
		return AzureLimits{PartitionsPerEventHub: 1024, NamespacePartitions: 2000 * n, EventHubsPerNamespace: 1000,
			MaxRetention: 90 * day, MaxRecordBytes: AzureMaxRecordBytes, GrowPartitions: true, Gzip: true}
	},
}

// Limits returns the quotas of the tier; the tier must be valid (ValidAzureTier).
func (a Azure) Limits() AzureLimits {
	units := max(a.CapacityUnits, 1)
	if limits, ok := azureTiers[a.Tier]; ok {
		return limits(units)
	}
	return azureTiers[DefaultAzureTier](units)
}

// ValidAzureTier accepts the tiers whose namespaces have a Kafka endpoint.
func ValidAzureTier(t AzureTier) error {
	switch {
	case t == AzureBasic:
		return fmt.Errorf("%q: Event Hubs' basic tier has no Kafka endpoint; use standard, premium or dedicated", t)
	case azureTiers[t] == nil:
		return fmt.Errorf("%q is not an Event Hubs tier; want standard, premium or dedicated", t)
	}
	return nil
}

// parseAzure reads the azure keys whatever the flavor, so that a typo is refused before
// anyone switches to azure.
func parseAzure(p *parser) Azure {
	a := Azure{
		Tier:          AzureTier(p.str(AzureTierKey, string(DefaultAzureTier))),
		CapacityUnits: p.positive(AzureCapacityUnitsKey, 1, 1000),
	}
	p.check(ValidAzureTier(a.Tier), AzureTierKey)
	return a
}

// checkAzureDefaults refuses channel defaults that no event hub of the tier could take:
// every channel that relies on them would fail.
func (k *Kafka) checkAzureDefaults(p *parser, retention time.Duration) {
	limits := k.Azure.Limits()
	if err := k.Azure.CheckPartitions(k.Defaults.NumPartitions); err != nil {
		p.fail(NumPartitionsKey, err)
	}
	if err := k.Azure.CheckRetention(retention); err != nil {
		p.fail(RetentionKey, err)
	}
	if k.MaxRecordBytes() > limits.MaxRecordBytes {
		p.fail(MaxEventBytesKey, fmt.Errorf("%d bytes plus %d for the binding's headers exceed the %d bytes an Event Hubs record may have; use at most %d",
			k.MaxEventBytes, RecordHeadroom, limits.MaxRecordBytes, limits.MaxRecordBytes-RecordHeadroom))
	}
}

// CheckPartitions refuses more partitions than one event hub of the tier may have.
func (a Azure) CheckPartitions(n int32) error {
	if max := a.Limits().PartitionsPerEventHub; n > max {
		return fmt.Errorf("%d partitions exceed the %s tier's %d per event hub", n, a.Tier, max)
	}
	return nil
}

// CheckRetention refuses a retention above the tier's maximum.
func (a Azure) CheckRetention(d time.Duration) error {
	if max := a.Limits().MaxRetention; d > max {
		return fmt.Errorf("a retention of %s exceeds the %s tier's maximum of %s", Days(d), a.Tier, Days(max))
	}
	return nil
}

// defaultMaxEventBytes is the largest event that still fits in a record of the flavor.
func (k *Kafka) defaultMaxEventBytes() int64 {
	if k.Flavor == FlavorAzure {
		return k.Azure.Limits().MaxRecordBytes - RecordHeadroom
	}
	return DefaultMaxEventBytes
}

// Days formats a duration in days, the unit Event Hubs states retention in.
func Days(d time.Duration) string {
	return fmt.Sprintf("%g days", d.Hours()/24)
}
