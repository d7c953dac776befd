package dispatcher

import (
	"context"
	"io"
	"maps"
	"net/http"
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
