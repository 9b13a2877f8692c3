package db

// The primitives every handler builds on. All of them require the lock of
// the key's shard: the write lock for anything that changes the shard, at
// least the read lock for lookup.

var delName = []byte("DEL")

func (d *DB) shardFor(key []byte) (*shard, uint64) {
	h := hashKey(key)
	return &d.shards[shardOf(h)], h
}

// keyShard is shardFor with the hash the dispatcher already computed for
// the command's first key, when key is that very argument.
func (d *DB) keyShard(c *Ctx, key []byte) (*shard, uint64) {
	h := c.hashOf(key)
	return &d.shards[shardOf(h)], h
}

// SetKeyHash records the hash of the command's first key (nil: none), which
// the dispatcher computed to pick the shard to lock, so that the handler's
// lookup of the same argument need not hash it again. It must be called
// for every command: the identity check below compares memory, and the
// read buffer is reused.
func (c *Ctx) SetKeyHash(key []byte, h uint64) { c.hkey, c.hval = key, h }

// hashOf returns key's hash, reusing the recorded one when key is the same
// argument (same memory, same length).
func (c *Ctx) hashOf(key []byte) uint64 {
	if len(key) > 0 && len(key) == len(c.hkey) && &key[0] == &c.hkey[0] {
		return c.hval
	}
	return hashKey(key)
}

// expired reports whether o's expiry has passed at c.Now.
func expired(c *Ctx, o *Object) bool { return !c.FromMaster && pastExpiry(o.Expire(), c.Now) }

// pastExpiry reports whether a key with expiry exp (Unix ms; 0 for none)
// is gone at now. As in Redis's keyIsExpired, a key lives through its
// expiry millisecond and is gone after it.
func pastExpiry(exp, now int64) bool { return exp != 0 && now > exp }

// lookup returns key's object for reading, or nil if it does not exist or
// has expired. Under a read lock it cannot reclaim an expired key: it does
// not see it, and notes it for the dispatcher to reclaim once the command's
// locks are released (see ReclaimExpired). It counts a hit or a miss.
func (d *DB) lookup(c *Ctx, key []byte) *Object {
	s, h := d.keyShard(c, key)
	o := s.dict.find(h, key)
	if o == nil || expired(c, o) {
		if o != nil {
			c.noteExpired(d, o)
		}
		c.miss(key)
		return nil
	}
	c.Stats.Hits.Add(1)
	o.touch(c.clock())
	return o
}

// peek returns key's live object without counting a hit or touching it
// (EXISTS-like checks, OBJECT IDLETIME).
func (d *DB) peek(c *Ctx, key []byte) *Object {
	s, h := d.keyShard(c, key)
	o := s.dict.find(h, key)
	if o == nil {
		return nil
	}
	if expired(c, o) {
		c.noteExpired(d, o)
		return nil
	}
	return o
}

// expiredKey is a key a command found expired but could not delete.
type expiredKey struct {
	db  *DB
	key string
	// event and replyAt are where the command's events and reply stood
	// when it found the key: the "expired" event, fired when the key is
	// reclaimed, is put back there.
	event, replyAt int
}

// noteExpired remembers o, which has expired, for ReclaimExpired.
func (c *Ctx) noteExpired(d *DB, o *Object) {
	at := -1
	if c.W != nil {
		at = len(c.W.Buf)
	}
	c.expired = append(c.expired, expiredKey{db: d, key: o.Key(), event: len(c.events), replyAt: at})
}

// ReclaimExpired deletes the expired keys the last command saw but, holding
// only read locks, could not delete; the dispatcher calls it after
// releasing the command's locks. It takes each key's shard for writing in
// turn and logs each deletion as DEL, so the keyspace and the write log end
// up as Redis's lazy expiry leaves them.
func (c *Ctx) ReclaimExpired() {
	moved := 0
	for i, e := range c.expired {
		key := []byte(e.key)
		s, h := e.db.shardFor(key)
		s.mu.Lock()
		if o := s.dict.find(h, key); o != nil && expired(c, o) {
			before := len(c.events)
			e.db.expireNow(c, s, h, o)
			if len(c.events) > before {
				c.moveLastEvent(e.event+moved, e.replyAt)
				moved++
			}
		}
		c.FlushLog()
		s.mu.Unlock()
		c.expired[i] = expiredKey{}
	}
	c.expired = c.expired[:0]
}

// ForgetExpired drops the notes ReclaimExpired would act on.
func (c *Ctx) ForgetExpired() {
	clear(c.expired)
	c.expired = c.expired[:0]
}

// HasExpired reports whether the last command left expired keys to
// reclaim.
func (c *Ctx) HasExpired() bool { return len(c.expired) > 0 }

// lookupWrite returns key's object for changing it, or nil if it does not
// exist. An expired key is deleted first, and the deletion logged as DEL,
// as Redis's expireIfNeeded does on a master.
func (d *DB) lookupWrite(c *Ctx, key []byte) *Object {
	s, h := d.keyShard(c, key)
	o := s.dict.find(h, key)
	if o == nil {
		return nil
	}
	if expired(c, o) {
		d.expireNow(c, s, h, o)
		return nil
	}
	o.touch(c.clock())
	return o
}

// expireNow deletes o, whose time has come, fires "expired" and logs it
// as a DEL.
func (d *DB) expireNow(c *Ctx, s *shard, h uint64, o *Object) {
	c.preserveObject(d, o, false /* it leaves the keyspace */)
	key := o.keyBytes()
	s.remove(h, key)
	d.touch(s, key)
	c.Stats.ExpiredKeys.Add(1)
	if c.KS.Notify.enabled(NotifyExpired) {
		c.NotifyIn(d.ID, NotifyExpired, "expired", key)
	}
	c.logEntry(d.ID, [][]byte{delName, key})
}

// create adds a new, empty string object under a copy of key, which must not
// exist, and returns it.
func (d *DB) create(c *Ctx, key []byte) *Object { return d.createWithRoom(c, key, 0, false) }

// createString adds a new string object holding a copy of val under a copy
// of key, which must not exist, and returns it: key and value in one block
// when both are small, and a key header when the key is to get an expiry
// (see keyBlock).
func (d *DB) createString(c *Ctx, key, val []byte, expiring bool) *Object {
	o := d.createWithRoom(c, key, len(val), expiring)
	o.setStr(val)
	return o
}

// createWithRoom is create with room for a string value of n bytes, and
// with a key header when the key is to get an expiry (see keyBlock).
func (d *DB) createWithRoom(c *Ctx, key []byte, n int, expiring bool) *Object {
	s, h := d.keyShard(c, key)
	o := &Object{lru: c.clock()}
	o.keyBlock(key, n, expiring)
	if snap := c.KS.snap.Load(); snap != nil {
		o.snapEpoch = snap.epoch // created after the snapshot began
	}
	s.dict.add(h, o)
	c.notifyNew(d, key)
	if c.KS.Waiters.Load() > 0 {
		c.noteReady(d, o.Key())
	}
	return o
}

// remove deletes key and reports whether it existed (expired or not).
func (d *DB) remove(key []byte) bool {
	s, h := d.shardFor(key)
	return s.remove(h, key) != nil
}

func (s *shard) remove(h uint64, key []byte) *Object {
	o := s.dict.remove(h, key)
	if o != nil && o.flags&flagExpires != 0 {
		s.untrack(o)
	}
	return o
}

// setExpire gives o (in d) an expiry at ms, or removes it when ms is 0.
func (d *DB) setExpire(o *Object, ms int64) {
	s := &d.shards[shardOf(hashString(o.Key()))]
	switch {
	case ms == 0:
		if o.flags&flagExpires != 0 {
			s.untrack(o)
		}
		return
	case o.flags&flagExpires == 0:
		o.withKeyHeader()
		*o.ttlPos() = int32(len(s.ttl))
		s.ttl = append(s.ttl, o)
		s.expires.Add(1)
		o.flags |= flagExpires
	}
	*o.expireAt() = ms
}

// untrack removes o from the shard's list of keys with an expiry.
func (s *shard) untrack(o *Object) {
	pos := *o.ttlPos()
	last := s.ttl[len(s.ttl)-1]
	s.ttl[pos] = last
	*last.ttlPos() = pos
	s.ttl[len(s.ttl)-1] = nil
	s.ttl = s.ttl[:len(s.ttl)-1]
	s.expires.Add(-1)
	o.flags &^= flagExpires
}

// setString stores a copy of val under key, replacing any value of any type.
// With exp (Unix ms) the key gets that expiry; without, unless keepTTL, it
// loses the one it had, as SET does.
func (d *DB) setString(c *Ctx, key, val []byte, keepTTL bool, exp int64) *Object {
	o := d.lookupWrite(c, key)
	switch {
	case o == nil:
		o = d.createString(c, key, val, exp != 0)
	case o.typ != TypeString:
		o.p, o.n, o.c = nil, 0, 0 // not a string block setStr could reuse
		fallthrough
	default:
		o.setStr(val)
	}
	switch {
	case exp != 0:
		d.setExpire(o, exp)
	case !keepTTL && o.flags&flagExpires != 0:
		d.setExpire(o, 0)
	}
	return o
}
