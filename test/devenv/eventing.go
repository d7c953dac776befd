package devenv

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// eventingVersion is the Knative Eventing the environment runs (hack/tools/eventing pins it).
const eventingVersion = "knative.dev/eventing@v0.50.0"

// eventingDir finds Knative Eventing's module source, for its CRDs and config maps.
func (e *Env) eventingDir(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", eventingVersion)
	cmd.Dir = filepath.Join(e.Root, "hack", "tools", "eventing")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating %s: %w", eventingVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("locating %s: no Dir in %s", eventingVersion, out)
	}
	return mod.Dir, nil
}

// startEventing installs Eventing's namespace, CRDs and config maps and runs its controller.
// Eventing's webhooks are not run: the channel, subscription and broker kinds need none.
func (e *Env) startEventing(ctx context.Context) error {
	dir, err := e.eventingDir(ctx)
	if err != nil {
		return err
	}
	core := filepath.Join(dir, "config", "core")
	if err := e.apply(ctx, filepath.Join(core, "100-namespace.yaml")); err != nil {
		return err
	}
	if err := e.apply(ctx, filepath.Join(core, "resources"), filepath.Join(core, "configmaps"), filepath.Join(core, "roles")); err != nil {
		return err
	}
	if err := e.applyCertificateCRD(ctx); err != nil {
		return err
	}
	p, err := e.startKnative("eventing-controller")
	if err != nil {
		return err
	}
	// Its probes listen on sharedmain's fixed :8080.
	if err := waitFor(ctx, "eventing controller", p, 2*time.Minute, func() error { return httpOK("http://127.0.0.1:8080/readiness") }); err != nil {
		return err
	}
	// The Broker controller is built with its probes off (hack/tools/eventing/mtbroker).
	_, err = e.startKnative("mt-broker-controller")
	return err
}

// startKnative runs one of Knative Eventing's controllers as the admin, with
// the env sharedmain reads and extra.
func (e *Env) startKnative(name string, extra ...string) (*proc, error) {
	profiling, err := freePort()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"KUBECONFIG="+e.AdminKubeconfig,
		"SYSTEM_NAMESPACE="+SystemNamespace,
		"POD_NAME="+name+"-local",
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"METRICS_DOMAIN=knative.dev/eventing",
		"PROFILING_PORT="+strconv.Itoa(profiling),
		// Required by the controller, used only by sources this environment does not run.
		"APISERVER_RA_IMAGE=unused.local/apiserver-receive-adapter",
		"AUTH_PROXY_IMAGE=unused.local/auth-proxy",
	)
	env = append(env, extra...)
	return e.procs.start(name, e.bin(name), nil, env)
}

//go:embed certmanager.yaml
var certificateCRD []byte

// applyCertificateCRD installs certmanager.yaml's stand-in for cert-manager's
// Certificate kind, which Eventing's controller lists under transport encryption.
func (e *Env) applyCertificateCRD(ctx context.Context) error {
	path := filepath.Join(e.Dir, "certificates.cert-manager.io.yaml")
	if err := os.WriteFile(path, certificateCRD, 0o600); err != nil {
		return err
	}
	return e.apply(ctx, path)
}
