package receiver

import (
	"context"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"knative.dev/eventing/pkg/channel"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// The attributes Knative's channel specification asks of a channel's spans.
var (
	knativeSystem   = attribute.String("messaging.system", "knative")
	knativeProtocol = attribute.String("messaging.protocol", "http")
)

// Made once: an option is an interface value, allocated when made.
var (
	serverKind   = trace.WithSpanKind(trace.SpanKindServer)
	producerKind = trace.WithSpanKind(trace.SpanKindProducer)
)

// startServer opens the request's server span, a child of the sender's span
// when the request carries W3C trace context. A few attributes of the HTTP
// conventions, and only when the span is recorded: otelhttp, which did this
// before, cost a tenth of the receiver's CPU, most of it on attributes and
// metrics of every request whatever the tracer (issue #14).
func (h *Handler) startServer(r *http.Request) (context.Context, trace.Span) {
	ctx := traceContext.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	return h.tracer.Start(ctx, "kafkachannel-receiver", serverKind)
}

func endServer(span trace.Span, r *http.Request, status int) {
	defer span.End()
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path),
		semconv.HTTPResponseStatusCode(status))
	if status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
}

// annotateIngress tags the request's server span as Knative's channel
// specification asks: the channel it was sent to and the event's id.
func annotateIngress(ctx context.Context, ref channel.ChannelReference, id string) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(knativeSystem, knativeProtocol,
		attribute.String("messaging.destination", "http://"+contract.ChannelHostName(ref.Name, ref.Namespace)),
		attribute.String("messaging.message_id", id))
}

// startSend opens the Kafka producer span of the OpenTelemetry messaging
// conventions. The record carries this span's context, so the dispatcher's
// spans descend from the send, as the conventions link producer and consumer.
// Its attributes are set only on a recorded span: building them for every
// event whatever the tracer was a few percent of the receiver's CPU.
func (h *Handler) startSend(ctx context.Context, topic, id string) (context.Context, trace.Span) {
	ctx, span := h.tracer.Start(ctx, "send "+topic, producerKind)
	if span.IsRecording() {
		span.SetAttributes(
			semconv.MessagingSystemKafka,
			semconv.MessagingOperationTypeSend,
			semconv.MessagingOperationName("send"),
			semconv.MessagingDestinationName(topic),
			semconv.MessagingMessageID(id))
	}
	return ctx, span
}

// endSend records where the record landed, or why it did not. Not the
// record's key (messaging.kafka.message.key): a partition key or subject may
// be personal data, and traces are kept and shown with less care than topics.
func endSend(span trace.Span, partition int32, offset int64, err error) {
	defer span.End()
	if !span.IsRecording() {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return
	}
	span.SetAttributes(semconv.MessagingDestinationPartitionID(strconv.Itoa(int(partition))), semconv.MessagingKafkaOffset(int(offset)))
}
