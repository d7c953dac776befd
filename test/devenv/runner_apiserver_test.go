package devenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// The runner plays kubelet and the workload controllers on a real API server,
// for both kinds through one code path.
func TestWorkloadsRunAsProcesses(t *testing.T) {
	e, ctx := startRunnerOnly(t)
	t.Run("StatefulSet", func(t *testing.T) { statefulSetRunsAsPods(ctx, t, e) })
	t.Run("Deployment", func(t *testing.T) { deploymentRunsAsOneProcess(ctx, t, e) })
}

// The pool of dispatchers is a StatefulSet: the environment must run it as a
// cluster would. Replicas are named as their pods, keep their ordinal across
// a crash, scale from the end, roll one at a time, and the StatefulSet's
// status says so.
func statefulSetRunsAsPods(ctx context.Context, t *testing.T, e *Env) {
	sets := e.Kube.AppsV1().StatefulSets(SystemNamespace)
	if _, err := sets.Create(ctx, fakePodStatefulSet("pool", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustBeReady(ctx, t, e, "pool", 2, "1")
	if _, err := os.Stat(filepath.Join(e.Dir, "logs", "pool-1.log")); err != nil {
		t.Errorf("replica 1 has no log file of its own: %v", err)
	}

	crashed := pid(e, "pool-1")
	if err := e.KillPod("pool-1"); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "pool-1 restarted", func() error {
		if p := pid(e, "pool-1"); p == 0 || p == crashed {
			return fmt.Errorf("pid %d", p)
		}
		return nil
	})
	mustBeReady(ctx, t, e, "pool", 2, "1")

	// A replica held down (a pod Pending, or on a lost node) is not
	// restarted, and the status counts it missing, until released.
	if err := e.HoldPod("pool-1"); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "pool-1 held down, reported missing", func() error {
		s, err := sets.Get(ctx, "pool", metav1.GetOptions{})
		if p := pid(e, "pool-1"); err != nil || p != 0 || s.Status.ReadyReplicas != 1 {
			return fmt.Errorf("pid %d, %d ready, %v", p, s.Status.ReadyReplicas, err)
		}
		return nil
	})
	if err := e.ReleasePod("pool-1"); err != nil {
		t.Fatal(err)
	}
	mustBeReady(ctx, t, e, "pool", 2, "1")

	kept := []int{pid(e, "pool-0"), pid(e, "pool-1")}
	update(ctx, t, "pool", func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](3) }, sets.Get, sets.Update)
	mustBeReady(ctx, t, e, "pool", 3, "1")
	if got := []int{pid(e, "pool-0"), pid(e, "pool-1")}; !reflect.DeepEqual(got, kept) {
		t.Errorf("scaling up restarted replicas 0 and 1: pids %v, then %v", kept, got)
	}

	update(ctx, t, "pool", func(s *appsv1.StatefulSet) { setVersion(&s.Spec.Template, "2") }, sets.Get, sets.Update)
	mustBeReady(ctx, t, e, "pool", 3, "2")
	if s0, s1, s2 := started(e, "pool-0"), started(e, "pool-1"), started(e, "pool-2"); !(s2.Before(s1) && s1.Before(s0)) {
		t.Errorf("the roll started pool-2 at %s, pool-1 at %s, pool-0 at %s; want the highest ordinal first", s2, s1, s0)
	}

	update(ctx, t, "pool", func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](1) }, sets.Get, sets.Update)
	mustBeReady(ctx, t, e, "pool", 1, "2")
	for _, pod := range []string{"pool-1", "pool-2"} {
		if log, _ := os.ReadFile(filepath.Join(e.Dir, "logs", pod+".log")); !strings.Contains(string(log), "stopping on SIGTERM") {
			t.Errorf("%s was not stopped gracefully on scale down; its log:\n%s", pod, log)
		}
	}

	if err := sets.Delete(ctx, "pool", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(ctx, t, "the deleted StatefulSet's processes stopped", noPods(e, "pool"))
}

// Deployments keep what the receiver, controller, webhook and dedicated
// dispatchers rely on: one process named after the Deployment, its pod
// "<deployment>-local", restarted after a crash and on a template change,
// its readiness in the Available condition.
func deploymentRunsAsOneProcess(ctx context.Context, t *testing.T, e *Env) {
	deployments := e.Kube.AppsV1().Deployments(SystemNamespace)
	if _, err := deployments.Create(ctx, fakePodDeployment("single"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	available := func(version string) {
		t.Helper()
		must(t, e.WaitDeploymentAvailable(ctx, "single", time.Minute))
		if got, err := ask(e, "single-local"); err != nil || got != "single-local "+version {
			t.Errorf("the Deployment's process answers %q, %v; want single-local %s", got, err, version)
		}
	}
	available("1")
	if _, err := os.Stat(filepath.Join(e.Dir, "logs", "single.log")); err != nil {
		t.Errorf("the Deployment's process does not log to its name: %v", err)
	}

	crashed := pid(e, "single-local")
	must(t, e.KillDeployment("single"))
	eventually(ctx, t, "single restarted", func() error {
		if p := pid(e, "single-local"); p == 0 || p == crashed {
			return fmt.Errorf("pid %d", p)
		}
		return nil
	})
	available("1")

	update(ctx, t, "single", func(d *appsv1.Deployment) { setVersion(&d.Spec.Template, "2") }, deployments.Get, deployments.Update)
	eventually(ctx, t, "single runs the new template", func() error {
		if got, _ := ask(e, "single-local"); got != "single-local 2" {
			return fmt.Errorf("answers %q", got)
		}
		return nil
	})
	available("2")

	update(ctx, t, "single", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](0) }, deployments.Get, deployments.Update)
	eventually(ctx, t, "replicas 0 stopped the Deployment's process", noPods(e, "single"))
	must(t, e.WaitDeploymentAvailable(ctx, "single", time.Minute))
}

// The receiver's URL is what users and tests are given (local-up prints it
// in a curl line): a crash and restart of its process must not change it.
func TestReceiverKeepsItsAddressAcrossRestarts(t *testing.T) {
	e, ctx := startRunnerOnly(t)
	_, err := e.Kube.AppsV1().Deployments(SystemNamespace).Create(ctx, fakePodDeployment(ReceiverName), metav1.CreateOptions{})
	must(t, err, e.WaitDeploymentAvailable(ctx, ReceiverName, time.Minute))
	before, err := e.ReceiverURL()
	must(t, err)

	pod := deploymentPod(ReceiverName)
	crashed := pid(e, pod)
	must(t, e.KillDeployment(ReceiverName))
	eventually(ctx, t, "the receiver restarted and answers", func() error {
		if p := pid(e, pod); p == 0 || p == crashed {
			return fmt.Errorf("pid %d", p)
		}
		_, err := ask(e, pod)
		return err
	})
	if after, err := e.ReceiverURL(); err != nil || after != before {
		t.Errorf("the receiver's URL was %s, after a restart %s (%v)", before, after, err)
	}
}

// fakePodDeployment runs one fake pod (see TestMain) as a Deployment.
func fakePodDeployment(name string) *appsv1.Deployment {
	tmpl := fakePodStatefulSet(name, 1).Spec
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: SystemNamespace},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: tmpl.Selector, Template: tmpl.Template},
	}
}

// setVersion sets the VERSION a fake pod answers with.
func setVersion(t *corev1.PodTemplateSpec, version string) {
	env := t.Spec.Containers[0].Env
	for i := range env {
		if env[i].Name == "VERSION" {
			env[i].Value = version
		}
	}
}

// startRunnerOnly starts etcd, kube-apiserver and kube-controller-manager in
// a repository of one binary, cmd/fakepod (this test binary), and runs the
// system namespace's workloads. It skips the test where hack/build-tools.sh
// has not built the control plane.
func startRunnerOnly(t *testing.T) (*Env, context.Context) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fake := t.TempDir()
	bin := filepath.Join(fake, "_output", "bin")
	must(t, os.MkdirAll(bin, 0o755), os.MkdirAll(filepath.Join(fake, "cmd", "fakepod"), 0o755),
		os.WriteFile(filepath.Join(fake, "cmd", "fakepod", "main.go"), []byte("package main\n"), 0o644))
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		target := filepath.Join(root, "_output", "bin", name)
		if _, err := os.Stat(target); err != nil {
			t.Skipf("the control plane is not built (hack/build-tools.sh): %v", err)
		}
		must(t, os.Symlink(target, filepath.Join(bin, name)))
	}
	self, err := os.Executable()
	must(t, err, os.Symlink(self, filepath.Join(bin, "fakepod")))

	e, ctx := newEnv(context.Background(), Options{Root: fake, Dir: t.TempDir(), Logf: t.Logf})
	t.Cleanup(e.Stop)
	must(t, e.startControlPlane(ctx), e.ensureNamespace(ctx, SystemNamespace))
	_, err = e.Kube.CoreV1().ServiceAccounts(SystemNamespace).Create(ctx,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "fakepod"}}, metav1.CreateOptions{})
	must(t, err)
	e.startRunner(ctx)
	return e, ctx
}

// mustBeReady waits for the StatefulSet's status to show replicas ready and
// updated, then checks that exactly those pods run, each knowing its own
// name and running the template of that version.
func mustBeReady(ctx context.Context, t *testing.T, e *Env, name string, replicas int32, version string) {
	t.Helper()
	must(t, e.WaitStatefulSetReady(ctx, name, replicas, time.Minute))
	var want []string
	for i := 0; i < int(replicas); i++ {
		want = append(want, fmt.Sprintf("%s-%d", name, i))
	}
	if got := e.Pods(name); !reflect.DeepEqual(got, want) {
		t.Fatalf("pods %v, want %v", got, want)
	}
	for _, pod := range want {
		if got, err := ask(e, pod); err != nil || got != pod+" "+version {
			t.Errorf("%s answers %q, %v; want its own name and version %s", pod, got, err, version)
		}
	}
}

// ask returns what a fake pod answers on /.
func ask(e *Env, pod string) (string, error) {
	port, ok := e.runner.port(pod, "PORT")
	if !ok {
		return "", fmt.Errorf("%s is not running", pod)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// update changes an object of the system namespace, retrying on conflicts
// with the runner's status writes.
func update[T any](ctx context.Context, t *testing.T, name string, change func(T),
	get func(context.Context, string, metav1.GetOptions) (T, error),
	put func(context.Context, T, metav1.UpdateOptions) (T, error)) {
	t.Helper()
	must(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		o, err := get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(o)
		_, err = put(ctx, o, metav1.UpdateOptions{})
		return err
	}))
}

// pid is the process ID of a pod's process, 0 when it has none.
func pid(e *Env, pod string) int {
	e.runner.mu.Lock()
	defer e.runner.mu.Unlock()
	if l := e.runner.running[pod]; l != nil {
		return l.proc.cmd.Process.Pid
	}
	return 0
}

func started(e *Env, pod string) time.Time {
	e.runner.mu.Lock()
	defer e.runner.mu.Unlock()
	if l := e.runner.running[pod]; l != nil {
		return l.started
	}
	return time.Time{}
}

// noPods checks that a workload runs no process.
func noPods(e *Env, workload string) func() error {
	return func() error {
		if pods := e.Pods(workload); len(pods) > 0 {
			return fmt.Errorf("still running: %v", pods)
		}
		return nil
	}
}

func eventually(ctx context.Context, t *testing.T, what string, check func() error) {
	t.Helper()
	must(t, waitFor(ctx, what, nil, 30*time.Second, check))
}

func must(t *testing.T, errs ...error) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
