package main

import (
	"context"
	"io"
	"net"
	"net/http"
)

// serveHTTPOnly is the http-only child: an HTTP server that reads the body
// and answers 202, nothing else, which is what the receiver's HTTP side
// cannot do for less.
func serveHTTPOnly() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Shutdown(context.Background()) }, nil
}
