// Package telemetry holds the OpenTelemetry attribute keys that the
// instruments of more than one component carry: the dispatcher's delivery
// counters and the controller's lag gauge describe the same consumer groups,
// and a dashboard joins their series on these labels.
package telemetry

import "go.opentelemetry.io/otel/attribute"

// Keys of the OpenTelemetry messaging conventions.
var (
	Topic         = attribute.Key("messaging.destination.name")
	ConsumerGroup = attribute.Key("messaging.consumer.group.name")
	Partition     = attribute.Key("messaging.destination.partition.id")
)
