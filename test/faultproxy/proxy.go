// Package faultproxy is a TCP proxy that a soak test puts between Kafka clients
// and the broker, so that it can break the network of ONE client process (found
// by its PID) while every other process keeps talking to the broker.
//
// It works on Linux only: it learns which process owns a connection from /proc.
// Elsewhere it still forwards, but Cut and Blackhole find no connection.
package faultproxy

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Proxy forwards TCP connections to one target and injects faults into them.
type Proxy struct {
	ln     net.Listener
	target string
	ctx    context.Context // canceled by Close, to abort dials to the target
	cancel context.CancelFunc
	wg     sync.WaitGroup // accept loop and connection goroutines, so Close can wait

	mu       sync.Mutex
	closed   bool
	accepted int
	conns    map[*conn]struct{}
	holes    map[*hole]struct{} // blackholes in force, checked by every new connection
}

// Start listens on listenAddr (e.g. "127.0.0.1:0" or a fixed port on 127.0.0.1) and forwards every
// accepted connection to target (host:port). A connection to the target that fails closes the
// client's connection (as a broker that is down would).
func Start(listenAddr, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		ln: ln, target: target, ctx: ctx, cancel: cancel,
		conns: map[*conn]struct{}{}, holes: map[*hole]struct{}{},
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the address clients must use; with port 0 it is only known once listening.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stats for reporting: connections accepted so far, currently open (held ones included).
func (p *Proxy) Stats() (accepted, open int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted, len(p.conns)
}

// Close stops accepting, closes every connection, and waits for all the proxy's
// goroutines, so that a test that closes the proxy can check it leaked nothing.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	conns := p.snapshotLocked()
	p.mu.Unlock()

	err := p.ln.Close()
	p.cancel()
	for _, c := range conns {
		c.close()
	}
	p.wg.Wait()
	return err
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of fds and the like: transient under a soak, so the proxy
			// must not die; the pause avoids spinning on the error.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.admit(nc)
	}
}

// admit registers a connection before serving it, so that a Blackhole cannot
// miss it: either Blackhole sees it in conns, or it sees the Blackhole in holes.
// The inode is looked up here, synchronously, because Cut and Blackhole can only
// find a connection whose owner is known.
func (p *Proxy) admit(nc net.Conn) {
	c := newConn(nc, clientInode(nc))
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		nc.Close()
		return
	}
	p.accepted++
	p.conns[c] = struct{}{}
	holes := make([]*hole, 0, len(p.holes))
	for h := range p.holes {
		holes = append(holes, h)
	}
	p.wg.Add(1)
	p.mu.Unlock()

	for _, h := range holes {
		if h.owns(c) {
			h.hold(c)
		}
	}
	go p.serve(c)
}

func (p *Proxy) forget(c *conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *Proxy) snapshotLocked() []*conn {
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	return conns
}

// connsOf returns the open connections whose client socket is one of inodes.
func (p *Proxy) connsOf(conns []*conn, inodes map[uint64]struct{}) []*conn {
	var mine []*conn
	for _, c := range conns {
		if _, ok := inodes[c.inode]; ok && c.inode != 0 {
			mine = append(mine, c)
		}
	}
	return mine
}

// Cut closes every current connection whose client socket belongs to process pid (a TCP reset/close as
// seen by the client), and returns how many it closed. Later connections from pid are served normally.
// A connection the proxy has not yet accepted (still in the kernel's backlog) is not cut.
func (p *Proxy) Cut(pid int) (int, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	conns := p.snapshotLocked()
	p.mu.Unlock()
	n := 0
	for _, c := range p.connsOf(conns, inodes) {
		if c.close() {
			n++
		}
	}
	return n, nil
}
