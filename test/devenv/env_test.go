package devenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// After a crash (kill -9) the dev broker comes back on the same address, and
// the environment's log says so, as it does for the workloads.
func TestBrokerIsRestartedAfterACrash(t *testing.T) {
	var log lockedLog
	e, ctx := newEnv(context.Background(), Options{Root: t.TempDir(), Dir: t.TempDir(), Logf: log.logf(t)})
	t.Cleanup(e.Stop)
	buildDevBroker(t, e)
	must(t, e.startBroker(ctx))
	addr, crashed := e.BrokerAddr, e.PID(BrokerName)

	must(t, syscall.Kill(crashed, syscall.SIGKILL))
	eventually(ctx, t, "the broker restarted and dialable", func() error {
		if p := e.PID(BrokerName); p == 0 || p == crashed {
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

// Stop (Ctrl-C of local-up) ends every process the environment listed, by
// PID, stopping the workloads together rather than one grace after another.
func TestStopLeavesNoProcess(t *testing.T) {
	e, ctx := startRunnerOnly(t)
	buildDevBroker(t, e)
	must(t, e.startBroker(ctx))
	pool := fakePodStatefulSet("pool", 3)
	pool.Spec.Template.Spec.Containers[0].Env = append(pool.Spec.Template.Spec.Containers[0].Env,
		corev1.EnvVar{Name: stopTogetherEnv, Value: filepath.Join(e.Dir, "sigterms")},
		corev1.EnvVar{Name: "STOP_PEERS", Value: "3"})
	_, err := e.Kube.AppsV1().StatefulSets(SystemNamespace).Create(ctx, pool, metav1.CreateOptions{})
	must(t, err)
	mustBeReady(ctx, t, e, "pool", 3, "1")
	// Draining for a minute, as the webhook does: Stop must not wait for it.
	drainer := fakePodDeployment("drainer")
	drainer.Spec.Template.Spec.Containers[0].Env = append(drainer.Spec.Template.Spec.Containers[0].Env,
		corev1.EnvVar{Name: drainEnv, Value: "1m"})
	_, err = e.Kube.AppsV1().Deployments(SystemNamespace).Create(ctx, drainer, metav1.CreateOptions{})
	must(t, err)
	must(t, e.WaitDeploymentAvailable(ctx, "drainer", time.Minute))

	running := e.Processes()
	start := time.Now()
	e.Stop()
	took := time.Since(start)
	t.Logf("Stop took %s for %d processes", took.Round(time.Millisecond), len(running))
	if took >= stopGrace {
		t.Errorf("Stop took %v: it waited for a drain (a replica's own grace is %v)", took, stopGrace)
	}
	for _, p := range running {
		if err := syscall.Kill(p.PID, 0); err == nil {
			t.Errorf("%s (pid %d) is still running after Stop", p.Name, p.PID)
		}
	}
	for _, pod := range []string{"pool-0", "pool-1", "pool-2"} {
		if log, _ := os.ReadFile(filepath.Join(e.Dir, "logs", pod+".log")); !strings.Contains(string(log), "stopped together") {
			t.Errorf("%s was not stopped together with the other replicas; its log:\n%s", pod, log)
		}
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
