package db

import (
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
)

// dict is one shard's hash table: chained buckets, a power of two of them,
// grown and shrunk by incremental rehashing as Redis's dict.c does. Go's map
// would be faster to write but cannot do two things Redis's keyspace needs:
// a SCAN cursor that survives resizes (every key present for the whole scan
// is returned at least once), and a fair random key (RANDOMKEY, eviction).
//
// While a resize is in progress the objects live in two tables; every lookup
// and change moves one more bucket from the old table (tab[0]) to the new
// (tab[1]) until none is left.
//
// A dict is not safe for concurrent use: its shard's lock guards it.
type dict struct {
	tab       [2][]*Object
	rehashIdx int // next bucket of tab[0] to move; -1 when not rehashing
	// used counts the objects. It is atomic so that INFO and DBSIZE can
	// read it without the shard's lock; it changes only under the lock.
	used atomic.Int64
}

const dictMinSize = 4

func newDict() dict { return dict{rehashIdx: -1} }

// len returns the number of objects.
func (d *dict) len() int { return int(d.used.Load()) }

// clear empties the dict.
func (d *dict) clear() {
	d.tab = [2][]*Object{}
	d.rehashIdx = -1
	d.used.Store(0)
}

// swap exchanges the contents of d and o.
func (d *dict) swap(o *dict) {
	d.tab, o.tab = o.tab, d.tab
	d.rehashIdx, o.rehashIdx = o.rehashIdx, d.rehashIdx
	n := d.used.Load()
	d.used.Store(o.used.Load())
	o.used.Store(n)
}

func (d *dict) rehashing() bool { return d.rehashIdx >= 0 }

// find returns the object stored under key, whose hash is h, or nil. It
// changes nothing, so readers holding a shared lock may call it at once;
// the rehashing advances on changes (and in the background cycle) instead.
func (d *dict) find(h uint64, key []byte) *Object {
	if d.len() == 0 {
		return nil
	}
	for t := 0; t < 2; t++ {
		tab := d.tab[t]
		if len(tab) == 0 {
			break
		}
		for o := tab[h&uint64(len(tab)-1)]; o != nil; o = o.next {
			if o.Key() == string(key) {
				return o
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// add inserts o, whose key must not be present and hashes to h.
func (d *dict) add(h uint64, o *Object) {
	if d.rehashing() {
		d.rehashStep()
	}
	d.expandIfNeeded()
	t := 0
	if d.rehashing() {
		t = 1
	}
	tab := d.tab[t]
	i := h & uint64(len(tab)-1)
	o.next = tab[i]
	tab[i] = o
	d.used.Add(1)
}

// remove unlinks and returns the object stored under key, or nil.
func (d *dict) remove(h uint64, key []byte) *Object {
	if d.len() == 0 {
		return nil
	}
	if d.rehashing() {
		d.rehashStep()
	}
	for t := 0; t < 2; t++ {
		tab := d.tab[t]
		if len(tab) == 0 {
			break
		}
		link := &tab[h&uint64(len(tab)-1)]
		for o := *link; o != nil; link, o = &o.next, o.next {
			if o.Key() == string(key) {
				*link = o.next
				o.next = nil
				d.used.Add(-1)
				d.shrinkIfNeeded()
				return o
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// expandIfNeeded starts a resize when the table is full (one object per
// bucket on average), as Redis's _dictExpandIfNeeded.
func (d *dict) expandIfNeeded() {
	if d.rehashing() {
		return
	}
	if len(d.tab[0]) == 0 {
		d.tab[0] = make([]*Object, dictMinSize)
		return
	}
	if d.len() >= len(d.tab[0]) {
		d.resize(d.len() + 1)
	}
}

// shrinkIfNeeded starts a resize when under a tenth of the buckets are used,
// as Redis's htNeedsResize.
func (d *dict) shrinkIfNeeded() {
	if d.rehashing() || len(d.tab[0]) <= dictMinSize || d.len()*10 >= len(d.tab[0]) {
		return
	}
	d.resize(d.len())
}

// resize starts moving the objects into a table of at least n buckets.
func (d *dict) resize(n int) {
	size := dictMinSize
	for size < n {
		size *= 2
	}
	if size == len(d.tab[0]) {
		return
	}
	d.tab[1] = make([]*Object, size)
	d.rehashIdx = 0
}

// reserve sizes an empty table for n objects at once, so that loading them
// does not grow it step by step (and rehash every object on the way).
func (d *dict) reserve(n int) {
	if d.len() != 0 || d.rehashing() {
		return
	}
	size := dictMinSize
	for size < n {
		size *= 2
	}
	if size > len(d.tab[0]) {
		d.tab[0] = make([]*Object, size)
	}
}

// rehash moves buckets for about n steps; the background cycle calls it so
// that a shard nobody writes to still finishes its resize.
func (d *dict) rehash(n int) {
	for ; n > 0 && d.rehashing(); n-- {
		d.rehashStep()
	}
}

// rehashStep moves one bucket (visiting at most ten empty ones) from the old
// table to the new, and ends the resize when the old table is empty.
func (d *dict) rehashStep() {
	old, tab := d.tab[0], d.tab[1]
	mask := uint64(len(tab) - 1)
	for empty := 10; d.rehashIdx < len(old); d.rehashIdx++ {
		o := old[d.rehashIdx]
		if o == nil {
			if empty--; empty == 0 {
				return
			}
			continue
		}
		for o != nil {
			next := o.next
			i := hashString(o.Key()) & mask
			o.next = tab[i]
			tab[i] = o
			o = next
		}
		old[d.rehashIdx] = nil
		d.rehashIdx++
		break
	}
	if d.rehashIdx >= len(old) {
		d.tab[0], d.tab[1] = tab, nil
		d.rehashIdx = -1
	}
}

// scan visits the buckets at cursor v and returns the next cursor, 0 when
// the scan is complete. The cursor counts in reversed binary, as Redis's
// dictScan does, so that a resize between two calls neither skips nor
// revisits a bucket it need not: every object present for the whole scan is
// visited at least once.
func (d *dict) scan(v uint64, fn func(*Object)) uint64 {
	if d.len() == 0 {
		return 0
	}
	if !d.rehashing() {
		m0 := uint64(len(d.tab[0]) - 1)
		visit(d.tab[0][v&m0], fn)
		return nextCursor(v, m0)
	}
	small, big := d.tab[0], d.tab[1]
	if len(small) > len(big) {
		small, big = big, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(big)-1)
	visit(small[v&m0], fn)
	for {
		visit(big[v&m1], fn)
		v = nextCursor(v, m1)
		if v&(m0^m1) == 0 {
			return v
		}
	}
}

func visit(o *Object, fn func(*Object)) {
	for ; o != nil; o = o.next {
		fn(o)
	}
}

// nextCursor increments the bits of v under mask, most significant first.
func nextCursor(v, mask uint64) uint64 {
	v |= ^mask
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

// random returns an object chosen at random, or nil when the dict is empty:
// a random non-empty bucket, then a random object of its chain. Like find,
// it changes nothing.
func (d *dict) random() *Object {
	if d.len() == 0 {
		return nil
	}
	var head *Object
	for head == nil {
		if d.rehashing() {
			// Buckets of tab[0] below rehashIdx are empty already.
			n := len(d.tab[0]) + len(d.tab[1]) - d.rehashIdx
			i := d.rehashIdx + rand.IntN(n)
			if i < len(d.tab[0]) {
				head = d.tab[0][i]
			} else {
				head = d.tab[1][i-len(d.tab[0])]
			}
		} else {
			head = d.tab[0][rand.IntN(len(d.tab[0]))]
		}
	}
	n := 0
	for o := head; o != nil; o = o.next {
		n++
	}
	o := head
	for i := rand.IntN(n); i > 0; i-- {
		o = o.next
	}
	return o
}

// each calls fn for every object, in no particular order. fn must not add or
// remove objects.
func (d *dict) each(fn func(*Object)) {
	for t := 0; t < 2; t++ {
		for _, o := range d.tab[t] {
			visit(o, fn)
		}
	}
}
