package dispatcher

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
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

// Idle connections kncloudevents' HTTP clients keep, as Knative's dispatchers
// (InMemoryChannel, eventing-kafka) keep them. net/http keeps 2 per host by
// default, fewer than the deliveries a dispatcher has in flight to one host
// (a partition each, more unordered): all others closed their connection after
// each event and opened a new one, which cost the dispatcher and the
// subscriber each more CPU than the rest of the delivery (a new connection for
// half the events of 8 ordered partitions; see test/benchmark/dispatcher).
const (
	maxIdleConns        = 1000
	maxIdleConnsPerHost = 100
)

// keepConnections sets the idle connections of kncloudevents' HTTP clients,
// which are shared by the whole process, before the first delivery.
var keepConnections = sync.OnceFunc(func() {
	kncloudevents.ConfigureConnectionArgs(&kncloudevents.ConnectionArgs{MaxIdleConns: maxIdleConns, MaxIdleConnsPerHost: maxIdleConnsPerHost})
})

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
	obs := &observer{targets: sub.targets}

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
	return otel.GetTextMapPropagator().Extract(ctx, recordCarrier(msg.Headers))
}

// recordCarrier reads a record's headers for a propagator, under their
// lower-cased names; of headers that differ only in case, the last one
// counts. Propagators read two or three keys: looking them up in the
// headers, rather than copying every header into a map first, spares a
// dozen allocations per event.
type recordCarrier []*sarama.RecordHeader

var _ propagation.TextMapCarrier = recordCarrier(nil)

func (c recordCarrier) Get(key string) string {
	value := ""
	for _, h := range c {
		if lowerEquals(h.Key, key) {
			value = string(h.Value)
		}
	}
	return value
}

// Set does nothing: the carrier is only extracted from.
func (recordCarrier) Set(string, string) {}

func (c recordCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for _, h := range c {
		if k := strings.ToLower(string(h.Key)); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// lowerEquals tells whether name, lower-cased, is key. Header names are
// ASCII: a byte of a non-ASCII name never equals one of an ASCII key.
func lowerEquals(name []byte, key string) bool {
	if len(name) != len(key) {
		return false
	}
	for i, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b != key[i] {
			return false
		}
	}
	return true
}

// targets are the URLs a delivery's attempts go to, as http.Request.URL formats them.
type targets struct {
	subscriber, deadLetter string
}

// observer watches the attempts of one delivery through the retry policy's
// CheckRetry, which retryablehttp calls after every attempt to any target
// (subscriber, reply, dead-letter sink): kncloudevents reports neither the
// number of attempts nor whether the dead-letter sink was used.
type observer struct {
	targets

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
