package receiver

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

const partitions = 3

// expectedPartition is where the hash partitioner puts key among the test topic's partitions.
func expectedPartition(t *testing.T, key string) int32 {
	t.Helper()
	p, err := sarama.NewHashPartitioner(testTopic).Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(key)}, partitions)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEventStoredInTopic(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"

	tests := []struct {
		name    string
		req     func() *http.Request
		id      string
		key     string // "" means no key
		headers map[string]string
		value   string
	}{{
		name: "binary by path, partitionkey wins over subject",
		id:   "b-1",
		req: func() *http.Request {
			return binaryEvent(t, r.channelURL(), "b-1", map[string]string{
				"Ce-Partitionkey": "order-7", "Ce-Subject": "subj", "Ce-Myext": "v",
				"Traceparent": "00-" + traceID + "-00f067aa0ba902b7-01",
			}, `{"n":1}`)
		},
		key: "order-7",
		headers: map[string]string{
			"ce_specversion": "1.0", "ce_type": "dev.knative.test", "ce_source": "/test",
			"ce_subject": "subj", "ce_partitionkey": "order-7", "ce_myext": "v", "content-type": "application/json",
		},
		value: `{"n":1}`,
	}, {
		name: "binary by host, subject as key",
		id:   "b-2",
		req: func() *http.Request {
			req := binaryEvent(t, r.url+"/", "b-2", map[string]string{"Ce-Subject": "subj-2"}, `{"n":2}`)
			req.Host = contract.ChannelHostName(testChannel, testNS)
			return req
		},
		key:     "subj-2",
		headers: map[string]string{"ce_subject": "subj-2"},
		value:   `{"n":2}`,
	}, {
		name: "structured input is stored in binary mode, without key",
		id:   "s-1",
		req: func() *http.Request {
			body := `{"specversion":"1.0","id":"s-1","type":"dev.knative.test","source":"/test","datacontenttype":"text/plain","data":"hello"}`
			req, _ := http.NewRequest(http.MethodPost, r.channelURL(), strings.NewReader(body))
			req.Header.Set("Content-Type", "application/cloudevents+json")
			return req
		},
		headers: map[string]string{"ce_specversion": "1.0", "ce_type": "dev.knative.test", "content-type": "text/plain"},
		value:   "hello",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if resp := mustDo(t, tc.req()); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("status = %d, want 202", resp.StatusCode)
			}
			m := recordByID(t, kafkatest.Records(t, broker.Addrs, testTopic), tc.id)
			for k, want := range tc.headers {
				if got, _ := header(m, k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if string(m.Value) != tc.value {
				t.Errorf("value = %q, want %q", m.Value, tc.value)
			}
			if got := string(m.Key); got != tc.key {
				t.Errorf("key = %q, want %q", got, tc.key)
			}
			if tc.key != "" && m.Partition != expectedPartition(t, tc.key) {
				t.Errorf("partition = %d, want %d (hash of the key)", m.Partition, expectedPartition(t, tc.key))
			}
		})
	}

	t.Run("trace context is carried", func(t *testing.T) {
		m := recordByID(t, kafkatest.Records(t, broker.Addrs, testTopic), "b-1")
		if tp, _ := header(m, "traceparent"); !strings.Contains(tp, traceID) {
			t.Errorf("traceparent = %q, want trace id %s", tp, traceID)
		}
	})
}

func recordByID(t *testing.T, records []*sarama.ConsumerMessage, id string) *sarama.ConsumerMessage {
	t.Helper()
	var found *sarama.ConsumerMessage
	for _, m := range records {
		if got, _ := header(m, "ce_id"); got == id {
			if found != nil {
				t.Fatalf("event %s stored twice", id)
			}
			found = m
		}
	}
	if found == nil {
		t.Fatalf("event %s not in the topic", id)
	}
	return found
}

func TestSameKeySamePartition(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	keys := []string{"a", "b", "c", "d"}
	for i := range 40 {
		key := keys[i%len(keys)]
		req := binaryEvent(t, r.channelURL(), fmt.Sprint(i), map[string]string{"Ce-Partitionkey": key}, "{}")
		if resp := mustDo(t, req); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status = %d, want 202", resp.StatusCode)
		}
	}
	for _, m := range kafkatest.Records(t, broker.Addrs, testTopic) {
		if want := expectedPartition(t, string(m.Key)); m.Partition != want {
			t.Errorf("key %s in partition %d, want %d", m.Key, m.Partition, want)
		}
	}
}

func TestResponseCodes(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	notReady := readyChannel(testNS, "new", "ns.new")
	notReady.Status.MarkTopicFailed("Creating", "topic being created")
	noTopic := readyChannel(testNS, "notopic", "")
	deleting := readyChannel(testNS, "gone", testTopic)
	deleting.DeletionTimestamp = &metav1.Time{}
	lister := channelLister(t, readyChannel(testNS, testChannel, testTopic), notReady, noTopic, deleting)
	const maxEvent = 1000
	r := startReceiver(t, testOptions{lister: lister, brokers: broker.Addrs, maxEventBytes: maxEvent, waitReady: true})
	eventually(t, "max.event.bytes in force", func() bool { return r.producer.MaxEventBytes() == maxEvent })

	post := func(path, id, body string) *http.Request { return binaryEvent(t, r.url+path, id, nil, body) }
	const noChannel = "no KafkaChannel"
	tests := []struct {
		name       string
		req        *http.Request
		want       int
		reason     string // what a 4xx body must say
		allow      bool
		retryAfter bool
	}{
		{name: "unknown channel by path", req: post("/ns/nope", "1", "{}"), want: http.StatusNotFound, reason: noChannel},
		{name: "unknown channel by host", req: withHost(post("/", "1", "{}"), "nope-kn-channel.ns.svc.cluster.local"), want: http.StatusNotFound, reason: noChannel},
		{name: "host that is not a channel", req: withHost(post("/", "1", "{}"), "example.com"), want: http.StatusNotFound, reason: noChannel},
		{name: "path with too many segments", req: post("/ns/ch/x", "1", "{}"), want: http.StatusNotFound, reason: noChannel},
		{name: "channel being deleted", req: post("/ns/gone", "1", "{}"), want: http.StatusNotFound, reason: noChannel},
		{name: "GET", req: method(http.MethodGet, post("/ns/ch", "1", "")), want: http.StatusMethodNotAllowed, reason: "method GET", allow: true},
		{name: "PUT", req: method(http.MethodPut, post("/ns/ch", "1", "{}")), want: http.StatusMethodNotAllowed, reason: "method PUT", allow: true},
		{name: "OPTIONS is the webhook handshake", req: method(http.MethodOptions, post("/ns/ch", "1", "")), want: http.StatusOK, allow: true},
		{name: "not a CloudEvent", req: plain(r.channelURL(), "text/plain", "hello"), want: http.StatusBadRequest, reason: "Ce-Specversion"},
		{name: "binary event without id", req: withoutHeader(post("/ns/ch", "x", "{}"), "Ce-Id"), want: http.StatusBadRequest, reason: "Ce-Id"},
		{name: "binary event without source and type", req: withoutHeader(withoutHeader(post("/ns/ch", "x", "{}"), "Ce-Source"), "Ce-Type"), want: http.StatusBadRequest, reason: "Ce-Source, Ce-Type"},
		{name: "header named Ce- alone", req: withHeader(post("/ns/ch", "x", "{}"), "Ce-", "x"), want: http.StatusBadRequest, reason: "Ce- names no attribute"},
		{name: "malformed structured event", req: plain(r.channelURL(), "application/cloudevents+json", `{"specversion":`), want: http.StatusBadRequest, reason: "structured"},
		{name: "oversized body", req: post("/ns/ch", "big", strings.Repeat("x", maxEvent+1)), want: http.StatusRequestEntityTooLarge, reason: "max.event.bytes (1000 bytes)"},
		{name: "oversized body without Content-Length", req: chunked(post("/ns/ch", "big", strings.Repeat("x", maxEvent+1))), want: http.StatusRequestEntityTooLarge, reason: "max.event.bytes (1000 bytes)"},
		{name: "topic not ready", req: post("/ns/new", "1", "{}"), want: http.StatusServiceUnavailable, retryAfter: true},
		{name: "no topic recorded yet", req: post("/ns/notopic", "1", "{}"), want: http.StatusServiceUnavailable, retryAfter: true},
		{name: "accepted", req: post("/ns/ch", "at-limit", strings.Repeat("x", maxEvent)), want: http.StatusAccepted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := mustDo(t, tc.req)
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if got := resp.Header.Get("Retry-After"); tc.retryAfter != (got != "") {
				t.Errorf("Retry-After = %q, want set: %v", got, tc.retryAfter)
			}
			if got := resp.Header.Get("Allow"); tc.allow != (got != "") {
				t.Errorf("Allow = %q, want set: %v", got, tc.allow)
			}
			body, _ := io.ReadAll(resp.Body)
			if tc.reason != "" && !strings.Contains(string(body), tc.reason) {
				t.Errorf("body = %q, want it to say %q", body, tc.reason)
			}
		})
	}
	// Only the body at the limit went through; nothing rejected was stored.
	if ids := countIDs(t, kafkatest.Records(t, broker.Addrs, testTopic)); len(ids) != 1 || ids["at-limit"] != 1 {
		t.Errorf("topic holds %v, want only the accepted event", ids)
	}
}

func withHost(req *http.Request, host string) *http.Request { req.Host = host; return req }
func method(m string, req *http.Request) *http.Request      { req.Method = m; return req }
func chunked(req *http.Request) *http.Request               { req.ContentLength = -1; return req }
func withHeader(req *http.Request, h, v string) *http.Request {
	req.Header.Set(h, v)
	return req
}

func withoutHeader(req *http.Request, h string) *http.Request {
	req.Header.Del(h)
	return req
}

func plain(url, contentType, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return req
}

func TestReadiness(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	// A port nothing listens on: the producer cannot connect.
	r := startReceiver(t, testOptions{lister: channelLister(t), brokers: []string{"127.0.0.1:1"}})
	probe := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, r.url+path, nil)
		return mustDo(t, req).StatusCode
	}
	if got := probe(ReadinessPath); got != http.StatusServiceUnavailable {
		t.Errorf("readiness without Kafka = %d, want 503", got)
	}
	if got := probe(LivenessPath); got != http.StatusOK {
		t.Errorf("liveness = %d, want 200", got)
	}
	r.watcher.Set(secretData(broker.Addrs), nil)
	eventually(t, "ready once Kafka is reachable", func() bool { return probe(ReadinessPath) == http.StatusOK })
}

func TestNotReadyChannelThenReady(t *testing.T) {
	// A channel whose topic becomes ready is served without a restart: the
	// lister is read on every request.
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	kc := readyChannel(testNS, testChannel, testTopic)
	kc.Status.MarkTopicFailed("Creating", "")
	indexerLister := channelLister(t, kc)
	r := startReceiver(t, testOptions{lister: indexerLister, brokers: broker.Addrs, waitReady: true})
	if resp := mustDo(t, binaryEvent(t, r.channelURL(), "1", nil, "{}")); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", resp.StatusCode)
	}
	kc.Status.MarkTopicTrue() // the lister hands out this very object
	if resp := mustDo(t, binaryEvent(t, r.channelURL(), "2", nil, "{}")); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status = %d, want 202", resp.StatusCode)
	}
}
