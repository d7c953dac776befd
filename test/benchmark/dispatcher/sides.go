package main

import (
	"context"
	"encoding/json"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// roleDispatcher is a child process that runs the dispatcher of one channel.
const roleDispatcher = "dispatcher"

// dispatcherConfig is what a dispatcher child serves.
type dispatcherConfig struct {
	Brokers []string
	Channel *v1beta1.KafkaChannel
	// MemoryLimit, when set, sizes the dispatcher's buffers and Go's memory
	// limit as the dispatcher command does under a container limit.
	MemoryLimit int64
	// SDKMetrics gives the dispatcher an OpenTelemetry SDK meter provider,
	// which aggregates every measurement as in production; else the global
	// one, a no-op.
	SDKMetrics bool
}

type dispatcherServer struct {
	childproc.NoCommands
	d *dispatcher.Dispatcher
}

func serveDispatcher(raw []byte) (childproc.Server, error) {
	var cfg dispatcherConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	dispatcher.SetGoMemoryLimit(cfg.MemoryLimit)
	opts := dispatcher.Options{MemoryLimit: cfg.MemoryLimit}
	if cfg.SDKMetrics {
		opts.MeterProvider = sdkMeterProvider()
	}
	d, err := dispatcher.New(context.Background(), static{&client.Settings{Brokers: cfg.Brokers, Sarama: saramaConfig(), Fingerprint: "bench"}}, opts)
	if err != nil {
		return nil, err
	}
	if err := d.Reconcile(cfg.Channel); err != nil {
		d.Close()
		return nil, err
	}
	return dispatcherServer{d: d}, nil
}

// sdkMeterProvider aggregates like production's; nothing reads it, as a
// Prometheus scrape or an OTLP push every minute or so would cost nothing per event.
func sdkMeterProvider() metric.MeterProvider {
	return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
}

func (dispatcherServer) Addr() string { return "" }

func (s dispatcherServer) Close() { s.d.Close() }
