package manifests

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
)

const (
	systemNamespace = "knative-eventing"
	modulePath      = "github.com/knative-kafka/knative-kafka"
	// eventingAddressableResolver is Knative Eventing's aggregated ClusterRole, which config/ binds but does not define.
	eventingAddressableResolver = "addressable-resolver"
)

// repoRoot is where config/ and cmd/ are, relative to this package.
var repoRoot = filepath.Join("..", "..")

// object is one YAML document of config/, decoded into its typed Go object.
type object struct {
	file string
	obj  runtime.Object
}

func (o object) String() string {
	m, _ := meta.Accessor(o.obj)
	return o.file + ": " + o.obj.GetObjectKind().GroupVersionKind().Kind + " " + m.GetNamespace() + "/" + m.GetName()
}

// load decodes every document of every config/*.yaml strictly: unknown or duplicate fields
// and unknown kinds are errors, as they would be for `kubectl apply --validate=strict`.
func load(t *testing.T) []object {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})

	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config/*.yaml (%v)", err)
	}
	var out []object
	for _, file := range files {
		for i, doc := range documents(t, file) {
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				t.Fatalf("%s, document %d: %v", file, i+1, err)
			}
			out = append(out, object{file: filepath.Base(file), obj: obj})
		}
	}
	return out
}

// documents splits a YAML file into its non-empty documents.
func documents(t *testing.T, file string) [][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if hasContent(doc) {
			docs = append(docs, doc)
		}
	}
}

// hasContent is false for documents made only of comments and blank lines.
func hasContent(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && string(line) != "---" {
			return true
		}
	}
	return false
}

// all returns the objects of type T.
func all[T runtime.Object](objs []object) []T {
	var out []T
	for _, o := range objs {
		if typed, ok := o.obj.(T); ok {
			out = append(out, typed)
		}
	}
	return out
}

func TestObjectsAreUniqueAndInTheSystemNamespace(t *testing.T) {
	seen := map[string]string{}
	for _, o := range load(t) {
		m, err := meta.Accessor(o.obj)
		if err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		key := o.obj.GetObjectKind().GroupVersionKind().String() + " " + m.GetNamespace() + "/" + m.GetName()
		if prev, dup := seen[key]; dup {
			t.Errorf("%s defined twice (also in %s)", o, prev)
		}
		seen[key] = o.file
		if ns := m.GetNamespace(); ns != "" && ns != systemNamespace {
			t.Errorf("%s: namespace %q, want %s", o, ns, systemNamespace)
		}
		if m.GetLabels()["app.kubernetes.io/name"] != "knative-kafka" {
			t.Errorf("%s: missing label app.kubernetes.io/name=knative-kafka", o)
		}
	}
	// Eventing owns these; redefining them would overwrite an operator's settings.
	for _, cm := range all[*corev1.ConfigMap](load(t)) {
		if cm.Name == "config-logging" || cm.Name == "config-observability" || cm.Name == "config-features" {
			t.Errorf("config/ redefines Eventing's %s", cm.Name)
		}
	}
}

// workload is a Deployment or a StatefulSet of config/.
type workload struct {
	name     string
	selector map[string]string
	template corev1.PodTemplateSpec
	replicas int32
}

func workloads(objs []object) []workload {
	var out []workload
	for _, d := range all[*appsv1.Deployment](objs) {
		out = append(out, workload{"Deployment/" + d.Name, d.Spec.Selector.MatchLabels, d.Spec.Template, ptr.Deref(d.Spec.Replicas, 1)})
	}
	for _, ss := range all[*appsv1.StatefulSet](objs) {
		out = append(out, workload{"StatefulSet/" + ss.Name, ss.Spec.Selector.MatchLabels, ss.Spec.Template, ptr.Deref(ss.Spec.Replicas, 1)})
	}
	return out
}

func TestWorkloads(t *testing.T) {
	objs := load(t)
	accounts := serviceAccounts(objs)
	var names []string
	for _, w := range workloads(objs) {
		names = append(names, w.name)
		if !labels.SelectorFromSet(w.selector).Matches(labels.Set(w.template.Labels)) {
			t.Errorf("%s: selector does not match its pod template", w.name)
		}
		if !accounts[w.template.Spec.ServiceAccountName] {
			t.Errorf("%s: ServiceAccount %q is not in config/", w.name, w.template.Spec.ServiceAccountName)
		}
		for _, c := range w.template.Spec.Containers {
			checkContainer(t, w.name, c)
		}
		// A scrape configuration selects every component's metrics by the port's name.
		if !slices.ContainsFunc(w.template.Spec.Containers[0].Ports, func(p corev1.ContainerPort) bool {
			return p.Name == "metrics" && p.ContainerPort == resources.MetricsPort
		}) {
			t.Errorf("%s: no container port named metrics (%d)", w.name, resources.MetricsPort)
		}
	}
	sort.Strings(names)
	want := "Deployment/kafka-channel-controller Deployment/kafka-channel-receiver Deployment/kafka-channel-webhook StatefulSet/" + contract.PoolName
	if got := strings.Join(names, " "); got != want {
		t.Errorf("workloads %q, want %q", got, want)
	}
}

// The pool's replicas learn their ordinal from POD_NAME and their buffer
// budget from MEMORY_LIMIT, and the RBAC that lets them watch their
// StatefulSet names it.
func TestDispatcherPool(t *testing.T) {
	objs := load(t)
	var pool *appsv1.StatefulSet
	for _, ss := range all[*appsv1.StatefulSet](objs) {
		if ss.Name == contract.PoolName {
			pool = ss
		}
	}
	if pool == nil {
		t.Fatalf("no StatefulSet %s in config/", contract.PoolName)
	}
	c := pool.Spec.Template.Spec.Containers[0]
	for _, env := range c.Env {
		switch env.Name {
		case "POD_NAME":
			if env.ValueFrom == nil || env.ValueFrom.FieldRef == nil || env.ValueFrom.FieldRef.FieldPath != "metadata.name" {
				t.Errorf("POD_NAME is %+v, want the pod's name", env)
			}
		case contract.MemoryLimitEnv:
			if env.ValueFrom == nil || env.ValueFrom.ResourceFieldRef == nil || env.ValueFrom.ResourceFieldRef.Resource != "limits.memory" {
				t.Errorf("%s is %+v, want the container's memory limit", env.Name, env)
			}
		case contract.ChannelNameEnv, contract.ChannelNamespaceEnv:
			t.Errorf("%s set: the pool would run as one channel's dedicated dispatcher", env.Name)
		}
	}
	if !hasEnv(c, "POD_NAME") || !hasEnv(c, contract.MemoryLimitEnv) {
		t.Errorf("the pool's container lacks POD_NAME or %s", contract.MemoryLimitEnv)
	}
	if pool.Spec.ServiceName == "" {
		t.Error("the pool's StatefulSet has no serviceName")
	}
}

func checkContainer(t *testing.T, deployment string, c corev1.Container) {
	t.Helper()
	where := deployment + "/" + c.Name
	checkKoImage(t, where+" image", c.Image)
	for _, env := range c.Env {
		if strings.HasSuffix(env.Name, "_IMAGE") {
			checkKoImage(t, where+" env "+env.Name, env.Value)
		}
	}
	sc := c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil ||
		len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("%s: securityContext %+v is not non-root, read-only, no escalation, drop ALL", where, sc)
	}
	if c.ReadinessProbe == nil || c.LivenessProbe == nil {
		t.Errorf("%s: missing readiness or liveness probe", where)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: needs CPU and memory requests and a memory limit", where)
	}
	if !hasEnv(c, "SYSTEM_NAMESPACE") {
		t.Errorf("%s: no SYSTEM_NAMESPACE", where)
	}
}

// checkKoImage wants a ko:// reference to a main package of this module that exists.
func checkKoImage(t *testing.T, where, image string) {
	t.Helper()
	pkg, ok := strings.CutPrefix(image, "ko://"+modulePath+"/")
	if !ok || !strings.HasPrefix(pkg, "cmd/") {
		t.Errorf("%s: %q is not ko://%s/cmd/...", where, image, modulePath)
		return
	}
	if _, err := os.Stat(filepath.Join(repoRoot, pkg, "main.go")); err != nil {
		t.Errorf("%s: ko cannot build %q: %v", where, image, err)
	}
}

func hasEnv(c corev1.Container, name string) bool {
	_, ok := envValue(c, name)
	return ok
}

func serviceAccounts(objs []object) map[string]bool {
	out := map[string]bool{}
	for _, sa := range all[*corev1.ServiceAccount](objs) {
		out[sa.Name] = true
	}
	return out
}

func TestBindings(t *testing.T) {
	objs := load(t)
	accounts := serviceAccounts(objs)
	if !accounts[contract.DispatcherServiceAccount] {
		t.Errorf("the dispatchers' ServiceAccount %q is not in config/", contract.DispatcherServiceAccount)
	}
	clusterRoles := map[string]bool{eventingAddressableResolver: true}
	for _, r := range all[*rbacv1.ClusterRole](objs) {
		clusterRoles[r.Name] = true
	}
	roles := map[string]bool{}
	for _, r := range all[*rbacv1.Role](objs) {
		roles[r.Name] = true
	}
	check := func(what string, subjects []rbacv1.Subject, ref rbacv1.RoleRef) {
		for _, s := range subjects {
			if s.Kind != rbacv1.ServiceAccountKind || s.Namespace != systemNamespace || !accounts[s.Name] {
				t.Errorf("%s: subject %+v is not a ServiceAccount of config/ in %s", what, s, systemNamespace)
			}
		}
		defined := map[string]map[string]bool{"ClusterRole": clusterRoles, "Role": roles}[ref.Kind]
		if ref.APIGroup != rbacv1.GroupName || !defined[ref.Name] {
			t.Errorf("%s: roleRef %+v is not defined in config/ (nor Eventing's %s)", what, ref, eventingAddressableResolver)
		}
	}
	for _, b := range all[*rbacv1.ClusterRoleBinding](objs) {
		if b.RoleRef.Kind != "ClusterRole" {
			t.Errorf("ClusterRoleBinding %s refers to a %s", b.Name, b.RoleRef.Kind)
		}
		check("ClusterRoleBinding "+b.Name, b.Subjects, b.RoleRef)
	}
	for _, b := range all[*rbacv1.RoleBinding](objs) {
		check("RoleBinding "+b.Name, b.Subjects, b.RoleRef)
	}
}

func TestServicesSelectTheirPods(t *testing.T) {
	objs := load(t)
	for _, svc := range all[*corev1.Service](objs) {
		w := selectedWorkload(objs, svc)
		if w == nil {
			t.Errorf("Service %s selects no Deployment or StatefulSet of config/", svc.Name)
			continue
		}
		for _, p := range svc.Spec.Ports {
			target := p.TargetPort.IntValue()
			if target == 0 {
				target = int(p.Port)
			}
			if !exposes(w, target) {
				t.Errorf("Service %s port %s targets %d, which %s does not expose", svc.Name, p.Name, target, w.name)
			}
		}
	}
}

func selectedWorkload(objs []object, svc *corev1.Service) *workload {
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	for _, w := range workloads(objs) {
		if len(svc.Spec.Selector) > 0 && sel.Matches(labels.Set(w.template.Labels)) {
			return &w
		}
	}
	return nil
}

func exposes(w *workload, port int) bool {
	for _, c := range w.template.Spec.Containers {
		for _, p := range c.Ports {
			if int(p.ContainerPort) == port {
				return true
			}
		}
	}
	return false
}

func TestReceiverServiceMatchesTheController(t *testing.T) {
	// Channel Services are ExternalName aliases of this Service; the controller builds them from
	// contract.ReceiverName. Channels' https addresses name it directly, on 443.
	want := []string{"http 80 -> " + receiver.DefaultPort, "https 443 -> " + receiver.DefaultHTTPSPort}
	for _, svc := range all[*corev1.Service](load(t)) {
		if svc.Name != contract.ReceiverName {
			continue
		}
		var got []string
		for _, p := range svc.Spec.Ports {
			got = append(got, fmt.Sprintf("%s %d -> %s", p.Name, p.Port, p.TargetPort.String()))
		}
		if !slices.Equal(got, want) {
			t.Errorf("receiver Service ports %q, want %q", got, want)
		}
		return
	}
	t.Errorf("no Service %s", contract.ReceiverName)
}

// Every workload that serves others (the webhook, the receiver, the pool) has
// a PodDisruptionBudget selecting its pods that still lets a node drain take
// one of them: a budget that allows no disruption blocks cluster upgrades.
func TestDisruptionBudgets(t *testing.T) {
	objs := load(t)
	budgets := all[*policyv1.PodDisruptionBudget](objs)
	replicas := map[string]int32{}
	for _, d := range all[*appsv1.Deployment](objs) {
		replicas["Deployment/"+d.Name] = ptr.Deref(d.Spec.Replicas, 1)
	}
	for _, ss := range all[*appsv1.StatefulSet](objs) {
		replicas["StatefulSet/"+ss.Name] = ptr.Deref(ss.Spec.Replicas, 1)
	}
	want := map[string]bool{"Deployment/kafka-channel-webhook": true, "Deployment/" + contract.ReceiverName: true, "StatefulSet/" + contract.PoolName: true}
	for _, w := range workloads(objs) {
		var mine []*policyv1.PodDisruptionBudget
		for _, b := range budgets {
			selector, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
			if err != nil {
				t.Fatalf("PodDisruptionBudget %s: %v", b.Name, err)
			}
			if selector.Matches(labels.Set(w.template.Labels)) {
				mine = append(mine, b)
			}
		}
		switch {
		case !want[w.name] && len(mine) > 0:
			t.Errorf("%s: %d PodDisruptionBudgets, want none", w.name, len(mine))
		case want[w.name] && len(mine) != 1:
			t.Errorf("%s: %d PodDisruptionBudgets, want one", w.name, len(mine))
		case want[w.name] && disruptionsAllowed(t, mine[0], replicas[w.name]) < 1:
			t.Errorf("%s: PodDisruptionBudget %s allows no disruption of its %d replicas", w.name, mine[0].Name, replicas[w.name])
		case want[w.name] && replicas[w.name] < 2 && mine[0].Spec.MinAvailable != nil:
			t.Errorf("%s: %d replica with minAvailable: a drain would have to stop the last one", w.name, replicas[w.name])
		}
	}
}

// disruptionsAllowed is how many of replicas healthy pods the budget lets go at once.
func disruptionsAllowed(t *testing.T, b *policyv1.PodDisruptionBudget, replicas int32) int32 {
	t.Helper()
	if b.Spec.MaxUnavailable != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(b.Spec.MaxUnavailable, int(replicas), true)
		if err != nil {
			t.Fatal(err)
		}
		return int32(n)
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(b.Spec.MinAvailable, int(replicas), true)
	if err != nil {
		t.Fatal(err)
	}
	return replicas - int32(n)
}
