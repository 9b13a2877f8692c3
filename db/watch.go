package db

import "sync/atomic"

// WATCH makes a client's next EXEC conditional on its watched keys staying
// untouched. Each shard keeps, beside its keys, the watchers of each watched
// key; a command that changes a key marks that key's watchers dirty while it
// still holds the key's shard lock, so an EXEC that later takes the same
// lock cannot miss the change. While nobody watches anything (Watching is
// zero), changing a key costs nothing extra.

// Watcher is one client's "a watched key was touched" flag. It is safe for
// concurrent use.
type Watcher struct{ dirty atomic.Bool }

// Dirty reports whether a watched key was touched since Reset.
func (w *Watcher) Dirty() bool { return w.dirty.Load() }

// Reset clears the flag (UNWATCH, EXEC, DISCARD).
func (w *Watcher) Reset() { w.dirty.Store(false) }

// Watching counts the registered (key, watcher) pairs, so that commands can
// skip touching when there are none.
type Watching struct{ n atomic.Int64 }

// Load returns the count.
func (w *Watching) Load() int64 { return w.n.Load() }

// Watch registers w as a watcher of key in d, taking the key's shard lock.
// It reports whether the key was already expired (logically gone) at now: an
// EXEC is not failed for a key that expired before it was watched.
func (d *DB) Watch(ks *Keyspace, key []byte, w *Watcher, now int64) (expiredAlready bool) {
	s, h := d.shardFor(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watched == nil {
		s.watched = make(map[string][]*Watcher)
	}
	s.watched[string(key)] = append(s.watched[string(key)], w)
	ks.Watching.n.Add(1)
	o := s.dict.find(h, key)
	return o != nil && pastExpiry(o.Expire(), now)
}

// Unwatch removes w from key's watchers, taking the key's shard lock.
func (d *DB) Unwatch(ks *Keyspace, key string, w *Watcher) {
	s := &d.shards[shardOf(hashString(key))]
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.watched[key]
	for i, x := range list {
		if x == w {
			list = append(list[:i], list[i+1:]...)
			ks.Watching.n.Add(-1)
			break
		}
	}
	if len(list) == 0 {
		delete(s.watched, key)
	} else {
		s.watched[key] = list
	}
}

// ExpiredNow reports whether key exists in d but has expired at now. Its
// shard must be locked.
func (d *DB) ExpiredNow(key []byte, now int64) bool {
	s, h := d.shardFor(key)
	o := s.dict.find(h, key)
	return o != nil && pastExpiry(o.Expire(), now)
}

// TouchKeys marks the watchers of the keys argv[i], i in idx, dirty: the
// dispatcher calls it after a command changed data. The keys' shards must
// be locked.
func (d *DB) TouchKeys(argv [][]byte, idx []int) {
	for _, i := range idx {
		d.touchKey(argv[i])
	}
}

// touchKey marks key's watchers dirty. Its shard must be locked.
func (d *DB) touchKey(key []byte) {
	d.touch(&d.shards[shardOf(hashKey(key))], key)
}

// touch marks key's watchers dirty. s, key's shard, must be locked.
func (d *DB) touch(s *shard, key []byte) {
	if len(s.watched) == 0 {
		return
	}
	for _, w := range s.watched[string(key)] {
		w.dirty.Store(true)
	}
}

// touchAllWatched marks dirty the watchers of every watched key of d that
// exists in d or in other (FLUSHDB, FLUSHALL, SWAPDB: Redis's
// touchAllWatchedKeysInDb). Every shard of both must be locked.
func (d *DB) touchAllWatched(other *DB) {
	for i := range d.shards {
		s := &d.shards[i]
		for key, ws := range s.watched {
			k := []byte(key)
			exists := s.dict.find(hashKey(k), k) != nil
			if !exists && other != nil {
				exists = other.shards[i].dict.find(hashKey(k), k) != nil
			}
			if exists {
				for _, w := range ws {
					w.dirty.Store(true)
				}
			}
		}
	}
}
