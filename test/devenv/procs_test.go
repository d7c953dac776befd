package devenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every dispatcher runs the same binary: ps must tell them apart by their
// Deployment's name, and the environment's log says which PID is which.
func TestProcessesShowTheirNameAndPID(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary on this machine")
	}
	var logged []string
	ps := &procs{logDir: t.TempDir(), logf: func(format string, args ...interface{}) {
		logged = append(logged, fmt.Sprintf(format, args...))
	}}
	p, err := ps.start("orders.shop-kafka-dispatcher", sleep, []string{"60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop(time.Second)

	// Start returns once exec has begun; the new program's arguments show in
	// /proc a moment later.
	var cmdline []byte
	must(t, waitFor(context.Background(), "the process's cmdline", p, 10*time.Second, func() (err error) {
		if cmdline, err = os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.cmd.Process.Pid)); err == nil && len(cmdline) == 0 {
			err = errors.New("empty")
		}
		return err
	}))
	argv := strings.Split(string(cmdline), "\x00")
	if argv[0] != "sleep [orders.shop-kafka-dispatcher]" || argv[1] != "60" {
		t.Errorf("ps shows %q, want the binary and the Deployment's name, then the arguments", argv)
	}
	want := fmt.Sprintf("started orders.shop-kafka-dispatcher (pid %d,", p.cmd.Process.Pid)
	if len(logged) != 1 || !strings.HasPrefix(logged[0], want) {
		t.Errorf("logged %q, want one line starting %q", logged, want)
	}
}

// Stopping a process also ends what it started and left behind, even a child
// that ignores SIGTERM.
func TestStopEndsTheProcessGroup(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	ps := &procs{logDir: t.TempDir(), logf: t.Logf}
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	p, err := ps.start("parent", sh, []string{"-c", `(trap "" TERM; exec sleep 60) & echo $! > ` + pidFile + `; wait`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var child int
	must(t, waitFor(context.Background(), "the child's pid", p, 10*time.Second, func() error {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			child, err = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		return err
	}))
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) }) // should the test fail
	p.stop(5 * time.Second)
	must(t, waitFor(context.Background(), "the child ended", nil, 10*time.Second, func() error {
		if running(child) {
			return fmt.Errorf("pid %d still running", child)
		}
		return nil
	}))
}

// running reports whether a process exists and is not a zombie waiting to be
// reaped by whichever process adopted it.
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// A port chosen free can be taken before the process binds it (by another
// program's listener or outgoing connection): the start is retried on new
// ports rather than failing the environment.
func TestStartRetriesWhenAPortWasTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ps := &procs{logDir: t.TempDir(), logf: t.Logf}
	defer ps.stopAll(time.Second)
	var tried []int
	err = onFreePorts(1, func(ports []int) error {
		port := ports[0]
		if len(tried) == 0 {
			port = taken.Addr().(*net.TCPAddr).Port
		}
		tried = append(tried, port)
		env := append(os.Environ(), fakePodEnv+"=1", "PORT="+strconv.Itoa(port))
		p, err := ps.start("fake", os.Args[0], nil, env)
		if err != nil {
			return err
		}
		return waitFor(context.Background(), "fake", p, 10*time.Second, func() error {
			return httpOK(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
		})
	})
	if err != nil {
		t.Fatalf("started on ports %v: %v", tried, err)
	}
	if len(tried) != 2 {
		t.Errorf("tried ports %v, want the taken one, then one other", tried)
	}
}

// Any other exit is reported as it is, not retried.
func TestStartDoesNotRetryOtherExits(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	ps := &procs{logDir: t.TempDir(), logf: t.Logf}
	attempts := 0
	err = onFreePorts(1, func([]int) error {
		attempts++
		p, err := ps.start("broken", sh, []string{"-c", "echo bad flag; exit 2"}, nil)
		if err != nil {
			return err
		}
		return waitFor(context.Background(), "broken", p, 10*time.Second, func() error { return errors.New("never ready") })
	})
	if err == nil || errors.Is(err, errPortTaken) || attempts != 1 || !strings.Contains(err.Error(), "bad flag") {
		t.Errorf("after %d attempts: %v; want one attempt and its exit, with its log's end", attempts, err)
	}
}

// A first build runs for minutes: its progress reaches the log line by line
// while it runs, not at its end.
func TestRunStreamsOutput(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	release := filepath.Join(t.TempDir(), "release")
	lines := make(chan string, 10)
	e := &Env{Options: Options{Logf: func(format string, args ...interface{}) { lines <- fmt.Sprintf(format, args...) }}}
	done := make(chan error, 1)
	go func() {
		done <- e.run(context.Background(), t.TempDir(), sh, "-c",
			`echo "[1/2] etcd: building"; while [ ! -e "$0" ]; do sleep 0.05; done; echo "[2/2] done" >&2`, release)
	}()
	select {
	case line := <-lines:
		if line != "  [1/2] etcd: building" {
			t.Errorf("first line %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing logged while the command runs")
	}
	must(t, os.WriteFile(release, nil, 0o644))
	must(t, <-done)
	if line := <-lines; line != "  [2/2] done" {
		t.Errorf("last line %q, want the command's stderr too", line)
	}
}

// After a failure, the project's processes leave the stacks of all their
// goroutines in their logs; the others are left to Stop.
func TestDumpGoroutinesOfTheProjectsProcesses(t *testing.T) {
	ps := &procs{logDir: t.TempDir(), logf: t.Logf}
	defer ps.stopAll(time.Second)
	started := map[string]*proc{}
	for _, name := range []string{"kafka-channel-dispatcher-0", "shop.orders-kafka-dispatcher", "eventing-controller"} {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		p, err := ps.start(name, os.Args[0], nil, append(os.Environ(), fakePodEnv+"=1", "PORT="+strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		must(t, waitFor(context.Background(), name, p, 10*time.Second, func() error {
			return httpOK(fmt.Sprintf("http://127.0.0.1:%d/readyz", port))
		}))
		started[name] = p
	}
	ps.dumpGoroutines(isProjectProcess, 10*time.Second)
	for name, p := range started {
		log, err := os.ReadFile(p.log)
		if err != nil {
			t.Fatal(err)
		}
		dumped := strings.Contains(string(log), "goroutine ") && strings.Contains(string(log), "runFakePod")
		if want := name != "eventing-controller"; dumped != want || p.exited() != want {
			t.Errorf("%s: goroutines dumped %t, exited %t; want %t", name, dumped, p.exited(), want)
		}
	}
}
