package receiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/v2/event"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/channel"

	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
)

// DefaultRetryAfter is the Retry-After of a 503: long enough for a short
// Kafka outage or overload to pass; the receiver itself takes events again
// within about a second of Kafka's return.
const DefaultRetryAfter = 5 * time.Second

// DefaultMaxInFlight caps the requests a receiver serves at once. A request
// holds its body about three times over (eventing's copy, the event, the
// record): 200 events of the default 1 MiB max.event.bytes fit the
// Deployment's 1000Mi memory limit.
const DefaultMaxInFlight = 200

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
	// MaxInFlight caps the requests served at once; beyond it a request gets
	// 503 at once, before its body is read. DefaultMaxInFlight when zero.
	MaxInFlight int
	// WithFeatures puts eventing's config-features into a request's context
	// (feature.Store.ToContext); nil leaves every feature at its default, so
	// OIDC off. Verifier checks the tokens once authentication-oidc is on, and
	// must be set when WithFeatures is.
	WithFeatures func(context.Context) context.Context
	Verifier     *auth.Verifier
}

// Handler is the ingress http.Handler: it routes a request to its channel,
// lets eventing's channel.EventReceiver parse and validate the CloudEvent, and
// writes it to the channel's topic.
type Handler struct {
	channels channels
	producer *Producer
	logger   *zap.Logger
	metrics  *metrics
	// Requests for a known channel go to that channel's EventReceiver. The
	// others go to one of two that answer them (404, 400): a receiver
	// resolves a channel from either the path or the Host, not both.
	known          perChannel
	byHost, byPath *channel.EventReceiver
	retryAfter     string
	// slots holds one token per request being served.
	slots  chan struct{}
	traced http.Handler
	tracer trace.Tracer
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
	m, err := newMetrics(o.MeterProvider)
	if err != nil {
		return nil, fmt.Errorf("creating metrics: %w", err)
	}
	h := &Handler{
		channels:   channels{lister: o.Channels},
		producer:   o.Producer,
		logger:     o.Logger,
		metrics:    m,
		retryAfter: strconv.Itoa(int((o.RetryAfter + time.Second - 1) / time.Second)),
		slots:      make(chan struct{}, o.MaxInFlight),
		tracer:     o.TracerProvider.Tracer("github.com/knative-kafka/knative-kafka/pkg/receiver"),
	}
	common := []channel.EventReceiverOptions{channel.MeterProvider(o.MeterProvider), channel.TraceProvider(o.TracerProvider)}
	if o.WithFeatures != nil {
		common = append(common, channel.ReceiverWithContextFunc(o.WithFeatures))
	}
	h.known.build = func(ref channel.ChannelReference, audience string) (*channel.EventReceiver, error) {
		opts := append(slices.Clip(common), channel.ResolveChannelFromPath(fixedChannel(ref)),
			channel.ReceiverWithGetPoliciesForFunc(h.channels.policies))
		if o.Verifier != nil {
			opts = append(opts, channel.OIDCTokenVerification(o.Verifier, audience))
		}
		return channel.NewEventReceiver(h.receive, o.Logger, opts...)
	}
	if h.byHost, err = channel.NewEventReceiver(h.receive, o.Logger,
		append(common, channel.ResolveChannelFromHostHeader(h.channels.fromHost))...); err != nil {
		return nil, err
	}
	if h.byPath, err = channel.NewEventReceiver(h.receive, o.Logger,
		append(common, channel.ResolveChannelFromPath(h.channels.fromPath))...); err != nil {
		return nil, err
	}
	// Server spans, and the sender's W3C trace context in the request context,
	// from where newRecord copies it into the record.
	h.traced = otelhttp.NewHandler(http.HandlerFunc(h.serve), "kafkachannel-receiver",
		otelhttp.WithMeterProvider(o.MeterProvider),
		otelhttp.WithTracerProvider(o.TracerProvider),
		otelhttp.WithPropagators(traceContext))
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.traced.ServeHTTP(w, r)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	state := &requestState{}
	if ref, err := h.channels.fromRequest(r); err == nil {
		state.channel = &ref
	}
	sw := &statusWriter{ResponseWriter: w, req: r, state: state, retryAfter: h.retryAfter}
	defer func() { h.metrics.recordEvent(r.Context(), state.channel, sw.statusOrOK()) }()
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		// Overloaded: reading the body or producing would only add to it.
		http.Error(sw, fmt.Sprintf("the receiver is serving its maximum of %d requests; retry later", cap(h.slots)), http.StatusServiceUnavailable)
		return
	}

	if r.Method == http.MethodPost && state.channel != nil {
		limit := h.producer.MaxEventBytes()
		if r.ContentLength > limit {
			state.tooLarge(limit)
			sw.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		// A body without a (truthful) Content-Length is cut at the limit.
		r.Body = &cappedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), state: state}
	}
	r = r.WithContext(withRequestState(r.Context(), state))
	h.receiverFor(state.channel, r.URL.Path).ServeHTTP(sw, r)
}

// Forget drops what the Handler keeps for a deleted channel.
func (h *Handler) Forget(ref channel.ChannelReference) {
	h.known.forget(ref)
}

func (h *Handler) receiverFor(ref *channel.ChannelReference, path string) http.Handler {
	if ref != nil {
		r, err := h.known.get(*ref)
		if err == nil {
			return r
		}
		h.logger.Error("Cannot build the channel's event receiver", zap.String("channel", ref.String()), zap.Error(err))
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	}
	if path == "/" || path == "" {
		return h.byHost
	}
	return h.byPath
}

// receive is the channel.EventReceiverFunc: it writes the event to the
// channel's topic and returns once Kafka acknowledged it.
func (h *Handler) receive(ctx context.Context, ref channel.ChannelReference, ev event.Event, _ http.Header) error {
	state := requestStateFrom(ctx)
	// Lazy: With would encode the fields for every request, and most write no line.
	logger := h.logger.WithLazy(zap.String("channel", ref.String()), zap.String("event.id", ev.ID()))
	topic, err := h.channels.topic(ref)
	var unknown *channel.UnknownChannelError
	switch {
	case errors.As(err, &unknown):
		return err // EventReceiver answers 404
	case errors.Is(err, errChannelNotReady):
		logger.Info("Rejected an event for a channel whose topic is not ready")
		return state.fail(http.StatusServiceUnavailable, err)
	case err != nil:
		return state.fail(http.StatusInternalServerError, err)
	}
	annotateIngress(ctx, ref, &ev)
	ctx, span := h.startSend(ctx, topic, &ev)
	msg, err := newRecord(ctx, topic, &ev)
	if err != nil {
		endSend(span, 0, 0, err)
		logger.Warn("Cannot encode the event as a Kafka record", zap.Error(err))
		return state.fail(http.StatusBadRequest, err)
	}
	start := time.Now()
	partition, offset, err := h.producer.Send(msg)
	endSend(span, partition, offset, err)
	h.metrics.recordProduce(ctx, ref, time.Since(start), err)
	if err != nil {
		logger.Warn("Kafka did not store the event", zap.String("topic", topic), zap.Error(err))
		return state.fail(produceStatus(err), err)
	}
	if ce := logger.Check(zap.DebugLevel, "Event stored"); ce != nil { // no fields allocated below debug level
		ce.Write(zap.String("topic", topic), zap.Int32("partition", partition), zap.Int64("offset", offset))
	}
	return nil
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
