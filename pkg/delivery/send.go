package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"knative.dev/eventing/pkg/kncloudevents"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// request is one message for one target.
type request struct {
	target *duckv1.Addressable
	msg    binding.Message
	header http.Header
	// subscriber: the request goes to the subscriber, which is asked for a
	// reply (Prefer: reply) whose answer is forwarded to Spec.Reply, if any.
	subscriber   bool
	transformers binding.Transformers
}

// sent is what one target's attempts came to.
type sent struct {
	// status is the last response's code, kncloudevents.NoResponse when none came.
	status   int
	attempts int
	// code and body are what the dead-letter sink is told of a failure (the
	// knativeerror* extensions): the last response's, else 500 and the error.
	code   int
	body   []byte
	header http.Header
}

// drainLimit is how much of a response that is retried or discarded is read,
// so that its connection can serve the next request; retryablehttp reads as much.
const drainLimit = 4096

// failureBodyLimit is how much of a failure's body is kept for the
// dead-letter sink: knativeerrordata holds the base64 of 768 bytes, but a
// broker's filter answers with a JSON document that holds its subscriber's.
const failureBodyLimit = 64 << 10

// ErrAnswerTooLarge: the subscriber answered with more than the reply may carry.
var ErrAnswerTooLarge = errors.New("the subscriber's answer is larger than the largest event (max.event.bytes)")

// send sends r to its target until it takes it, the retry policy gives up or
// stop says so. It returns the target's answer when it was an event.
func (s *Sender) send(ctx context.Context, spec *Spec, r request, stop func() bool) (binding.Message, sent, error) {
	out := sent{status: kncloudevents.NoResponse, code: kncloudevents.NoResponse}
	target := sanitize(r.target)
	url := target.URL.String()
	ctx, span := s.tracer.Start(ctx, "send "+url, trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	p := &preparer{s: s, ctx: ctx, spec: spec, target: target, url: url, r: r}
	resp, err := s.attempts(ctx, s.clients.get(target, spec.Retry.RequestTimeout), p.next, spec.Retry, stop, &out)
	if span.IsRecording() {
		span.SetAttributes(attribute.String("http.request.method", http.MethodPost), attribute.String("url.full", url),
			attribute.Int("http.response.status_code", out.status), attribute.Int("http.request.resend_count", out.attempts-1))
	}
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		out.code, out.body = http.StatusInternalServerError, []byte("dispatch error: "+err.Error())
		return nil, out, fmt.Errorf("unable to complete request to %s: %w", target.URL, err)
	}
	out.code, out.header = resp.StatusCode, resp.Header
	if isFailure(resp.StatusCode) {
		span.SetStatus(codes.Error, resp.Status)
		out.body = failureBody(resp)
		return nil, out, fmt.Errorf("unable to complete request to %s: unexpected HTTP response, expected 2xx, got %d", target.URL, resp.StatusCode)
	}
	// A 202 is never a reply, even one that reads as an event (data-plane contract).
	if !r.subscriber || spec.Reply == nil || resp.StatusCode == http.StatusAccepted {
		drain(resp)
		return nil, out, nil
	}
	defer resp.Body.Close()
	out.body, err = readAtMost(resp.Body, spec.MaxReplyBytes)
	if errors.Is(err, ErrAnswerTooLarge) {
		span.SetStatus(codes.Error, err.Error())
		out.body = []byte(err.Error())
		return nil, out, fmt.Errorf("%s answered with more than %d bytes: %w", target.URL, spec.MaxReplyBytes, err)
	}
	if err != nil {
		// As kncloudevents: the target took the event; what it answered is lost.
		return nil, out, nil
	}
	answer := cehttp.NewMessage(resp.Header, io.NopCloser(bytes.NewReader(out.body)))
	if answer.ReadEncoding() == binding.EncodingUnknown {
		return nil, out, nil
	}
	return answer, out, nil
}

// preparer makes the request of each attempt at one target. A failure to
// make it (its URL, its token) is a failed attempt like any other, retried
// as the policy says, rather than the end of the delivery.
type preparer struct {
	s      *Sender
	ctx    context.Context
	spec   *Spec
	target *duckv1.Addressable
	url    string
	r      request
	// req is built once, at the first attempt that can; every attempt sends
	// its body anew.
	req *http.Request
}

// next is the request of the next attempt, with a token of its own: a
// token fetched once would expire in a long retry cycle. The provider
// caches tokens until shortly before they expire.
func (p *preparer) next() (*http.Request, error) {
	if p.req == nil {
		req, err := newRequest(p.ctx, p.target, p.url, p.r)
		if err != nil {
			return nil, fmt.Errorf("failed to create request for %s: %w", p.target.URL, err)
		}
		p.req = req
	}
	if p.req.GetBody != nil {
		p.req.Body, _ = p.req.GetBody() // bytes readers: no error
	}
	if p.spec.ServiceAccount == nil || p.target.Audience == nil || *p.target.Audience == "" {
		return p.req, nil
	}
	if p.s.tokens == nil {
		return nil, fmt.Errorf("no OIDC token provider for service account %s", p.spec.ServiceAccount)
	}
	jwt, err := p.s.tokens.GetJWT(*p.spec.ServiceAccount, *p.target.Audience)
	if err != nil {
		return nil, fmt.Errorf("could not get JWT for %s: %w", p.target.URL, err)
	}
	// A copy: the transport may still read the header of an attempt that timed out.
	req := *p.req
	req.Header = p.req.Header.Clone()
	req.Header.Set("Authorization", "Bearer "+jwt)
	return &req, nil
}

// newRequest builds the request every attempt sends: the message as
// CloudEvents' HTTP binding writes it, r's headers and the trace context of
// the target's span.
func newRequest(ctx context.Context, target *duckv1.Addressable, url string, r request) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, err
	}
	if err := writeMessage(ctx, req, r); err != nil {
		return nil, fmt.Errorf("could not write message to request: %w", err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.subscriber {
		req.Header.Set("Prefer", "reply")
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	return req, nil
}

// HTTPWriter is a message that writes itself into an HTTP request, as
// CloudEvents' HTTP binding would, more cheaply than through the binding.
type HTTPWriter interface {
	// WriteHTTP writes the message's headers into header and returns its body.
	WriteHTTP(header http.Header) ([]byte, error)
}

// writeMessage writes r's message into req as CloudEvents' HTTP binding
// does, with r's transformers, and gives req a GetBody from which each
// attempt sends the body anew, without a copy.
func writeMessage(ctx context.Context, req *http.Request, r request) error {
	if w, ok := r.msg.(HTTPWriter); ok && len(r.transformers) == 0 {
		body, err := w.WriteHTTP(req.Header)
		if err != nil {
			return err
		}
		setBody(req, body)
		return nil
	}
	if err := cehttp.WriteRequest(ctx, r.msg, req, r.transformers...); err != nil {
		return err
	}
	if req.Body == nil || req.GetBody != nil {
		return nil
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	setBody(req, body)
	return nil
}

func setBody(req *http.Request, body []byte) {
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		// net/http takes an empty body other than NoBody for one of unknown length.
		req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
		return
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// attempts sends the requests next makes until the retry policy or stop
// ends it, as retryablehttp did for kncloudevents: the last response (or
// error) is the result, whether it was a success or not.
func (s *Sender) attempts(ctx context.Context, client *http.Client, next func() (*http.Request, error), rc *kncloudevents.RetryConfig, stop func() bool, out *sent) (*http.Response, error) {
	check := rc.CheckRetry
	if check == nil {
		check = kncloudevents.SelectiveRetry
	}
	for n := 0; ; n++ {
		resp, err := do(client, next)
		out.attempts++
		if resp != nil {
			out.status = resp.StatusCode
		}
		retry, checkErr := check(ctx, resp, err)
		if !retry || n >= rc.RetryMax {
			if err == nil && checkErr != nil {
				drain(resp)
				return nil, checkErr
			}
			return resp, err
		}
		wait := backoff(rc, n, resp)
		drain(resp)
		if stop() {
			return nil, ErrStopped
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// do is one attempt: the request next makes, sent.
func do(client *http.Client, next func() (*http.Request, error)) (*http.Response, error) {
	req, err := next()
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}

// failureBody is what the dead-letter sink is told a failed response said:
// its first failureBodyLimit bytes.
func failureBody(resp *http.Response) []byte {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, failureBodyLimit))
	if err != nil {
		return fmt.Appendf(nil, "dispatch resulted in status %q. Could not read response body: error: %s", resp.Status, err)
	}
	return body
}

// readAtMost reads body whole, or fails with ErrAnswerTooLarge past limit
// bytes (no limit when 0): an answer is held in memory whole, which a shared
// dispatcher's memory budget must bound.
func readAtMost(body io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return io.ReadAll(body)
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if int64(len(b)) > limit {
		return b[:limit], ErrAnswerTooLarge
	}
	return b, err
}

// drain reads what is left of a response that is not used, up to drainLimit,
// so that its connection goes back to the idle pool.
func drain(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isFailure: any response but a 2xx.
func isFailure(status int) bool {
	return status < http.StatusOK || status >= http.StatusMultipleChoices
}
