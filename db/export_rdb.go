package db

// What the RDB codec (package persistence/rdb) needs beyond export.go: the
// lookups DUMP and RESTORE make, a load that refuses a key already there
// (a dump that repeats a key is corrupt), and the access time RESTORE
// IDLETIME and a dump's IDLE opcode set. The locking rules are export.go's.

import "math"

// LookupRead returns key's live object for a reading command (DUMP),
// counting a hit or a miss and recording the access, or nil. An expired
// key is noted for the dispatcher to reclaim. The key's shard must be
// locked, for reading at least.
func (d *DB) LookupRead(c *Ctx, key []byte) *Object { return d.lookup(c, key) }

// LookupWrite returns key's live object for a writing command (RESTORE),
// or nil; an expired key is deleted first and the deletion logged as DEL,
// as Redis's lookupKeyWrite does. The key's shard must be locked for
// writing.
func (d *DB) LookupWrite(c *Ctx, key []byte) *Object { return d.lookupWrite(c, key) }

// Delete removes key and reports whether a live key was removed (an
// expired one is reclaimed and logged, and does not count), as DEL does
// for one key. It logs nothing else: the caller logs its command. The
// key's shard must be locked for writing.
func (d *DB) Delete(c *Ctx, key []byte) bool { return d.deleteKey(c, key) }

// LoadNew is Load for a key that must not exist yet, as when loading a
// dump: it stores v under key with expiry exp (Unix ms, 0 for none) and
// returns the new object, or returns nil and stores nothing when key is
// already present (expired or not). The key's shard must be locked for
// writing, or the keyspace not yet serving.
func (d *DB) LoadNew(c *Ctx, key []byte, v Value, exp int64) *Object {
	s, h := d.keyShard(c, key)
	if s.dict.find(h, key) != nil {
		return nil
	}
	return d.put(c, key, v, exp)
}

// maxReserve bounds Reserve: a dump's key count is only a hint, and a
// damaged one must not make the server allocate gigabytes of buckets.
const maxReserve = 1 << 24

// Reserve sizes d's empty shards for n keys about to be loaded (a dump's
// RESIZEDB hint), as Redis expands its dict on RESIZEDB. It takes each
// shard's lock in turn. The keys spread over the shards by their hashes,
// not evenly: a shard's count varies by about the square root of its
// share, so each gets four times that on top, and a table sized for the
// busiest shard does not have to grow during the load.
func (d *DB) Reserve(n uint64) {
	per := float64(min(n, maxReserve) / NumShards)
	per += 4 * math.Sqrt(per)
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		s.dict.reserve(int(per))
		s.mu.Unlock()
	}
}

// SetIdle makes o look last accessed secs seconds before c.Now, as RESTORE
// ... IDLETIME and a dump's IDLE opcode do (OBJECT IDLETIME then reports
// secs). The key's shard must be locked for writing.
func (o *Object) SetIdle(c *Ctx, secs int64) {
	o.lru = c.clock() - uint32(secs)
}
