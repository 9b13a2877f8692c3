package db

import (
	"bytes"
	"math/bits"
)

// The big ("skiplist") encoding of a sorted set: what Redis builds from a
// hash table (member -> score) and a skiplist (the order), laid out here so
// that the garbage collector has nothing per element to scan and the memory
// per element stays under Redis's:
//
//   - els, a slab of fixed-size elements (score, where the member's bytes
//     are, the hash chain link); an element's index is its id, and ids of
//     removed elements are reused;
//   - mem, an arena that packs the members' bytes into chunks, with free
//     lists per size class;
//   - the hash index, chained buckets of ids (bucket heads in a []int32,
//     chains through els), resized by incremental rehashing as Redis's dict
//     is, so that ZSCAN's cursor keeps SCAN's guarantee;
//   - the order, an order-statistics B+tree of ids (zset_tree.go) whose
//     nodes carry the scores, for O(log n) rank and range.
//
// For a 16-byte member that is about 24 (element) + 16 (member) + 6 (hash
// buckets) + 17 (tree leaves, 70% full) = 63 bytes, against about 120 in
// Redis (dictEntry, sds, skiplist node). None of it holds a pointer but the
// tree nodes and chunk headers, a few per hundred elements.
//
// A zbig is not safe for concurrent use. The methods that only read (find,
// score, member, the tree's lookups and iteration, scan) change nothing, so
// readers holding a shared lock may call them at the same time.
type zbig struct {
	els  []zel
	free int32 // first free element id plus one; 0: none
	n    int   // live elements
	mem  zarena
	dict zdict
	tree ztree
}

// zel is one element. next links the hash chain (or, for a free element,
// the free list), as an id plus one, 0 ending it.
type zel struct {
	score float64
	loc   uint64 // where mem keeps the member
	mlen  uint32
	next  int32
}

func newZbig(hint int) *zbig {
	b := &zbig{els: make([]zel, 0, hint)}
	b.dict.init(hint)
	b.tree.init()
	return b
}

// member returns element id's member. The bytes belong to the set.
func (b *zbig) member(id int32) []byte {
	e := &b.els[id]
	return b.mem.get(e.loc, e.mlen)
}

// find returns the id of member m, or -1.
func (b *zbig) find(m []byte) int32 {
	return b.dict.find(b, hashKey(m), m)
}

// insert adds member m, which must not be present, with score s.
func (b *zbig) insert(m []byte, s float64) {
	id := b.allocEl()
	e := &b.els[id]
	e.score, e.mlen, e.next = s, uint32(len(m)), 0
	e.loc = b.mem.alloc(len(m))
	copy(b.mem.get(e.loc, e.mlen), m)
	b.dict.add(b, hashKey(m), id)
	b.treeInsert(s, m, id)
	b.n++
}

// remove deletes member m and reports whether it was there.
func (b *zbig) remove(m []byte) bool {
	id := b.dict.remove(b, hashKey(m), m)
	if id < 0 {
		return false
	}
	b.treeDelete(b.els[id].score, m)
	b.release(id)
	return true
}

// removeRank deletes the element of rank r (0-based, ascending).
func (b *zbig) removeRank(r int) {
	id := b.treeDeleteRank(r)
	m := b.member(id)
	b.dict.remove(b, hashKey(m), m)
	b.release(id)
}

// setScore moves element id, whose member is m, to score s.
func (b *zbig) setScore(id int32, m []byte, s float64) {
	e := &b.els[id]
	if b.treeSetScoreInPlace(e.score, m, s) {
		e.score = s
		return
	}
	b.treeDelete(e.score, m)
	e.score = s
	b.treeInsert(s, m, id)
}

func (b *zbig) allocEl() int32 {
	if b.free != 0 {
		id := b.free - 1
		b.free = b.els[id].next
		return id
	}
	b.els = append(b.els, zel{})
	return int32(len(b.els) - 1)
}

// release frees element id and its member's bytes; it must be out of the
// hash index and the tree already.
func (b *zbig) release(id int32) {
	e := &b.els[id]
	b.mem.release(e.loc, e.mlen)
	*e = zel{next: b.free}
	b.free = id + 1
	b.n--
}

// --- the member arena ------------------------------------------------------

// zarena packs members into chunks of at most 64 KiB, each member in a slot
// of its size class (multiples of 8 bytes up to 128, then four classes per
// power of two up to 4 KiB); freed slots go on their class's free list,
// linked through their first 8 bytes. A member over 4 KiB gets a block of
// its own. A location is chunk<<16 | offset, or zHuge | block index.
type zarena struct {
	chunks   [][]byte
	used     int // bytes handed out of the last chunk
	free     [zClasses]uint64
	huge     [][]byte
	hugeFree []uint32
}

const (
	zChunkBits        = 16
	zChunkMax         = 1 << zChunkBits
	zChunkMin         = 4 << 10
	zSlotMax          = 4 << 10
	zClasses          = 36
	zHuge      uint64 = 1 << 63
)

// zClassOf returns the size class of an n-byte member, 1 <= n <= zSlotMax.
func zClassOf(n int) int {
	if n <= 128 {
		return (n+7)/8 - 1
	}
	p := bits.Len(uint(n - 1)) // 2^(p-1) < n <= 2^p
	step := 1 << (p - 3)
	return 16 + (p-8)*4 + (n-1-1<<(p-1))/step
}

// zClassSize returns the slot size of class c.
func zClassSize(c int) int {
	if c < 16 {
		return (c + 1) * 8
	}
	c -= 16
	p := c/4 + 8
	return 1<<(p-1) + (c%4+1)*(1<<(p-3))
}

func (a *zarena) get(loc uint64, n uint32) []byte {
	if n == 0 {
		return nil // an empty member takes no room, in an arena maybe still empty
	}
	if loc&zHuge != 0 {
		return a.huge[loc&^zHuge][:n:n]
	}
	off := loc & (zChunkMax - 1)
	return a.chunks[loc>>zChunkBits][off : off+uint64(n) : off+uint64(n)]
}

// alloc returns the location of room for n bytes.
func (a *zarena) alloc(n int) uint64 {
	switch {
	case n == 0:
		return 0
	case n > zSlotMax:
		return a.allocHuge(n)
	}
	c := zClassOf(n)
	if head := a.free[c]; head != 0 {
		loc := head - 1
		a.free[c] = leUint64(a.get(loc, 8))
		return loc
	}
	size := zClassSize(c)
	if len(a.chunks) == 0 || a.used+size > len(a.chunks[len(a.chunks)-1]) {
		next := zChunkMin
		if k := len(a.chunks); k > 0 {
			next = min(2*len(a.chunks[k-1]), zChunkMax)
		}
		a.chunks = append(a.chunks, make([]byte, next))
		a.used = 0
	}
	loc := uint64(len(a.chunks)-1)<<zChunkBits | uint64(a.used)
	a.used += size
	return loc
}

func (a *zarena) allocHuge(n int) uint64 {
	blk := make([]byte, n)
	if k := len(a.hugeFree); k > 0 {
		i := a.hugeFree[k-1]
		a.hugeFree = a.hugeFree[:k-1]
		a.huge[i] = blk
		return zHuge | uint64(i)
	}
	a.huge = append(a.huge, blk)
	return zHuge | uint64(len(a.huge)-1)
}

// release gives back the n bytes at loc.
func (a *zarena) release(loc uint64, n uint32) {
	switch {
	case n == 0:
	case loc&zHuge != 0:
		i := loc &^ zHuge
		a.huge[i] = nil
		a.hugeFree = append(a.hugeFree, uint32(i))
	default:
		c := zClassOf(int(n))
		putLeUint64(a.get(loc, 8), a.free[c])
		a.free[c] = loc + 1
	}
}

func leUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLeUint64(b []byte, v uint64) {
	_ = b[7]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	b[4], b[5], b[6], b[7] = byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56)
}

// --- the hash index --------------------------------------------------------

// zdict maps members to element ids: chained buckets, a power of two of
// them, with Redis's incremental rehashing (see dict.go, which does the same
// for a shard's keys). Bucket heads and chain links are ids plus one.
type zdict struct {
	tab       [2][]int32
	rehashIdx int // next bucket of tab[0] to move; -1 when not rehashing
}

func (d *zdict) init(hint int) {
	size := dictMinSize
	for size < hint {
		size *= 2
	}
	d.tab[0] = make([]int32, size)
	d.rehashIdx = -1
}

func (d *zdict) rehashing() bool { return d.rehashIdx >= 0 }

// find returns the id of member m, whose hash is h, or -1. It changes
// nothing (a reader may hold only a shared lock).
func (d *zdict) find(b *zbig, h uint64, m []byte) int32 {
	for t := 0; t < 2; t++ {
		tab := d.tab[t]
		if len(tab) == 0 {
			break
		}
		for ref := tab[h&uint64(len(tab)-1)]; ref != 0; ref = b.els[ref-1].next {
			e := &b.els[ref-1]
			if int(e.mlen) == len(m) && bytes.Equal(b.mem.get(e.loc, e.mlen), m) {
				return ref - 1
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return -1
}

// add links element id, whose member hashes to h, into its bucket. The
// element's count must not be in b.n yet.
func (d *zdict) add(b *zbig, h uint64, id int32) {
	if d.rehashing() {
		d.rehashStep(b)
	} else if b.n+1 > len(d.tab[0]) {
		d.resize(b.n + 1)
	}
	t := 0
	if d.rehashing() {
		t = 1
	}
	tab := d.tab[t]
	i := h & uint64(len(tab)-1)
	b.els[id].next = tab[i]
	tab[i] = id + 1
}

// remove unlinks member m, whose hash is h, and returns its id, or -1.
func (d *zdict) remove(b *zbig, h uint64, m []byte) int32 {
	if d.rehashing() {
		d.rehashStep(b)
	}
	for t := 0; t < 2; t++ {
		tab := d.tab[t]
		if len(tab) == 0 {
			break
		}
		link := &tab[h&uint64(len(tab)-1)]
		for ref := *link; ref != 0; ref = *link {
			e := &b.els[ref-1]
			if int(e.mlen) == len(m) && bytes.Equal(b.mem.get(e.loc, e.mlen), m) {
				*link = e.next
				e.next = 0
				d.shrinkIfNeeded(b.n - 1)
				return ref - 1
			}
			link = &e.next
		}
		if !d.rehashing() {
			break
		}
	}
	return -1
}

// shrinkIfNeeded starts a resize when under a tenth of the buckets would be
// used by n elements, as Redis's htNeedsResize and dictResize.
func (d *zdict) shrinkIfNeeded(n int) {
	if d.rehashing() || len(d.tab[0]) <= dictMinSize || n*10 >= len(d.tab[0]) {
		return
	}
	d.resize(n)
}

func (d *zdict) resize(n int) {
	size := dictMinSize
	for size < n {
		size *= 2
	}
	if size == len(d.tab[0]) {
		return
	}
	d.tab[1] = make([]int32, size)
	d.rehashIdx = 0
}

// rehashStep moves one bucket (visiting at most ten empty ones) from the old
// table to the new, and ends the resize when the old table is empty.
func (d *zdict) rehashStep(b *zbig) {
	old, tab := d.tab[0], d.tab[1]
	mask := uint64(len(tab) - 1)
	for empty := 10; d.rehashIdx < len(old); d.rehashIdx++ {
		ref := old[d.rehashIdx]
		if ref == 0 {
			if empty--; empty == 0 {
				return
			}
			continue
		}
		for ref != 0 {
			e := &b.els[ref-1]
			next := e.next
			i := hashKey(b.mem.get(e.loc, e.mlen)) & mask
			e.next = tab[i]
			tab[i] = ref
			ref = next
		}
		old[d.rehashIdx] = 0
		d.rehashIdx++
		break
	}
	if d.rehashIdx >= len(old) {
		d.tab[0], d.tab[1] = tab, nil
		d.rehashIdx = -1
	}
}

// scan calls fn for the elements of the buckets at cursor v and returns the
// next cursor, 0 when the scan is complete, as dict.scan does for keys.
func (d *zdict) scan(b *zbig, v uint64, fn func(id int32)) uint64 {
	visitChain := func(ref int32) {
		for ; ref != 0; ref = b.els[ref-1].next {
			fn(ref - 1)
		}
	}
	if !d.rehashing() {
		m0 := uint64(len(d.tab[0]) - 1)
		visitChain(d.tab[0][v&m0])
		return nextCursor(v, m0)
	}
	small, big := d.tab[0], d.tab[1]
	if len(small) > len(big) {
		small, big = big, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(big)-1)
	visitChain(small[v&m0])
	for {
		visitChain(big[v&m1])
		v = nextCursor(v, m1)
		if v&(m0^m1) == 0 {
			return v
		}
	}
}
