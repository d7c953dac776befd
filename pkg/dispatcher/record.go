package dispatcher

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/binding/spec"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/delivery"
)

// recordMessage is a Kafka record as a CloudEvents message. The subscriber's request
// is written straight from its headers (WriteHTTP), as CloudEvents' Kafka
// and HTTP bindings would write it (TestRecordWritesTheSDKsRequest), which
// spares a map of the headers and the SDK's writer per event; anything else
// (a dead letter with its extensions) reads it through the SDK's Kafka binding.
type recordMessage struct {
	msg     *sarama.ConsumerMessage
	decoded *kafka_sarama.Message
}

var (
	_ delivery.HTTPWriter           = (*recordMessage)(nil)
	_ binding.MessageMetadataReader = (*recordMessage)(nil)
)

// sdk is the record decoded by the SDK, once. A record is delivered by one goroutine.
func (r *recordMessage) sdk() *kafka_sarama.Message {
	if r.decoded == nil {
		r.decoded = decode(r.msg)
	}
	return r.decoded
}

func (r *recordMessage) ReadEncoding() binding.Encoding { return r.sdk().ReadEncoding() }

func (r *recordMessage) ReadStructured(ctx context.Context, w binding.StructuredWriter) error {
	return r.sdk().ReadStructured(ctx, w)
}

func (r *recordMessage) ReadBinary(ctx context.Context, w binding.BinaryWriter) error {
	return r.sdk().ReadBinary(ctx, w)
}

func (r *recordMessage) Finish(error) error { return nil }

// GetAttribute and GetExtension let the SDK's transformers (the dead-letter
// sink's extensions) read the event.
func (r *recordMessage) GetAttribute(k spec.Kind) (spec.Attribute, any) {
	return r.sdk().GetAttribute(k)
}

func (r *recordMessage) GetExtension(name string) any { return r.sdk().GetExtension(name) }

// Kafka's CloudEvents binding: attributes are headers prefixed "ce_", the
// data content type is "content-type".
const (
	cePrefix          = "ce_"
	contentTypeHeader = "content-type"
)

var kafkaSpecs = spec.WithPrefix(cePrefix)

// httpNames maps, for each spec version, the Kafka header of each attribute
// to its HTTP header, as CloudEvents' HTTP binding names it.
var httpNames = func() map[spec.Version]map[string]string {
	names := map[spec.Version]map[string]string{}
	for _, v := range kafkaSpecs.Versions() {
		m := map[string]string{contentTypeHeader: "Content-Type"}
		for _, a := range v.Attributes() {
			m[a.PrefixedName()] = http.CanonicalHeaderKey("ce-" + a.Name())
			if a.Kind() == spec.DataContentType {
				m[a.PrefixedName()] = "Content-Type"
			}
		}
		names[v] = m
	}
	return names
}()

// WriteHTTP writes the record's event into header and returns the body, in
// the mode it was produced in, with the sender's headers that the receiver
// passed through (contract.PassesThrough), every value. Of CloudEvents headers
// whose names differ only in case, the last counts, as in the SDK's Kafka
// binding.
func (r *recordMessage) WriteHTTP(header http.Header) ([]byte, error) {
	contentType, version := "", ""
	for _, h := range r.msg.Headers {
		switch {
		case lowerEquals(h.Key, contentTypeHeader):
			contentType = string(h.Value)
		case lowerEquals(h.Key, cePrefix+"specversion"):
			version = string(h.Value)
		}
	}
	if f := format.Lookup(contentType); f != nil {
		header["Content-Type"] = []string{f.MediaType()}
		for _, h := range r.msg.Headers {
			passThrough(header, h)
		}
		return r.msg.Value, nil
	}
	v := kafkaSpecs.Version(version)
	if v == nil {
		return nil, binding.ErrUnknownEncoding
	}
	names := httpNames[v]
	for _, h := range r.msg.Headers {
		key := strings.ToLower(string(h.Key))
		if name, ok := names[key]; ok {
			header[name] = []string{string(h.Value)}
		} else if ext, ok := strings.CutPrefix(key, cePrefix); ok && ext != "" && !slices.Contains(kafkaExtensions, key) {
			header["Ce-"+strings.ToUpper(ext[:1])+ext[1:]] = []string{string(h.Value)}
		} else {
			passThrough(header, h)
		}
	}
	return r.msg.Value, nil
}

// passThrough adds a record header to the subscriber's request if it is one
// of the sender's that the receiver passed through.
func passThrough(header http.Header, h *sarama.RecordHeader) {
	if contract.PassesThrough(h.Key) {
		name := http.CanonicalHeaderKey(string(h.Key))
		header[name] = append(header[name], string(h.Value))
	}
}
