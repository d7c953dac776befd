package devenv

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// koPrefix marks the images of this project's binaries, built into _output/bin.
const koPrefix = "ko://"

// Environment variables through which each binary takes its ports, so that
// several processes share one host: the HTTP port (receiver, dispatcher),
// sharedmain's probes and profiling, and the admission webhook's port.
var portEnvs = []string{"PORT", "PROBES_PORT", "PROFILING_PORT", "WEBHOOK_PORT"}

// runner plays kubelet for the Deployments of the system namespace whose image is
// one of this project's binaries: one process per Deployment (replicas > 0),
// restarted when it exits or its spec changes, its readiness written to status.
type runner struct {
	e       *Env
	mu      sync.Mutex
	running map[string]*local
	tokens  map[string]string
	stopped bool
}

// local is one Deployment's process.
type local struct {
	generation int64
	proc       *proc
	ports      map[string]int
	probe      *probe
	exitedAt   time.Time
}

func newRunner(e *Env) *runner {
	return &runner{e: e, running: map[string]*local{}, tokens: map[string]string{}}
}

func (r *runner) loop(ctx context.Context) {
	for {
		if err := r.sync(ctx); err != nil && ctx.Err() == nil {
			r.e.Logf("deployment runner: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (r *runner) sync(ctx context.Context) error {
	list, err := r.e.Kube.AppsV1().Deployments(SystemNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range list.Items {
		d := &list.Items[i]
		if _, ok := r.e.localBinary(d); !ok {
			continue
		}
		seen[d.Name] = true
		if err := r.syncOne(ctx, d); err != nil {
			r.e.Logf("deployment %s: %v", d.Name, err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, l := range r.running {
		if !seen[name] {
			l.proc.stop(10 * time.Second)
			r.e.procs.remove(l.proc)
			delete(r.running, name)
		}
	}
	return nil
}

// localBinary names the binary of this project that a Deployment's image holds:
// a ko:// reference from config/, or an image that ko resolved from one,
// <repo>/<name>[:tag][@digest] with --base-import-paths.
func (e *Env) localBinary(d *appsv1.Deployment) (string, bool) {
	cs := d.Spec.Template.Spec.Containers
	if len(cs) == 0 {
		return "", false
	}
	image := strings.TrimPrefix(cs[0].Image, koPrefix)
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

func (r *runner) syncOne(ctx context.Context, d *appsv1.Deployment) error {
	r.mu.Lock()
	l := r.running[d.Name]
	r.mu.Unlock()
	wantRunning := d.Spec.Replicas == nil || *d.Spec.Replicas > 0
	switch {
	case l != nil && (!wantRunning || l.generation != d.Generation):
		r.stopLocal(d.Name, l)
		l = nil
	case l != nil && l.proc.exited():
		if l.exitedAt.IsZero() {
			l.exitedAt = time.Now()
			r.e.Logf("%s exited (%v), restarting; see %s", d.Name, l.proc.err, l.proc.log)
		}
		if time.Since(l.exitedAt) > 2*time.Second {
			r.stopLocal(d.Name, l)
			l = nil
		}
	}
	if l == nil && wantRunning {
		var err error
		if l, err = r.startLocal(ctx, d); err != nil {
			return err
		}
	}
	return r.reflect(ctx, d, l)
}

func (r *runner) stopLocal(name string, l *local) {
	l.proc.stop(10 * time.Second)
	r.e.procs.remove(l.proc)
	r.mu.Lock()
	delete(r.running, name)
	r.mu.Unlock()
}

func (r *runner) startLocal(ctx context.Context, d *appsv1.Deployment) (*local, error) {
	c := d.Spec.Template.Spec.Containers[0]
	l := &local{generation: d.Generation, ports: map[string]int{}}
	for _, name := range portEnvs {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		l.ports[name] = p
	}
	kubeconfig, err := r.kubeconfigFor(ctx, d.Spec.Template.Spec.ServiceAccountName)
	if err != nil {
		return nil, err
	}
	env, err := r.containerEnv(ctx, d, c)
	if err != nil {
		return nil, err
	}
	env = append(env, "KUBECONFIG="+kubeconfig)
	for name, p := range l.ports {
		env = append(env, fmt.Sprintf("%s=%d", name, p))
	}
	if err := r.e.routeWebhook(ctx, d, l.ports["WEBHOOK_PORT"]); err != nil {
		return nil, err
	}
	l.probe = probeFor(c, l.ports)
	name, _ := r.e.localBinary(d)
	bin := r.e.bin(name)
	if l.proc, err = r.e.procs.start(d.Name, bin, c.Args, env); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped { // the environment stopped while this process was starting
		l.proc.stop(10 * time.Second)
		return nil, fmt.Errorf("environment stopped")
	}
	r.running[d.Name] = l
	return l, nil
}

// containerEnv resolves the container's env as a kubelet would, for the fields used here.
func (r *runner) containerEnv(ctx context.Context, d *appsv1.Deployment, c corev1.Container) ([]string, error) {
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, r.e.proxy.proxyEnv()...)
	for _, v := range c.Env {
		value := v.Value
		if v.ValueFrom != nil {
			var err error
			if value, err = r.valueFrom(ctx, d, c, v.ValueFrom); err != nil {
				return nil, fmt.Errorf("env %s: %w", v.Name, err)
			}
		}
		env = append(env, v.Name+"="+value)
	}
	return env, nil
}

func (r *runner) valueFrom(ctx context.Context, d *appsv1.Deployment, c corev1.Container, src *corev1.EnvVarSource) (string, error) {
	switch {
	case src.ResourceFieldRef != nil:
		return resourceField(c, src.ResourceFieldRef)
	case src.FieldRef != nil:
		switch src.FieldRef.FieldPath {
		case "metadata.name":
			return d.Name + "-local", nil
		case "metadata.namespace":
			return d.Namespace, nil
		case "spec.serviceAccountName":
			return d.Spec.Template.Spec.ServiceAccountName, nil
		}
		return "127.0.0.1", nil // status.podIP and the like
	case src.ConfigMapKeyRef != nil:
		cm, err := r.e.Kube.CoreV1().ConfigMaps(d.Namespace).Get(ctx, src.ConfigMapKeyRef.Name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		return cm.Data[src.ConfigMapKeyRef.Key], nil
	case src.SecretKeyRef != nil:
		s, err := r.e.Kube.CoreV1().Secrets(d.Namespace).Get(ctx, src.SecretKeyRef.Name, metav1.GetOptions{})
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

// reflect writes the process's readiness to the Deployment's status, as the
// Deployment controller would from its pods.
func (r *runner) reflect(ctx context.Context, d *appsv1.Deployment, l *local) error {
	var replicas int32
	ready := false
	if l != nil {
		replicas = 1
		ready = !l.proc.exited() && (l.probe == nil || httpGet(l.probe.url, l.probe.header) == nil)
	}
	status := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: replicas, UpdatedReplicas: replicas}
	cond := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "MinimumReplicasUnavailable", Message: "the local process is not ready"}
	if ready || replicas == 0 {
		status.ReadyReplicas, status.AvailableReplicas = replicas, replicas
		cond = appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", Message: "the local process is ready"}
	}
	if old := availableCondition(d); old != nil && old.Status == cond.Status {
		cond.LastTransitionTime = old.LastTransitionTime
	} else {
		cond.LastTransitionTime = metav1.Now()
	}
	cond.LastUpdateTime = cond.LastTransitionTime
	status.Conditions = []appsv1.DeploymentCondition{cond}
	if equality.Semantic.DeepEqual(status, d.Status) {
		return nil
	}
	d = d.DeepCopy()
	d.Status = status
	_, err := r.e.Kube.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	return err
}

func availableCondition(d *appsv1.Deployment) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == appsv1.DeploymentAvailable {
			return &d.Status.Conditions[i]
		}
	}
	return nil
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

func (r *runner) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	for name, l := range r.running {
		l.proc.stop(10 * time.Second)
		delete(r.running, name)
	}
}

// port returns the local port a Deployment's process serves env's port on.
func (r *runner) port(deployment, env string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.running[deployment]
	if l == nil {
		return 0, false
	}
	return l.ports[env], true
}

// kill stops a Deployment's process abruptly (SIGKILL); the runner starts a new one.
func (r *runner) kill(deployment string) error {
	r.mu.Lock()
	l := r.running[deployment]
	r.mu.Unlock()
	if l == nil {
		return fmt.Errorf("no local process for Deployment %s", deployment)
	}
	l.proc.kill()
	return nil
}
