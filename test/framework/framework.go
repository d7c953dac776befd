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
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "knative-kafka-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	// KNATIVE_KAFKA_MANIFESTS selects ko-resolved manifests (hack/ko-resolve.sh) over config/.
	e, err := devenv.Start(ctx, devenv.Options{Root: root, Dir: dir, Manifests: os.Getenv("KNATIVE_KAFKA_MANIFESTS"), Logf: func(f string, a ...interface{}) {
		fmt.Printf("[devenv %5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(f, a...))
	}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "dev environment: %v (logs in %s)\n", err, filepath.Join(dir, "logs"))
		return 1
	}
	code := 1
	defer func() {
		e.Stop()
		if code != 0 {
			saveLogs(root, dir)
		}
		if os.Getenv("KEEP_E2E_DIR") == "" {
			os.RemoveAll(dir)
		}
	}()
	fe := &Env{Env: e}
	if fe.Kafka, err = versioned.NewForConfig(e.AdminConfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if fe.Dynamic, err = dynamic.NewForConfig(e.AdminConfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*env = fe
	code = m.Run()
	return code
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
