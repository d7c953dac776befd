// Package framework holds what the end-to-end and conformance tests share: one
// environment per test binary, event sinks, and senders.
//
// KNATIVE_KAFKA_ENV picks the environment: unset or "process", a dev
// environment of local processes started for the binary (test/devenv);
// "node", the real node hack/node-up.sh runs, attached to as it is
// (devenv.AttachNode).
package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"

	"github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// Env is the running dev environment with the clients tests use.
type Env struct {
	*devenv.Env
	Kafka   versioned.Interface
	Dynamic dynamic.Interface

	mu       sync.Mutex
	restores []func()
	// shared names the namespaces SharedNamespace created.
	shared map[string]bool
}

// Restore registers f to undo, when the test binary ends, a change that
// fixtures shared by several tests made to the environment. It runs only on
// an environment that outlives the binary (a node): one the binary started
// goes whole, its processes as they were for the logs.
func (e *Env) Restore(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.restores = append(e.restores, f)
}

// restore runs what Restore registered, last first, on an attached environment.
func (e *Env) restore() {
	if !e.Attached() {
		return
	}
	e.mu.Lock()
	fs := e.restores
	e.restores = nil
	e.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// Main starts or attaches to the environment KNATIVE_KAFKA_ENV names, runs
// the tests and stops it; use it from TestMain. A failure to start fails the
// binary.
func Main(m *testing.M, env **Env) int {
	e, stop, err := Start(devenv.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*env = e
	code := m.Run()
	stop(code != 0)
	return code
}

// Start starts a dev environment in a temporary directory with opts (Root,
// Dir, Manifests and Logf are filled in). stop ends it; after a failure it
// keeps the processes' logs in _output/e2e-logs, where the project's own
// processes end with the stacks of all their goroutines.
func Start(opts devenv.Options) (env *Env, stop func(failed bool), err error) {
	if opts.Root, err = repoRoot(); err != nil {
		return nil, nil, err
	}
	if opts.Dir, err = os.MkdirTemp("", "knative-kafka-e2e-"); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	// KNATIVE_KAFKA_MANIFESTS selects ko-resolved manifests (hack/ko-resolve.sh) over config/.
	opts.Manifests = os.Getenv("KNATIVE_KAFKA_MANIFESTS")
	opts.Logf = func(f string, a ...interface{}) {
		fmt.Printf("[devenv %5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(f, a...))
	}
	e, err := startOrAttach(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("dev environment: %w (logs in %s)", err, filepath.Join(opts.Dir, "logs"))
	}
	stop = func(failed bool) {
		env.restore()
		if failed {
			e.DumpGoroutines()
		}
		e.Stop()
		if failed {
			saveLogs(opts.Root, opts.Dir)
		}
		if os.Getenv("KEEP_E2E_DIR") == "" {
			os.RemoveAll(opts.Dir)
		}
	}
	listenHost = e.HostAddr
	env = &Env{Env: e}
	if env.Kafka, err = versioned.NewForConfig(e.AdminConfig); err == nil {
		env.Dynamic, err = dynamic.NewForConfig(e.AdminConfig)
	}
	if err != nil {
		stop(true)
		return nil, nil, err
	}
	return env, stop, nil
}

// startOrAttach starts a dev environment, or attaches to a node, as
// KNATIVE_KAFKA_ENV says.
func startOrAttach(opts devenv.Options) (*devenv.Env, error) {
	switch kind := os.Getenv("KNATIVE_KAFKA_ENV"); kind {
	case "", "process":
		return devenv.Start(context.Background(), opts)
	case "node":
		return devenv.AttachNode(context.Background(), opts)
	default:
		return nil, fmt.Errorf("KNATIVE_KAFKA_ENV=%q: want process (the default) or node", kind)
	}
}

// listenHost is where the workloads reach this host: the environment's HostAddr.
var listenHost = "127.0.0.1"

// Listen listens on a free port of the address where the environment's
// workloads reach this host, for a subscriber, reply or collector a test
// serves. The caller closes it: a shared fixture's outlives the test that
// made it.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(listenHost, "0"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// saveLogs keeps the processes' logs of a failed run in _output/e2e-logs,
// where CI and the next session can read them; the rest of dir goes.
func saveLogs(root, dir string) {
	dst := filepath.Join(root, "_output", "e2e-logs", filepath.Base(dir))
	src := filepath.Join(dir, "logs")
	if _, err := os.Stat(src); err != nil {
		fmt.Printf("tests failed: the node's pod logs are in %s\n", filepath.Join(root, devenv.NodeDir, "pod-logs"))
		return // attached to a node, which started no process here
	}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, strings.TrimPrefix(path, src))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "keeping the logs of the failed run: %v\n", err)
		return
	}
	fmt.Printf("tests failed: the processes' logs are kept in %s\n", dst)
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

func toJSON(v interface{}) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
