package v1beta1

import (
	"fmt"
	"strconv"
	"strings"
)

// DeliveryOrderAnnotation selects how the dispatcher delivers a partition's events:
// "ordered" (the default: one event at a time per partition), or "unordered" or
// "unordered:N" (up to N events in flight per partition, default DefaultUnorderedInFlight).
const DeliveryOrderAnnotation = "knative-kafka.dev/delivery-order"

// DefaultUnorderedInFlight is the in-flight limit per partition of the unordered mode.
const DefaultUnorderedInFlight = 16

// DeliveryOrder is the parsed value of DeliveryOrderAnnotation.
type DeliveryOrder struct {
	Ordered bool
	// InFlight is the most events of a partition being delivered at once.
	InFlight int
}

// ParseDeliveryOrder reads DeliveryOrderAnnotation; the empty string means ordered.
func ParseDeliveryOrder(v string) (DeliveryOrder, error) {
	switch {
	case v == "" || v == "ordered":
		return DeliveryOrder{Ordered: true, InFlight: 1}, nil
	case v == "unordered":
		return DeliveryOrder{InFlight: DefaultUnorderedInFlight}, nil
	case strings.HasPrefix(v, "unordered:"):
		n, err := strconv.Atoi(strings.TrimPrefix(v, "unordered:"))
		if err != nil || n < 1 || n > 1000 {
			return DeliveryOrder{}, fmt.Errorf("in-flight limit must be an integer from 1 to 1000")
		}
		return DeliveryOrder{InFlight: n}, nil
	}
	return DeliveryOrder{}, fmt.Errorf(`want "ordered", "unordered" or "unordered:N"`)
}

// DeliveryOrderOf returns the channel's delivery order, falling back to ordered on a bad value
// (the webhook refuses bad values; this guards objects written around it).
func (c *KafkaChannel) DeliveryOrderOf() DeliveryOrder {
	o, err := ParseDeliveryOrder(c.Annotations[DeliveryOrderAnnotation])
	if err != nil {
		return DeliveryOrder{Ordered: true, InFlight: 1}
	}
	return o
}

// DispatcherAnnotation selects where a channel's consumer groups run: "pool"
// (the default: on the shared dispatcher pool, with many other channels) or
// "dedicated" (on a dispatcher Deployment of the channel's own, for noisy or
// isolated workloads).
const DispatcherAnnotation = "knative-kafka.dev/dispatcher"

// Values of DispatcherAnnotation.
const (
	PoolDispatcher      = "pool"
	DedicatedDispatcher = "dedicated"
)

func parseDispatcher(v string) (dedicated bool, err error) {
	switch v {
	case "", PoolDispatcher:
		return false, nil
	case DedicatedDispatcher:
		return true, nil
	}
	return false, fmt.Errorf("want %q or %q", PoolDispatcher, DedicatedDispatcher)
}

// HasDedicatedDispatcher tells whether the channel asks for a dispatcher of
// its own; a bad value (the webhook refuses them) means the pool.
func (c *KafkaChannel) HasDedicatedDispatcher() bool {
	dedicated, _ := parseDispatcher(c.Annotations[DispatcherAnnotation])
	return dedicated
}
