package receiver

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/IBM/sarama"
)

// binaryRecord takes the requests it can to the record the SDK's way
// (toEvent, then newRecord) writes for them, and leaves the others to it.
func TestBinaryRecordIsTheSDKs(t *testing.T) {
	const base = "Ce-Specversion: 1.0\nCe-Id: id-1\nCe-Source: /source\nCe-Type: dev.knative.test\n"
	tests := []struct {
		name, headers string
		set           []string // a header and its value, untrimmed
		fast          bool     // binaryRecord takes it; else the SDK decides
	}{
		{name: "minimal", headers: base, fast: true},
		{name: "content type", headers: base + "Content-Type: application/json", fast: true},
		{name: "content type with parameters", headers: base + "Content-Type: text/plain; charset=utf-8", fast: true},
		{name: "subject is the key", headers: base + "Ce-Subject: order-17", fast: true},
		{name: "partition key over subject", headers: base + "Ce-Subject: s\nCe-Partitionkey: customer-1", fast: true},
		{name: "empty partition key", headers: base + "Ce-Subject: s\nCe-Partitionkey: ", fast: true},
		{name: "time in UTC", headers: base + "Ce-Time: 2026-11-30T12:00:00.123456789Z", fast: true},
		{name: "time with an offset", headers: base + "Ce-Time: 2026-11-30T12:00:00+01:00", fast: true},
		{name: "absolute source", headers: strings.Replace(base, "/source", "https://example.com/a?b=c", 1), fast: true},
		{name: "source the SDK rewrites", headers: strings.Replace(base, "/source", "HTTPS://example.com/a b", 1), fast: true},
		{name: "extensions", headers: base + "Ce-Myext: a b\nCe-Number: 42\nCe-Schemaurl: x", fast: true},
		{name: "other headers", headers: base + "Traceparent: 00-abc\nUser-Agent: test\nContent-Length: 3", fast: true},
		{name: "headers that pass through", headers: base + "Knative-Foo: a\nX-Request-Id: r\nX-B3-Traceid: t\nRetry-After: 5", fast: true},
		{name: "headers that do not pass through", headers: base + "Authorization: Bearer x\nCookie: c=1\nX-Custom: y", fast: true},
		{name: "headers that pass through, to the SDK", headers: base + "Ce-Dataschema: https://example.com/schema\nKnative-Foo: a\nAuthorization: x"},
		{name: "spaces around the id", headers: base, set: []string{"Ce-Id", " id-1 "}},
		{name: "spaces around the type", headers: base, set: []string{"Ce-Type", "t "}},
		{name: "spaces around the content type", headers: base, set: []string{"Content-Type", " text/plain"}},
		{name: "spaces in the source", headers: base, set: []string{"Ce-Source", " /s "}, fast: true},
		{name: "spaces around an extension", headers: base, set: []string{"Ce-Myext", " x "}, fast: true},
		{name: "empty subject", headers: base + "Ce-Subject: "},
		{name: "data schema", headers: base + "Ce-Dataschema: https://example.com/schema"},
		{name: "0.3", headers: strings.Replace(base, "1.0", "0.3", 1)},
		{name: "unknown version", headers: strings.Replace(base, "1.0", "2.0", 1)},
		{name: "structured", headers: base + "Content-Type: application/cloudevents+json"},
		{name: "no source", headers: strings.Replace(base, "Ce-Source: /source\n", "", 1)},
		{name: "no id", headers: strings.Replace(base, "Ce-Id: id-1\n", "", 1)},
		{name: "bad time", headers: base + "Ce-Time: yesterday"},
		{name: "bad source", headers: strings.Replace(base, "/source", "%%", 1)},
		{name: "bad media type", headers: base + "Content-Type: text/"},
		{name: "extension named as an attribute", headers: base + "Ce-Datacontenttype: text/plain"},
		{name: "extension name with a dash", headers: base + "Ce-My-Ext: x"},
		{name: "extension name with an underscore", headers: base + "Ce-My_ext: x"},
		{name: "header named Ce- alone", headers: base + "Ce-: x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := parseHeaders(tc.headers)
			if tc.set != nil {
				h.Set(tc.set[0], tc.set[1])
			}
			fast := sameRecord(t, h, []byte(`{"n":1}`))
			if fast != tc.fast {
				t.Errorf("binaryRecord took it: %t, want %t", fast, tc.fast)
			}
		})
	}
	t.Run("no data", func(t *testing.T) {
		if !sameRecord(t, parseHeaders(base), nil) {
			t.Error("binaryRecord did not take an event without data")
		}
	})
	t.Run("repeated header that passes through", func(t *testing.T) {
		h := parseHeaders(base)
		h.Add("Knative-Foo", "first")
		h.Add("Knative-Foo", "second")
		if !sameRecord(t, h, nil) {
			t.Error("binaryRecord did not take a repeated Knative-Foo")
		}
	})
	t.Run("repeated header", func(t *testing.T) {
		h := parseHeaders(base)
		h.Add("Ce-Id", "id-2")
		if !sameRecord(t, h, nil) {
			t.Error("binaryRecord did not take a repeated id")
		}
	})
}

// FuzzBinaryRecord: whatever the headers, a request binaryRecord takes is one
// the SDK's way accepts, with the same record.
func FuzzBinaryRecord(f *testing.F) {
	f.Add("Ce-Specversion: 1.0\nCe-Id: 1\nCe-Source: /s\nCe-Type: t\nContent-Type: application/json", []byte(`{}`))
	f.Add("Ce-Specversion: 1.0\nCe-Id: 1\nCe-Source: a b\nCe-Type: t\nCe-Time: 2026-01-02T03:04:05.6-07:00", []byte(nil))
	f.Add("Ce-Specversion: 1.0\nCe-Id: 1\nCe-Source: /s\nCe-Type: t\nCe-Subject: x\nCe-Partitionkey: k\nCe-A1: v", []byte("x"))
	f.Fuzz(func(t *testing.T, headers string, body []byte) {
		sameRecord(t, parseHeaders(headers), body)
	})
}

// sameRecord checks that when binaryRecord takes a request, the SDK's way
// accepts it too and writes the same record, and tells whether it took it.
func sameRecord(t *testing.T, h http.Header, body []byte) bool {
	t.Helper()
	got, gotID, ok := binaryRecord(h, body)
	want, wantID, err := eventRecord(h, body)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("binaryRecord took %v, which the SDK refuses: %v", h, err)
	}
	if gh, wh := headerList(got), headerList(want); !slices.Equal(gh, wh) {
		t.Errorf("headers\n got %v\nwant %v", gh, wh)
	}
	if gotID != wantID {
		t.Errorf("id %q, want %q", gotID, wantID)
	}
	if gk, wk := encoded(t, got.Key), encoded(t, want.Key); gk != wk || (got.Key == nil) != (want.Key == nil) {
		t.Errorf("key %q, want %q", gk, wk)
	}
	if gv, wv := encoded(t, got.Value), encoded(t, want.Value); gv != wv || (got.Value == nil) != (want.Value == nil) {
		t.Errorf("value %q (nil %t), want %q (nil %t)", gv, got.Value == nil, wv, want.Value == nil)
	}
	return true
}

// headerList is a record's headers as "key: value" lines, sorted: the order
// of a request's headers is a map's.
func headerList(msg *sarama.ProducerMessage) []string {
	var out []string
	for _, h := range msg.Headers {
		out = append(out, string(h.Key)+": "+string(h.Value))
	}
	slices.Sort(out)
	return out
}

// The fast path costs no allocation for the headers that do not pass
// through, which nearly every request has.
func TestBinaryRecordAllocatesNothingForOtherHeaders(t *testing.T) {
	base := parseHeaders("Ce-Specversion: 1.0\nCe-Id: id-1\nCe-Source: /source\nCe-Type: dev.knative.test")
	other := base.Clone()
	for _, name := range []string{"Authorization", "Cookie", "User-Agent", "Accept-Encoding", "X-Forwarded-For"} {
		other.Set(name, "value")
	}
	body := []byte("{}")
	allocs := func(h http.Header) float64 {
		return testing.AllocsPerRun(100, func() { _, _, _ = binaryRecord(h, body) })
	}
	if a, b := allocs(base), allocs(other); a != b {
		t.Errorf("binaryRecord allocates %v times with other headers, %v without", b, a)
	}
}
