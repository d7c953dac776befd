// Package telemetry holds what the OpenTelemetry instruments of more than one
// component share: the attribute keys they carry (the dispatcher's delivery
// counters and the controller's lag gauge describe the same consumer groups,
// and a dashboard joins their series on these labels), and the cache of the
// attribute sets that the receiver's and the dispatcher's hot paths record.
package telemetry

import "go.opentelemetry.io/otel/attribute"

// Keys of the OpenTelemetry messaging conventions.
var (
	Topic         = attribute.Key("messaging.destination.name")
	ConsumerGroup = attribute.Key("messaging.consumer.group.name")
	Partition     = attribute.Key("messaging.destination.partition.id")
)
