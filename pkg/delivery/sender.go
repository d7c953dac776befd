package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cloudevents/sdk-go/v2/binding"
	"go.opentelemetry.io/otel/trace"
	"k8s.io/apimachinery/pkg/types"
	eventingapis "knative.dev/eventing/pkg/apis"
	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/eventingtls"
	"knative.dev/eventing/pkg/kncloudevents"
	"knative.dev/eventing/pkg/utils"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// ErrStopped ends a delivery that would have retried once its session is
// ending: the next owner of the partition delivers the event again.
var ErrStopped = errors.New("consumer group session ended; the next owner of the partition redelivers the event")

// Spec is where and how a subscriber's events are delivered.
type Spec struct {
	Subscriber duckv1.Addressable
	Reply      *duckv1.Addressable
	DeadLetter *duckv1.Addressable
	// Retry applies to every target: subscriber, reply and dead-letter sink.
	Retry *kncloudevents.RetryConfig
	// ServiceAccount is the OIDC identity requests are sent with, when set.
	ServiceAccount *types.NamespacedName
	// Header is added to the requests of every target (Kn-Namespace).
	Header http.Header
	// MaxReplyBytes bounds the subscriber's answer that goes to Reply (no
	// bound when 0): a larger one is a failure of the reply. An answer with no
	// Reply to go to is discarded unread.
	MaxReplyBytes int64
}

// Result is how one delivery ended.
type Result struct {
	// SubscriberStatus is the subscriber's last response code,
	// kncloudevents.NoResponse when none came.
	SubscriberStatus int
	// SubscriberAttempts counts the attempts at the subscriber, those that
	// failed before a request could be sent (its OIDC token) included.
	SubscriberAttempts int
	// DeadLettered: the dead-letter sink took the event.
	DeadLettered bool
	// Err is why the event was not delivered; nil when the subscriber (and
	// the reply, if it answered with an event) or the dead-letter sink took it.
	Err error
}

// TokenSource gives the OIDC token a service account sends to an audience
// with, as eventing's *auth.OIDCTokenProvider does.
type TokenSource interface {
	GetJWT(serviceAccount types.NamespacedName, audience string) (string, error)
}

var _ TokenSource = (*auth.OIDCTokenProvider)(nil)

// Sender delivers events. It is safe for concurrent use.
type Sender struct {
	clients *clients
	tokens  TokenSource
	tracer  trace.Tracer
}

// NewSender trusts what trust says (eventing's trust bundles) beside each
// target's own CA certificates; tokens may be nil when no subscription has an
// OIDC identity.
func NewSender(trust eventingtls.ClientConfig, tokens TokenSource, tp trace.TracerProvider) *Sender {
	return &Sender{clients: newClients(trust), tokens: tokens, tracer: tp.Tracer(kncloudevents.TracerName)}
}

// Send delivers msg as spec says. stop tells whether the delivery must give
// up rather than start another attempt (a retry, the reply, the dead-letter
// sink); ctx ends the attempt in flight.
func (s *Sender) Send(ctx context.Context, msg binding.Message, spec *Spec, stop func() bool) Result {
	// kncloudevents asks every subscriber for a reply, whether or not the subscription has one.
	reply, sub, err := s.send(ctx, spec, request{target: &spec.Subscriber, msg: msg, header: spec.Header, subscriber: true}, stop)
	res := Result{SubscriberStatus: sub.status, SubscriberAttempts: sub.attempts}
	failed, failure, header := &spec.Subscriber, sub, spec.Header
	if reply != nil {
		defer reply.Finish(nil)
	}
	if err == nil && reply != nil {
		if stop() {
			res.Err = ErrStopped
			return res
		}
		header = replyHeader(sub.header, spec.Header)
		var replied sent
		_, replied, err = s.send(ctx, spec, request{target: spec.Reply, msg: reply, header: header}, stop)
		failed, failure = spec.Reply, replied
	}
	if err == nil || errors.Is(err, ErrStopped) || ctx.Err() != nil || spec.DeadLetter == nil {
		res.Err = err
		return res
	}
	if stop() {
		// The next owner of the partition retries the event before it dead-letters it.
		res.Err = ErrStopped
		return res
	}
	dead := request{target: spec.DeadLetter, msg: msg, header: header, transformers: errorExtensions(failed.URL, failure)}
	_, _, dlErr := s.send(ctx, spec, dead, stop)
	if dlErr != nil {
		res.Err = fmt.Errorf("%w; and the dead-letter sink %s did not take it either: %w", err, spec.DeadLetter.URL, dlErr)
		return res
	}
	res.DeadLettered = true
	return res
}

// replyHeader is what a reply is sent with: what the subscriber's response
// passes on (Knative's, tracing's and Retry-After) and Kn-Namespace.
func replyHeader(response, header http.Header) http.Header {
	h := utils.PassThroughHeaders(response)
	if ns := header.Get(eventingapis.KnNamespaceHeader); ns != "" {
		h.Set(eventingapis.KnNamespaceHeader, ns)
	}
	return h
}
