package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// roleReceiver is the child that runs the receiver's code as cmd/receiver
// runs it, with the channels from a fixed list rather than an informer.
const roleReceiver = "receiver"

type receiverConfig struct {
	Brokers []string
	// Channels are in namespace bench; each one's topic has its name.
	Channels   []string
	SDKMetrics bool
}

type receiverChild struct {
	childproc.NoCommands
	url  string
	stop func()
}

func (r *receiverChild) Addr() string { return r.url }
func (r *receiverChild) Close()       { r.stop() }

func serveReceiver(raw []byte) (childproc.Server, error) {
	var cfg receiverConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	channels := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, name := range cfg.Channels {
		if err := channels.Add(readyChannel(name)); err != nil {
			return nil, err
		}
	}
	url, stop, err := startReceiver(cfg.Brokers, listers.NewKafkaChannelLister(channels), meterProvider(cfg.SDKMetrics))
	if err != nil {
		return nil, err
	}
	return &receiverChild{url: url, stop: stop}, nil
}

func startReceiver(brokers []string, lister listers.KafkaChannelLister, mp metric.MeterProvider) (string, func(), error) {
	logger := zap.NewExample().WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	watcher := client.NewStaticWatcher(secretData(brokers), config.Default(), "bench-receiver")
	producer := receiver.NewProducer(watcher, logger, receiver.DefaultProduceTimeout)
	handler, err := receiver.NewHandler(receiver.Options{Channels: lister, Producer: producer, Logger: logger,
		MeterProvider: mp, TracerProvider: tracenoop.NewTracerProvider()})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	producerCtx, stopProducer := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); producer.Run(producerCtx) }()
	server := &receiver.Server{Handler: handler, Logger: logger, Ready: producer.Ready, DrainPeriod: -1}
	go func() { defer wg.Done(); _ = server.Serve(ctx, ln) }()
	for producer.Ready() != nil {
		time.Sleep(10 * time.Millisecond)
	}
	return "http://" + ln.Addr().String(), func() { cancel(); stopProducer(); wg.Wait() }, nil
}

func meterProvider(sdk bool) metric.MeterProvider {
	if sdk {
		return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}
	return noop.NewMeterProvider()
}

func secretData(brokers []string) map[string][]byte {
	return map[string][]byte{client.BrokersKey: []byte(strings.Join(brokers, ","))}
}

func readyChannel(name string) *v1beta1.KafkaChannel {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	kc.Status.InitializeConditions()
	kc.Status.TopicName = name
	kc.Status.MarkTopicTrue()
	return kc
}
