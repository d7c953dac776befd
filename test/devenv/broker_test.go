package devenv

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// After a crash (kill -9) the dev broker comes back on the same address, and
// the environment's log says so, as it does for the workloads.
func TestBrokerIsRestartedAfterACrash(t *testing.T) {
	var log lockedLog
	e, ctx := newEnv(context.Background(), Options{Root: t.TempDir(), Dir: t.TempDir(), Logf: log.logf(t)})
	t.Cleanup(e.Stop)
	buildDevBroker(t, e)
	must(t, e.startBroker(ctx))
	addr, crashed := e.BrokerAddr, processID(e, BrokerName)

	must(t, syscall.Kill(crashed, syscall.SIGKILL))
	eventually(ctx, t, "the broker restarted and dialable", func() error {
		if p := processID(e, BrokerName); p == 0 || p == crashed {
			return fmt.Errorf("pid %d", p)
		}
		return dialable(addr)
	})
	if e.BrokerAddr != addr {
		t.Errorf("the broker moved from %s to %s", addr, e.BrokerAddr)
	}
	if want := BrokerName + " exited ("; !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, log.String())
	}
}

// buildDevBroker builds test/cmd/devbroker into the environment's _output/bin.
func buildDevBroker(t *testing.T, e *Env) {
	t.Helper()
	repo, err := filepath.Abs("../..")
	must(t, err)
	cmd := exec.Command("go", "build", "-o", e.bin("devbroker"), "./test/cmd/devbroker")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building devbroker: %v\n%s", err, out)
	}
}

// processID is the PID Env.Processes lists for a name, 0 when none.
func processID(e *Env, name string) int {
	for _, p := range e.Processes() {
		if p.Name == name {
			return p.PID
		}
	}
	return 0
}

// lockedLog keeps what the environment logs, also passing it to t.Logf.
type lockedLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lockedLog) logf(t *testing.T) func(string, ...interface{}) {
	return func(format string, args ...interface{}) {
		t.Logf(format, args...)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, fmt.Sprintf(format, args...))
	}
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
