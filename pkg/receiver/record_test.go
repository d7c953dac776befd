package receiver

import (
	"context"
	"maps"
	"net/url"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafkasarama "github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// newRecord writes what the CloudEvents SDK's Kafka binding writes, which the
// dispatcher and every other reader of the topic decode: the same headers,
// key and value, for events of both spec versions with every kind of
// attribute and extension.
func TestRecordIsTheSDKsBinaryMode(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
	schema, _ := url.Parse("https://example.com/schema")
	events := map[string]func(e *event.Event){
		"minimal":  func(*event.Event) {},
		"no data":  func(e *event.Event) { e.DataEncoded = nil },
		"0.3":      func(e *event.Event) { e.SetSpecVersion(event.CloudEventsVersionV03) },
		"0.3 full": func(e *event.Event) { e.SetSpecVersion(event.CloudEventsVersionV03); e.SetSubject("s"); e.SetTime(at) },
		"all attributes": func(e *event.Event) {
			e.SetDataContentType("application/json")
			e.SetDataSchema(schema.String())
			e.SetSubject("order-17")
			e.SetTime(at)
		},
		"extensions": func(e *event.Event) {
			e.SetExtension("text", "a b")
			e.SetExtension("number", 42)
			e.SetExtension("flag", true)
			e.SetExtension("when", types.Timestamp{Time: at})
			e.SetExtension("where", types.URI{URL: *schema})
		},
		"partition key":              func(e *event.Event) { e.SetExtension("partitionkey", "customer-1") },
		"partition key over subject": func(e *event.Event) { e.SetExtension("partitionkey", "k"); e.SetSubject("s") },
		"subject as key":             func(e *event.Event) { e.SetSubject("s") },
		"zero partition key":         func(e *event.Event) { e.SetExtension("partitionkey", 0); e.SetSubject("s") },
	}
	for name, edit := range events {
		t.Run(name, func(t *testing.T) {
			e := event.New()
			e.SetID("id-1")
			e.SetSource("/source")
			e.SetType("dev.knative.test")
			e.DataEncoded = []byte(`{"n":1}`)
			edit(&e)
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
			got, err := newRecord(&e)
			if err != nil {
				t.Fatal(err)
			}
			want := sdkRecord(t, &e)
			if gh, wh := headerMap(got), headerMap(want); !maps.Equal(gh, wh) {
				t.Errorf("headers\n got %v\nwant %v", gh, wh)
			}
			if gk, wk := encoded(t, got.Key), encoded(t, want.Key); gk != wk {
				t.Errorf("key %q, want %q", gk, wk)
			}
			if gv, wv := encoded(t, got.Value), encoded(t, want.Value); gv != wv || (got.Value == nil) != (want.Value == nil) {
				t.Errorf("value %q (nil %t), want %q (nil %t)", gv, got.Value == nil, wv, want.Value == nil)
			}
		})
	}
}

// sdkRecord is the record of the SDK's binding, with the key the receiver
// takes from the subject when there is no partition key.
func sdkRecord(t *testing.T, e *event.Event) *sarama.ProducerMessage {
	t.Helper()
	msg := &sarama.ProducerMessage{Topic: "topic"}
	if err := kafkasarama.WriteProducerMessage(binding.WithForceBinary(context.Background()), binding.ToMessage(e), msg); err != nil {
		t.Fatal(err)
	}
	if msg.Key == nil && e.Subject() != "" {
		msg.Key = sarama.StringEncoder(e.Subject())
	}
	return msg
}

func headerMap(msg *sarama.ProducerMessage) map[string]string {
	out := map[string]string{}
	for _, h := range msg.Headers {
		out[string(h.Key)] = string(h.Value)
	}
	return out
}

func encoded(t *testing.T, e sarama.Encoder) string {
	t.Helper()
	if e == nil {
		return ""
	}
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
