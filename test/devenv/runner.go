package devenv

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// koPrefix marks the images of this project's binaries, built into _output/bin.
const koPrefix = "ko://"

// Environment variables through which each binary takes its ports, so that
// several processes share one host: the HTTP port (receiver, dispatcher),
// sharedmain's probes and profiling, the admission webhook's port, the
// receiver's HTTPS port and Knative's Prometheus exporter's port.
var portEnvs = []string{"PORT", "PROBES_PORT", "PROFILING_PORT", "WEBHOOK_PORT", "HTTPS_PORT", "METRICS_PROMETHEUS_PORT"}

// runner plays kubelet and the Deployment and StatefulSet controllers for the
// workloads of the system namespace whose image is one of this project's
// binaries. Each replica is a local process: restarted when it exits, the
// replicas beyond spec.replicas stopped highest ordinal first, and on a
// template change replaced one at a time, highest ordinal first, each waiting
// for the one before to be ready. Their readiness is written to the
// workload's status, since the cluster's own controllers for these kinds are off.
type runner struct {
	e  *Env
	mu sync.Mutex
	// running holds each replica's process by its pod name.
	running map[string]*local
	tokens  map[string]string
	// held names the pods kept down, as a pod Pending for want of room or
	// on a lost node would be: not started, not restarted.
	held    map[string]bool
	stopped bool
}

// local is one replica's process.
type local struct {
	pod      string
	workload string
	ordinal  int
	revision string
	proc     *proc
	ports    map[string]int
	probe    *probe
	started  time.Time
	// ready is the outcome of the last probe, which the roll waits on.
	ready    bool
	exitedAt time.Time
}

// stopGrace is the time a replica has between SIGTERM and SIGKILL.
const stopGrace = 10 * time.Second

// shutdownGrace is the same when the whole environment stops (Ctrl-C of
// local-up): nothing routes to its processes any more, so a drain such as
// the webhook's (Knative's 45 s, for endpoints to catch up) only keeps the
// user waiting; a dispatcher killed before its last commit redelivers, at
// least once, on the next start.
const shutdownGrace = 3 * time.Second

// restartDelay is how long an exited replica stays down before it is restarted.
const restartDelay = 2 * time.Second

func newRunner(e *Env) *runner {
	return &runner{e: e, running: map[string]*local{}, tokens: map[string]string{}, held: map[string]bool{}}
}

func (r *runner) loop(ctx context.Context) {
	for {
		if err := r.sync(ctx); err != nil && ctx.Err() == nil {
			r.e.Logf("workload runner: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (r *runner) sync(ctx context.Context) error {
	workloads, err := r.workloads(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, w := range workloads {
		seen[w.key] = true
		if err := r.syncWorkload(ctx, w); err != nil {
			r.e.Logf("%s: %v", w.key, err)
		}
	}
	// The replicas of a deleted workload stop, highest ordinal first.
	for _, l := range r.pods(func(l *local) bool { return !seen[l.workload] }) {
		r.stopPod(l)
	}
	return nil
}

// workloads lists the Deployments and StatefulSets of the system namespace
// that run one of this project's binaries.
func (r *runner) workloads(ctx context.Context) ([]*workload, error) {
	apps := r.e.Kube.AppsV1()
	deployments, err := apps.Deployments(SystemNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	statefulSets, err := apps.StatefulSets(SystemNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []*workload
	for i := range deployments.Items {
		out = append(out, deploymentWorkload(&deployments.Items[i]))
	}
	for i := range statefulSets.Items {
		out = append(out, statefulSetWorkload(&statefulSets.Items[i]))
	}
	local := out[:0]
	for _, w := range out {
		if _, ok := r.e.localBinary(w.template); ok {
			local = append(local, w)
		}
	}
	return local, nil
}

// localBinary names the binary of this project that a pod template's image holds:
// a ko:// reference from config/, or an image that ko resolved from one,
// <repo>/<name>[:tag][@digest] with --base-import-paths; or, with
// Options.InMemoryChannel, the InMemoryChannel's dispatcher.
func (e *Env) localBinary(t *corev1.PodTemplateSpec) (string, bool) {
	cs := t.Spec.Containers
	if len(cs) == 0 {
		return "", false
	}
	image := strings.TrimPrefix(cs[0].Image, koPrefix)
	if name, ok := imcBinaries[image]; ok && e.InMemoryChannel {
		return name, true
	}
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	name := path.Base(image)
	if i := strings.Index(name, ":"); i >= 0 {
		name = name[:i]
	}
	if _, err := os.Stat(filepath.Join(e.Root, "cmd", name, "main.go")); err != nil {
		return "", false
	}
	return name, true
}

// syncWorkload brings a workload's replicas one step closer to its spec:
// scale down, restart what exited, roll one replica, start what is missing,
// then report.
func (r *runner) syncWorkload(ctx context.Context, w *workload) error {
	pods := r.podsOf(w)
	for _, o := range toStop(ordinals(pods), w.replicas) {
		r.stopPod(pods[o])
	}
	for _, l := range r.podsOf(w) {
		if r.restartDue(l) {
			r.stopPod(l)
		}
	}
	pods = r.podsOf(w)
	if o, ok := nextToRoll(states(pods), w.revision, time.Now()); ok {
		r.e.Logf("%s: replacing %s (revision %s -> %s)", w.key, pods[o].pod, pods[o].revision, w.revision)
		r.stopPod(pods[o])
	}
	for _, o := range toStart(ordinals(r.podsOf(w)), w.replicas) {
		if r.isHeld(w.podName(o)) {
			continue
		}
		if _, err := r.startPod(ctx, w, o); err != nil {
			return err
		}
	}
	pods = r.podsOf(w)
	for _, l := range pods {
		l.ready = !l.proc.exited() && (l.probe == nil || httpGet(l.probe.url, l.probe.header) == nil)
	}
	return w.reflect(ctx, r.e.Kube, states(pods))
}

// restartDue reports whether an exited replica has been down long enough to
// be started again.
func (r *runner) restartDue(l *local) bool {
	if !l.proc.exited() {
		return false
	}
	if l.exitedAt.IsZero() {
		l.exitedAt = time.Now()
		r.e.Logf("%s", l.proc.restarting())
	}
	return time.Since(l.exitedAt) > restartDelay
}

// podsOf returns a workload's replicas by ordinal.
func (r *runner) podsOf(w *workload) map[int]*local {
	out := map[int]*local{}
	for _, l := range r.pods(func(l *local) bool { return l.workload == w.key }) {
		out[l.ordinal] = l
	}
	return out
}

// pods returns the replicas that match, highest ordinal first.
func (r *runner) pods(match func(*local) bool) []*local {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*local
	for _, l := range r.running {
		if match(l) {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ordinal != out[j].ordinal {
			return out[i].ordinal > out[j].ordinal
		}
		return out[i].pod < out[j].pod
	})
	return out
}

func ordinals(pods map[int]*local) []int {
	out := make([]int, 0, len(pods))
	for o := range pods {
		out = append(out, o)
	}
	return out
}

func states(pods map[int]*local) []podState {
	out := make([]podState, 0, len(pods))
	for _, l := range pods {
		out = append(out, podState{ordinal: l.ordinal, revision: l.revision, ready: l.ready, started: l.started})
	}
	return out
}

func (r *runner) stopPod(l *local) {
	l.proc.stop(stopGrace)
	r.e.procs.remove(l.proc)
	r.mu.Lock()
	delete(r.running, l.pod)
	r.mu.Unlock()
}

func (r *runner) startPod(ctx context.Context, w *workload, ordinal int) (*local, error) {
	c := w.template.Spec.Containers[0]
	l := &local{pod: w.podName(ordinal), workload: w.key, ordinal: ordinal, revision: w.revision}
	var err error
	if l.ports, err = r.e.portsFor(w); err != nil {
		return nil, err
	}
	kubeconfig, err := r.kubeconfigFor(ctx, w.template.Spec.ServiceAccountName)
	if err != nil {
		return nil, err
	}
	env, err := r.containerEnv(ctx, w, ordinal, c)
	if err != nil {
		return nil, err
	}
	env = append(env, "KUBECONFIG="+kubeconfig)
	for name, p := range l.ports {
		env = append(env, fmt.Sprintf("%s=%d", name, p))
	}
	if err := r.e.routeWebhook(ctx, w, l.ports["WEBHOOK_PORT"]); err != nil {
		return nil, err
	}
	l.probe = probeFor(c, l.ports)
	name, _ := r.e.localBinary(w.template)
	if l.proc, err = r.e.procs.start(w.procName(ordinal), r.e.bin(name), c.Args, env); err != nil {
		return nil, err
	}
	l.started = time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped { // the environment stopped while this process was starting
		l.proc.stop(stopGrace)
		return nil, fmt.Errorf("environment stopped")
	}
	r.running[l.pod] = l
	return l, nil
}

// containerEnv resolves the container's env as a kubelet would, for the fields used here.
func (r *runner) containerEnv(ctx context.Context, w *workload, ordinal int, c corev1.Container) ([]string, error) {
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, r.e.proxy.proxyEnv()...)
	for _, v := range c.Env {
		value := v.Value
		if v.ValueFrom != nil {
			var err error
			if value, err = r.valueFrom(ctx, w, ordinal, c, v.ValueFrom); err != nil {
				return nil, fmt.Errorf("env %s: %w", v.Name, err)
			}
		}
		env = append(env, v.Name+"="+value)
	}
	return env, nil
}

// valueFrom resolves an env source for the replica of the workload with that ordinal.
func (r *runner) valueFrom(ctx context.Context, w *workload, ordinal int, c corev1.Container, src *corev1.EnvVarSource) (string, error) {
	switch {
	case src.ResourceFieldRef != nil:
		return resourceField(c, src.ResourceFieldRef)
	case src.FieldRef != nil:
		switch src.FieldRef.FieldPath {
		case "metadata.name":
			return w.podName(ordinal), nil
		case "metadata.namespace":
			return w.namespace, nil
		case "spec.serviceAccountName":
			return w.template.Spec.ServiceAccountName, nil
		}
		return "127.0.0.1", nil // status.podIP and the like
	case src.ConfigMapKeyRef != nil:
		cm, err := r.e.Kube.CoreV1().ConfigMaps(w.namespace).Get(ctx, src.ConfigMapKeyRef.Name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return cm.Data[src.ConfigMapKeyRef.Key], nil
	case src.SecretKeyRef != nil:
		s, err := r.e.Kube.CoreV1().Secrets(w.namespace).Get(ctx, src.SecretKeyRef.Name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return string(s.Data[src.SecretKeyRef.Key]), nil
	}
	return "", nil
}

// resourceField resolves a Downward API resourceFieldRef of the container
// itself, as the kubelet does: the quantity divided by the divisor, rounded
// up. A limit left unset resolves to "" here (a kubelet would give the node's
// allocatable), which the components read as "no limit".
func resourceField(c corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	if ref.ContainerName != "" && ref.ContainerName != c.Name {
		return "", fmt.Errorf("resourceFieldRef of another container (%s) is not supported here", ref.ContainerName)
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return "", fmt.Errorf("resourceFieldRef %q: want limits.<name> or requests.<name>", ref.Resource)
	}
	list := map[string]corev1.ResourceList{"limits": c.Resources.Limits, "requests": c.Resources.Requests}[kind]
	q, set := list[corev1.ResourceName(name)]
	if !set {
		return "", nil
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
}

// probe is a readiness probe aimed at a local process.
type probe struct {
	url    string
	header http.Header
}

// probeFor maps the readiness probe to the local port serving it: the webhook's
// TLS port, the container's "http" port, or sharedmain's probe port.
func probeFor(c corev1.Container, ports map[string]int) *probe {
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil {
		return nil
	}
	g := c.ReadinessProbe.HTTPGet
	env := "PROBES_PORT"
	for _, cp := range c.Ports {
		if cp.Name == g.Port.StrVal || (g.Port.StrVal == "" && cp.ContainerPort == g.Port.IntVal) {
			switch {
			case strings.Contains(cp.Name, "webhook") || strings.HasPrefix(cp.Name, "https"):
				env = "WEBHOOK_PORT"
			case strings.HasPrefix(cp.Name, "http"):
				env = "PORT"
			}
		}
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	p := &probe{url: fmt.Sprintf("%s://127.0.0.1:%d%s", scheme, ports[env], g.Path), header: http.Header{}}
	for _, h := range g.HTTPHeaders {
		p.header.Add(h.Name, h.Value)
	}
	return p
}

// kubeconfigFor writes a kubeconfig holding a token of the ServiceAccount, so that
// each component runs with exactly the permissions config/ grants it.
func (r *runner) kubeconfigFor(ctx context.Context, sa string) (string, error) {
	if sa == "" {
		sa = "default"
	}
	file := filepath.Join(r.e.Dir, "kubeconfigs", sa+".kubeconfig")
	r.mu.Lock()
	_, ok := r.tokens[sa]
	r.mu.Unlock()
	if ok {
		return file, nil
	}
	token, err := r.e.ServiceAccountToken(ctx, SystemNamespace, sa)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", err
	}
	if err := clientcmd.WriteToFile(*r.e.kubeconfig(&clientcmdapi.AuthInfo{Token: token}), file); err != nil {
		return "", err
	}
	r.mu.Lock()
	r.tokens[sa] = token
	r.mu.Unlock()
	return file, nil
}

// stop stops every replica in parallel, each with the shutdown grace, and
// starts no more.
func (r *runner) stop() {
	r.mu.Lock()
	r.stopped = true
	var list []*proc
	for name, l := range r.running {
		list = append(list, l.proc)
		delete(r.running, name)
	}
	r.mu.Unlock()
	stopTogether(list, shutdownGrace, r.e.Logf)
}

// port returns the local port a pod's process serves env's port on.
func (r *runner) port(pod, env string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.running[pod]
	if l == nil {
		return 0, false
	}
	return l.ports[env], true
}

// kill stops a pod's process abruptly (SIGKILL), as a crash would; the
// runner starts it again.
func (r *runner) kill(pod string) error {
	r.mu.Lock()
	l := r.running[pod]
	r.mu.Unlock()
	if l == nil {
		return fmt.Errorf("no local process for pod %s", pod)
	}
	l.proc.kill()
	return nil
}

// hold keeps a pod down (killing its process, as a lost node would) or, with
// held false, lets the next sync start it again.
func (r *runner) hold(pod string, held bool) error {
	r.mu.Lock()
	r.held[pod] = held
	l := r.running[pod]
	r.mu.Unlock()
	if held && l != nil {
		l.proc.kill()
		r.stopPod(l)
	}
	return nil
}

// receiverURL is the local address of the receiver's process.
func (r *runner) receiverURL(https bool) (string, error) {
	scheme, env := "http", "PORT"
	if https {
		scheme, env = "https", "HTTPS_PORT"
	}
	p, ok := r.port(deploymentPod(ReceiverName), env)
	if !ok {
		return "", fmt.Errorf("the receiver is not running")
	}
	return fmt.Sprintf("%s://127.0.0.1:%d", scheme, p), nil
}

// metricsURL is the local address of a process's Prometheus exporter.
func (r *runner) metricsURL(pod string) (string, error) {
	p, ok := r.port(pod, "METRICS_PROMETHEUS_PORT")
	if !ok {
		return "", fmt.Errorf("%s is not running", pod)
	}
	return fmt.Sprintf("http://127.0.0.1:%d/metrics", p), nil
}

func (r *runner) isHeld(pod string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held[pod]
}

// podNames lists the pods a workload (Deployment or StatefulSet) of that name
// runs, lowest ordinal first.
func (r *runner) podNames(workload string) []string {
	pods := r.pods(func(l *local) bool {
		_, name, _ := strings.Cut(l.workload, "/")
		return name == workload
	})
	out := make([]string, len(pods))
	for i, l := range pods {
		out[len(pods)-1-i] = l.pod
	}
	return out
}
