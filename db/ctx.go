package db

import (
	"sync/atomic"

	"redis-fast/proto"
)

// Ctx is what a handler is given besides its arguments: where to write the
// reply, which database it runs in, the time, and where its changes are
// logged. The dispatcher fills one per connection and reuses it for every
// command; it is not safe for concurrent use.
type Ctx struct {
	W  *proto.Writer
	DB *DB
	KS *Keyspace
	// Now is the command's time in Unix milliseconds, read once by the
	// dispatcher, so a command sees one instant however long it runs.
	Now int64
	// Stats counts what the connection did; INFO adds them up.
	Stats *Stats
	// LocksHeld is set while a transaction runs: EXEC has locked every
	// shard its commands need, so commands that lock for themselves take
	// nothing.
	LocksHeld bool
	// FromMaster is set for the commands a replica applies from its
	// master's stream: their changes are not logged by the handlers (the
	// stream itself is, as it came), and keys are never expired for them,
	// since the master decides when a key expires and says so with a DEL.
	FromMaster bool
	// LogOffset is the write log's offset just past the last change this
	// context logged: what an fsync must cover before its replies may go
	// out under appendfsync always.
	LogOffset int64
	// Retrying is set while the dispatcher runs a blocked client's command
	// again to see whether it can be served now; if it cannot, the command
	// must leave no reply and no change (see block).
	Retrying bool

	argv     [][]byte
	pending  Batch        // log entries not yet appended; see FlushLog
	inTx     bool         // inside EXEC; see BeginTx
	expired  []expiredKey // see ReclaimExpired
	ready    []ReadyKey   // see TakeReady
	blocked  bool         // the command asked to block; see block
	blockReq BlockRequest
	hkey     []byte // the command's first key; see SetKeyHash
	hval     uint64
	events   []Event // keyspace events fired; see notify.go
	evKeys   []byte  // the events' keys
	// overwriting: the key being created replaces one (no "new" event).
	overwriting bool
}

// Stats are counters that INFO reports. Each connection owns one, so
// counting never contends; INFO adds them up with atomic loads while they
// change.
type Stats struct {
	Hits, Misses atomic.Int64
	ExpiredKeys  atomic.Int64
	// Dirty counts the changes since the last save, rdb_changes_since_last_save.
	Dirty atomic.Int64
}

// Begin prepares c for one command.
func (c *Ctx) Begin(argv [][]byte, now int64) {
	c.argv = argv
	c.Now = now
}

// Changed logs the command as it came, for a command whose replay is
// deterministic as written, and counts one change.
func (c *Ctx) Changed() {
	c.Stats.Dirty.Add(1)
	c.logEntry(c.DB.ID, c.argv)
}

// Propagate logs argv instead of the command as it came (SET ... EX becomes
// SET ... PXAT, so a replay later gives the same expiry), and counts one
// change. argv is copied.
func (c *Ctx) Propagate(argv ...[]byte) {
	c.Stats.Dirty.Add(1)
	c.logEntry(c.DB.ID, argv)
}

// logEntry adds one command to the pending batch, when the log records.
func (c *Ctx) logEntry(db int, argv [][]byte) {
	if c.KS.Log.Enabled() && !c.FromMaster && !c.KS.Following.Load() {
		c.pending.add(db, argv)
	}
}

// FlushLog appends the command's pending log entries to the write log. The
// caller must still hold the locks of the shards the command changed (the
// dispatcher calls it just before unlocking; commands that lock for
// themselves, before they unlock). Inside a transaction it does nothing:
// the transaction's entries go together, when EndTx is called.
func (c *Ctx) FlushLog() {
	if c.inTx {
		return
	}
	if end := c.KS.Log.AppendBatch(&c.pending); end != 0 {
		c.LogOffset = end
	}
}

// BeginTx starts gathering the log entries of a transaction (EXEC).
func (c *Ctx) BeginTx() { c.inTx = true }

// EndTx appends the transaction's entries, wrapped in MULTI ... EXEC when
// there are several. The transaction's locks must still be held.
func (c *Ctx) EndTx() {
	c.inTx = false
	c.FlushLog()
}

// clock returns the LRU clock: seconds, wrapping at 2^32.
func (c *Ctx) clock() uint32 { return uint32(c.Now / 1000) }
