package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// roleFlag turns this binary into one of the processes a run is made of:
// each measured side runs alone in a process of its own, so that its CPU
// time and memory are its own.
const roleFlag = "role"

// Roles of a child process.
const (
	roleBroker   = "broker"
	roleReceiver = "receiver"
	roleHTTPOnly = "http-only"
)

// child is a process of this binary in another role. It prints what others
// need to reach it (its addresses) as its first line, then answers commands
// on its stdin, one line each, and stops when its stdin closes, so that it
// cannot outlive a benchmark that died.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	// first is its first line: its addresses.
	first string
}

func startChild(role string, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{"-" + roleFlag, role}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	if c.first, err = c.line(); err != nil {
		c.stop()
		return nil, fmt.Errorf("%s child did not report its address: %w", role, err)
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) cpu() cpuClock {
	return func() (time.Duration, error) { return procstat.ReadCPU(c.pid()) }
}

func (c *child) memory() (procstat.Memory, error) { return procstat.ReadMemory(c.pid()) }

// call sends one command and waits for its answer.
func (c *child) call(command string) error {
	if _, err := fmt.Fprintln(c.stdin, command); err != nil {
		return err
	}
	answer, err := c.line()
	if err != nil {
		return err
	}
	if answer != "ok" {
		return fmt.Errorf("child %d: %s: %s", c.pid(), command, answer)
	}
	return nil
}

func (c *child) line() (string, error) {
	s, err := c.out.ReadString('\n')
	return strings.TrimSpace(s), err
}

// stop closes the child's stdin, which stops it, and kills it by PID if it
// does not exit in time.
func (c *child) stop() {
	_ = c.stdin.Close()
	exited := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-exited
	}
}

// serveRole is a child's main: having printed its addresses, it runs the
// profiling commands it is sent until its stdin closes.
func serveRole(role string) error {
	var (
		addrs string
		stop  func()
		err   error
	)
	switch role {
	case roleBroker:
		addrs, stop, err = serveBroker()
	case roleReceiver:
		addrs, stop, err = serveReceiver()
	case roleHTTPOnly:
		addrs, stop, err = serveHTTPOnly()
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		return err
	}
	defer stop()
	fmt.Println(addrs)
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		if err := runCommand(commands.Text()); err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println("ok")
	}
	if err := commands.Err(); err != nil && !errors.Is(err, os.ErrClosed) {
		log.Print(err)
	}
	return nil
}

// runCommand runs "profile-start PATH" (a CPU profile to PATH) or
// "profile-stop PATH" (the CPU profile ends; the allocs profile goes to PATH).
func runCommand(line string) error {
	verb, path, _ := strings.Cut(line, " ")
	switch verb {
	case "profile-start":
		return startCPUProfile(path)
	case "profile-stop":
		return stopProfiles(path)
	}
	return fmt.Errorf("unknown command %q", line)
}
