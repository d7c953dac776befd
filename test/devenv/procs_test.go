package devenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
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

	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	argv := strings.Split(string(cmdline), "\x00")
	if argv[0] != "sleep [orders.shop-kafka-dispatcher]" || argv[1] != "60" {
		t.Errorf("ps shows %q, want the binary and the Deployment's name, then the arguments", argv)
	}
	want := fmt.Sprintf("started orders.shop-kafka-dispatcher (pid %d,", p.cmd.Process.Pid)
	if len(logged) != 1 || !strings.HasPrefix(logged[0], want) {
		t.Errorf("logged %q, want one line starting %q", logged, want)
	}
}
