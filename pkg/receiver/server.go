package receiver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"knative.dev/eventing/pkg/apis/feature"
)

// Probe paths, served on the receiver's port. A channel path has two
// segments (/<ns>/<name>), so these one-segment paths cannot clash with one.
const (
	ReadinessPath = "/readyz"
	LivenessPath  = "/healthz"
)

const (
	// DefaultDrainPeriod is how long a stopping receiver keeps serving while
	// failing readiness, so that endpoints drop it before it stops listening.
	DefaultDrainPeriod = 5 * time.Second
	// DefaultShutdownTimeout bounds the wait for in-flight requests; it is
	// above DefaultProduceTimeout so that every request gets its answer.
	DefaultShutdownTimeout = DefaultProduceTimeout + 5*time.Second
)

// Server serves the ingress Handler and its probes on a plain listener and,
// for Knative's transport encryption, a TLS one.
type Server struct {
	Handler http.Handler
	// Secure, if set, is a TLS listener (tls.NewListener) served beside the
	// plain one, which Features decides between.
	Secure net.Listener
	// Features returns eventing's config-features in force; nil is all
	// defaults (transport-encryption disabled).
	Features func() feature.Flags
	// Certificate, if set, is what Secure serves: readiness checks it under
	// strict transport encryption.
	Certificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// Ready is nil when the receiver can take traffic.
	Ready  func() error
	Logger *zap.Logger
	// DrainPeriod and ShutdownTimeout default to DefaultDrainPeriod and
	// DefaultShutdownTimeout; a negative DrainPeriod skips draining.
	DrainPeriod     time.Duration
	ShutdownTimeout time.Duration

	draining atomic.Bool
}

// Serve serves on ln (and Secure) until ctx is done, then shuts down
// gracefully: readiness fails at once, the receiver keeps serving for
// DrainPeriod, stops accepting connections and returns once the in-flight
// requests are answered.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	servers := []*http.Server{s.httpServer(s.routes(false))}
	listeners := []net.Listener{ln}
	if s.Secure != nil {
		servers = append(servers, s.httpServer(s.routes(true)))
		listeners = append(listeners, s.Secure)
	}
	served := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { served <- srv.Serve(listeners[i]) }()
	}
	select {
	case err := <-served:
		for _, srv := range servers {
			_ = srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.Logger.Info("Draining: readiness now fails", zap.Duration("period", s.drainPeriod()))
	time.Sleep(s.drainPeriod())
	err := s.shutdown(ctx, servers)
	for range servers {
		if served := <-served; !errors.Is(served, http.ErrServerClosed) && err == nil {
			err = served
		}
	}
	s.Logger.Info("Receiver stopped", zap.Error(err))
	return err
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: zap.NewStdLog(s.Logger)}
}

// shutdown stops every server within one ShutdownTimeout.
func (s *Server) shutdown(ctx context.Context, servers []*http.Server) error {
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	errs := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { errs <- srv.Shutdown(shutdownCtx) }()
	}
	var err error
	for range servers {
		err = errors.Join(err, <-errs)
	}
	return err
}

func (s *Server) drainPeriod() time.Duration {
	switch {
	case s.DrainPeriod < 0:
		return 0
	case s.DrainPeriod == 0:
		return DefaultDrainPeriod
	}
	return s.DrainPeriod
}

// routes sends GET and HEAD of the probe paths to the probes, the rest to
// the ingress. A hand-made switch rather than http.ServeMux, whose path
// cleaning would redirect some event requests instead of answering them.
//
// Events take the listener that transport-encryption allows: both when
// permissive, the TLS one alone when strict, the plain one alone when
// disabled. The other answers 404, as eventing's own servers do
// (eventingtls.ServerManager): the mode reaches every component eventually,
// so a sender that is still behind gets an answer it retries.
func (s *Server) routes(secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			switch r.URL.Path {
			case ReadinessPath:
				s.readiness(w)
				return
			case LivenessPath:
				w.WriteHeader(http.StatusOK)
				return
			}
		}
		if !s.takesEvents(secure) {
			http.Error(w, s.refusal(secure), http.StatusNotFound)
			return
		}
		s.Handler.ServeHTTP(w, r)
	})
}

func (s *Server) features() feature.Flags {
	if s.Features == nil {
		return nil
	}
	return s.Features()
}

func (s *Server) takesEvents(secure bool) bool {
	flags := s.features()
	if secure {
		return flags.IsPermissiveTransportEncryption() || flags.IsStrictTransportEncryption()
	}
	return !flags.IsStrictTransportEncryption()
}

func (s *Server) refusal(secure bool) string {
	if secure {
		return "transport-encryption is disabled: send events over plain HTTP"
	}
	return "transport-encryption is strict: send events over HTTPS"
}

func (s *Server) readiness(w http.ResponseWriter) {
	err := s.ready()
	if err == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Error(w, err.Error(), http.StatusServiceUnavailable)
}

func (s *Server) ready() error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	if err := s.certificateReady(); err != nil {
		return err
	}
	if s.Ready == nil {
		return nil
	}
	return s.Ready()
}

// certificateReady fails under strict transport encryption while there is
// no certificate to serve: the replica could take no event at all, and a
// rollout must then keep the replicas that still hold one.
func (s *Server) certificateReady() error {
	if s.Certificate == nil || !s.features().IsStrictTransportEncryption() {
		return nil
	}
	if _, err := s.Certificate(&tls.ClientHelloInfo{}); err != nil {
		return fmt.Errorf("transport-encryption is strict and HTTPS cannot be served: %w", err)
	}
	return nil
}
