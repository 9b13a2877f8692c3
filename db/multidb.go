package db

import "time"

// Commands that span databases (MOVE, COPY, SWAPDB, FLUSHALL) carry the
// MultiDB flag: the dispatcher locks nothing for them and they lock here, in
// the global order LOCKS.md records: the lower database id first, and inside
// a database the lower shard index first (DB.Lock walks a mask upwards).
// Database ids never change (SWAPDB swaps contents, not *DB values), so the
// order is the same for every command.

// lockPair takes, for writing, the shards ma of a and mb of b, which may be
// the same database. Inside a transaction, which holds every lock it needs
// already, it takes nothing.
func (c *Ctx) lockPair(a *DB, ma uint64, b *DB, mb uint64) {
	if c.LocksHeld {
		return
	}
	switch {
	case a == b:
		a.Lock(ma|mb, true)
	case a.ID < b.ID:
		a.Lock(ma, true)
		b.Lock(mb, true)
	default:
		b.Lock(mb, true)
		a.Lock(ma, true)
	}
}

// unlockPair logs the command's changes and releases what lockPair took.
func (c *Ctx) unlockPair(a *DB, ma uint64, b *DB, mb uint64) {
	c.FlushLog()
	if c.LocksHeld {
		return
	}
	if a == b {
		a.Unlock(ma|mb, true)
		return
	}
	a.Unlock(ma, true)
	b.Unlock(mb, true)
}

// lockAll takes every shard of every database for writing (nothing inside
// a transaction, which holds them already).
func (c *Ctx) lockAll() {
	if c.LocksHeld {
		return
	}
	for _, d := range c.KS.dbs {
		d.Lock(EveryShard, true)
	}
}

// unlockAll logs the command's changes and releases what lockAll took.
func (c *Ctx) unlockAll() {
	c.FlushLog()
	if c.LocksHeld {
		return
	}
	for _, d := range c.KS.dbs {
		d.Unlock(EveryShard, true)
	}
}

// swapContents exchanges the keys of d and o, shard by shard, for SWAPDB.
// Both databases keep their identity (the clients that selected them hold
// the *DB), only what they hold changes places. A key hashes to the same
// shard index in every database, so each pair of shards swaps as a whole.
// Every shard of both must be locked for writing.
func (d *DB) swapContents(o *DB) {
	d.touchAllWatched(o)
	o.touchAllWatched(d)
	for i := range d.shards {
		a, b := &d.shards[i], &o.shards[i]
		a.dict.swap(&b.dict)
		a.ttl, b.ttl = b.ttl, a.ttl
		n := a.expires.Load()
		a.expires.Store(b.expires.Load())
		b.expires.Store(n)
	}
}

// flush removes every key of d and returns how many there were. Go's
// collector reclaims the old tables, so FLUSHDB ASYNC and SYNC are the same
// here. Every shard of d must be locked for writing.
func (d *DB) flush() int {
	d.touchAllWatched(nil)
	n := 0
	for i := range d.shards {
		s := &d.shards[i]
		n += s.dict.len()
		s.dict.clear()
		s.ttl = nil
		s.expires.Store(0)
	}
	return n
}

// Replace puts the contents of fresh (a keyspace built apart, such as a
// replica's full sync) in place of ks's, every database at once, under
// every lock; ks's databases keep their identity, fresh gets the old data.
//
// A running snapshot must end first: it would hand out some of the old keys
// and some of the new under the old point in time. (Redis kills a saving
// child instead; here the wait is as long as the rest of the walk.)
func (ks *Keyspace) Replace(fresh *Keyspace) {
	for {
		for _, d := range ks.dbs {
			d.Lock(EveryShard, true)
		}
		if ks.snap.Load() == nil {
			break
		}
		for _, d := range ks.dbs {
			d.Unlock(EveryShard, true)
		}
		time.Sleep(time.Millisecond)
	}
	for i, d := range ks.dbs {
		if i < len(fresh.dbs) {
			d.swapContents(fresh.dbs[i])
		}
	}
	for _, d := range ks.dbs {
		d.Unlock(EveryShard, true)
	}
}
