package client

import metrics "github.com/rcrowley/go-metrics"

// Sarama records go-metrics meters and histograms for every request of every
// client, which nothing here reads (telemetry is OpenTelemetry), and
// go-metrics ticks every meter in the background: with a consumer group per
// subscriber, that is idle CPU that grows with the channels. Nil metrics
// make Sarama's registry a no-op.
func init() {
	metrics.UseNilMetrics = true
}
