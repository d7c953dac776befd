package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// roleSink is the subscriber child of the CPU runs.
const roleSink = "sink"

// sink is the subscriber of the CPU runs: it answers 202 to every POST at
// once, over keep-alive connections, and counts the events and the
// connections opened, so that the side under test is the only one that
// works per event besides the broker.
type sink struct {
	childproc.NoCommands
	ln     net.Listener
	server *http.Server

	events atomic.Int64
	conns  atomic.Int64
	// target is the count a waitFor waits for; reached closes at that count,
	// so that events cost the sink no more than a count otherwise.
	target  atomic.Int64
	mu      sync.Mutex
	reached chan struct{}
}

func serveSink([]byte) (childproc.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{ln: ln}
	s.server = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ConnState: s.connState}
	go func() { _ = s.server.Serve(ln) }()
	return s, nil
}

func (s *sink) Addr() string { return "http://" + s.ln.Addr().String() + "/" }

func (s *sink) Close() { _ = s.server.Close() }

func (s *sink) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Read to the end, so that the connection is reused.
	_, _ = io.Copy(io.Discard, r.Body)
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	if n := s.events.Add(1); n == s.target.Load() {
		s.notify(n)
	}
}

// notify wakes the waitFor of target n, unless another one replaced it.
func (s *sink) notify(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reached != nil && s.target.Load() == n {
		close(s.reached)
		s.reached = nil
	}
}

func (s *sink) connState(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.conns.Add(1)
	}
}

// Command runs "reset" (counts back to 0) and "wait N TIMEOUT" (until N
// events arrived), which answers "EVENTS CONNECTIONS".
func (s *sink) Command(verb, arg string) (string, error) {
	switch verb {
	case "reset":
		s.events.Store(0)
		s.conns.Store(0)
		return "ok", nil
	case "wait":
		return s.waitFor(arg)
	}
	return s.NoCommands.Command(verb, arg)
}

func (s *sink) waitFor(arg string) (string, error) {
	n, timeout, err := parseWait(arg)
	if err != nil {
		return "", err
	}
	reached := make(chan struct{})
	s.mu.Lock()
	s.reached = reached
	s.target.Store(n)
	s.mu.Unlock()
	defer s.target.Store(0)
	// Past n already, the handler that reached it saw no target.
	if s.events.Load() < n {
		select {
		case <-reached:
		case <-time.After(timeout):
			return "", fmt.Errorf("only %d of %d events within %s", s.events.Load(), n, timeout)
		}
	}
	return fmt.Sprintf("%d %d", s.events.Load(), s.conns.Load()), nil
}

func parseWait(arg string) (int64, time.Duration, error) {
	count, timeout, _ := strings.Cut(arg, " ")
	n, err := strconv.ParseInt(count, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("wait %q: %w", arg, err)
	}
	d, err := time.ParseDuration(timeout)
	if err != nil {
		return 0, 0, fmt.Errorf("wait %q: %w", arg, err)
	}
	return n, d, nil
}

// sinkCounts is a "wait" answer.
type sinkCounts struct{ events, conns int64 }

// waitSink waits until the sink counted n events since its last reset.
func waitSink(c *childproc.Child, n int, timeout time.Duration) (sinkCounts, error) {
	answer, err := c.Call("wait %d %s", n, timeout)
	if err != nil {
		return sinkCounts{}, err
	}
	var sc sinkCounts
	_, err = fmt.Sscan(answer, &sc.events, &sc.conns)
	return sc, err
}
