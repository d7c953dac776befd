// Package probes serves a sharedmain process's liveness (/health) and readiness
// (/readiness) probes on a port taken from the environment. sharedmain's own
// probes always bind :8080, which collides when several Knative processes share
// one host, as they do in the dev environment.
package probes

import (
	"context"
	"os"
	"strconv"

	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/logging"
)

// PortEnv names the probe port; unset means injection.HealthCheckDefaultPort (8080).
const PortEnv = "PROBES_PORT"

// Port returns the configured probe port.
func Port() int {
	if p, err := strconv.Atoi(os.Getenv(PortEnv)); err == nil && p > 0 {
		return p
	}
	return injection.HealthCheckDefaultPort
}

// Serve turns off sharedmain's probes and serves knative's probe handlers on Port()
// until ctx ends; pass the returned context to sharedmain.
func Serve(ctx context.Context) context.Context {
	go func() {
		if err := injection.ServeHealthProbes(ctx, Port()); err != nil {
			logging.FromContext(ctx).Fatalw("Probe server failed", "port", Port(), "error", err)
		}
	}()
	return sharedmain.WithHealthProbesDisabled(ctx)
}
