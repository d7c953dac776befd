package framework

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"knative.dev/pkg/apis"
)

// Received is one request a Sink got.
type Received struct {
	Event  cloudevents.Event
	Header http.Header
	At     time.Time
	// User is who the request's bearer token names, when the Sink checks tokens.
	User string
}

// Sink is an HTTP endpoint where the workloads reach this host (Listen) that records the CloudEvents it receives.
type Sink struct {
	URL string

	mu       sync.Mutex
	received []Received
	// Respond decides the answer to each event; nil accepts with 202.
	Respond func(e cloudevents.Event, attempt int) (status int, reply *cloudevents.Event)
	// Authenticate, when set, checks the bearer token of each request and
	// names its user; a request it refuses gets 401 and is not recorded.
	Authenticate func(token string) (user string, err error)
	attempts     map[string]int
}

// NewSink starts a sink that stops when the test ends.
func NewSink(t testing.TB) *Sink {
	t.Helper()
	return newSink(t, nil)
}

// NewTLSSink starts a sink that serves HTTPS with cfg and stops when the test ends.
func NewTLSSink(t testing.TB, cfg *tls.Config) *Sink {
	t.Helper()
	return newSink(t, cfg)
}

func newSink(t testing.TB, cfg *tls.Config) *Sink {
	t.Helper()
	l := Listen(t)
	s := &Sink{URL: "http://" + l.Addr().String(), attempts: map[string]int{}}
	if cfg != nil {
		l = tls.NewListener(l, cfg)
		s.URL = "https://" + l.Addr().String()
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// ServeHTTP implements http.Handler.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, ok := s.authenticate(r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	msg := cehttp.NewMessageFromHttpRequest(r)
	defer msg.Finish(nil)
	ev, err := binding.ToEvent(r.Context(), msg)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.attempts[ev.ID()]++
	attempt := s.attempts[ev.ID()]
	s.received = append(s.received, Received{Event: *ev, Header: r.Header.Clone(), At: time.Now(), User: user})
	respond := s.Respond
	s.mu.Unlock()
	status, reply := http.StatusAccepted, (*cloudevents.Event)(nil)
	if respond != nil {
		status, reply = respond(*ev, attempt)
	}
	if reply != nil {
		if err := cehttp.WriteResponseWriter(r.Context(), binding.ToMessage(reply), status, w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	w.WriteHeader(status)
}

func (s *Sink) authenticate(r *http.Request) (string, bool) {
	if s.Authenticate == nil {
		return "", true
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", false
	}
	user, err := s.Authenticate(token)
	return user, err == nil
}

// Received returns a copy of everything received so far.
func (s *Sink) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received{}, s.received...)
}

// WaitFor waits until pred holds for what was received.
func (s *Sink) WaitFor(t testing.TB, timeout time.Duration, what string, pred func([]Received) bool) []Received {
	t.Helper()
	var got []Received
	err := poll(timeout, func() (bool, error) {
		got = s.Received()
		return pred(got), nil
	})
	if err != nil {
		t.Fatalf("sink %s: %s not seen within %s; received %d requests", s.URL, what, timeout, len(got))
	}
	return got
}

// WaitForID waits until the sink received the event with this id and returns the first copy.
func (s *Sink) WaitForID(t testing.TB, timeout time.Duration, id string) Received {
	t.Helper()
	got := s.WaitFor(t, timeout, "event "+id, func(r []Received) bool { return len(WithID(r, id)) > 0 })
	return WithID(got, id)[0]
}

// WithID is what of r carries the event with this id.
func WithID(r []Received, id string) []Received {
	var out []Received
	for _, x := range r {
		if x.Event.ID() == id {
			out = append(out, x)
		}
	}
	return out
}

// NewEvent builds a test CloudEvent.
func NewEvent(id, typ string, data interface{}) cloudevents.Event {
	e := cloudevents.NewEvent()
	e.SetID(id)
	e.SetType(typ)
	e.SetSource("knative-kafka/e2e")
	if data != nil {
		_ = e.SetData(cloudevents.ApplicationJSON, data)
	}
	return e
}

// Send posts an event in binary mode to a channel through the receiver
// (path /<namespace>/<name>) and returns the HTTP status.
func Send(ctx context.Context, receiverURL, namespace, name string, e cloudevents.Event, header http.Header) (int, error) {
	req, err := eventRequest(ctx, fmt.Sprintf("%s/%s/%s", receiverURL, namespace, name), e)
	if err != nil {
		return 0, err
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return do(http.DefaultClient, req)
}

// SendToAddress posts an event in binary mode to a channel's address
// (status.address.url) through the local process that serves it
// (devenv's ChannelIngressURL): to its path, with its host in the Host header.
func SendToAddress(ctx context.Context, ingressURL string, address *apis.URL, e cloudevents.Event) (int, error) {
	req, err := eventRequest(ctx, ingressURL+address.Path, e)
	if err != nil {
		return 0, err
	}
	req.Host = address.Host
	return do(http.DefaultClient, req)
}

// eventRequest is a POST of e in binary mode to url.
func eventRequest(ctx context.Context, url string, e cloudevents.Event) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, err
	}
	return req, cehttp.WriteRequest(ctx, binding.ToMessage(&e), req)
}

// SendRaw posts a body with headers as given.
func SendRaw(ctx context.Context, method, url string, header http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = header
	return do(http.DefaultClient, req)
}

func do(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
