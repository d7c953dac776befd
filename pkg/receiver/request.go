package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"go.uber.org/zap"
	"knative.dev/eventing/pkg/apis/feature"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
)

// errNamelessAttribute: a header named Ce- and nothing more.
var errNamelessAttribute = errors.New("not a valid CloudEvent: a header named Ce- names no attribute")

// readBody reads the whole body, at most limit bytes, in one allocation when
// the sender gave its length. On error it returns the status to answer.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge(limit)
	}
	// A body without a (truthful) Content-Length is cut at the limit.
	body := http.MaxBytesReader(w, r.Body, limit)
	var (
		data []byte
		err  error
	)
	if r.ContentLength >= 0 {
		data = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, data)
	} else {
		data, err = io.ReadAll(body)
	}
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		return nil, http.StatusRequestEntityTooLarge, tooLarge(limit)
	case err != nil:
		return nil, http.StatusInternalServerError, fmt.Errorf("reading the request body: %w", err)
	}
	return data, http.StatusOK, nil
}

func tooLarge(limit int64) error {
	return fmt.Errorf("the event body is over max.event.bytes (%d bytes)", limit)
}

// toRecord is the record of the CloudEvent in a request, and the event's id:
// made straight from the headers of a binary-mode 1.0 event when
// binaryRecord can, else by the SDK (toEvent, newRecord).
func toRecord(header http.Header, body []byte) (*sarama.ProducerMessage, string, error) {
	if msg, id, ok := binaryRecord(header, body); ok {
		return msg, id, nil
	}
	ev, err := toEvent(header, body)
	if err != nil {
		return nil, "", err
	}
	msg, err := newRecord(ev)
	return msg, ev.ID(), err
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
	audience := resources.Audience(kc.Namespace, kc.Name)
	// The verifier reads a structured event's body to match policy filters.
	copied := &http.Request{Header: r.Header, Body: io.NopCloser(bytes.NewReader(body))}
	// The policies that apply to the channel, as the controller found them.
	if err := h.verifier.VerifyRequest(ctx, features, &audience, kc.Namespace, kc.Status.Policies, copied, a); err != nil {
		h.logger.Info("Refused a request whose sender is not verified", zap.String("channel", kc.Namespace+"/"+kc.Name), zap.Error(err))
		return 0, err
	}
	return http.StatusOK, nil
}
