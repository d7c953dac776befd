package devenv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one local process of the environment, with its output in a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	// logFrom is where this run's output begins in log, which earlier runs
	// of the same name share.
	logFrom int64
	done    chan struct{}
	err     error
}

// procs starts processes and stops them, by PID, in the reverse order.
type procs struct {
	logDir string
	// logf reports each start with its PID.
	logf func(format string, args ...interface{})
	mu   sync.Mutex
	list []*proc
	// stopped refuses new processes once stopAll has begun, so that none
	// started meanwhile (a restart) is left behind.
	stopped bool
}

func (ps *procs) start(name, bin string, args, env []string) (*proc, error) {
	if err := os.MkdirAll(ps.logDir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(ps.logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	// ps then tells the processes apart: every dispatcher runs the same binary,
	// only its Deployment's (or pod's) name says which channel it serves.
	cmd.Args[0] = processTitle(bin, name)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so that stopping it also stops whatever it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	from, _ := f.Seek(0, io.SeekEnd)
	p := &proc{name: name, cmd: cmd, log: logPath, logFrom: from, done: make(chan struct{})}
	if err := ps.add(p); err != nil {
		f.Close()
		return nil, err
	}
	ps.logf("started %s (pid %d, log %s)", name, cmd.Process.Pid, logPath)
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// add starts p's command and lists it, unless the processes are stopping.
func (ps *procs) add(p *proc) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.stopped {
		return fmt.Errorf("not starting %s: the environment is stopping", p.name)
	}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	ps.list = append(ps.list, p)
	return nil
}

// supervise restarts a process restartDelay after each exit, as the runner
// does for the workloads, until ctx ends.
func (ps *procs) supervise(ctx context.Context, p *proc, restart func() (*proc, error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.done:
		}
		ps.logf("%s", p.restarting())
		ps.remove(p)
		select {
		case <-ctx.Done():
			return
		case <-time.After(restartDelay):
		}
		next, err := restart()
		if err != nil {
			ps.logf("%v", err)
			return
		}
		p = next
	}
}

// restarting says that the process exited and is to be started again.
func (p *proc) restarting() string {
	return fmt.Sprintf("%s exited (%v), restarting; see %s", p.name, p.err, p.log)
}

// processTitle is the argv[0] a process shows in ps: its binary, and the
// environment's name for it where that says more.
func processTitle(bin, name string) string {
	if base := filepath.Base(bin); base != name {
		return base + " [" + name + "]"
	}
	return bin
}

// find is the running process of this name, or nil.
func (ps *procs) find(name string) *proc {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.list {
		if p.name == name && !p.exited() {
			return p
		}
	}
	return nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the process group at once, as a crash would.
func (p *proc) kill() {
	if !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace; killed
// tells whether the grace ran out.
func (p *proc) stop(grace time.Duration) (killed bool) {
	if p.exited() {
		return false
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		killed = true
	}
	// Whatever of its group outlived it, or it itself past its grace.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	return killed
}

// stopTogether stops the processes in parallel, each with its grace, and
// logs how long that took.
func stopTogether(list []*proc, grace time.Duration, logf func(string, ...interface{})) {
	if len(list) == 0 {
		return
	}
	start := time.Now()
	names := make([]string, len(list))
	var wg sync.WaitGroup
	for i, p := range list {
		names[i] = p.name
		wg.Add(1)
		go func(p *proc) {
			defer wg.Done()
			if p.stop(grace) {
				logf("%s did not stop within %s of SIGTERM: killed", p.name, grace)
			}
		}(p)
	}
	wg.Wait()
	logf("stopped %s in %s", strings.Join(names, ", "), time.Since(start).Round(100*time.Millisecond))
}

func (ps *procs) remove(p *proc) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, q := range ps.list {
		if q == p {
			ps.list = append(ps.list[:i], ps.list[i+1:]...)
			return
		}
	}
}

// stopAll stops every process and refuses new ones: first all but those
// named last, in parallel, then those named last, one name after the other
// (what the others depend on, such as the control plane).
func (ps *procs) stopAll(grace time.Duration, last ...string) {
	ps.mu.Lock()
	list := ps.list
	ps.list, ps.stopped = nil, true
	ps.mu.Unlock()
	phases := make([][]*proc, len(last)+1)
	for _, p := range list {
		if p.exited() { // a workload the runner stopped already
			continue
		}
		i := 0
		for j, name := range last {
			if p.name == name {
				i = j + 1
			}
		}
		phases[i] = append(phases[i], p)
	}
	for _, phase := range phases {
		stopTogether(phase, grace, ps.logf)
	}
}

// dumpGoroutines sends SIGQUIT to the running processes whose name matches:
// a Go program then writes the stack of every goroutine to its log and exits.
// After a failure, that shows where a process was stuck. It waits up to wait
// for them to exit.
func (ps *procs) dumpGoroutines(match func(name string) bool, wait time.Duration) {
	ps.mu.Lock()
	var quit []*proc
	for _, p := range ps.list {
		if !p.exited() && match(p.name) {
			quit = append(quit, p)
		}
	}
	ps.mu.Unlock()
	for _, p := range quit {
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	}
	deadline := time.After(wait)
	for _, p := range quit {
		select {
		case <-p.done:
		case <-deadline:
			return
		}
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// freePorts asks the kernel for n distinct free loopback ports, holding each
// until all are chosen so that it cannot hand out one twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// errPortTaken is a process's exit because a port chosen free was taken
// before it bound it (by any program's listener or outgoing connection).
var errPortTaken = errors.New("a port chosen for it was taken meanwhile")

// onFreePorts runs start with n free ports, and again with new ones when the
// process it started lost the race for one of them.
func onFreePorts(n int, start func(ports []int) error) error {
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(n)
		if err != nil {
			return err
		}
		err = start(ports)
		if err == nil || attempt == 3 || !errors.Is(err, errPortTaken) {
			return err
		}
	}
}

// exitErr says why p exited, with the end of its log (which a test's
// temporary directory does not keep), and as errPortTaken when it was that.
func (p *proc) exitErr() error {
	out := p.output()
	err := fmt.Errorf("%s exited (%v); see %s, which ends:\n%s", p.name, p.err, p.log, lastLines(out, 5))
	if strings.Contains(out, "address already in use") {
		return fmt.Errorf("%w: %v", errPortTaken, err)
	}
	return err
}

// output is what this run of p wrote to its log (up to 1 MiB).
func (p *proc) output() string {
	f, err := os.Open(p.log)
	if err != nil {
		return ""
	}
	defer f.Close()
	out, _ := io.ReadAll(io.NewSectionReader(f, p.logFrom, 1<<20))
	return string(out)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// waitFor polls check until it succeeds, p exits, or the timeout passes.
func waitFor(ctx context.Context, what string, p *proc, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = check(); last == nil {
			return nil
		}
		if p != nil && p.exited() {
			return p.exitErr()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after %s: %v", what, timeout, last)
}

// httpOK checks that GET url answers 2xx.
func httpOK(url string) error { return httpGet(url, nil) }

// httpGet checks that GET url with the headers answers 2xx; TLS is not
// verified, since it only probes local processes.
func httpGet(url string, header http.Header) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// Kubelet's User-Agent: Knative's handlers answer probes by it.
	req.Header.Set("User-Agent", "kube-probe/1.35")
	for k, vs := range header {
		req.Header[k] = vs
	}
	c := http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // local probes
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return errors.New(resp.Status)
	}
	return nil
}

// dialable checks that something listens on addr.
func dialable(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// Process is one running process of the environment: its name (a pod's, a
// Deployment's, or a control-plane component's) and its PID.
type Process struct {
	Name string
	PID  int
}

// Processes lists the environment's running processes, for benchmarks that
// read their figures from /proc.
func (e *Env) Processes() []Process {
	e.procs.mu.Lock()
	defer e.procs.mu.Unlock()
	var out []Process
	for _, p := range e.procs.list {
		if !p.exited() {
			out = append(out, Process{Name: p.name, PID: p.cmd.Process.Pid})
		}
	}
	return out
}

// PID is the PID of the running process of this name (a pod's, a
// Deployment's, or a control-plane component's), 0 when none runs.
func (e *Env) PID(name string) int {
	if p := e.procs.find(name); p != nil {
		return p.cmd.Process.Pid
	}
	return 0
}
