package db

import "sync/atomic"

// Blocking commands (BLPOP, BZPOPMIN, ...) wait for a key to hold a value
// they can serve. The server keeps the waiting clients; the keyspace only
// tells it which keys may have become ready: every key a command creates
// while anybody waits is noted, and the dispatcher looks at the notes once
// the command's locks are released.

// Waiters counts the clients blocked on keys; while it is zero, creating a
// key notes nothing. The server maintains it.
type Waiters struct{ n atomic.Int64 }

// Add changes the count by delta.
func (w *Waiters) Add(delta int64) { w.n.Add(delta) }

// Load returns the count.
func (w *Waiters) Load() int64 { return w.n.Load() }

// ReadyKey is a key that came into existence while clients were blocked.
type ReadyKey struct {
	DB  *DB
	Key string
}

// noteReady records that key of d was created.
func (c *Ctx) noteReady(d *DB, key string) {
	c.ready = append(c.ready, ReadyKey{d, key})
}

// TakeReady returns the keys the last command noted, and forgets them. The
// slice is reused by the next command.
func (c *Ctx) TakeReady() []ReadyKey {
	r := c.ready
	c.ready = c.ready[:0]
	return r
}
