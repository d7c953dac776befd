package dispatcher

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	eventingapis "knative.dev/eventing/pkg/apis"
	"knative.dev/eventing/pkg/kncloudevents"
)

// errSessionEnded stops a retry cycle once the partition is being handed over.
var errSessionEnded = errors.New("consumer group session ended; the next owner of the partition redelivers the event")

// kafkaExtensions are added by kafka_sarama.NewMessageFromConsumerMessage; they
// describe where the record sits in Kafka, not the event, so they are removed to
// deliver the event as it was sent.
var kafkaExtensions = []string{"ce_kafkaoffset", "ce_kafkapartition", "ce_kafkatopic"}

// result is how one event's delivery ended.
type result struct {
	outcome    string
	statusCode int
	retries    int
	duration   time.Duration
	err        error
}

// done tells whether the event's offset may be marked.
func (r result) done() bool { return r.outcome != outcomeAborted }

// sender sends one record to a subscription through kncloudevents.
type sender struct {
	dispatcher *kncloudevents.Dispatcher
	namespace  string // the channel's namespace, passed on in Kn-Namespace
}

// send delivers msg and tells how it ended. ending tells whether the session is
// ending; ctx is cancelled when the in-flight attempts must stop.
func (s *sender) send(ctx context.Context, sub *subscription, msg *sarama.ConsumerMessage, ending func() bool) result {
	ctx, cancel := context.WithCancel(traceContext(ctx, msg))
	defer cancel()
	obs := &observer{subscriber: sub.subscriber.URL.String()}
	if sub.deadLetter != nil {
		obs.deadLetter = sub.deadLetter.URL.String()
	}

	start := time.Now()
	_, err := s.dispatcher.SendMessage(ctx, decode(msg), sub.subscriber, s.options(sub, obs.retryConfig(sub.retry, ending, cancel))...)
	r := result{duration: time.Since(start), err: err}
	r.statusCode, r.retries = obs.subscriberOutcome()
	switch {
	case err != nil && ctx.Err() != nil:
		r.outcome = outcomeAborted
	case err != nil:
		r.outcome = outcomeDropped
	case obs.reachedDeadLetter():
		r.outcome = outcomeDeadLettered
	default:
		r.outcome = outcomeDelivered
	}
	return r
}

func (s *sender) options(sub *subscription, rc *kncloudevents.RetryConfig) []kncloudevents.SendOption {
	header := http.Header{}
	header.Set(eventingapis.KnNamespaceHeader, s.namespace)
	opts := []kncloudevents.SendOption{
		kncloudevents.WithHeader(header),
		kncloudevents.WithReply(sub.reply),
		kncloudevents.WithDeadLetterSink(sub.deadLetter),
		kncloudevents.WithRetryConfig(rc),
	}
	if sub.serviceAccount != nil {
		opts = append(opts, kncloudevents.WithOIDCAuthentication(sub.serviceAccount))
	}
	return opts
}

// decode reads a record as a CloudEvents message (binary or structured mode).
func decode(msg *sarama.ConsumerMessage) *kafka_sarama.Message {
	m := kafka_sarama.NewMessageFromConsumerMessage(msg)
	for _, k := range kafkaExtensions {
		delete(m.Headers, k)
	}
	return m
}

// traceContext makes the trace context carried in the record's headers
// (traceparent, tracestate) the parent of the delivery's spans.
func traceContext(ctx context.Context, msg *sarama.ConsumerMessage) context.Context {
	carrier := propagation.MapCarrier{}
	for _, h := range msg.Headers {
		carrier[strings.ToLower(string(h.Key))] = string(h.Value)
	}
	return otel.GetTextMapPropagator().Extract(ctx, carrier)
}

// observer watches the attempts of one delivery through the retry policy's
// CheckRetry, which retryablehttp calls after every attempt to any target
// (subscriber, reply, dead-letter sink): kncloudevents reports neither the
// number of attempts nor whether the dead-letter sink was used.
type observer struct {
	subscriber, deadLetter string

	mu                 sync.Mutex
	subscriberAttempts int
	subscriberStatus   int
	deadLetterAttempts int
}

// retryConfig wraps the subscription's policy: it records each attempt and,
// once the session is ending, turns "retry" into an abort of the whole
// delivery, so the event is neither retried past the hand-over nor sent to the
// dead-letter sink while its next owner would still retry it.
func (o *observer) retryConfig(base *kncloudevents.RetryConfig, ending func() bool, abort context.CancelFunc) *kncloudevents.RetryConfig {
	rc := *base
	check := base.CheckRetry
	if check == nil {
		check = kncloudevents.SelectiveRetry
	}
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		o.observe(resp, err)
		retry, checkErr := check(ctx, resp, err)
		if retry && ending() {
			abort()
			return false, errSessionEnded
		}
		return retry, checkErr
	}
	return &rc
}

func (o *observer) observe(resp *http.Response, err error) {
	target, status := "", kncloudevents.NoResponse
	if resp != nil && resp.Request != nil {
		target, status = resp.Request.URL.String(), resp.StatusCode
	} else if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
		target = uerr.URL
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	switch target {
	case o.subscriber:
		o.subscriberAttempts++
		o.subscriberStatus = status
	case o.deadLetter:
		o.deadLetterAttempts++
	}
}

// subscriberOutcome is the subscriber's last response code and how many times it was retried.
func (o *observer) subscriberOutcome() (status, retries int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.subscriberStatus, max(o.subscriberAttempts-1, 0)
}

func (o *observer) reachedDeadLetter() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.deadLetterAttempts > 0
}
