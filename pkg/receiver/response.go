package receiver

import (
	"context"
	"errors"
	"io"
	"net/http"

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
	s.status = status
	return err
}

// statusWriter is the minimal wrapper around channel.EventReceiver: that
// receiver answers every error of its receiver func (but an unknown channel)
// and every body read error with 500, while a sender must tell "retry later"
// (503 with Retry-After) from "too large" (413). It also remembers the final
// status for the metrics.
type statusWriter struct {
	http.ResponseWriter
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
	w.status = code
	w.ResponseWriter.WriteHeader(code)
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
		b.state.status = http.StatusRequestEntityTooLarge
	}
	return n, err
}
