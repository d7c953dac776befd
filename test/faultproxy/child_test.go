package faultproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests need a client in another process, since faults are injected by PID:
// the test binary runs itself with these variables set to become that client.
const (
	childEnv     = "FAULTPROXY_TEST_CHILD"
	childAddrEnv = "FAULTPROXY_TEST_ADDR"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		runChild(os.Getenv(childAddrEnv))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild obeys commands on stdin, one a line, and reports on stdout:
//
//	dial NAME       -> "dialed NAME" (or "NAME error ..."), then "NAME got LINE" per line read, "NAME closed" at the end
//	send NAME TEXT  -> writes TEXT and a newline on connection NAME
//
// It exits when stdin ends, so the parent controls its lifetime.
func runChild(addr string) {
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
	}
	conns := map[string]net.Conn{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		switch {
		case f[0] == "dial" && len(f) == 2:
			c, err := net.Dial("tcp", addr)
			if err != nil {
				say("%s error %v", f[1], err)
				continue
			}
			conns[f[1]] = c
			say("dialed %s", f[1])
			go childRead(f[1], c, say)
		case f[0] == "send" && len(f) == 3 && conns[f[1]] != nil:
			fmt.Fprintf(conns[f[1]], "%s\n", f[2])
		default:
			say("bad command %q", sc.Text())
		}
	}
}

func childRead(name string, c net.Conn, say func(string, ...any)) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			say("%s closed", name)
			return
		}
		say("%s got %s", name, strings.TrimSuffix(line, "\n"))
	}
}

// child is the parent's handle on a client process.
type child struct {
	t     *testing.T
	pid   int
	stdin io.Writer
	lines chan string
}

func startChild(t *testing.T, proxyAddr string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", childAddrEnv+"="+proxyAddr)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, pid: cmd.Process.Pid, stdin: stdin, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return c
}

func (c *child) do(format string, args ...any) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.stdin, format+"\n", args...); err != nil {
		c.t.Fatalf("child command: %v", err)
	}
}

// expect waits for all of want, in any order, failing on any other line: the
// tests know everything the child should say.
func (c *child) expect(want ...string) {
	c.t.Helper()
	missing := map[string]bool{}
	for _, w := range want {
		missing[w] = true
	}
	deadline := time.After(5 * time.Second)
	for len(missing) > 0 {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("child exited; still waiting for %v", keys(missing))
			}
			if !missing[line] {
				c.t.Fatalf("child said %q; waiting for %v", line, keys(missing))
			}
			delete(missing, line)
		case <-deadline:
			c.t.Fatalf("child did not say %v", keys(missing))
		}
	}
}

// expectSilence fails if the child says anything within d.
func (c *child) expectSilence(d time.Duration) {
	c.t.Helper()
	select {
	case line := <-c.lines:
		c.t.Fatalf("child said %q; want silence", line)
	case <-time.After(d):
	}
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
