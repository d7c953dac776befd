package receiver

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/binding/spec"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Header names of a binary-mode CloudEvents 1.0 request, as net/http
// canonicalizes them; its content type is cehttp.ContentType.
const (
	httpPrefix      = "Ce-"
	httpSpecVersion = "Ce-Specversion"
)

// v1Record holds the record headers of the attributes of version 1.0 that
// binaryRecord converts itself, by HTTP header name.
var v1Record = map[string][]byte{
	httpSpecVersion:    []byte(headerPrefix + "specversion"),
	"Ce-Id":            []byte(headerPrefix + "id"),
	"Ce-Source":        []byte(headerPrefix + "source"),
	"Ce-Type":          []byte(headerPrefix + "type"),
	"Ce-Subject":       []byte(headerPrefix + "subject"),
	"Ce-Time":          []byte(headerPrefix + "time"),
	cehttp.ContentType: []byte(contentTypeHeader),
}

// binaryRecord is the record of a binary-mode CloudEvents 1.0 request, made
// straight from its headers: what toEvent and newRecord make of it, without
// the event in between, which was about a tenth of the receiver's CPU (issue
// #14). ok is false for any other request, and for any header whose value the
// SDK would change, refuse or take apart in a way this code does not repeat
// (a dataschema, spaces around a value, an extension name it rejects): the
// SDK's way then decides, so that both ways accept and write the same
// (TestBinaryRecordIsTheSDKs and FuzzBinaryRecord hold them side by side).
func binaryRecord(header http.Header, body []byte) (msg *sarama.ProducerMessage, id string, ok bool) {
	if header.Get(httpSpecVersion) != event.CloudEventsVersionV1 || format.Lookup(header.Get(cehttp.ContentType)) != nil {
		return nil, "", false
	}
	msg = &sarama.ProducerMessage{Headers: make([]sarama.RecordHeader, 0, len(header)+2)}
	var subject, source, eventType string
	for k, vs := range header {
		if len(vs) == 0 {
			continue // no value: as if absent
		}
		key, value, ok := v1Attribute(k, vs[0]) // the first value, as the SDK reads it
		if !ok {
			return nil, "", false
		}
		switch k {
		case "Ce-Id":
			id = value
		case "Ce-Source":
			source = value
		case "Ce-Type":
			eventType = value
		case "Ce-Subject":
			subject = value
		}
		if key == nil { // not a CloudEvents header
			msg.Headers = appendPassThrough(msg.Headers, k, vs)
			continue
		}
		h := sarama.RecordHeader{Key: key, Value: []byte(value)}
		msg.Headers = append(msg.Headers, h)
		if k == "Ce-Partitionkey" && value != "" {
			msg.Key = sarama.ByteEncoder(h.Value)
		}
	}
	if id == "" || source == "" || eventType == "" {
		return nil, "", false // the SDK says which is missing
	}
	if msg.Key == nil && subject != "" {
		msg.Key = sarama.StringEncoder(subject)
	}
	if len(body) > 0 {
		msg.Value = sarama.ByteEncoder(body)
	}
	return msg, id, true
}

// v1Attribute is the record header of one request header of a 1.0 event:
// key nil for a header that is not the event's, ok false when the SDK must
// decide.
func v1Attribute(name, value string) (key []byte, formatted string, ok bool) {
	switch name {
	case httpSpecVersion:
		return v1Record[name], value, true
	case "Ce-Id", "Ce-Type", "Ce-Subject", cehttp.ContentType:
		// The SDK trims these, drops an empty subject or content type,
		// refuses an empty id or type, and parses the media type.
		if value == "" || strings.TrimSpace(value) != value {
			return nil, "", false
		}
		if name == cehttp.ContentType {
			if _, _, err := mime.ParseMediaType(value); err != nil {
				return nil, "", false
			}
		}
		return v1Record[name], value, true
	case "Ce-Source":
		u, err := url.Parse(value)
		if err != nil {
			return nil, "", false
		}
		s := u.String()
		return v1Record[name], s, strings.TrimSpace(s) != ""
	case "Ce-Time":
		t, err := time.Parse(time.RFC3339Nano, value)
		if err != nil || t.IsZero() {
			return nil, "", false
		}
		return v1Record[name], types.FormatTime(t), true
	}
	ext, isCE := strings.CutPrefix(name, httpPrefix)
	if !isCE {
		return nil, "", true
	}
	ext = strings.ToLower(ext)
	if !extensionName(ext) || spec.V1.Attribute(ext) != nil {
		return nil, "", false // dataschema, or a name the SDK refuses
	}
	return []byte(headerPrefix + ext), value, true
}

// extensionName tells whether the SDK takes name, lower-cased, as it is:
// ASCII letters and digits, within its length limit.
func extensionName(name string) bool {
	if name == "" || (event.MaxExtensionNameLength > 0 && len(name) > event.MaxExtensionNameLength) {
		return false
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
