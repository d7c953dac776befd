// Package devenv runs knative-kafka on one machine with no cluster: a real
// etcd, kube-apiserver and kube-controller-manager, a kfake Kafka broker, the
// real Knative Eventing controller, and this project's binaries as local
// processes. Every Deployment and StatefulSet of the system namespace that
// runs one of this project's binaries (those of config/, and the dispatcher
// Deployments the controller creates) runs as local processes with its env and
// its own ServiceAccount's token: one per Deployment, spec.replicas per
// StatefulSet, named as their pods would be ("<statefulset>-<ordinal>").
// Their health is written back to the workload's status, as the Deployment
// and StatefulSet controllers would. The dev environment (hack/local-up.sh)
// and the e2e tests use it.
//
// Addresses stay put: the broker's port and the receiver's HTTP port are kept
// in Dir (<name>.port) across starts of the environment and restarts of their
// processes (Options.ReceiverPort sets the receiver's); other processes get
// free ports. The broker is supervised like the workloads: restarted, same
// port and data dir, when it exits, and the exit logged. Stop ends this
// project's workloads in parallel, then Eventing and the broker, then the
// control plane, each process with its grace period and its whole process
// group, so that none is left behind.
package devenv

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/knative-kafka/knative-kafka/test/faultproxy"
)

// SystemNamespace is where Knative Eventing and this project's components run.
const SystemNamespace = "knative-eventing"

// BrokerName names the dev Kafka broker's process.
const BrokerName = "kafka-broker"

// Options shape an environment.
type Options struct {
	// Root is the repository's root directory.
	Root string
	// Dir keeps the environment's state: PKI, etcd data, broker data, logs.
	// Reusing a Dir keeps the cluster's objects and Kafka's events.
	Dir string
	// Manifests is what to install: config/ when empty, or the output of
	// hack/ko-resolve.sh, so that ko's resolved objects are the ones that run.
	Manifests string
	// ReceiverPort is the receiver's HTTP port; 0 keeps one in Dir, the same
	// across starts of the environment and restarts of the receiver.
	ReceiverPort int
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...interface{})
	// FaultProxy puts a fault proxy (test/faultproxy) between every Kafka
	// client and the broker: the broker names the proxy's address in its
	// metadata, so that a soak can cut or blackhole one process's traffic.
	FaultProxy bool
	// InMemoryChannel also installs and runs Knative Eventing's
	// InMemoryChannel (its controller and dispatcher, built by
	// hack/build-tools.sh imc), for benchmarks that measure KafkaChannel
	// beside it.
	InMemoryChannel bool
}

// Env is a running environment.
type Env struct {
	Options
	APIServerURL    string
	AdminKubeconfig string
	AdminConfig     *rest.Config
	Kube            kubernetes.Interface
	// BrokerAddr is the dev Kafka broker's host:port.
	BrokerAddr string
	// HostAddr is this host's address as the workloads reach it: where a
	// test's sinks listen. 127.0.0.1 for local processes, the node's address
	// on its pods' bridge.
	HostAddr string

	pki     *pki
	etcdURL string
	procs   *procs
	runner  *runner
	// workloads are this project's Deployments and StatefulSets as tests
	// reach them: the runner's processes, or a node's pods.
	workloads workloads
	proxy     *apiProxy
	kafka     *faultproxy.Proxy
	cancel    context.CancelFunc
}

// workloads is what differs between running the system namespace's
// workloads as local processes and as pods on a node.
type workloads interface {
	// receiverURL is where this host reaches the receiver, over HTTP or HTTPS.
	receiverURL(https bool) (string, error)
	// metricsURL is where a pod serves Prometheus metrics.
	metricsURL(pod string) (string, error)
	// kill ends a pod's process or containers abruptly; it is restarted.
	kill(pod string) error
	// hold keeps a pod down until released.
	hold(pod string, held bool) error
	// podNames lists a Deployment's or a StatefulSet's pods, by name.
	podNames(workload string) []string
	stop()
}

// Start builds what is missing and brings the whole environment up.
func Start(ctx context.Context, opts Options) (*Env, error) {
	e, ctx := newEnv(ctx, opts)
	type step struct {
		what string
		do   func(context.Context) error
	}
	steps := []step{
		{"building tools and binaries", e.build},
		{"starting etcd, kube-apiserver, kube-controller-manager", e.startControlPlane},
		{"starting the dev Kafka broker", e.startBroker},
		{"installing and starting Knative Eventing", e.startEventing},
	}
	if opts.InMemoryChannel {
		steps = append(steps, step{"installing and starting Eventing's InMemoryChannel", e.startInMemoryChannel})
	}
	steps = append(steps, step{"applying config/ and running its Deployments", e.startProject})
	for _, s := range steps {
		start := time.Now()
		e.Logf("%s...", s.what)
		if err := s.do(ctx); err != nil {
			e.Stop()
			return nil, fmt.Errorf("%s: %w", s.what, err)
		}
		e.Logf("  done in %s", time.Since(start).Round(100*time.Millisecond))
	}
	return e, nil
}

// newEnv is an environment with nothing started yet, and the context its
// processes run under until Stop.
func newEnv(ctx context.Context, opts Options) (*Env, context.Context) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...interface{}) {}
	}
	e := &Env{Options: opts, HostAddr: "127.0.0.1"}
	e.procs = &procs{logDir: e.LogDir(), logf: opts.Logf}
	ctx, e.cancel = context.WithCancel(ctx)
	return e, ctx
}

// LogDir holds a log file per process, named after it.
func (e *Env) LogDir() string { return filepath.Join(e.Dir, "logs") }

// Stop ends every process the environment started: this project's
// workloads, then Knative Eventing and the broker, then the control plane;
// each step in parallel, each process with its grace period.
func (e *Env) Stop() {
	if e.cancel != nil {
		e.cancel()
	}
	if e.workloads != nil {
		e.workloads.stop()
	}
	e.procs.stopAll(5*time.Second, "kube-controller-manager", "kube-apiserver", "etcd")
	if e.proxy != nil {
		e.proxy.stop()
	}
	if e.kafka != nil {
		_ = e.kafka.Close()
	}
}

// DumpGoroutines makes this project's processes (controller, webhook,
// receiver, dispatchers) write the stack of every goroutine to their logs, and
// exit: for a failed run, before Stop, so that the kept logs show where one
// was stuck.
func (e *Env) DumpGoroutines() {
	e.procs.dumpGoroutines(isProjectProcess, 5*time.Second)
}

func isProjectProcess(name string) bool {
	return strings.HasPrefix(name, "kafka-channel-") || strings.HasSuffix(name, "-kafka-dispatcher")
}

func (e *Env) bin(name string) string {
	return filepath.Join(e.Root, "_output", "bin", name)
}

// build runs hack/build-tools.sh (control plane, eventing, and the
// InMemoryChannel when asked for) and builds cmd/*.
func (e *Env) build(ctx context.Context) error {
	groups := []string{"control-plane"}
	if e.InMemoryChannel {
		groups = append(groups, "imc")
	}
	if err := e.run(ctx, e.Root, filepath.Join(e.Root, "hack", "build-tools.sh"), groups...); err != nil {
		return err
	}
	return e.run(ctx, e.Root, "go", "build", "-o", filepath.Join(e.Root, "_output", "bin")+"/",
		"./cmd/...", "./test/cmd/...")
}

// run runs a command, passing each line of its output to Logf as it comes:
// a first build runs for minutes and reports its progress.
func (e *Env) run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		lines := bufio.NewScanner(r)
		for lines.Scan() {
			if line := strings.TrimSpace(lines.Text()); line != "" {
				e.Logf("  %s", line)
			}
		}
		_, _ = io.Copy(io.Discard, r) // past a line too long to scan
	}()
	err := cmd.Run()
	w.Close()
	<-logged
	if err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// Kubectl runs kubectl as the admin.
func (e *Env) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, e.bin("kubectl"), append([]string{"--kubeconfig", e.AdminKubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// apply server-side-applies manifests (files or directories); server-side
// because eventing's CRDs are too large for the last-applied annotation.
func (e *Env) apply(ctx context.Context, paths ...string) error {
	args := []string{"apply", "--server-side", "--force-conflicts"}
	for _, p := range paths {
		args = append(args, "-f", p)
	}
	_, err := e.Kubectl(ctx, args...)
	return err
}

func (e *Env) startBroker(ctx context.Context) error {
	port, err := e.stablePort("broker")
	if err != nil {
		return err
	}
	e.BrokerAddr = fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"-data-dir", filepath.Join(e.Dir, "kafka")}
	listening := e.BrokerAddr
	if e.FaultProxy {
		if listening, err = e.startKafkaProxy(); err != nil {
			return err
		}
		args = append(args, "-advertise-port", strconv.Itoa(port))
	}
	args = append(args, "-port", strings.TrimPrefix(listening, "127.0.0.1:"))
	start := func() (*proc, error) { return e.procs.start(BrokerName, e.bin("devbroker"), args, os.Environ()) }
	p, err := start()
	if err != nil {
		return err
	}
	// Restarted on the same port and data dir: the Kafka Secret names the
	// address, and the events are kept.
	go e.procs.supervise(ctx, p, start)
	return waitFor(ctx, "Kafka broker", p, 30*time.Second, func() error { return dialable(listening) })
}

// startKafkaProxy serves the broker's address with a fault proxy to the
// port the broker then listens on, kept in Dir like the other.
func (e *Env) startKafkaProxy() (brokerListens string, err error) {
	port, err := e.stablePort("broker-behind-proxy")
	if err != nil {
		return "", err
	}
	brokerListens = fmt.Sprintf("127.0.0.1:%d", port)
	e.kafka, err = faultproxy.Start(e.BrokerAddr, brokerListens)
	return brokerListens, err
}

// KafkaProxy is the fault proxy in front of the broker (Options.FaultProxy), or nil.
func (e *Env) KafkaProxy() *faultproxy.Proxy { return e.kafka }

// RestartBroker stops the broker as an operator would (SIGTERM, its data
// kept); the environment starts it again on the same port and data dir.
func (e *Env) RestartBroker() error {
	p := e.procs.find(BrokerName)
	if p == nil {
		return fmt.Errorf("the Kafka broker is not running")
	}
	p.stop(stopGrace)
	return nil
}

// stablePort keeps a port across restarts of the same Dir: the broker
// advertises its port and stored metadata (the Kafka Secret) names it; the
// receiver's URL is what users and tests are given. A port kept but taken by
// another program is replaced.
func (e *Env) stablePort(name string) (int, error) {
	path := filepath.Join(e.Dir, name+".port")
	if b, err := os.ReadFile(path); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && dialable(fmt.Sprintf("127.0.0.1:%d", p)) != nil {
			return p, nil
		}
	}
	p, err := freePort()
	if err != nil {
		return 0, err
	}
	return p, os.WriteFile(path, []byte(strconv.Itoa(p)), 0o644)
}

// ServiceAccountToken issues a token for a ServiceAccount through the
// TokenRequest API, for the given audiences (the API server's when none).
func (e *Env) ServiceAccountToken(ctx context.Context, namespace, name string, audiences ...string) (string, error) {
	ttl := int64(48 * time.Hour / time.Second)
	tr, err := e.Kube.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &ttl, Audiences: audiences},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for ServiceAccount %s/%s: %w", namespace, name, err)
	}
	return tr.Status.Token, nil
}

// ensureNamespace creates a namespace if it is missing.
func (e *Env) ensureNamespace(ctx context.Context, name string) error {
	_, err := e.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrs.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func toJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ApplyYAML server-side-applies manifests given as text.
func (e *Env) ApplyYAML(ctx context.Context, manifests string) error {
	cmd := exec.CommandContext(ctx, e.bin("kubectl"), "--kubeconfig", e.AdminKubeconfig, "apply", "--server-side", "--force-conflicts", "-f", "-")
	cmd.Stdin = strings.NewReader(manifests)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply: %w: %s", err, out)
	}
	return nil
}

// WaitReady waits for `kubectl wait --for=condition=Ready` on a resource.
func (e *Env) WaitReady(ctx context.Context, namespace, resource string, timeout time.Duration) error {
	_, err := e.Kubectl(ctx, "wait", "-n", namespace, "--for=condition=Ready", resource, "--timeout="+timeout.String())
	return err
}
