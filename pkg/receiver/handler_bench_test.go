package receiver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// BenchmarkHandler is the receiver's own cost per event: ServeHTTP called
// directly, without the HTTP client, server and connection, against a kfake
// broker, from many goroutines so that the producer batches as it does under
// load. Its allocs/op hardly depend on how busy the machine is, unlike the
// rates of test/benchmark/receiver.
func BenchmarkHandler(b *testing.B) {
	broker := kafkatest.Start(b, kfake.SeedTopics(partitions, testTopic))
	o := testOptions{
		lister: channelLister(b, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs,
		meter: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	}
	_, producer, handler := newHandler(b, o, productionLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); producer.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	eventually(b, "producer ready", func() bool { return producer.Ready() == nil })

	body := bytes.Repeat([]byte("x"), 1024)
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// Not httptest.NewRequest, whose 4 KiB reader would dwarf the handler's allocations.
			req, err := http.NewRequest(http.MethodPost, "/"+testNS+"/"+testChannel, bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Ce-Specversion", "1.0")
			req.Header.Set("Ce-Id", "bench")
			req.Header.Set("Ce-Type", "dev.knative.benchmark")
			req.Header.Set("Ce-Source", "/benchmark")
			req.Header.Set("Content-Type", "application/octet-stream")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusAccepted {
				b.Errorf("status = %d, want 202", rec.Code)
				return
			}
		}
	})
}

// productionLogger logs as the receiver does in a cluster, JSON at info
// level, into nothing: what a request costs in logging shows in allocs/op.
func productionLogger() *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zap.InfoLevel))
}
