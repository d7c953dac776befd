package receiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/channel"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
)

// DefaultRetryAfter is the Retry-After of a 503: long enough for a short
// Kafka outage or overload to pass; the receiver itself takes events again
// within about a second of Kafka's return.
const DefaultRetryAfter = 5 * time.Second

// DefaultMaxInFlight caps the requests a receiver serves at once. A request
// holds its body about twice over (the event's data, the encoded record): 200
// events of the default 1 MiB max.event.bytes fit the Deployment's 1000Mi
// memory limit.
const DefaultMaxInFlight = 200

// DefaultBodyTimeout bounds how long a request's body takes to arrive: a
// sender inside the cluster sends the default 1 MiB max.event.bytes in well
// under a second, while a body that stalls holds its buffer, and past
// unslottedBytes an in-flight slot, only this long.
const DefaultBodyTimeout = 10 * time.Second

// Options configure a Handler.
type Options struct {
	// Channels lists the KafkaChannels, usually from the informer cache.
	Channels listers.KafkaChannelLister
	// Producer writes the records.
	Producer *Producer
	Logger   *zap.Logger
	// MeterProvider and TracerProvider default to the OpenTelemetry globals
	// that sharedmain sets up.
	MeterProvider  metric.MeterProvider
	TracerProvider trace.TracerProvider
	// RetryAfter is sent with every 503; DefaultRetryAfter when zero.
	RetryAfter time.Duration
	// MaxInFlight caps the requests that hold a body, from the time it is
	// over unslottedBytes until Kafka no longer holds its record; beyond it a
	// request gets 503 without the rest of its body read. DefaultMaxInFlight
	// when zero.
	MaxInFlight int
	// BodyTimeout bounds the time a request's body takes to arrive, from the
	// end of its headers; DefaultBodyTimeout when zero.
	BodyTimeout time.Duration
	// WithFeatures puts eventing's config-features into a request's context
	// (feature.Store.ToContext); nil leaves every feature at its default, so
	// OIDC off. Verifier checks the tokens once authentication-oidc is on, and
	// must be set when WithFeatures is.
	WithFeatures func(context.Context) context.Context
	Verifier     *auth.Verifier
}

// Handler is the ingress http.Handler: it routes a request to its channel,
// reads and validates the CloudEvent, verifies the sender when OIDC is on,
// and writes the event to the channel's topic.
//
// It answers as Knative's channel.EventReceiver does (202, 400, 404, 405,
// OPTIONS, OIDC's 401 and 403), and besides: 503 with Retry-After when Kafka
// or the receiver cannot take the event now, 413 when it is too large, and a
// reason in the body of every 4xx. Its own code rather than EventReceiver's,
// which copied each body twice and built per-request state this hot path does
// not need (issue #14).
type Handler struct {
	channels     channels
	producer     *Producer
	logger       *zap.Logger
	metrics      *metrics
	withFeatures func(context.Context) context.Context
	verifier     *auth.Verifier
	retryAfter   string
	bodyTimeout  time.Duration
	// slots holds one token per request that holds a body: taken while the
	// body is read (readBody), given back by release once the request is
	// answered without a send or once Sarama returned the send.
	slots   chan struct{}
	release func()
	tracer  trace.Tracer
}

var _ http.Handler = (*Handler)(nil)

// NewHandler builds a Handler.
func NewHandler(o Options) (*Handler, error) {
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	if o.WithFeatures != nil && o.Verifier == nil {
		return nil, errors.New("a Verifier is needed with WithFeatures: OIDC may be turned on")
	}
	m, err := newMetrics(o.MeterProvider)
	if err != nil {
		return nil, fmt.Errorf("creating metrics: %w", err)
	}
	h := &Handler{
		channels:     channels{lister: o.Channels},
		producer:     o.Producer,
		logger:       o.Logger,
		metrics:      m,
		withFeatures: o.WithFeatures,
		verifier:     o.Verifier,
		retryAfter:   strconv.Itoa(int((o.RetryAfter + time.Second - 1) / time.Second)),
		bodyTimeout:  o.BodyTimeout,
		slots:        make(chan struct{}, o.MaxInFlight),
		tracer:       o.TracerProvider.Tracer("github.com/knative-kafka/knative-kafka/pkg/receiver"),
	}
	h.release = func() { <-h.slots } // made once: Send takes it with every record
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, span := h.startServer(r)
	r = r.WithContext(ctx)
	kc, unknown := h.channels.fromRequest(r)
	ref := refOf(kc)
	a := &answer{w: w, method: r.Method, retryAfter: h.retryAfter}
	defer func() {
		var known *channel.ChannelReference
		if unknown == nil {
			known = &ref
		}
		h.metrics.recordEvent(ctx, known, a.statusOrOK())
		endServer(span, r, a.statusOrOK())
	}()
	switch {
	case r.Method == http.MethodOptions:
		a.send(http.StatusOK, nil)
	case r.Method != http.MethodPost:
		a.send(http.StatusMethodNotAllowed, nil)
	case unknown != nil:
		h.logger.Info("Request for no known channel", zap.Error(unknown))
		a.send(http.StatusNotFound, nil)
	default:
		a.send(h.ingest(a, r, kc))
	}
}

// ingest reads, checks and stores the event of a POST to a known channel.
// A status of 0 means that the response was written already.
func (h *Handler) ingest(a *answer, r *http.Request, kc *v1beta1.KafkaChannel) (int, error) {
	ref := refOf(kc)
	body, status, err := h.readBody(a, r)
	if err != nil {
		if status >= http.StatusInternalServerError {
			h.logger.Info("Cannot read the request body", zap.String("channel", ref.String()), zap.Error(err))
		}
		return status, err
	}
	// The request holds a slot from here on: receive hands it to the send.
	msg, id, err := toRecord(r.Header, body)
	if err != nil {
		h.release()
		h.logger.Info("Refused a request that is not a valid CloudEvent", zap.String("channel", ref.String()), zap.Error(err))
		return http.StatusBadRequest, badEvent(r.Header)
	}
	if status, err := h.verify(a, r, kc, body); status != http.StatusOK {
		h.release()
		return status, err
	}
	return h.receive(r.Context(), kc, msg, id)
}

// takeSlot takes an in-flight slot, or answers 503 when all are taken:
// holding one more body would only add to the overload.
func (h *Handler) takeSlot(a *answer) bool {
	select {
	case h.slots <- struct{}{}:
		return true
	default:
		a.refuse(http.StatusServiceUnavailable, fmt.Sprintf("the receiver is serving its maximum of %d requests; retry later", cap(h.slots)))
		return false
	}
}

// receive writes the record of the event with this id to the channel's topic
// and returns once Kafka acknowledged it: 202, or the status that tells why
// not. It takes over the request's slot, which is given back once Sarama
// returned the send, even after the produce timeout answered the request:
// until then the record holds the body.
func (h *Handler) receive(ctx context.Context, kc *v1beta1.KafkaChannel, msg *sarama.ProducerMessage, id string) (int, error) {
	ref := refOf(kc)
	topic, err := topic(kc)
	if err != nil {
		h.release()
		h.logger.Info("Rejected an event for a channel whose topic is not ready", eventFields(ref, id)...)
		return http.StatusServiceUnavailable, err
	}
	annotateIngress(ctx, ref, id)
	ctx, span := h.startSend(ctx, topic, id)
	msg.Topic = topic
	traceContext.Inject(ctx, recordHeaders{msg})
	start := time.Now()
	partition, offset, err := h.producer.Send(msg, h.release)
	endSend(span, partition, offset, err)
	h.metrics.recordProduce(ctx, ref, time.Since(start), err)
	if err != nil {
		h.logger.Warn("Kafka did not store the event", append(eventFields(ref, id), zap.String("topic", topic), zap.Error(err))...)
		return produceStatus(err), err
	}
	if ce := h.logger.Check(zap.DebugLevel, "Event stored"); ce != nil { // no fields allocated below debug level
		ce.Write(append(eventFields(ref, id), zap.String("topic", topic), zap.Int32("partition", partition), zap.Int64("offset", offset))...)
	}
	return http.StatusAccepted, nil
}

// eventFields name an event in a log line; built only for a line written.
func eventFields(ref channel.ChannelReference, id string) []zap.Field {
	return []zap.Field{zap.Stringer("channel", &ref), zap.String("event.id", id)}
}

// produceStatus is the answer to a failed produce: 413 when the record is
// too large for the producer or the topic, which a retry cannot fix; else 503.
func produceStatus(err error) int {
	if isTooLarge(err) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusServiceUnavailable
}

func isTooLarge(err error) bool {
	return errors.Is(err, errRecordTooLarge) || errors.Is(err, sarama.ErrMessageSizeTooLarge)
}
