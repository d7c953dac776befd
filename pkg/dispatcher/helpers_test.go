package dispatcher

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/twmb/franz-go/pkg/kfake"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

const (
	testNamespace = "ns"
	testChannel   = "ch"
	testTopic     = "ns.ch"
	// waitLimit bounds every wait of these tests, so that a broken dispatcher fails instead of hanging.
	waitLimit = 60 * time.Second
)

// staticSource serves fixed Kafka settings, and config-kafka's defaults unless kafka is set.
type staticSource struct {
	settings *client.Settings
	kafka    *config.Kafka
}

func (s staticSource) Current() client.Snapshot {
	return client.Snapshot{Settings: s.settings, Kafka: s.kafka}
}

func (s staticSource) OnChange(func(client.Snapshot)) {}

// groupTuning shortens group timeouts so that rebalances take a fraction of a
// second against kfake (started with a low minimum session timeout). It is in
// config-kafka's "sarama" format (durations in nanoseconds), so that tests that
// go through client.Watcher tune their clients as testSaramaConfig does.
const groupTuning = `
Consumer:
  Group:
    Session: {Timeout: 1000000000}
    Heartbeat: {Interval: 100000000}
    Rebalance: {Timeout: 4000000000}
  Fetch: {Default: 65536}
  MaxWaitTime: 50000000
`

func testSaramaConfig() *sarama.Config {
	cfg := kafkatest.Config()
	if err := yaml.Unmarshal([]byte(groupTuning), cfg); err != nil {
		panic(err)
	}
	return cfg
}

// env is one test's broker, topic and Kafka settings.
type env struct {
	t        *testing.T
	addrs    []string
	settings *client.Settings
	producer sarama.SyncProducer
	// kafka is the config-kafka of the dispatchers the test starts; nil for the defaults.
	kafka map[string]string
}

func newEnv(t *testing.T, partitions int32, opts ...kfake.Opt) *env {
	t.Helper()
	b := kafkatest.Start(t, append([]kfake.Opt{kfake.GroupMinSessionTimeout(100 * time.Millisecond), kfake.SeedTopics(partitions, testTopic)}, opts...)...)
	pcfg := kafkatest.Config()
	pcfg.Producer.Return.Successes = true
	pcfg.Producer.Partitioner = sarama.NewManualPartitioner
	pcfg.Producer.MaxMessageBytes = int(config.Default().MaxRecordBytes())
	producer, err := sarama.NewSyncProducer(b.Addrs, pcfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	t.Cleanup(func() { _ = producer.Close() })
	return &env{t: t, addrs: b.Addrs, producer: producer,
		settings: &client.Settings{Brokers: b.Addrs, Sarama: testSaramaConfig(), Fingerprint: "test"}}
}

// dispatcher starts a Dispatcher that is closed when the test ends.
func (e *env) dispatcher(opts Options) *Dispatcher {
	e.t.Helper()
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = time.Second
	}
	d, err := New(context.Background(), staticSource{e.settings, kafkaConfig(e.kafka)}, opts)
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	e.t.Cleanup(d.Close)
	return d
}

// event is a test event; its id is "<partition>-<seq>".
func event(partition int32, seq int, tag string) cloudevents.Event {
	ev := cloudevents.NewEvent()
	ev.SetID(fmt.Sprintf("%d-%d", partition, seq))
	ev.SetType("dev.knative-kafka.test")
	ev.SetSource("/dispatcher-test")
	ev.SetExtension("seq", seq)
	ev.SetExtension("tag", tag)
	_ = ev.SetData(cloudevents.ApplicationJSON, map[string]int{"seq": seq})
	return ev
}

// produce writes events seq from..to-1 to each partition, in binary mode, and returns their ids.
func (e *env) produce(partitions int32, from, to int, tag string) []string {
	e.t.Helper()
	var ids []string
	for seq := from; seq < to; seq++ {
		for p := int32(0); p < partitions; p++ {
			ev := event(p, seq, tag)
			e.send(p, ev)
			ids = append(ids, ev.ID())
		}
	}
	return ids
}

// send writes ev to partition p, in binary mode.
func (e *env) send(p int32, ev cloudevents.Event) {
	e.t.Helper()
	msg := &sarama.ProducerMessage{Topic: testTopic, Partition: p}
	if err := kafka_sarama.WriteProducerMessage(context.Background(), binding.ToMessage(&ev), msg); err != nil {
		e.t.Fatalf("encoding: %v", err)
	}
	if _, _, err := e.producer.SendMessage(msg); err != nil {
		e.t.Fatalf("producing: %v", err)
	}
}

// waitReady waits until the subscriber's group has committed offsets on every
// partition: the controller's readiness condition.
func (e *env) waitReady(uid types.UID) {
	e.t.Helper()
	waitGroupReady(e.t, e.addrs, kafkatest.Config(), uid)
}

// waitGroupReady is waitReady for a broker that needs its own client config (SASL).
func waitGroupReady(t *testing.T, addrs []string, cfg *sarama.Config, uid types.UID) {
	t.Helper()
	k, err := admin.NewKafka(addrs, cfg)
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	defer k.Close()
	group := contract.ConsumerGroup(testNamespace, testChannel, string(uid))
	waitFor(t, "offsets of "+group, func() bool {
		ok, err := k.OffsetsInitialized(context.Background(), group, testTopic)
		return err == nil && ok
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// channel is a KafkaChannel whose topic is ready.
func channel(order string, subs ...eventingduckv1.SubscriberSpec) *v1beta1.KafkaChannel {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testChannel}}
	if order != "" {
		kc.Annotations = map[string]string{v1beta1.DeliveryOrderAnnotation: order}
	}
	kc.Spec.Subscribers = subs
	kc.Status.TopicName = testTopic
	return kc
}

func subscriber(uid string, url string) eventingduckv1.SubscriberSpec {
	return eventingduckv1.SubscriberSpec{UID: types.UID(uid), SubscriberURI: apis.HTTP(strings.TrimPrefix(url, "http://"))}
}

func linearRetry(retries int32) *eventingduckv1.DeliverySpec {
	policy := eventingduckv1.BackoffPolicyLinear
	delay := "PT0.02S"
	return &eventingduckv1.DeliverySpec{Retry: &retries, BackoffPolicy: &policy, BackoffDelay: &delay}
}

// attempt is one request a sink received.
type attempt struct {
	event cloudevents.Event
}

// sink is an HTTP CloudEvents receiver on 127.0.0.1 that records every request.
type sink struct {
	*httptest.Server
	mu                    sync.Mutex
	attempts              []attempt
	inFlight, maxInFlight int
}

// newSink answers each event with respond (default 202, no body).
func newSink(t *testing.T, respond func(ev cloudevents.Event, attempt int, w http.ResponseWriter)) *sink {
	s := unstartedSink(t, respond)
	s.Start()
	return s
}

// unstartedSink is newSink before its server starts.
func unstartedSink(t *testing.T, respond func(ev cloudevents.Event, attempt int, w http.ResponseWriter)) *sink {
	s := &sink{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := cloudevents.NewEventFromHTTPRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n := s.begin(*ev)
		defer s.end()
		if respond == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		respond(*ev, n, w)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) begin(ev cloudevents.Event) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts = append(s.attempts, attempt{event: ev})
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	n := 0
	for _, a := range s.attempts {
		if a.event.ID() == ev.ID() {
			n++
		}
	}
	return n
}

func (s *sink) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// ids are the ids of every request received, in order.
func (s *sink) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.attempts))
	for i, a := range s.attempts {
		out[i] = a.event.ID()
	}
	return out
}

func (s *sink) events() []cloudevents.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]cloudevents.Event, len(s.attempts))
	for i, a := range s.attempts {
		out[i] = a.event
	}
	return out
}

// hasAll tells whether every id was received at least once.
func (s *sink) hasAll(ids []string) bool {
	got := map[string]bool{}
	for _, id := range s.ids() {
		got[id] = true
	}
	for _, id := range ids {
		if !got[id] {
			return false
		}
	}
	return true
}

// duplicates counts the requests beyond the first for each id.
func (s *sink) duplicates() int {
	ids := s.ids()
	seen := map[string]bool{}
	dups := 0
	for _, id := range ids {
		if seen[id] {
			dups++
		}
		seen[id] = true
	}
	return dups
}

// byPartition splits ids "<partition>-<seq>" into per-partition sequences of seq.
func byPartition(ids []string) map[string][]int {
	out := map[string][]int{}
	for _, id := range ids {
		p, seq, _ := strings.Cut(id, "-")
		n, _ := strconv.Atoi(seq)
		out[p] = append(out[p], n)
	}
	return out
}

// Helper process: a dispatcher in its own process, so that a test can SIGKILL it.
const helperEnv = "DISPATCHER_TEST_HELPER"

// helperConfig is what the helper process serves, passed as JSON in helperEnv.
type helperConfig struct {
	Brokers []string
	Channel *v1beta1.KafkaChannel
	// MemoryLimit is the container memory limit the helper runs under, as
	// NewController reads it from contract.MemoryLimitEnv; 0 for none.
	MemoryLimit int64
	Kafka       map[string]string
}

// kafkaConfig parses a test's config-kafka.
func kafkaConfig(data map[string]string) *config.Kafka {
	k, err := config.NewKafkaFromMap(data)
	if err != nil {
		panic(err)
	}
	return k
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		runHelper(cfg)
		return
	}
	os.Exit(m.Run())
}

// runHelper runs a dispatcher until it is killed.
func runHelper(raw string) {
	var cfg helperConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		panic(err)
	}
	SetGoMemoryLimit(cfg.MemoryLimit) // as NewController does
	settings := &client.Settings{Brokers: cfg.Brokers, Sarama: testSaramaConfig(), Fingerprint: "test"}
	d, err := New(context.Background(), staticSource{settings, kafkaConfig(cfg.Kafka)},
		Options{DrainTimeout: time.Second, MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		panic(err)
	}
	for d.Reconcile(cfg.Channel) != nil {
		time.Sleep(100 * time.Millisecond)
	}
	select {}
}

// startHelper starts a dispatcher process for kc; the test kills it, or its cleanup does.
func (e *env) startHelper(kc *v1beta1.KafkaChannel) *exec.Cmd {
	e.t.Helper()
	return e.startHelperWith(helperConfig{Channel: kc, Kafka: e.kafka})
}

// startHelperWith is startHelper for a helper with more settings than its channel.
func (e *env) startHelperWith(cfg helperConfig) *exec.Cmd {
	e.t.Helper()
	cfg.Brokers = e.addrs
	raw, err := json.Marshal(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("starting helper: %v", err)
	}
	e.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// replyWithReplyID answers every event with a reply whose id is "reply-" and the event's.
func replyWithReplyID(t *testing.T) func(cloudevents.Event, int, http.ResponseWriter) {
	return func(ev cloudevents.Event, _ int, w http.ResponseWriter) {
		reply := cloudevents.NewEvent()
		reply.SetID("reply-" + ev.ID())
		reply.SetType("dev.knative-kafka.reply")
		reply.SetSource("/subscriber")
		if err := cehttp.WriteResponseWriter(context.Background(), binding.ToMessage(&reply), http.StatusOK, w); err != nil {
			t.Error(err)
		}
	}
}
