package receiver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// FuzzRequest sends arbitrary requests through the whole request path, down
// to a kfake broker: the receiver must never panic, must answer with one of
// its documented codes, and may accept only a POST to the ready channel.
func FuzzRequest(f *testing.F) {
	const structured = `{"specversion":"1.0","id":"1","type":"t","source":"/s","data":{"a":1}}`
	binary := "Ce-Specversion: 1.0\nCe-Id: 1\nCe-Type: t\nCe-Source: /s\nContent-Type: application/json"
	f.Add("POST", "/ns/ch", "", binary, []byte(`{"a":1}`))
	f.Add("POST", "/", "ch-kn-channel.ns.svc.cluster.local", binary+"\nCe-Partitionkey: k", []byte(`{}`))
	f.Add("POST", "/ns/ch", "", "Content-Type: application/cloudevents+json", []byte(structured))
	f.Add("POST", "/ns/ch", "", "Content-Type: application/cloudevents-batch+json", []byte("["+structured+"]"))
	f.Add("POST", "/ns/ch", "", "Ce-Specversion: 0.1\nCe-Id: 1", []byte{0xff, 0})
	f.Add("POST", "/ns/ch", "", "Ce-Specversion: 1.0\nCe-Id: 1\nCe-Type: t\nCe-Source: %%\nCe-Time: yesterday", []byte("x"))
	f.Add("POST", "/ns/ch", "", "Content-Type: application/cloudevents+json", []byte(`{"specversion":"1.0","id":1,"data_base64":"!!"}`))
	f.Add("GET", "/readyz", "", "", []byte(nil))
	f.Add("DELETE", "/ns/ch", "", "", []byte(nil))
	f.Add("POST", "/../ns/ch", "ch-kn-channel..svc", "Content-Length: -5", []byte(nil))
	f.Add("POST", "/ns/ch/", "[::1]:80", binary+"\nTraceparent: 00-zz", []byte(strings.Repeat("x", 2048)))

	broker := kafkatest.Start(f, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(f, testOptions{
		lister: channelLister(f, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs,
		maxEventBytes: 1024, waitReady: true, logger: zap.NewNop(),
	})
	eventually(f, "max.event.bytes in force", func() bool { return r.producer.MaxEventBytes() == 1024 })
	handler := r.server.routes(false)
	allowed := map[int]bool{200: true, 202: true, 400: true, 404: true, 405: true, 413: true, 503: true}

	f.Fuzz(func(t *testing.T, method, path, host, headers string, body []byte) {
		req := &http.Request{
			Method: method, URL: &url.URL{Path: path}, Host: host, Header: parseHeaders(headers),
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RemoteAddr: "127.0.0.1:1",
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req.WithContext(t.Context()))
		if !allowed[rec.Code] {
			t.Fatalf("%s %s (Host %q): status %d is not a documented answer", method, path, host, rec.Code)
		}
		if rec.Code == http.StatusAccepted && method != http.MethodPost {
			t.Fatalf("%s accepted", method)
		}
	})
}

// parseHeaders reads "Name: value" lines, skipping what is not one.
func parseHeaders(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k != "" {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return h
}
