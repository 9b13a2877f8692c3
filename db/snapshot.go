package db

import (
	"errors"
	"runtime"
)

// A snapshot is a point-in-time view of the whole keyspace, written out
// while the server goes on serving: the RDB dump (BGSAVE), the AOF rewrite's
// base file and a replica's full sync all read one. Redis gets its view by
// forking and letting the kernel copy pages on write; Go cannot fork a
// running process, so the copy on write is done here, per key:
//
//   - Beginning takes every shard lock for a moment, gives the snapshot an
//     epoch and records the write log's offset: the view is the dataset
//     exactly at that offset.
//   - The snapshot's goroutine then walks the shards, a few hundred keys at
//     a time under the shard's read lock (with the scan cursor, which
//     tolerates resizes), and marks every key it hands out with its epoch.
//   - A writer about to change or delete a key the snapshot has not reached
//     yet first preserves it: a copy goes into the shard's saved set, and
//     the live key is marked as done. A key created after the beginning is
//     marked at creation and left out. So the snapshot sees each key as it
//     was at the beginning, and the memory it holds is bounded by what
//     changes while it runs, not by the dataset.
//   - When the walk of a shard ends, its saved keys are handed out and
//     freed, and writers to that shard pay nothing more.
//
// Commands that replace whole databases (FLUSHDB, FLUSHALL, SWAPDB) preserve
// every key the snapshot has not reached in them; a flushed key is moved
// into the saved set rather than copied.

// ErrSnapshotRunning is returned by BeginSnapshot while another snapshot
// runs: there is at most one at a time, as Redis has one child.
var ErrSnapshotRunning = errors.New("db: a snapshot is already running")

// Snapshot is a running point-in-time view. Its Each may be called once,
// by one goroutine.
type Snapshot struct {
	ks     *Keyspace
	epoch  uint32
	offset int64 // the write log's offset at the beginning
	at     int64 // Unix ms at the beginning; keys expired by then are left out
}

// snapChunk is how many keys Each hands out under one hold of a shard's
// read lock: small enough that a writer never waits long for the shard.
const snapChunk = 256

// BeginSnapshot starts a snapshot of the keyspace as it is now, at now
// (Unix ms): keys expired at now are left out of it (none when now is 0, as
// a replica keeps them for its master to delete). atStart, when not nil,
// runs while every shard is locked, with the write log's offset: whatever
// must happen at exactly the snapshot's point (the AOF rewrite opens its
// next file there). The log's next entry starts with a SELECT.
func (ks *Keyspace) BeginSnapshot(now int64, atStart func(offset int64)) (*Snapshot, error) {
	s, err := ks.beginSnapshot(now, atStart)
	if err == nil && ks.OnSnapshot != nil {
		ks.OnSnapshot()
	}
	return s, err
}

func (ks *Keyspace) beginSnapshot(now int64, atStart func(offset int64)) (*Snapshot, error) {
	ks.StreamMu.Lock()
	defer ks.StreamMu.Unlock()
	for _, d := range ks.dbs {
		d.Lock(EveryShard, true)
	}
	defer func() {
		for _, d := range ks.dbs {
			d.Unlock(EveryShard, true)
		}
	}()
	if ks.snap.Load() != nil {
		return nil, ErrSnapshotRunning
	}
	s := &Snapshot{ks: ks, epoch: ks.epochs.Add(1), offset: ks.Log.Offset(), at: now}
	ks.Log.ForceSelect()
	if atStart != nil {
		atStart(s.offset)
	}
	ks.snap.Store(s)
	return s, nil
}

// Offset returns the write log's offset the snapshot's view corresponds to.
func (s *Snapshot) Offset() int64 { return s.offset }

// Time returns when the snapshot began, in Unix ms.
func (s *Snapshot) Time() int64 { return s.at }

// SnapshotVisitor receives the snapshot's keys, database by database: the
// database, the key, its value (a read view: valid only during the call)
// and its expiry (0 for none). It is called with a shard lock held and must
// not block; it should encode into memory. An error stops the walk.
type SnapshotVisitor func(d *DB, key string, o *Object, exp int64) error

// Each walks the snapshot, calling visit for every key, and flush (with no
// lock held) after each chunk, where writing the encoded bytes out belongs.
// dbStart, when not nil, is called before a database's first key with its
// number of keys and of keys with an expiry at that moment (RDB's
// RESIZEDB), and databases without keys are skipped. The snapshot ends when
// Each returns, whether it succeeded or not.
func (s *Snapshot) Each(visit SnapshotVisitor, flush func() error, dbStart func(d *DB, keys, expires int) error) error {
	defer s.end()
	for _, d := range s.ks.dbs {
		started := false
		for i := range d.shards {
			err := s.walkShard(d, &d.shards[i], func(d *DB, key string, o *Object, exp int64) error {
				if !started {
					started = true
					if dbStart != nil {
						if err := dbStart(d, d.Size(), d.Expires()); err != nil {
							return err
						}
					}
				}
				return visit(d, key, o, exp)
			}, flush)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// walkShard hands out the keys of one shard: the live ones not yet handed
// out, a chunk at a time, then the ones writers preserved.
func (s *Snapshot) walkShard(d *DB, sh *shard, visit SnapshotVisitor, flush func() error) error {
	var cursor uint64
	batch := make([]*Object, 0, snapChunk)
	for {
		sh.mu.RLock()
		for {
			cursor = sh.dict.scan(cursor, func(o *Object) {
				if o.snapEpoch != s.epoch {
					batch = append(batch, o)
				}
			})
			if cursor == 0 || len(batch) >= snapChunk {
				break
			}
		}
		var err error
		for _, o := range batch {
			if o.snapEpoch == s.epoch {
				continue // a resize showed it twice
			}
			o.snapEpoch = s.epoch
			if exp := o.Expire(); err == nil && !pastExpiry(exp, s.at) {
				err = visit(d, o.Key(), o, exp)
			}
		}
		sh.mu.RUnlock()
		clear(batch)
		batch = batch[:0]
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		// Let a reactor that waits for a P have this one: the walk is
		// CPU work that must not delay clients by a whole scheduler
		// time slice.
		runtime.Gosched()
		if cursor == 0 {
			break
		}
	}
	sh.mu.Lock()
	var err error
	for key, k := range sh.saved {
		if err == nil && !pastExpiry(k.exp, s.at) {
			err = visit(d, key, k.o, k.exp)
		}
	}
	sh.saved = nil
	sh.snapDone = s.epoch
	sh.mu.Unlock()
	if err != nil {
		return err
	}
	return flush()
}

// Abort ends a snapshot that will not be walked.
func (s *Snapshot) Abort() { s.end() }

// end releases the snapshot: shards it did not finish (after an error)
// drop what writers preserved for it.
func (s *Snapshot) end() {
	for _, d := range s.ks.dbs {
		for i := range d.shards {
			sh := &d.shards[i]
			sh.mu.Lock()
			if sh.snapDone != s.epoch {
				sh.saved = nil
				sh.snapDone = s.epoch
			}
			sh.mu.Unlock()
		}
	}
	s.ks.snap.CompareAndSwap(s, nil)
}

// Snapshotting reports whether a snapshot is running.
func (ks *Keyspace) Snapshotting() bool { return ks.snap.Load() != nil }

// Preserve keeps, for the running snapshot, the state of the keys argv[i]
// (i in idx) of d that a write command is about to change. The keys' shards
// must be locked for writing. Without a snapshot it costs one atomic load.
func (ks *Keyspace) Preserve(d *DB, argv [][]byte, idx []int) {
	s := ks.snap.Load()
	if s == nil {
		return
	}
	for _, i := range idx {
		sh, h := d.shardFor(argv[i])
		if o := sh.dict.find(h, argv[i]); o != nil {
			s.preserve(sh, o, true /* copy */)
		}
	}
}

// preserveObject is Preserve for one object, for code that changes keys the
// dispatcher does not know about (expiry, MOVE, COPY). copy is false when
// the object is about to leave the keyspace for good, so the snapshot can
// keep it as it is.
func (c *Ctx) preserveObject(d *DB, o *Object, copy bool) {
	if s := c.KS.snap.Load(); s != nil {
		s.preserve(&d.shards[shardOf(hashString(o.Key()))], o, copy)
	}
}

func (s *Snapshot) preserve(sh *shard, o *Object, copy bool) {
	if sh.snapDone == s.epoch || o.snapEpoch == s.epoch {
		return
	}
	o.snapEpoch = s.epoch
	exp := o.Expire()
	if pastExpiry(exp, s.at) {
		return
	}
	keep := o
	if copy {
		keep = cloneObject(o)
	}
	if sh.saved == nil {
		sh.saved = make(map[string]savedKey)
	}
	sh.saved[o.Key()] = savedKey{o: keep, exp: exp}
}

// savedKey is a key's state preserved for a snapshot: the object (a copy,
// or the original when it has left the keyspace) and its expiry.
type savedKey struct {
	o   *Object
	exp int64
}

// preserveDB preserves every key of d the snapshot has not reached, before
// a command that replaces d's contents; moving is true when the keys are
// about to be dropped (FLUSHDB, FLUSHALL), so they need no copy. Every
// shard of d must be locked for writing.
func (c *Ctx) preserveDB(d *DB, moving bool) {
	s := c.KS.snap.Load()
	if s == nil {
		return
	}
	for i := range d.shards {
		sh := &d.shards[i]
		if sh.snapDone == s.epoch {
			continue
		}
		sh.dict.each(func(o *Object) { s.preserve(sh, o, !moving) })
	}
}

// cloneObject returns a detached copy of o: its key and a deep copy of its
// value (the copy has no expiry of its own; preserve keeps o's beside it).
func cloneObject(o *Object) *Object {
	c := &Object{kp: o.kp, klen: o.klen, lru: o.lru}
	if o.typ == TypeString {
		c.setStr(o.Str())
	} else {
		c.setContainer(o.typ, cloneContainer(o))
	}
	c.flags = o.flags &^ flagExpires // setStr chose its own encoding flags; o's stand
	return c
}
