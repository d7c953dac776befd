//go:build node

// Package node tests hack/node-up.sh, the real single node: it installs the
// project as README says and, on Ctrl-C, leaves the host as it found it. It
// needs root and minutes (a first run builds the node), so it has its own build
// tag:
//
//	go test -tags node -count=1 -timeout 60m ./test/node/
package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// buildTools builds and installs what node-up needs before the host is
// read: Debian's iptables and conntrack among them, which a fresh machine
// lacks, and which stay installed (node-up installs them the same way).
func buildTools(t *testing.T) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(filepath.Join(root(t), "hack", "build-tools.sh"), "kube", "ko", "node").CombinedOutput()
	if err != nil {
		t.Fatalf("hack/build-tools.sh kube ko node: %v\n%s", err, out)
	}
	t.Logf("hack/build-tools.sh kube ko node: %s", time.Since(start).Round(time.Second))
}

// While another environment of the checkout holds the lock, node-up refuses
// to start and names it, before it touches the host.
func TestNodeUpRefusesWhileAnotherEnvironmentRuns(t *testing.T) {
	lock := filepath.Join(root(t), "_output", "dev-env.lock")
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(lock, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Skipf("an environment of this checkout runs: %v", err)
	}
	defer func() { _ = f.Truncate(0) }()
	buildTools(t)
	if _, err := f.WriteAt([]byte("hack/local-up.sh (pid 42)\n"), 0); err != nil {
		t.Fatal(err)
	}
	before := hostState(t)
	out, err := exec.Command(filepath.Join(root(t), "hack", "node-up.sh")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "refusing to start: hack/local-up.sh (pid 42)") {
		t.Fatalf("node-up while the lock is held: %v\n%s\nwant a refusal naming hack/local-up.sh (pid 42)", err, out)
	}
	compare(t, before, hostState(t))
}

// The install smoke and the teardown, on one bring-up (a start costs
// minutes): the sample's event reaches the event display pod through the
// receiver's Service, the channel's topic and the dispatcher; every pod of
// the install, Eventing's Broker included, is Ready; after Ctrl-C no
// process, iptables rule, link, address, route, mount, network namespace,
// cgroup, sysctl or host path that the node added is left.
func TestNodeUpInstallsAndLeavesTheHostAsItWas(t *testing.T) {
	buildTools(t)
	before := hostState(t)
	if len(before["processes"]) > 0 {
		t.Fatalf("a node already runs: %v", before["processes"])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root(t), "hack", "node-up.sh"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var log strings.Builder
	up := false
	for !up && lines.Scan() {
		t.Log(lines.Text())
		log.WriteString(lines.Text() + "\n")
		up = strings.Contains(lines.Text(), "Ctrl-C stops the node")
	}
	if up {
		t.Logf("node up in %s", time.Since(start).Round(time.Second))
		smoke(t, log.String())
		allPodsReady(t)
		runSuitesOnTheNode(t)
		during := hostState(t)
		if len(during["processes"]) == 0 {
			t.Error("no process of the node found while it runs: the comparison would prove nothing")
		}
	} else {
		t.Error("node-up ended before it was up")
	}
	stopped := time.Now()
	// SIGTERM, as Ctrl-C would be: a shell ignores SIGINT in what it starts in the background.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(out)
	t.Logf("%s", rest)
	waitErr := cmd.Wait()
	t.Logf("node-up exited (%v) %s after Ctrl-C", waitErr, time.Since(stopped).Round(time.Second))
	compare(t, before, hostState(t))
}

// onNode selects what runs on the node: every conformance rule, the Broker
// tests, a pool replica killed through the container runtime, and one the
// node has no room for.
const onNode = "^(TestMust|TestShould|TestMay|TestBroker|TestPoolReplicaKilledThroughTheRuntime$|TestPoolReplicaUnschedulable$)"

// runSuitesOnTheNode runs the conformance and end-to-end tests of onNode
// against the node (KNATIVE_KAFKA_ENV=node), their go test -json stream kept
// in _output/test-on-node.json for hack/test.sh's summary.
func runSuitesOnTheNode(t *testing.T) {
	t.Helper()
	start := time.Now()
	summary := exec.Command("go", "build", "-o", filepath.Join(root(t), "_output", "bin")+"/", "./test/cmd/testsummary")
	summary.Dir = root(t)
	if out, err := summary.CombinedOutput(); err != nil {
		t.Fatalf("building testsummary: %v\n%s", err, out)
	}
	saved := filepath.Join(root(t), "_output", "test-on-node.json")
	f, err := os.Create(saved)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("go", "test", "-json", "-count=1", "-tags", "e2e,node", "-p", "1", "-timeout", "30m",
		"-run", onNode, "./test/conformance/", "./test/e2e/")
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "KNATIVE_KAFKA_ENV=node")
	cmd.Stdout, cmd.Stderr = f, f
	runErr := cmd.Run()
	report, _ := exec.Command(filepath.Join(root(t), "_output", "bin", "testsummary"), "-report", saved).CombinedOutput()
	t.Logf("conformance and end-to-end tests on the node, %s:\n%s", time.Since(start).Round(time.Second), report)
	if runErr != nil {
		t.Errorf("tests on the node failed (%v); their go test -json stream: %s", runErr, saved)
	}
}

var curlLine = regexp.MustCompile(`curl -i (http://[0-9.]+/default/sample)`)

// smoke sends the event node-up's own instructions send, and finds it in the
// event display pod's log.
func smoke(t *testing.T, printed string) {
	t.Helper()
	m := curlLine.FindStringSubmatch(printed)
	if m == nil {
		t.Fatalf("node-up printed no curl line:\n%s", printed)
	}
	id := fmt.Sprintf("node-smoke-%d", time.Now().UnixNano())
	out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", m[1],
		"-H", "ce-specversion: 1.0", "-H", "ce-type: dev.example", "-H", "ce-source: node-test",
		"-H", "ce-id: "+id, "-H", "content-type: application/json", "-d", `{"hello":"node"}`).CombinedOutput()
	if err != nil || string(out) != "202" {
		t.Fatalf("sending the sample an event: %v %s, want 202", err, out)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		logs, err := kubectl(t, "logs", "-n", "default", "deploy/event-display")
		if err == nil && strings.Contains(string(logs), id) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s not in the event display's log after a minute: %v\n%s", id, err, logs)
		}
		time.Sleep(time.Second)
	}
}

// allPodsReady: every pod on the node runs and is Ready, none left Pending
// because the requests of what is installed exceed the node, and Eventing's
// channel-based Broker is among them.
func allPodsReady(t *testing.T) {
	t.Helper()
	out, err := kubectl(t, "get", "pods", "-A", "-o", "json")
	if err != nil {
		t.Fatalf("kubectl get pods: %v\n%s", err, out)
	}
	var pods corev1.PodList
	if err := json.Unmarshal(out, &pods); err != nil {
		t.Fatal(err)
	}
	broker := false
	for _, p := range pods.Items {
		broker = broker || strings.HasPrefix(p.Name, "mt-broker-ingress-")
		if p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		ready := false
		why := ""
		for _, c := range p.Status.Conditions {
			ready = ready || c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
			if c.Status != corev1.ConditionTrue {
				why += fmt.Sprintf(" %s: %s", c.Type, c.Message)
			}
		}
		if p.Status.Phase != corev1.PodRunning || !ready {
			t.Errorf("pod %s/%s is %s, not Ready:%s", p.Namespace, p.Name, p.Status.Phase, why)
		}
	}
	if !broker {
		t.Error("no pod of Eventing's channel-based Broker (mt-broker-ingress)")
	}
}

func kubectl(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	kubeconfig := filepath.Join(root(t), "_output", "node", "admin.kubeconfig")
	return exec.Command(filepath.Join(root(t), "_output", "bin", "kubectl"),
		append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
}

// hostState is what the node may change on the host, each aspect as sorted lines.
func hostState(t *testing.T) map[string][]string {
	t.Helper()
	s := map[string][]string{
		"iptables":  rules(lines(t, "iptables-save")),
		"ip6tables": rules(lines(t, "ip6tables-save")),
		"links":     lines(t, "ip", "-o", "link"),
		"addresses": lines(t, "ip", "-o", "addr"),
		"routes":    lines(t, "ip", "route"),
		"netns":     lines(t, "ip", "netns", "list"),
		"processes": nodeProcesses(t),
	}
	s["mounts"] = mounts(t)
	for _, p := range []string{"net/ipv4/ip_forward", "vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic",
		"kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
		"net/ipv4/conf/all/route_localnet", "net/bridge/bridge-nf-call-iptables", "net/netfilter/nf_conntrack_max"} {
		b, _ := os.ReadFile("/proc/sys/" + p)
		s["sysctls"] = append(s["sysctls"], p+"="+strings.TrimSpace(string(b)))
	}
	for _, p := range []string{"/run/containerd", "/var/lib/cni", "/var/log/containers", "/var/log/pods", "/run/netns"} {
		if _, err := os.Stat(p); err == nil {
			s["paths"] = append(s["paths"], p)
		}
	}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/knative-kafka-*")
	s["cgroups"] = cgroups
	return s
}

// counters are iptables-save's packet counts, which traffic changes.
var counters = regexp.MustCompile(`\[\d+:\d+\]`)

// lines runs a command and returns its output's lines, sorted, without
// comments, counters and the per-boot link statistics.
func lines(t *testing.T, name string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	var ls []string
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		ls = append(ls, counters.ReplaceAllString(l, ""))
	}
	sort.Strings(ls)
	return ls
}

// builtinAccept is a built-in chain's declaration with the default policy.
var builtinAccept = regexp.MustCompile(`^:(INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) ACCEPT`)

// rules are the rules, chains and policies of iptables-save's lines: a
// table that only had to be listed to be created (an empty one, every
// built-in chain accepting) is the same as none.
func rules(saved []string) []string {
	var rs []string
	for _, l := range saved {
		if strings.HasPrefix(l, "*") || l == "COMMIT" || builtinAccept.MatchString(l) {
			continue
		}
		rs = append(rs, l)
	}
	return rs
}

func mounts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var ms []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 {
			ms = append(ms, f[4])
		}
	}
	sort.Strings(ms)
	return ms
}

// nodeBinaries are the binaries of _output/bin that node-up runs on the host.
var nodeBinaries = map[string]bool{"etcd": true, "kube-apiserver": true, "kube-controller-manager": true,
	"kube-scheduler": true, "containerd": true, "containerd-shim-runc-v2": true, "kubelet": true,
	"kube-proxy": true, "registry": true, "devbroker": true}

// nodeProcesses are the processes running one of nodeBinaries, or in the
// node's cgroups (its pods' and containerd's shims).
func nodeProcesses(t *testing.T) []string {
	t.Helper()
	bin := filepath.Join(root(t), "_output", "bin") + "/"
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var found []string
	for _, p := range procs {
		exe, _ := os.Readlink(p + "/exe")
		cg, _ := os.ReadFile(p + "/cgroup")
		name, ours := strings.CutPrefix(exe, bin)
		if ours && nodeBinaries[name] || strings.Contains(string(cg), "/knative-kafka-") {
			found = append(found, filepath.Base(p)+" "+exe)
		}
	}
	sort.Strings(found)
	return found
}

func compare(t *testing.T, before, after map[string][]string) {
	t.Helper()
	for aspect, was := range before {
		now := after[aspect]
		if strings.Join(was, "\n") != strings.Join(now, "\n") {
			t.Errorf("%s changed:\n%s", aspect, diff(was, now))
		}
	}
}

// diff lists the lines only one side has.
func diff(was, now []string) string {
	in := func(l string, ls []string) bool {
		i := sort.SearchStrings(ls, l)
		return i < len(ls) && ls[i] == l
	}
	var b strings.Builder
	for _, l := range was {
		if !in(l, now) {
			b.WriteString("  - " + l + "\n")
		}
	}
	for _, l := range now {
		if !in(l, was) {
			b.WriteString("  + " + l + "\n")
		}
	}
	return b.String()
}
