package main

import (
	"context"
	"io"
	"net"
	"net/http"

	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// roleHTTPOnly is the child that serves an HTTP endpoint that reads the body
// and answers 202, nothing else, which is what the receiver's HTTP side
// cannot do for less.
const roleHTTPOnly = "http-only"

type httpOnly struct {
	childproc.NoCommands
	url string
	srv *http.Server
}

func serveHTTPOnly([]byte) (childproc.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})}
	go func() { _ = srv.Serve(ln) }()
	return &httpOnly{url: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (h *httpOnly) Addr() string { return h.url }
func (h *httpOnly) Close()       { _ = h.srv.Shutdown(context.Background()) }
