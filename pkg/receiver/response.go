package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"knative.dev/eventing/pkg/channel"
)

// requestState is what one request learned on its way through
// channel.EventReceiver, which cannot give every status code we need.
type requestState struct {
	// channel is the known channel the request is for, or nil.
	channel *channel.ChannelReference
	// status replaces the 500 that EventReceiver writes for any error of the
	// receiver func other than UnknownChannelError; 0 keeps it.
	status int
	// err is why; a 4xx answer tells it to the sender.
	err error
}

type requestStateKey struct{}

func withRequestState(ctx context.Context, s *requestState) context.Context {
	return context.WithValue(ctx, requestStateKey{}, s)
}

// requestStateFrom returns the request's state; a throwaway one outside a
// request, so that callers need no nil checks.
func requestStateFrom(ctx context.Context) *requestState {
	if s, ok := ctx.Value(requestStateKey{}).(*requestState); ok {
		return s
	}
	return &requestState{}
}

// fail records the status to answer and returns err for EventReceiver.
func (s *requestState) fail(status int, err error) error {
	s.status, s.err = status, err
	return err
}

// tooLarge records that the body is over the limit of limit bytes.
func (s *requestState) tooLarge(limit int64) {
	_ = s.fail(http.StatusRequestEntityTooLarge, fmt.Errorf("the event body is over max.event.bytes (%d bytes)", limit))
}

// statusWriter is the minimal wrapper around channel.EventReceiver: that
// receiver answers every error of its receiver func (but an unknown channel)
// and every body read error with 500, while a sender must tell "retry later"
// (503 with Retry-After) from "too large" (413). It answers without a body
// and with Allow on every response; a sender of a 4xx must learn why, and
// Allow belongs to 405 and OPTIONS. It also remembers the final status for
// the metrics.
type statusWriter struct {
	http.ResponseWriter
	req        *http.Request
	state      *requestState
	retryAfter string
	status     int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	if code == http.StatusInternalServerError && w.state.status != 0 {
		code = w.state.status
	}
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", w.retryAfter)
	}
	if code != http.StatusMethodNotAllowed && w.req.Method != http.MethodOptions {
		w.Header().Del("Allow")
	}
	w.status = code
	reason := w.reason(code)
	if reason == "" {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.ResponseWriter.WriteHeader(code)
	_, _ = io.WriteString(w.ResponseWriter, reason+"\n")
}

// reason is the body of a 4xx answer that EventReceiver or this package
// gives without one; "" for the others.
func (w *statusWriter) reason(code int) string {
	switch {
	case w.state.err != nil && w.state.status == code && code < http.StatusInternalServerError:
		return w.state.err.Error()
	case code == http.StatusNotFound:
		return "no KafkaChannel at this address: send to http://<name>-kn-channel.<namespace>.svc.<cluster domain>/ or to /<namespace>/<name>"
	case code == http.StatusMethodNotAllowed:
		return fmt.Sprintf("method %s not allowed: send events with POST", w.req.Method)
	case code == http.StatusBadRequest:
		return badEventReason(w.req.Header)
	}
	return ""
}

// badEventReason tells why EventReceiver refused a request as not a valid
// CloudEvent, from what its headers lack: EventReceiver does not say.
func badEventReason(h http.Header) string {
	if strings.HasPrefix(h.Get("Content-Type"), "application/cloudevents") {
		return "the body is not a valid structured CloudEvent: JSON with at least specversion, id, source and type"
	}
	if h.Get("Ce-Specversion") == "" {
		return "not a CloudEvent: no Ce-Specversion header (binary mode) nor Content-Type application/cloudevents+json (structured mode)"
	}
	var missing []string
	for _, k := range []string{"Ce-Id", "Ce-Source", "Ce-Type"} {
		if h.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return "not a valid CloudEvent: missing header " + strings.Join(missing, ", ")
	}
	return "not a valid CloudEvent: Ce-Specversion must be 1.0 or 0.3, Ce-Source a URI reference, Ce-Time RFC 3339"
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) statusOrOK() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// cappedBody notes in the request state that the body went over the limit
// of the http.MaxBytesReader it wraps.
type cappedBody struct {
	io.ReadCloser
	state *requestState
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		b.state.tooLarge(tooLarge.Limit)
	}
	return n, err
}
