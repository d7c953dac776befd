package dispatcher

import (
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/IBM/sarama"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

func kafkaHeaders(kv ...string) []*sarama.RecordHeader {
	var hs []*sarama.RecordHeader
	for i := 0; i < len(kv); i += 2 {
		hs = append(hs, &sarama.RecordHeader{Key: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return hs
}

// The request written straight from a record is the one CloudEvents' Kafka
// and HTTP bindings write through the SDK: the same headers and body, and an
// error for the same records.
func TestRecordWritesTheSDKsRequest(t *testing.T) {
	binary := []string{"ce_specversion", "1.0", "ce_id", "r-1", "ce_source", "/src", "ce_type", "dev.t",
		"ce_subject", "sub", "ce_time", "2026-12-01T03:00:00Z", "ce_dataschema", "https://schema/x",
		"content-type", "application/json", "ce_myext", "value", "ce_num", "42"}
	structured := `{"specversion":"1.0","id":"s-1","source":"/src","type":"dev.t","data":{"a":1}}`
	for name, tc := range map[string]struct {
		headers []*sarama.RecordHeader
		value   []byte
	}{
		"binary, every attribute and extensions": {kafkaHeaders(binary...), []byte(`{"a":1}`)},
		"binary, upper-case names": {kafkaHeaders("CE_SPECVERSION", "1.0", "Ce_Id", "r-2", "CE_SOURCE", "/src",
			"ce_type", "dev.t", "Content-Type", "text/plain", "CE_MYEXT", "v"), []byte("text")},
		"binary 0.3": {kafkaHeaders("ce_specversion", "0.3", "ce_id", "r-3", "ce_source", "/src", "ce_type", "dev.t",
			"ce_schemaurl", "https://schema/y", "ce_datacontentencoding", "base64", "content-type", "application/json"), []byte(`"eyJhIjoxfQ=="`)},
		"binary, a name repeated in another case: the last counts": {kafkaHeaders("ce_specversion", "1.0",
			"ce_id", "first", "CE_ID", "last", "ce_source", "/src", "ce_type", "dev.t"), []byte("x")},
		"binary, Kafka's own extensions are not passed on": {kafkaHeaders("ce_specversion", "1.0", "ce_id", "r-4",
			"ce_source", "/src", "ce_type", "dev.t", "ce_kafkaoffset", "7", "ce_kafkatopic", "t", "traceparent", "00-x"), []byte("x")},
		"binary without data":    {kafkaHeaders("ce_specversion", "1.0", "ce_id", "r-5", "ce_source", "/src", "ce_type", "dev.t"), nil},
		"binary with empty data": {kafkaHeaders("ce_specversion", "1.0", "ce_id", "r-6", "ce_source", "/src", "ce_type", "dev.t"), []byte{}},
		"structured":             {kafkaHeaders("content-type", "application/cloudevents+json; charset=utf-8"), []byte(structured)},
		"structured wins over ce_ headers": {kafkaHeaders("ce_specversion", "1.0", "ce_id", "r-7",
			"content-type", "application/cloudevents+json"), []byte(structured)},
		"not a CloudEvent":    {kafkaHeaders("content-type", "text/plain"), []byte("plain")},
		"unknown specversion": {kafkaHeaders("ce_specversion", "2.0", "ce_id", "r-8"), []byte("x")},
	} {
		t.Run(name, func(t *testing.T) {
			msg := &sarama.ConsumerMessage{Topic: "t", Partition: 1, Offset: 9, Headers: tc.headers, Value: tc.value}
			sdk := &http.Request{Header: http.Header{}}
			sdkErr := cehttp.WriteRequest(context.Background(), decode(msg), sdk)
			var sdkBody []byte
			if sdk.Body != nil {
				sdkBody, _ = io.ReadAll(sdk.Body)
			}

			header := http.Header{}
			body, err := (&recordMessage{msg: msg}).WriteHTTP(header)

			if (err != nil) != (sdkErr != nil) {
				t.Fatalf("error %v, the SDK's %v", err, sdkErr)
			}
			if err != nil {
				return
			}
			if !maps.EqualFunc(header, sdk.Header, func(a, b []string) bool { return len(a) == 1 && len(b) == 1 && a[0] == b[0] }) {
				t.Errorf("headers\n%v\nthe SDK's\n%v", header, sdk.Header)
			}
			if string(body) != string(sdkBody) {
				t.Errorf("body %q, the SDK's %q", body, sdkBody)
			}
		})
	}
}

// The headers a sender's request passed through to the record (see
// contract.PassesThrough) go on the subscriber's request, in either mode,
// every value in order; no other record header does.
func TestRecordPassesHeadersThrough(t *testing.T) {
	passed := []string{"knative-foo", "a", "x-request-id", "r-1", "x-b3-traceid", "t-1", "X-B3-Sampled", "1",
		"retry-after", "5", "knative-multi", "first", "knative-multi", "second"}
	withheld := []string{"authorization", "Bearer x", "cookie", "c=1", "x-custom", "no", "kafka_key", "k"}
	want := http.Header{"Knative-Foo": {"a"}, "X-Request-Id": {"r-1"}, "X-B3-Traceid": {"t-1"}, "X-B3-Sampled": {"1"},
		"Retry-After": {"5"}, "Knative-Multi": {"first", "second"}}
	for name, event := range map[string][]string{
		"binary":     {"ce_specversion", "1.0", "ce_id", "r-1", "ce_source", "/src", "ce_type", "dev.t"},
		"structured": {"content-type", "application/cloudevents+json"},
	} {
		t.Run(name, func(t *testing.T) {
			headers := kafkaHeaders(append(append(event, passed...), withheld...)...)
			msg := &sarama.ConsumerMessage{Headers: headers, Value: []byte(`{"specversion":"1.0","id":"s-1","source":"/src","type":"dev.t"}`)}
			header := http.Header{}
			if _, err := (&recordMessage{msg: msg}).WriteHTTP(header); err != nil {
				t.Fatal(err)
			}
			for k, v := range want {
				if !slices.Equal(header[k], v) {
					t.Errorf("%s: %q, want %q", k, header[k], v)
				}
			}
			for _, k := range []string{"Authorization", "Cookie", "X-Custom", "Kafka_key"} {
				if v, ok := header[k]; ok {
					t.Errorf("%s passed through: %q", k, v)
				}
			}
		})
	}
}
