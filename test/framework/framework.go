// Package framework holds what the end-to-end and conformance tests share: one
// dev environment per test binary, event sinks, and senders.
package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
}

// Main starts a dev environment in a temporary directory, runs the tests and
// stops it; use it from TestMain. A failure to start fails the binary.
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
	e, err := devenv.Start(context.Background(), opts)
	if err != nil {
		return nil, nil, fmt.Errorf("dev environment: %w (logs in %s)", err, filepath.Join(opts.Dir, "logs"))
	}
	stop = func(failed bool) {
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

// saveLogs keeps the processes' logs of a failed run in _output/e2e-logs,
// where CI and the next session can read them; the rest of dir goes.
func saveLogs(root, dir string) {
	dst := filepath.Join(root, "_output", "e2e-logs", filepath.Base(dir))
	src := filepath.Join(dir, "logs")
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
