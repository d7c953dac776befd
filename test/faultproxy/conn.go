package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// bufSize bounds what a paused connection can hold in the proxy: the rest stays
// in the kernel, so the sender sees back-pressure as with a silent network.
const bufSize = 32 << 10

// dialTimeout keeps a connection to an unreachable (not refusing) target from
// waiting on the system's much longer default.
const dialTimeout = 10 * time.Second

// gate is open unless paused. It counts pauses because two Blackholes of the
// same pid may pause one connection, and only the last heal may open it.
type gate struct {
	mu     sync.Mutex
	pauses int
	open   chan struct{} // closed while open
}

func newGate() *gate {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *gate) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pauses++
	if g.pauses == 1 {
		g.open = make(chan struct{})
	}
}

func (g *gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pauses--
	if g.pauses == 0 {
		close(g.open)
	}
}

// wait blocks while paused; it reports false if done closes first, so that
// closing a held connection also ends the goroutine waiting on it.
func (g *gate) wait(done <-chan struct{}) bool {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return true
	case <-done:
		return false
	}
}

// conn is one client connection and, once dialed, its connection to the target.
type conn struct {
	client net.Conn
	inode  uint64 // of the client's socket, 0 if unknown; how Cut and Blackhole find it
	gate   *gate
	done   chan struct{}

	mu     sync.Mutex
	closed bool
	server net.Conn
}

func newConn(client net.Conn, inode uint64) *conn {
	return &conn{client: client, inode: inode, gate: newGate(), done: make(chan struct{})}
}

// close reports whether this call closed c, so that Cut counts each connection once.
func (c *conn) close() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	close(c.done)
	c.client.Close()
	if c.server != nil {
		c.server.Close()
	}
	return true
}

// setServer fails if c was closed while dialing, so the new connection is not leaked.
func (c *conn) setServer(s net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		s.Close()
		return false
	}
	c.server = s
	return true
}

// serve waits before dialing, so that a connection held by a Blackhole never
// reaches the target until healed.
func (p *Proxy) serve(c *conn) {
	defer p.wg.Done()
	defer p.forget(c)
	defer c.close()
	if !c.gate.wait(c.done) {
		return
	}
	d := net.Dialer{Timeout: dialTimeout}
	s, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil || !c.setServer(s) {
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.pipe(s, c.client) }()
	go func() { defer wg.Done(); c.pipe(c.client, s) }()
	wg.Wait()
}

// pipe copies src to dst, checking the gate both before reading (so a paused
// connection leaves bytes in the kernel) and before writing (so bytes read by a
// Read that was already blocked when the pause began are held, not forwarded).
func (c *conn) pipe(dst, src net.Conn) {
	buf := make([]byte, bufSize)
	for c.gate.wait(c.done) {
		n, err := src.Read(buf)
		if n > 0 {
			if !c.gate.wait(c.done) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				c.close()
				return
			}
		}
		if errors.Is(err, io.EOF) {
			closeWrite(dst) // pass the half-close on; the other direction goes on
			return
		}
		if err != nil {
			c.close()
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
		return
	}
	c.Close()
}
