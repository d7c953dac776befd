package receiver

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/eventing/pkg/apis/feature"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

const (
	testNS      = "ns"
	testChannel = "ch"
	testTopic   = "ns.ch"
)

// readyChannel is a KafkaChannel whose topic the controller marked ready.
func readyChannel(ns, name, topic string) *v1beta1.KafkaChannel {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	kc.Status.InitializeConditions()
	kc.Status.TopicName = topic
	kc.Status.MarkTopicTrue()
	return kc
}

// channelLister serves the given channels as the informer cache would.
func channelLister(t testing.TB, kcs ...*v1beta1.KafkaChannel) listers.KafkaChannelLister {
	t.Helper()
	l, err := newChannelLister(kcs...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newChannelLister(kcs ...*v1beta1.KafkaChannel) (listers.KafkaChannelLister, error) {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, kc := range kcs {
		if err := indexer.Add(kc); err != nil {
			return nil, err
		}
	}
	return listers.NewKafkaChannelLister(indexer), nil
}

// secretData is the Kafka Secret of a cluster at addrs.
func secretData(addrs []string) map[string][]byte {
	return map[string][]byte{client.BrokersKey: []byte(strings.Join(addrs, ","))}
}

// kafkaConfig is config-kafka with the given max.event.bytes (0: default).
func kafkaConfig(maxEventBytes int64) *config.Kafka {
	k := config.Default()
	if maxEventBytes > 0 {
		k.MaxEventBytes = maxEventBytes
	}
	return k
}

// receiverUnderTest is a receiver served on a loopback port.
type receiverUnderTest struct {
	url string
	// secureURL is the https URL when testOptions.secure was set.
	secureURL string
	watcher   *client.Watcher
	producer  *Producer
	server    *Server
	stop      func() error
}

type testOptions struct {
	lister        listers.KafkaChannelLister
	brokers       []string
	maxEventBytes int64
	meter         metric.MeterProvider
	tracer        trace.TracerProvider
	maxInFlight   int
	bodyTimeout   time.Duration
	// produceTimeout defaults to 10 s.
	produceTimeout time.Duration
	// bodyReads, if set, counts the requests whose body the handler began to read.
	bodyReads *atomic.Int64
	waitReady bool
	// secure, if set, also serves HTTPS with it; features is then config-features.
	secure      *tls.Config
	features    func() feature.Flags
	certificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// logger defaults to one that logs to t; a fuzz target must not log to f.
	logger *zap.Logger
}

// startReceiver runs producer and server until the test ends (or stop is called).
func startReceiver(t testing.TB, o testOptions) *receiverUnderTest {
	t.Helper()
	logger := o.logger
	if logger == nil {
		logger = zaptest.NewLogger(t)
	}
	watcher, producer, handler := newHandler(t, o, logger)
	server := &Server{Handler: countBodyReads(handler, o.bodyReads), Logger: logger, DrainPeriod: -1, Ready: producer.Ready, Features: o.features,
		Certificate: o.certificate}
	ln := listen(t)
	if o.secure != nil {
		server.Secure = tls.NewListener(listen(t), o.secure)
	}
	ctx, cancel := context.WithCancel(context.Background())
	producerCtx, stopProducer := context.WithCancel(context.Background())
	producerDone := make(chan struct{})
	go func() { defer close(producerDone); producer.Run(producerCtx) }()
	served := make(chan error, 1)
	go func() { served <- server.Serve(ctx, ln) }()
	var stopErr error
	stopped := false
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			stopErr = <-served
			stopProducer()
			<-producerDone
		}
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	r := &receiverUnderTest{url: "http://" + ln.Addr().String(), watcher: watcher, producer: producer, server: server, stop: stop}
	if server.Secure != nil {
		r.secureURL = "https://" + server.Secure.Addr().String()
	}
	if o.waitReady {
		eventually(t, "producer ready", func() bool { return producer.Ready() == nil })
	}
	return r
}

// countBodyReads has reads count the requests whose body h began to read;
// nil reads leaves h as it is.
func countBodyReads(h http.Handler, reads *atomic.Int64) http.Handler {
	if reads == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(r.Context()) // a copy: the server keeps its own Body
		r.Body = &countingBody{ReadCloser: r.Body, reads: reads}
		h.ServeHTTP(w, r)
	})
}

type countingBody struct {
	io.ReadCloser
	reads   *atomic.Int64
	counted bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	if !b.counted {
		b.counted = true
		b.reads.Add(1)
	}
	return b.ReadCloser.Read(p)
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// newHandler is the Handler of a receiver under test and what feeds its producer.
func newHandler(t testing.TB, o testOptions, logger *zap.Logger) (*client.Watcher, *Producer, *Handler) {
	t.Helper()
	watcher, producer, handler, err := buildHandler(o, logger)
	if err != nil {
		t.Fatal(err)
	}
	return watcher, producer, handler
}

func buildHandler(o testOptions, logger *zap.Logger) (*client.Watcher, *Producer, *Handler, error) {
	watcher := client.NewStaticWatcher(secretData(o.brokers), kafkaConfig(o.maxEventBytes), "test-receiver")
	produceTimeout := o.produceTimeout
	if produceTimeout == 0 {
		produceTimeout = 10 * time.Second
	}
	producer := NewProducer(watcher, logger, produceTimeout)
	handler, err := NewHandler(Options{Channels: o.lister, Producer: producer, Logger: logger,
		MeterProvider: o.meter, TracerProvider: o.tracer, MaxInFlight: o.maxInFlight, BodyTimeout: o.bodyTimeout})
	return watcher, producer, handler, err
}

// eventually polls cond until it holds; the deadline only guards against a hang.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// binaryEvent is a binary-mode CloudEvent request.
func binaryEvent(t testing.TB, url, id string, extra map[string]string, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Id", id)
	req.Header.Set("Ce-Type", "dev.knative.test")
	req.Header.Set("Ce-Source", "/test")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	return req
}

// channelURL is the path-routed address of the test channel.
func (r *receiverUnderTest) channelURL() string {
	return r.url + "/" + testNS + "/" + testChannel
}

// do sends req and returns the response, its body read into memory.
func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, error) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	resp.Body = io.NopCloser(&buf)
	return resp, nil
}

func mustDo(t testing.TB, req *http.Request) *http.Response {
	t.Helper()
	resp, err := do(t, http.DefaultClient, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// header returns a record header's value.
func header(m *sarama.ConsumerMessage, key string) (string, bool) {
	for _, h := range m.Headers {
		if string(h.Key) == key {
			return string(h.Value), true
		}
	}
	return "", false
}

// countIDs counts the records of each ce_id.
func countIDs(t testing.TB, records []*sarama.ConsumerMessage) map[string]int {
	t.Helper()
	ids := make(map[string]int, len(records))
	for _, m := range records {
		id, ok := header(m, "ce_id")
		if !ok {
			t.Fatalf("record at %d/%d has no ce_id header", m.Partition, m.Offset)
		}
		ids[id]++
	}
	return ids
}
