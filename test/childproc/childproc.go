// Package childproc runs the parts of a benchmark in child processes of the
// benchmark's own binary, so that /proc tells each part's CPU time and memory
// apart from the others' (see test/procstat).
//
// A child is the same executable started with an environment variable naming
// its role and another holding its configuration as JSON; main calls Main
// first, which runs the role and exits in a child and returns in the parent.
// The child prints what the parent needs to reach it (its addresses) as its
// first line, then answers the parent's commands, one line each way, and
// stops when its stdin closes: a child cannot outlive a parent that died,
// since the pipe closes with it. The parent stops its children by closing
// their stdin, and kills them by PID if they linger, or at once when it is
// interrupted.
//
// Every child answers the commands of this package besides its role's own:
//
//	cpu-profile-start PATH   start a CPU profile written to PATH
//	cpu-profile-stop         stop it
//	allocs-profile PATH      write the allocs profile (counted since the start of the process)
//	memstats                 "MALLOCS BYTES": objects and bytes allocated so far
package childproc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// Environment of a child: its role, and its configuration as JSON.
const (
	roleEnv   = "KNATIVE_KAFKA_CHILD_ROLE"
	configEnv = "KNATIVE_KAFKA_CHILD_CONFIG"
)

// stopTimeout is how long a child may take to stop once its stdin closed.
const stopTimeout = 10 * time.Second

// Server is what a child runs for its role.
type Server interface {
	// Addr is what the parent needs to reach the server: the child's first line.
	Addr() string
	// Command answers one of the parent's commands other than this package's;
	// the answer must fit on one line.
	Command(verb, arg string) (string, error)
	Close()
}

// Role starts the server of a role from its configuration (JSON).
type Role func(config []byte) (Server, error)

// Main runs the role this process was started for, and exits, if it is a
// child. In the parent, it makes an interrupt kill the children and returns.
func Main(roles map[string]Role) {
	name, ok := os.LookupEnv(roleEnv)
	if !ok {
		go killChildrenOnSignal()
		return
	}
	role := roles[name]
	if name == kfakeRole {
		role = serveKfake
	}
	if role == nil {
		fmt.Fprintf(os.Stderr, "unknown child role %q\n", name)
		os.Exit(2)
	}
	if err := serve(role, []byte(os.Getenv(configEnv))); err != nil {
		fmt.Fprintf(os.Stderr, "%s child: %v\n", name, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serve runs the child: the server's address, then one answer per command
// until stdin closes.
func serve(role Role, config []byte) error {
	s, err := role(config)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println(s.Addr())
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		verb, arg, _ := strings.Cut(commands.Text(), " ")
		answer, err := command(s, verb, arg)
		if err != nil {
			answer = "error: " + strings.ReplaceAll(err.Error(), "\n", " ")
		}
		fmt.Println(answer)
	}
	if err := commands.Err(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// Child is a process of this binary in another role.
type Child struct {
	role  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	addr  string
	// mu keeps each command's answer with its command.
	mu sync.Mutex
}

// Start starts a child in role with config (marshalled to JSON) and waits
// for its address.
func Start(role string, config any) (*Child, error) {
	raw, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), roleEnv+"="+role, configEnv+"="+string(raw))
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
	c := &Child{role: role, cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	children.add(c)
	if c.addr, err = c.line(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("%s child did not report its address: %w", role, err)
	}
	return c, nil
}

// Addr is what the child printed as its first line.
func (c *Child) Addr() string { return c.addr }

// Pid is the child's process ID.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// CPU is the user+system CPU time the child used so far.
func (c *Child) CPU() (time.Duration, error) { return procstat.ReadCPU(c.Pid()) }

// Call sends one command and returns the child's answer; an answer starting
// with "error: " is returned as an error.
func (c *Child) Call(format string, args ...any) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	command := fmt.Sprintf(format, args...)
	if _, err := fmt.Fprintln(c.stdin, command); err != nil {
		return "", err
	}
	answer, err := c.line()
	if err != nil {
		return "", fmt.Errorf("%s child (pid %d), %q: %w", c.role, c.Pid(), command, err)
	}
	if msg, failed := strings.CutPrefix(answer, "error: "); failed {
		return "", fmt.Errorf("%s child (pid %d), %q: %s", c.role, c.Pid(), command, msg)
	}
	return answer, nil
}

func (c *Child) line() (string, error) {
	s, err := c.out.ReadString('\n')
	return strings.TrimSpace(s), err
}

// Stop closes the child's stdin, which stops it, and kills it by PID if it
// does not exit in time.
func (c *Child) Stop() {
	_ = c.stdin.Close()
	exited := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = c.cmd.Process.Kill()
		<-exited
	}
	children.remove(c)
}

// children are the children started and not stopped yet.
var children = &registry{live: map[*Child]bool{}}

type registry struct {
	mu   sync.Mutex
	live map[*Child]bool
}

func (r *registry) add(c *Child) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live[c] = true
}

func (r *registry) remove(c *Child) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.live, c)
}

// killChildrenOnSignal kills every live child by its PID when the parent is
// interrupted, rather than leave them to notice their closed stdin.
func killChildrenOnSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	children.mu.Lock()
	for c := range children.live {
		_ = c.cmd.Process.Kill()
	}
	os.Exit(130)
}
