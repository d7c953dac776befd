package dispatcher

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Probe paths served by ServeProbes, which the controller's dispatcher
// Deployment points its liveness and readiness probes at.
const (
	LivenessPath  = "/healthz"
	ReadinessPath = "/readyz"
)

// Prober is what the probes ask: a dedicated dispatcher's Dispatcher, or a
// replica of the shared pool.
type Prober interface {
	Ready() error
	// Report is the body of a successful readiness probe, for operators.
	Report() any
}

// ProbeHandler answers the liveness and readiness probes of a dispatcher.
// Readiness fails while d is not Ready and once ctx (the process's signal
// context) is done; GET /readyz?verbose adds d's Report as JSON.
func ProbeHandler(ctx context.Context, d Prober) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LivenessPath, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET "+ReadinessPath, func(w http.ResponseWriter, r *http.Request) {
		err := d.Ready()
		if ctx.Err() != nil {
			err = errors.New("shutting down")
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if _, verbose := r.URL.Query()["verbose"]; !verbose {
			// Kubelets probe every few seconds: a pool replica's report of
			// a thousand channels is for operators who ask, not for them.
			_, _ = w.Write([]byte("ok\n"))
			return
		}
		// How each group is doing on this replica.
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d.Report())
	})
	return mux
}

// ServeProbes serves ProbeHandler on port until ctx is done.
func ServeProbes(ctx context.Context, port int, d Prober) error {
	srv := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(port)),
		Handler:           ProbeHandler(ctx, d),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
