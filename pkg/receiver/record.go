package receiver

import (
	"fmt"
	"strings"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/v2/binding/spec"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
	"go.opentelemetry.io/otel/propagation"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// traceContext carries W3C trace context (traceparent, tracestate) into
// record headers, whatever global propagator the process configured.
var traceContext = propagation.TraceContext{}

// Header names of the CloudEvents Kafka protocol binding in binary mode.
const (
	headerPrefix      = "ce_"
	contentTypeHeader = "content-type"
	partitionKeyExt   = "partitionkey"
)

// attributeHeaders are the header names of the context attributes of every
// spec version, made once: Sarama only reads a header's key.
var attributeHeaders = func() map[string][]byte {
	names := map[string][]byte{}
	for _, v := range spec.VS.Versions() {
		for _, a := range v.Attributes() {
			if a.Kind() == spec.DataContentType {
				names[a.Name()] = []byte(contentTypeHeader)
				continue
			}
			names[a.Name()] = []byte(headerPrefix + a.Name())
		}
	}
	return names
}()

// newRecord encodes ev in the CloudEvents Kafka binding's binary mode,
// exactly as the SDK's kafka_sarama.WriteProducerMessage does (the record
// test holds the two side by side): ce_* headers, datacontenttype as
// content-type, the data as value, not copied. The receiver adds the topic
// and the trace context.
//
// Key: the partitionkey extension, else the subject, else none, which spreads
// records over the partitions.
func newRecord(ev *event.Event) (*sarama.ProducerMessage, error) {
	version := spec.VS.Version(ev.SpecVersion())
	if version == nil {
		return nil, fmt.Errorf("unknown CloudEvents specversion %q", ev.SpecVersion())
	}
	exts := ev.Extensions()
	// Room for the trace context, so that injecting it does not copy.
	headers := make([]sarama.RecordHeader, 0, len(version.Attributes())+len(exts)+2)
	for _, a := range version.Attributes() {
		if v := a.Get(ev.Context); v != nil {
			h, err := formatHeader(attributeHeaders[a.Name()], v)
			if err != nil {
				return nil, err
			}
			headers = append(headers, h)
		}
	}
	msg := &sarama.ProducerMessage{}
	for name, v := range exts {
		h, err := formatHeader([]byte(headerPrefix+name), v)
		if err != nil {
			return nil, err
		}
		headers = append(headers, h)
		if name == partitionKeyExt && !types.IsZero(v) {
			msg.Key = sarama.ByteEncoder(h.Value)
		}
	}
	msg.Headers = headers
	if data := ev.Data(); len(data) > 0 {
		msg.Value = sarama.ByteEncoder(data)
	}
	if msg.Key == nil && ev.Subject() != "" {
		msg.Key = sarama.StringEncoder(ev.Subject())
	}
	return msg, nil
}

// appendPassThrough appends to a record's headers those of a request header
// that passes through to subscribers (contract.PassesThrough): one per value,
// named in lower case, as no CloudEvents header is.
func appendPassThrough(headers []sarama.RecordHeader, name string, values []string) []sarama.RecordHeader {
	if !contract.PassesThrough(name) {
		return headers
	}
	key := []byte(strings.ToLower(name))
	for _, v := range values {
		headers = append(headers, sarama.RecordHeader{Key: key, Value: []byte(v)})
	}
	return headers
}

// formatHeader is a record header of a context attribute or extension: its
// canonical string form, as every Kafka header is a string.
func formatHeader(key []byte, value any) (sarama.RecordHeader, error) {
	s, err := types.Format(value)
	if err != nil {
		return sarama.RecordHeader{}, err
	}
	return sarama.RecordHeader{Key: key, Value: []byte(s)}, nil
}

// recordHeaders is a propagation.TextMapCarrier over a record's headers.
type recordHeaders struct {
	msg *sarama.ProducerMessage
}

var _ propagation.TextMapCarrier = recordHeaders{}

func (h recordHeaders) Get(key string) string {
	for _, hd := range h.msg.Headers {
		if string(hd.Key) == key {
			return string(hd.Value)
		}
	}
	return ""
}

func (h recordHeaders) Set(key, value string) {
	for i, hd := range h.msg.Headers {
		if string(hd.Key) == key {
			h.msg.Headers[i].Value = []byte(value)
			return
		}
	}
	h.msg.Headers = append(h.msg.Headers, sarama.RecordHeader{Key: []byte(key), Value: []byte(value)})
}

func (h recordHeaders) Keys() []string {
	keys := make([]string, len(h.msg.Headers))
	for i, hd := range h.msg.Headers {
		keys[i] = string(hd.Key)
	}
	return keys
}
