package faultproxy

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// noSuchPid is above the kernel's largest pid_max (2^22).
const noSuchPid = 1 << 30

// echoServer stands for the broker: it sends back whatever it reads, and counts
// the connections it got, so a test can tell whether a held one reached it.
type echoServer struct {
	ln       net.Listener
	accepted atomic.Int64
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{ln: ln}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.accepted.Add(1)
			wg.Add(1)
			go func() { defer wg.Done(); io.Copy(c, c); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return e
}

func (e *echoServer) addr() string { return e.ln.Addr().String() }

func startProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := Start("127.0.0.1:0", target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// lineConn is a connection of the test process itself through the proxy.
type lineConn struct {
	net.Conn
	r *bufio.Reader
}

func dialLine(t *testing.T, addr string) *lineConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &lineConn{Conn: c, r: bufio.NewReader(c)}
}

// roundTrip fails unless msg comes back within a generous time: the machine is shared.
func (c *lineConn) roundTrip(t *testing.T, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	got, err := c.r.ReadString('\n')
	if err != nil || got != msg+"\n" {
		t.Fatalf("read back %q, %v; want %q", got, err, msg)
	}
}

func TestForwardsBothWays(t *testing.T) {
	e := startEcho(t)
	p := startProxy(t, e.addr())
	c := dialLine(t, p.Addr())
	c.roundTrip(t, "hello")

	// More than the proxy's buffer, written while reading, so both directions
	// carry several chunks at once.
	data := make([]byte, 5*bufSize+123)
	rand.Read(data)
	go func() { c.Write(data) }()
	got := make([]byte, len(data))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c.r, got); err != nil {
		t.Fatalf("read back: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("data came back altered")
	}
	if acc, open := p.Stats(); acc != 1 || open != 1 {
		t.Fatalf("Stats() = %d, %d; want 1, 1", acc, open)
	}
	c.Close()
	waitFor(t, "no open connection", func() bool { _, open := p.Stats(); return open == 0 })
}

// twoClients starts an echo target behind a proxy, a child process with
// connection "a" through it, and one of the test's own, both shown working.
func twoClients(t *testing.T) (*echoServer, *Proxy, *child, *lineConn) {
	t.Helper()
	e := startEcho(t)
	p := startProxy(t, e.addr())
	ch := startChild(t, p.Addr())
	ch.do("dial a")
	ch.expect("dialed a")
	ch.do("send a hello")
	ch.expect("a got hello")
	own := dialLine(t, p.Addr())
	own.roundTrip(t, "mine")
	return e, p, ch, own
}

func TestCutClosesOnlyThatProcess(t *testing.T) {
	_, p, ch, own := twoClients(t)

	n, err := p.Cut(ch.pid)
	if err != nil || n != 1 {
		t.Fatalf("Cut(child) = %d, %v; want 1, nil", n, err)
	}
	ch.expect("a closed")
	own.roundTrip(t, "still mine")

	ch.do("dial b")
	ch.expect("dialed b")
	ch.do("send b again")
	ch.expect("b got again")

	if _, err := p.Cut(noSuchPid); err == nil {
		t.Error("Cut of a process that does not exist: no error")
	}
}

func TestBlackholeHoldsThenHeals(t *testing.T) {
	e, p, ch, own := twoClients(t)

	heal, err := p.Blackhole(ch.pid)
	if err != nil {
		t.Fatal(err)
	}
	ch.do("send a two")
	ch.expectSilence(300 * time.Millisecond)
	own.roundTrip(t, "still mine")

	reached := e.accepted.Load()
	ch.do("dial b")
	ch.expect("dialed b") // accepted by the proxy...
	ch.do("send b three")
	ch.expectSilence(300 * time.Millisecond)
	if got := e.accepted.Load(); got != reached { // ...but not passed on
		t.Fatalf("target got %d connections during the blackhole; want %d", got, reached)
	}

	heal()
	ch.expect("a got two", "b got three")
	heal()
	ch.do("send a four")
	ch.expect("a got four")

	if _, err := p.Blackhole(noSuchPid); err == nil {
		t.Error("Blackhole of a process that does not exist: no error")
	}
}

func TestTargetDownClosesClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	p := startProxy(t, down)

	c := dialLine(t, p.Addr())
	start := time.Now()
	c.SetReadDeadline(start.Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read through a proxy to a down target: %v; want EOF or reset", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("closed after %v; want promptly", d)
	}
}

func TestCloseLeavesNoGoroutine(t *testing.T) {
	e := startEcho(t)
	before := runtime.NumGoroutine()
	p, err := Start("127.0.0.1:0", e.addr())
	if err != nil {
		t.Fatal(err)
	}
	dialLine(t, p.Addr()).roundTrip(t, "forwarding")
	idle := dialLine(t, p.Addr())
	idle.roundTrip(t, "then idle")
	// A connection held by a blackhole, never healed: its goroutine waits on
	// the gate rather than in I/O, and Close must end it too.
	if _, err := p.Blackhole(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	dialLine(t, p.Addr())
	waitFor(t, "the held connection accepted", func() bool { acc, _ := p.Stats(); return acc == 3 })

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return: it waits for goroutines it did not end")
	}
	if _, open := p.Stats(); open != 0 {
		t.Fatalf("%d connections open after Close", open)
	}
	// The echo server's goroutines end once the proxy's connections close.
	waitFor(t, "goroutines back to their number before Start", func() bool {
		return runtime.NumGoroutine() <= before
	})
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Fatal("a client connection still works after Close")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
