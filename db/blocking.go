package db

import (
	"math"
	"sync/atomic"
)

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

// Timeout errors, as Redis's getTimeoutFromObjectOrReply words them.
const (
	msgTimeoutNotFloat = "ERR timeout is not a float or out of range"
	msgTimeoutNegative = "ERR timeout is negative"
	msgTimeoutRange    = "ERR timeout is out of range"
)

// parseTimeout reads a blocking command's timeout, in seconds with
// decimals, as Redis does (a long double, truncated to milliseconds), and
// returns the deadline in Unix ms, 0 for "forever". It replies with Redis's
// error and returns false on a bad value.
func parseTimeout(c *Ctx, arg []byte) (deadline int64, ok bool) {
	f, ok := parseLongDouble(arg)
	if !ok {
		c.W.Error(msgTimeoutNotFloat)
		return 0, false
	}
	secs, _ := f.Float64()
	ms := secs * 1000
	if math.IsNaN(ms) || ms >= math.MaxInt64 || ms <= math.MinInt64 {
		c.W.Error(msgTimeoutNotFloat)
		return 0, false
	}
	t := int64(ms)
	switch {
	case t < 0:
		c.W.Error(msgTimeoutNegative)
		return 0, false
	case t == 0:
		return 0, true
	case t > math.MaxInt64-c.Now:
		c.W.Error(msgTimeoutRange)
		return 0, false
	}
	return c.Now + t, true
}

// BlockRequest is what a blocking command that found nothing to serve asks
// of the dispatcher: wait on Keys until Deadline (Unix ms; 0: forever).
// NullArray chooses the reply to a timeout: a null array (every blocking
// command of Redis 7.0 times out with one) or a null bulk string. Keys alias the
// command's arguments: the dispatcher copies them.
type BlockRequest struct {
	Keys      [][]byte
	Deadline  int64
	NullArray bool
}

// block asks for the client to wait, and reports whether it may. Inside a
// transaction it may not, and the handler must then reply as a timeout
// would, which is what Redis does. When the command is being retried for a
// client already blocked, it only records that it could not serve; either
// way a handler that may block writes no reply and changes nothing.
func (c *Ctx) block(keys [][]byte, deadline int64, nullArray bool) bool {
	if c.inTx {
		return false
	}
	c.blocked = true
	if !c.Retrying {
		c.blockReq = BlockRequest{Keys: keys, Deadline: deadline, NullArray: nullArray}
	}
	return true
}

// TakeBlock returns the block the last command asked for, if any, and
// clears it.
func (c *Ctx) TakeBlock() (BlockRequest, bool) {
	if !c.blocked {
		return BlockRequest{}, false
	}
	r := c.blockReq
	c.blocked, c.blockReq = false, BlockRequest{}
	return r, true
}

// Unserved reports whether the last command, retried for a blocked client,
// still found nothing to serve; it clears the mark.
func (c *Ctx) Unserved() bool {
	u := c.blocked
	c.blocked = false
	return u
}
