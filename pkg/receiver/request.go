package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"go.uber.org/zap"
	"knative.dev/eventing/pkg/apis/feature"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// errNamelessAttribute: a header named Ce- and nothing more.
var errNamelessAttribute = errors.New("not a valid CloudEvent: a header named Ce- names no attribute")

// readBody reads the whole body, at most max.event.bytes, and takes the
// request's in-flight slot: once the body is read, or once unslottedBytes of
// it arrived, whichever comes first, so that a sender whose body stalls early
// holds no slot and one whose large body stalls holds it no longer than the
// body timeout. On success the request holds its slot; on error it holds none,
// and the status to answer is returned, 0 when answered already.
func (h *Handler) readBody(a *answer, r *http.Request) ([]byte, int, error) {
	limit := h.producer.MaxEventBytes()
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge(limit)
	}
	if r.ContentLength != 0 {
		// Bounds the body's read alone: net/http lifts the deadline once the
		// body ended. Every ResponseWriter of net/http can set it.
		_ = http.NewResponseController(a.w).SetReadDeadline(time.Now().Add(h.bodyTimeout))
	}
	// A body without a (truthful) Content-Length is cut at the limit.
	body := http.MaxBytesReader(a.w, r.Body, limit)
	data, complete, err := readHead(body, r.ContentLength)
	if err != nil {
		status, err := h.readFailure(err, limit)
		return nil, status, err
	}
	if !h.takeSlot(a) {
		return nil, 0, errOverloaded
	}
	if !complete {
		if data, err = readRest(body, data, r.ContentLength); err != nil {
			h.release()
			status, err := h.readFailure(err, limit)
			return nil, status, err
		}
	}
	return data, http.StatusOK, nil
}

// errOverloaded: every in-flight slot is taken; takeSlot answered.
var errOverloaded = errors.New("the receiver is at its in-flight cap")

// readHead reads the body, in one allocation when its size is known, as far
// as a request may without a slot; complete tells whether that was all of it.
func readHead(body io.Reader, size int64) (head []byte, complete bool, err error) {
	if size >= 0 {
		head = make([]byte, min(size, unslottedBytes))
		_, err = io.ReadFull(body, head)
		return head, size <= unslottedBytes, err
	}
	head, err = io.ReadAll(io.LimitReader(body, unslottedBytes+1))
	return head, len(head) <= unslottedBytes, err
}

// readRest reads the rest of a body that began with head, in one allocation
// when its size is known.
func readRest(body io.Reader, head []byte, size int64) ([]byte, error) {
	if size >= 0 {
		data := make([]byte, size)
		_, err := io.ReadFull(body, data[copy(data, head):])
		return data, err
	}
	buf := bytes.NewBuffer(head)
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

// readFailure is the status and reason of a body that could not be read.
func (h *Handler) readFailure(err error, limit int64) (int, error) {
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		return http.StatusRequestEntityTooLarge, tooLarge(limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout, fmt.Errorf("the request body did not arrive within %v", h.bodyTimeout)
	}
	return http.StatusInternalServerError, fmt.Errorf("reading the request body: %w", err)
}

func tooLarge(limit int64) error {
	return fmt.Errorf("the event body is over max.event.bytes (%d bytes)", limit)
}

// toRecord is the record of the CloudEvent in a request, and the event's id:
// made straight from the headers of a binary-mode 1.0 event when
// binaryRecord can, else by the SDK (eventRecord).
func toRecord(header http.Header, body []byte) (*sarama.ProducerMessage, string, error) {
	if msg, id, ok := binaryRecord(header, body); ok {
		return msg, id, nil
	}
	return eventRecord(header, body)
}

// eventRecord is the record of the CloudEvent in a request made the SDK's
// way (toEvent, newRecord), with the headers that pass through, and the
// event's id.
func eventRecord(header http.Header, body []byte) (*sarama.ProducerMessage, string, error) {
	ev, err := toEvent(header, body)
	if err != nil {
		return nil, "", err
	}
	msg, err := newRecord(ev)
	if err != nil {
		return nil, "", err
	}
	for k, vs := range header {
		msg.Headers = appendPassThrough(msg.Headers, k, vs)
	}
	return msg, ev.ID(), nil
}

// toEvent reads a CloudEvent in binary or structured mode, as the CloudEvents
// SDK does, and validates it. A binary event takes body as its data, without
// the copy the SDK would make of a body it has to read.
func toEvent(header http.Header, body []byte) (*event.Event, error) {
	if _, ok := header[httpPrefix]; ok {
		return nil, errNamelessAttribute // the SDK would panic on it
	}
	msg := cehttp.NewMessage(header, nil)
	if msg.ReadEncoding() != binding.EncodingBinary {
		msg.BodyReader = io.NopCloser(bytes.NewReader(body))
	}
	ev, err := binding.ToEvent(context.Background(), msg)
	if err != nil {
		return nil, err
	}
	if msg.ReadEncoding() == binding.EncodingBinary && len(body) > 0 {
		ev.DataEncoded = body
	}
	return ev, ev.Validate()
}

// badEvent tells a sender why its request is not a valid CloudEvent, from
// what its headers lack.
func badEvent(h http.Header) error {
	if _, ok := h[httpPrefix]; ok {
		return errNamelessAttribute
	}
	if strings.HasPrefix(h.Get("Content-Type"), "application/cloudevents") {
		return errors.New("the body is not a valid structured CloudEvent: JSON with at least specversion, id, source and type")
	}
	if h.Get("Ce-Specversion") == "" {
		return errors.New("not a CloudEvent: no Ce-Specversion header (binary mode) nor Content-Type application/cloudevents+json (structured mode)")
	}
	var missing []string
	for _, k := range []string{"Ce-Id", "Ce-Source", "Ce-Type"} {
		if h.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return errors.New("not a valid CloudEvent: missing header " + strings.Join(missing, ", "))
	}
	return errors.New("not a valid CloudEvent: Ce-Specversion must be 1.0 or 0.3, Ce-Source a URI reference, Ce-Time RFC 3339")
}

// verify checks the sender's OIDC token against the channel's audience and
// EventPolicies when eventing's authentication-oidc is on, with eventing's
// own verifier; it answers 401 or 403 itself, so any status but 200 ends the
// request.
func (h *Handler) verify(a *answer, r *http.Request, kc *v1beta1.KafkaChannel, body []byte) (int, error) {
	ctx := r.Context()
	if h.withFeatures != nil {
		ctx = h.withFeatures(ctx)
	}
	features := feature.FromContext(ctx)
	if !features.IsOIDCAuthentication() {
		return http.StatusOK, nil
	}
	audience := contract.Audience(kc.Namespace, kc.Name)
	// The verifier reads a structured event's body to match policy filters.
	copied := &http.Request{Header: r.Header, Body: io.NopCloser(bytes.NewReader(body))}
	// The policies that apply to the channel, as the controller found them.
	if err := h.verifier.VerifyRequest(ctx, features, &audience, kc.Namespace, kc.Status.Policies, copied, a); err != nil {
		h.logger.Info("Refused a request whose sender is not verified", zap.String("channel", kc.Namespace+"/"+kc.Name), zap.Error(err))
		return 0, err
	}
	return http.StatusOK, nil
}

// unslottedBytes is how much of its body a request reads before it takes an
// in-flight slot: most events, whose body it reads without one. Besides the
// 4 KiB buffers net/http gives a connection and the up to 1 MiB of headers it
// reads before the handler runs, this is all that a body that stalls holds.
const unslottedBytes = 16 << 10
