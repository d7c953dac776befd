package client

import (
	"io"
	"sync"
)

// Cache keeps one connection made from the Kafka settings in force and
// replaces it when they change (their Fingerprint), so that a rotated Secret
// takes effect on the next use without a restart.
type Cache[T io.Closer] struct {
	mu          sync.Mutex
	fingerprint string
	conn        T
	connected   bool
}

// Get returns the connection of the settings with that fingerprint, made by connect if they changed.
func (c *Cache[T]) Get(fingerprint string, connect func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connected && c.fingerprint == fingerprint {
		return c.conn, nil
	}
	c.closeLocked()
	conn, err := connect()
	if err != nil {
		return conn, err
	}
	c.conn, c.fingerprint, c.connected = conn, fingerprint, true
	return conn, nil
}

// Invalidate drops the connection after a failure, so that the next Get reconnects.
func (c *Cache[T]) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
}

func (c *Cache[T]) closeLocked() {
	if c.connected {
		_ = c.conn.Close()
	}
	var zero T
	c.conn, c.fingerprint, c.connected = zero, "", false
}
