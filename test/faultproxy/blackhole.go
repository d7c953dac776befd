package faultproxy

import "sync"

// hole is one Blackhole call: the connections it paused, so that heal resumes
// exactly those (another Blackhole of the same pid keeps its own).
type hole struct {
	pid    int
	mu     sync.Mutex
	healed bool
	held   []*conn
}

// owns reads the pid's fds afresh: a new connection's socket is newer than any
// list taken when the Blackhole started. A process that has exited owns nothing.
func (h *hole) owns(c *conn) bool {
	if c.inode == 0 {
		return false
	}
	inodes, err := socketInodes(h.pid)
	if err != nil {
		return false
	}
	_, ok := inodes[c.inode]
	return ok
}

// hold pauses c unless heal already ran, since a pause after heal would never end.
func (h *hole) hold(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.healed {
		return
	}
	c.gate.pause()
	h.held = append(h.held, c)
}

func (h *hole) heal() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.healed {
		return
	}
	h.healed = true
	for _, c := range h.held {
		c.gate.resume()
	}
	h.held = nil
}

// Blackhole makes the connections of process pid silent until heal is called: no byte is forwarded in
// either direction (bytes are held, not dropped: the proxy just stops reading), and new connections from
// pid are accepted but not connected to the target (held) until healed. Other processes are unaffected.
// heal resumes forwarding on every held connection that is still open. Calling heal twice is harmless.
//
// The Blackhole follows the pid, not the process: if the process exits, its held connections stay
// held (the proxy does not read, so it does not see them close) until heal or Close.
func (p *Proxy) Blackhole(pid int) (heal func(), err error) {
	h := &hole{pid: pid}
	// Registered before the snapshot so that a connection accepted meanwhile
	// is either in the snapshot or checks h itself (see admit).
	p.mu.Lock()
	p.holes[h] = struct{}{}
	conns := p.snapshotLocked()
	p.mu.Unlock()
	unregister := func() {
		p.mu.Lock()
		delete(p.holes, h)
		p.mu.Unlock()
	}
	// Read after the snapshot, so every socket of the snapshot already exists.
	inodes, err := socketInodes(pid)
	if err != nil {
		unregister()
		return nil, err
	}
	for _, c := range p.connsOf(conns, inodes) {
		h.hold(c)
	}
	return func() {
		unregister()
		h.heal()
	}, nil
}
