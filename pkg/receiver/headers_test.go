package receiver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// passed are request headers that pass through to the record, as Knative
// Eventing's channels pass them to subscribers, by record header name;
// withheld are some that must not.
var (
	passed = map[string]string{
		"Knative-Foo":  "knative-foo",
		"X-Request-Id": "x-request-id",
		"X-B3-Traceid": "x-b3-traceid",
		"Retry-After":  "retry-after",
	}
	withheld = []string{"Authorization", "Cookie", "X-Custom", "User-Agent"}
)

// TestPassThroughHeaders: whichever way the receiver makes the record (the
// binary fast path, the SDK's way for a binary event it leaves to the SDK, a
// structured event), the record carries the headers that pass through, and
// no other.
func TestPassThroughHeaders(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	structured := plain(r.channelURL(), "application/cloudevents+json",
		`{"specversion":"1.0","id":"structured","source":"/test","type":"dev.knative.test"}`)
	requests := []*http.Request{
		binaryEvent(t, r.channelURL(), "fast", nil, "{}"),
		binaryEvent(t, r.channelURL(), "sdk", map[string]string{"Ce-Dataschema": "https://example.com/schema"}, "{}"),
		structured,
	}
	for _, req := range requests {
		for name := range passed {
			req.Header.Set(name, "value of "+name)
		}
		for _, name := range withheld {
			req.Header.Set(name, "secret")
		}
		if resp := mustDo(t, req); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d, want 202", resp.StatusCode)
		}
	}
	records := kafkatest.Records(t, broker.Addrs, testTopic)
	for _, id := range []string{"fast", "sdk", "structured"} {
		m := recordByID(t, records, id)
		for name, key := range passed {
			if got, _ := header(m, key); got != "value of "+name {
				t.Errorf("%s: record header %s = %q, want %q", id, key, got, "value of "+name)
			}
		}
		for _, name := range withheld {
			if got, ok := header(m, strings.ToLower(name)); ok {
				t.Errorf("%s: record carries %s (%q)", id, name, got)
			}
		}
	}
}
