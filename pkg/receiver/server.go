package receiver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
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

// Server serves the ingress Handler and its probes on one listener.
type Server struct {
	Handler http.Handler
	// Ready is nil when the receiver can take traffic.
	Ready  func() error
	Logger *zap.Logger
	// DrainPeriod and ShutdownTimeout default to DefaultDrainPeriod and
	// DefaultShutdownTimeout; a negative DrainPeriod skips draining.
	DrainPeriod     time.Duration
	ShutdownTimeout time.Duration

	draining atomic.Bool
}

// Serve serves on ln until ctx is done, then shuts down gracefully: readiness
// fails at once, the receiver keeps serving for DrainPeriod, stops accepting
// connections and returns once the in-flight requests are answered.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          zap.NewStdLog(s.Logger),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.Logger.Info("Draining: readiness now fails", zap.Duration("period", s.drainPeriod()))
	time.Sleep(s.drainPeriod())
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if served := <-served; !errors.Is(served, http.ErrServerClosed) && err == nil {
		err = served
	}
	s.Logger.Info("Receiver stopped", zap.Error(err))
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
func (s *Server) routes() http.Handler {
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
		s.Handler.ServeHTTP(w, r)
	})
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
	if s.Ready == nil {
		return nil
	}
	return s.Ready()
}
