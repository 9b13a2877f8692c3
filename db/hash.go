package db

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
)

// Hash is a hash value: a map from field to value, both binary strings. It
// has Redis's two encodings, and OBJECT ENCODING names the one in use:
//
//   - compact ("listpack"): while the hash has at most
//     hash-max-listpack-entries pairs and no field or value is longer than
//     hash-max-listpack-value bytes, the pairs live in one []byte, in
//     insertion order, after the number of pairs (4 bytes, little endian),
//     each string prefixed by its length as a uvarint:
//
//     +-------+-----+-------+-----+-------+-----+-------+---
//     | pairs | len | field | len | value | len | field | ...
//     +-------+-----+-------+-----+-------+-----+-------+---
//
//     One byte of overhead per string (Redis's listpack spends two or
//     more), no pointer, one allocation for the whole hash, sized to a
//     malloc size class. Lookups scan the pairs, as Redis scans its
//     listpack.
//
//   - table ("hashtable"): once a limit is crossed, for good (Redis never
//     converts back either), the pairs move to a hashTable (see below),
//     which keeps them in a few big pointer-free blocks.
//
// The byte slices a Hash hands out (get, each, scan, at) alias its storage:
// they stay valid until the hash is next changed, and a caller that keeps
// them longer must copy them.
//
// A Hash is not safe for concurrent use: its key's shard lock guards it
// (any lock for reading, the write lock for changes).
type Hash struct {
	lp  []byte     // the compact form; nil when empty or once tab is in use
	tab *hashTable // the table form; nil while compact
}

// hashLPHeader is the size of the compact form's pair count.
const hashLPHeader = 4

// hashLimits are the compact form's thresholds, read once per command.
type hashLimits struct{ entries, value int64 }

// hashLimitsOf returns the current hash-max-listpack-* settings.
func hashLimitsOf(c *Ctx) hashLimits {
	return hashLimits{
		entries: c.KS.Limits.HashMaxListpackEntries.Load(),
		value:   c.KS.Limits.HashMaxListpackValue.Load(),
	}
}

// hashMaxCompactBytes is Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack that
// would grow past it is converted to a hash table first.
const hashMaxCompactBytes = 1 << 30

// newHash returns an empty hash in the compact form.
//
// Loading (RDB, AOF rewrite, RESTORE): start from newHash and set each
// loaded pair with the limits in force; the hash ends up in the encoding
// Redis gives a freshly loaded hash (compact exactly when it is within both
// limits).
func newHash() *Hash { return &Hash{} }

// len returns the number of pairs.
func (h *Hash) len() int {
	if h.tab != nil {
		return h.tab.used
	}
	return h.lpCount()
}

// lpCount returns the number of pairs in the compact form.
func (h *Hash) lpCount() int {
	if len(h.lp) == 0 {
		return 0
	}
	return int(binary.LittleEndian.Uint32(h.lp))
}

// lpAddCount adds d to the compact form's pair count; lp must have its
// header.
func (h *Hash) lpAddCount(d int) {
	binary.LittleEndian.PutUint32(h.lp, uint32(h.lpCount()+d))
}

// encoding is OBJECT ENCODING's answer for the hash.
func (h *Hash) encoding() string {
	if h.tab != nil {
		return "hashtable"
	}
	return "listpack"
}

// clone returns a deep copy in the same encoding, for COPY.
func (h *Hash) clone() *Hash {
	if h.tab == nil {
		lp := hashGrow(nil, len(h.lp), 0)
		copy(lp, h.lp)
		return &Hash{lp: lp}
	}
	t := newHashTable(h.tab.used, h.tab.bytes)
	h.tab.eachEnt(func(e *hashEnt) bool {
		t.add(e.hash, h.tab.field(e), h.tab.value(e))
		return true
	})
	return &Hash{tab: t}
}

// get returns the value of field and whether the field exists. It is the
// lookup other commands use on a hash (SORT's BY and GET key->field). The
// value aliases the hash's storage.
func (h *Hash) get(field []byte) ([]byte, bool) {
	if h.tab != nil {
		i := h.tab.find(hashOf(field), field)
		if i == 0 {
			return nil, false
		}
		return h.tab.value(&h.tab.ents[i-1]), true
	}
	_, vo, _, ok := h.lpFind(field)
	if !ok {
		return nil, false
	}
	v, _ := hashLPString(h.lp, vo)
	return v, true
}

// set stores a copy of value under a copy of field and reports whether the
// field is new, converting to the table form as Redis's hashTypeSet does:
// before, when field or value is too long for the compact form; after,
// when the hash has more pairs than it allows.
func (h *Hash) set(field, value []byte, lim hashLimits) (created bool) {
	if h.tab == nil && (int64(len(field)) > lim.value || int64(len(value)) > lim.value) {
		h.convert()
	}
	if h.tab != nil {
		return h.tab.set(field, value)
	}
	created = h.lpSet(field, value)
	if int64(h.lpCount()) > lim.entries {
		h.convert()
	}
	return created
}

// fitCompact converts the hash to the table form when one of args (the
// fields and values a command is about to set) is too long for the compact
// form, or when they would take it past its safety size: Redis's
// hashTypeTryConversion, which HSET and HSETNX run before setting anything.
// Otherwise, when the hash is empty (just created), it allocates the room
// the pairs will take at once.
func (h *Hash) fitCompact(args [][]byte, lim hashLimits) {
	if h.tab != nil {
		return
	}
	sum, room := 0, hashLPHeader
	for _, a := range args {
		if int64(len(a)) > lim.value {
			h.convert()
			return
		}
		sum += len(a)
		room += hashLenSize(len(a)) + len(a)
	}
	if len(h.lp)+sum > hashMaxCompactBytes {
		h.convert()
		return
	}
	if len(h.lp) == 0 && int64(len(args)/2) <= lim.entries {
		h.lp = hashGrow(nil, 0, room)
	}
}

// del removes field and reports whether it was there.
func (h *Hash) del(field []byte) bool {
	if h.tab != nil {
		return h.tab.del(hashOf(field), field)
	}
	pair, _, end, ok := h.lpFind(field)
	if !ok {
		return false
	}
	copy(h.lp[pair:], h.lp[end:])
	h.lp = h.lp[:len(h.lp)-(end-pair)]
	h.lpAddCount(-1)
	switch {
	case h.lpCount() == 0:
		h.lp = nil
	case cap(h.lp) > 2*len(h.lp)+64:
		lp := hashGrow(nil, len(h.lp), len(h.lp)/8)
		copy(lp, h.lp)
		h.lp = lp
	}
	return true
}

// each calls fn with every pair, in the hash's order (insertion order in
// the compact form), until fn returns false. It is the iteration
// persistence uses (RDB, AOF rewrite); fn must not change the hash.
func (h *Hash) each(fn func(field, value []byte) bool) {
	if h.tab != nil {
		h.tab.eachEnt(func(e *hashEnt) bool { return fn(h.tab.field(e), h.tab.value(e)) })
		return
	}
	for off := hashLPHeader; off < len(h.lp); {
		f, vo := hashLPString(h.lp, off)
		v, next := hashLPString(h.lp, vo)
		if !fn(f, v) {
			return
		}
		off = next
	}
}

// scan calls fn with the pairs of one step of HSCAN from cursor and
// returns the next cursor (0 when done). The compact form is returned whole
// with cursor 0, as Redis returns a listpack. The table form visits buckets
// in reverse-binary cursor order as Redis's scanGenericCommand does: until
// it has 2*count items (a field and a value each) or has visited 20*count
// more buckets, in Redis's wrapping long arithmetic. Every pair present for
// a whole scan is returned at least once, whatever resizes happen between
// the steps.
func (h *Hash) scan(cursor uint64, count int64, fn func(field, value []byte)) uint64 {
	if h.tab == nil {
		h.each(func(f, v []byte) bool { fn(f, v); return true })
		return 0
	}
	t := h.tab
	count *= 2 // items, as Redis counts them
	budget := count * 10
	items := uint64(0)
	for {
		cursor = t.scan(cursor, func(e *hashEnt) {
			fn(t.field(e), t.value(e))
			items += 2
		})
		if cursor == 0 || budget == 0 {
			return cursor
		}
		budget--
		if items >= uint64(count) {
			return cursor
		}
	}
}

// hashPos identifies a pair for HRANDFIELD's sampling: a byte offset in the
// compact form, an entry index in the table form.
type hashPos = uint32

// positions appends the position of every pair to dst, in each's order.
func (h *Hash) positions(dst []hashPos) []hashPos {
	if h.tab != nil {
		for i := range h.tab.ents {
			if h.tab.ents[i].chunk != hashFreeEnt {
				dst = append(dst, hashPos(i))
			}
		}
		return dst
	}
	for off := hashLPHeader; off < len(h.lp); {
		dst = append(dst, hashPos(off))
		_, vo := hashLPString(h.lp, off)
		_, off = hashLPString(h.lp, vo)
	}
	return dst
}

// at returns the pair at pos, which positions or randomPos gave since the
// hash last changed.
func (h *Hash) at(pos hashPos) (field, value []byte) {
	if h.tab != nil {
		e := &h.tab.ents[pos]
		return h.tab.field(e), h.tab.value(e)
	}
	f, vo := hashLPString(h.lp, int(pos))
	v, _ := hashLPString(h.lp, vo)
	return f, v
}

// randomPos returns the position of a pair chosen uniformly at random from
// a non-empty hash. The compact form picks from all, its positions; the
// table form picks from its entries directly and ignores all.
func (h *Hash) randomPos(all []hashPos) hashPos {
	if h.tab != nil {
		return h.tab.randomEnt()
	}
	return all[rand.IntN(len(all))]
}

// convert moves the pairs from the compact form into a hash table.
func (h *Hash) convert() {
	n := h.lpCount()
	t := newHashTable(n, len(h.lp)+hashRecordHeader*n)
	h.each(func(f, v []byte) bool {
		t.add(hashOf(f), f, v)
		return true
	})
	h.tab, h.lp = t, nil
}

// lpFind looks field up in the compact form: pair is the offset of its
// pair, val that of its value's length, end the offset after the pair. The
// common one-byte lengths are read inline, and a field's last byte is
// compared before the rest (fields of one hash often share a prefix).
func (h *Hash) lpFind(field []byte) (pair, val, end int, ok bool) {
	lp := h.lp
	n := len(field)
	for off := hashLPHeader; off < len(lp); {
		fn, fs := int(lp[off]), off+1
		if fn >= 0x80 {
			fn, fs = hashLPLen(lp, off)
		}
		vo := fs + fn
		vn, vs := int(lp[vo]), vo+1
		if vn >= 0x80 {
			vn, vs = hashLPLen(lp, vo)
		}
		if fn == n && (n == 0 || lp[vo-1] == field[n-1]) && bytes.Equal(lp[fs:vo], field) {
			return off, vo, vs + vn, true
		}
		off = vs + vn
	}
	return 0, 0, 0, false
}

// lpSet sets field in the compact form: the value is replaced where it is,
// a new pair goes at the end.
func (h *Hash) lpSet(field, value []byte) (created bool) {
	_, vo, end, ok := h.lpFind(field)
	if !ok {
		if len(h.lp) == 0 {
			h.lp = hashGrow(h.lp, hashLPHeader, 0)
			clear(h.lp)
		}
		off := len(h.lp)
		n := hashLenSize(len(field)) + len(field) + hashLenSize(len(value)) + len(value)
		h.lp = hashGrow(h.lp, n, (off+n)/8)
		off = hashPutString(h.lp, off, field)
		hashPutString(h.lp, off, value)
		h.lpAddCount(1)
		return true
	}
	old, nw := end-vo, hashLenSize(len(value))+len(value)
	switch {
	case nw > old:
		tail := len(h.lp) - end
		h.lp = hashGrow(h.lp, nw-old, len(h.lp)/8)
		copy(h.lp[vo+nw:], h.lp[end:end+tail])
	case nw < old:
		copy(h.lp[vo+nw:], h.lp[end:])
		h.lp = h.lp[:len(h.lp)-(old-nw)]
	}
	hashPutString(h.lp, vo, value)
	return false
}

// hashGrow returns b extended by n bytes (their contents undefined). When
// it must reallocate, the new block has room for about room more bytes,
// rounded up to its malloc size class (not Go's doubling): a small hash
// should cost about what its bytes do.
func hashGrow(b []byte, n, room int) []byte {
	size := len(b) + n
	if size <= cap(b) {
		return b[:size]
	}
	nb := append([]byte(nil), make([]byte, size+room)...)[:size]
	copy(nb, b)
	return nb
}

// hashLenSize is the size of n's uvarint.
func hashLenSize(n int) int {
	size := 1
	for ; n >= 0x80; n >>= 7 {
		size++
	}
	return size
}

// hashPutString writes s, prefixed by its length, at b[off:] (which has
// room) and returns the offset after it.
func hashPutString(b []byte, off int, s []byte) int {
	n := len(s)
	for n >= 0x80 {
		b[off] = byte(n) | 0x80
		n >>= 7
		off++
	}
	b[off] = byte(n)
	return off + 1 + copy(b[off+1:], s)
}

// hashLPLen reads the length prefix at lp[off:]: the length and the offset
// of the string.
func hashLPLen(lp []byte, off int) (n, start int) {
	if b := lp[off]; b < 0x80 {
		return int(b), off + 1
	}
	v, k := binary.Uvarint(lp[off:])
	return int(v), off + k
}

// hashLPString reads the string at lp[off:] and returns it and the offset
// after it.
func hashLPString(lp []byte, off int) (s []byte, next int) {
	n, start := hashLPLen(lp, off)
	return lp[start : start+n], start + n
}

// hashOf is the hash of a field in a hashTable: the low 32 bits of the
// keyspace's seeded hash, so nobody can predict which fields collide.
func hashOf(field []byte) uint32 { return uint32(maphash.Bytes(hashSeed, field)) }

// hashTable is the table form of a Hash: chained buckets, a power of two of
// them, whose chains link the entries of one slice by index, and the fields
// and values in chunks, blocks of records:
//
//	buckets []uint32   the first entry of each chain, +1 (0 = empty)
//	ents    []hashEnt  hash, next entry (+1), chunk, offset, lengths
//	chunks  [][]byte   records: | owner u32 | size u32 | field value slack |
//
// Only the list of chunks holds pointers, so the garbage collector has next
// to nothing to scan and there is no heap object per field. A field costs
// its entry (24 bytes), its record (an 8-byte header, then its field and
// value rounded up to 8 bytes) and 4 to 8 bytes of buckets; Redis's
// dictEntry, two sds strings and a bucket pointer cost more.
//
// A resize rebuilds the buckets at once from the stored hashes (no field is
// hashed again); there is only ever one table, so SCAN's reverse-binary
// cursor keeps its guarantee across resizes. Records are bump-allocated in
// the current (tail) chunk. A record freed (its field deleted, or its value
// moved because it outgrew the record) is marked dead; a chunk left less
// than half live is evacuated (its live records move to the tail, the chunk
// is dropped) so the memory of deleted fields goes back to Go in steps of
// at most one chunk. A record of hashOwnChunk bytes or more gets a chunk of
// its own, dropped when the record dies.
type hashTable struct {
	buckets []uint32
	ents    []hashEnt
	free    uint32 // the first free entry +1, chained through next; 0 = none
	used    int    // live entries
	bytes   int    // bytes of live records, headers included

	chunks [][]byte // nil for a dropped chunk, whose index is in spare
	live   []int    // bytes of live records, per chunk
	spare  []uint32
	tail   int // the chunk new records go to; -1 = none
	hint   int // the size for the first chunk (conversion, clone); 0 after
}

// hashEnt is one field of a hashTable.
type hashEnt struct {
	hash  uint32 // hashOf(field)
	next  uint32 // the next entry of the chain or of the free list, +1
	chunk uint32 // hashFreeEnt for a free entry
	off   uint32 // the record's offset in its chunk
	flen  uint32
	vlen  uint32
}

const (
	hashFreeEnt      = ^uint32(0)
	hashDeadRecord   = ^uint32(0)
	hashRecordHeader = 8
	hashMinBuckets   = 4
	hashMinChunk     = 1 << 10
	hashMaxChunk     = 64 << 10
	hashOwnChunk     = hashMaxChunk / 4
)

// newHashTable returns an empty table sized for n fields whose records
// take about bytesHint bytes.
func newHashTable(n, bytesHint int) *hashTable {
	return &hashTable{
		buckets: make([]uint32, hashBucketsFor(n)),
		ents:    make([]hashEnt, 0, n),
		tail:    -1,
		hint:    bytesHint,
	}
}

// hashBucketsFor returns the number of buckets for n entries: the power of
// two at least n (and at least hashMinBuckets), as Redis's dictExpand.
func hashBucketsFor(n int) int {
	if n <= hashMinBuckets {
		return hashMinBuckets
	}
	return 1 << bits.Len(uint(n-1))
}

// field returns e's field; its capacity ends with it.
func (t *hashTable) field(e *hashEnt) []byte {
	start := e.off + hashRecordHeader
	return t.chunks[e.chunk][start : start+e.flen : start+e.flen]
}

// value returns e's value; its capacity ends with it.
func (t *hashTable) value(e *hashEnt) []byte {
	start := e.off + hashRecordHeader + e.flen
	return t.chunks[e.chunk][start : start+e.vlen : start+e.vlen]
}

// find returns the index+1 of field's entry (h is its hash), or 0.
func (t *hashTable) find(h uint32, field []byte) uint32 {
	for i := t.buckets[h&uint32(len(t.buckets)-1)]; i != 0; {
		e := &t.ents[i-1]
		if e.hash == h && int(e.flen) == len(field) && bytes.Equal(t.field(e), field) {
			return i
		}
		i = e.next
	}
	return 0
}

// set stores copies of field and value and reports whether field is new.
func (t *hashTable) set(field, value []byte) bool {
	h := hashOf(field)
	if i := t.find(h, field); i != 0 {
		t.setValue(i-1, value)
		return false
	}
	t.add(h, field, value)
	return true
}

// add inserts field, which must not be present and hashes to h.
func (t *hashTable) add(h uint32, field, value []byte) {
	if t.used >= len(t.buckets) {
		t.resize(t.used + 1)
	}
	i := t.newEnt()
	ci, off, rec := t.alloc(i, len(field)+len(value))
	copy(rec, field)
	copy(rec[len(field):], value)
	b := h & uint32(len(t.buckets)-1)
	t.ents[i] = hashEnt{hash: h, next: t.buckets[b], chunk: ci, off: off, flen: uint32(len(field)), vlen: uint32(len(value))}
	t.buckets[b] = i + 1
	t.used++
}

// setValue replaces entry i's value: in its record when it fits without
// leaving the record more than half empty, else in a new record.
func (t *hashTable) setValue(i uint32, value []byte) {
	e := &t.ents[i]
	chunk := t.chunks[e.chunk]
	room := int(binary.LittleEndian.Uint32(chunk[e.off+4:]))
	need := int(e.flen) + len(value)
	if need <= room && 2*need+16 >= room {
		copy(chunk[e.off+hashRecordHeader+e.flen:], value)
		e.vlen = uint32(len(value))
		return
	}
	ci, off, rec := t.alloc(i, need)
	copy(rec, t.field(e))
	copy(rec[e.flen:], value)
	oldChunk, oldOff := e.chunk, e.off
	e.chunk, e.off, e.vlen = ci, off, uint32(len(value))
	t.release(oldChunk, oldOff)
}

// del removes field (whose hash is h) and reports whether it was there.
// Under a tenth of the buckets used, the table shrinks, as Redis's
// htNeedsResize decides after every deletion from a hash.
func (t *hashTable) del(h uint32, field []byte) bool {
	link := &t.buckets[h&uint32(len(t.buckets)-1)]
	for i := *link; i != 0; i = *link {
		e := &t.ents[i-1]
		if e.hash != h || int(e.flen) != len(field) || !bytes.Equal(t.field(e), field) {
			link = &e.next
			continue
		}
		*link = e.next
		ci, off := e.chunk, e.off
		*e = hashEnt{next: t.free, chunk: hashFreeEnt}
		t.free = i
		t.used--
		t.release(ci, off)
		if len(t.buckets) > hashMinBuckets && t.used*10 < len(t.buckets) {
			t.resize(t.used)
		}
		return true
	}
	return false
}

// newEnt returns the index of an entry to fill: a free one, or a new one.
func (t *hashTable) newEnt() uint32 {
	if t.free != 0 {
		i := t.free - 1
		t.free = t.ents[i].next
		return i
	}
	t.ents = append(t.ents, hashEnt{chunk: hashFreeEnt})
	return uint32(len(t.ents) - 1)
}

// resize rebuilds the buckets for n entries, first packing the entries
// when more than half of them are free.
func (t *hashTable) resize(n int) {
	if len(t.ents) > 2*t.used+hashMinBuckets {
		t.packEnts()
	}
	size := hashBucketsFor(n)
	if size == len(t.buckets) {
		clear(t.buckets)
	} else {
		t.buckets = make([]uint32, size)
	}
	mask := uint32(size - 1)
	for i := range t.ents {
		e := &t.ents[i]
		if e.chunk == hashFreeEnt {
			continue
		}
		b := e.hash & mask
		e.next = t.buckets[b]
		t.buckets[b] = uint32(i) + 1
	}
}

// packEnts moves the live entries to the front of a right-sized slice,
// telling their records their new index. The buckets must be rebuilt.
func (t *hashTable) packEnts() {
	ents := make([]hashEnt, 0, t.used+t.used/4+hashMinBuckets)
	for i := range t.ents {
		e := &t.ents[i]
		if e.chunk == hashFreeEnt {
			continue
		}
		binary.LittleEndian.PutUint32(t.chunks[e.chunk][e.off:], uint32(len(ents)))
		ents = append(ents, *e)
	}
	t.ents, t.free = ents, 0
}

// eachEnt calls fn with every live entry, in entry order, until it returns
// false. fn must not change the table.
func (t *hashTable) eachEnt(fn func(e *hashEnt) bool) {
	for i := range t.ents {
		if e := &t.ents[i]; e.chunk != hashFreeEnt && !fn(e) {
			return
		}
	}
}

// scan calls fn with the entries of bucket v and returns the next cursor,
// 0 after the last bucket: Redis's dictScan on a table that is never
// rehashing.
func (t *hashTable) scan(v uint64, fn func(e *hashEnt)) uint64 {
	mask := uint64(len(t.buckets) - 1)
	for i := t.buckets[v&mask]; i != 0; {
		e := &t.ents[i-1]
		fn(e)
		i = e.next
	}
	return nextCursor(v, mask)
}

// randomEnt returns the index of a live entry chosen uniformly at random;
// the table must not be empty. Entries stay at least a tenth live (a
// sparser table shrinks and packs them), so few draws miss.
func (t *hashTable) randomEnt() uint32 {
	for {
		i := rand.IntN(len(t.ents))
		if t.ents[i].chunk != hashFreeEnt {
			return uint32(i)
		}
	}
}

// alloc reserves a record for n bytes of field and value, owned by entry
// owner, and returns its chunk, its offset and the n bytes to fill.
//
// When the tail is full, a new tail replaces it; the old one, if less than
// half of it is still live (records that died while it was the tail, which
// release does not evacuate), is evacuated then, after the new record is
// reserved: other entries may move, but not the new record.
func (t *hashTable) alloc(owner uint32, n int) (ci, off uint32, rec []byte) {
	size := (hashRecordHeader + n + 7) &^ 7
	old := -1
	switch {
	case size >= hashOwnChunk:
		ci = t.newChunk(size)
	case t.tail >= 0 && len(t.chunks[t.tail])+size <= cap(t.chunks[t.tail]):
		ci = uint32(t.tail)
	default:
		old = t.tail
		ci = t.newChunk(max(size, t.nextChunkSize()))
		t.tail = int(ci)
	}
	chunk := t.chunks[ci]
	off = uint32(len(chunk))
	chunk = chunk[:len(chunk)+size]
	t.chunks[ci] = chunk
	binary.LittleEndian.PutUint32(chunk[off:], owner)
	binary.LittleEndian.PutUint32(chunk[off+4:], uint32(size-hashRecordHeader))
	t.live[ci] += size
	t.bytes += size
	if old >= 0 && 2*t.live[old] < len(t.chunks[old]) {
		t.evacuate(uint32(old))
	}
	start := int(off) + hashRecordHeader
	return ci, off, chunk[start : start+n]
}

// nextChunkSize is the size of the next tail chunk: about an eighth of the
// live bytes, so the unused end of the tail stays a small share, between
// hashMinChunk and hashMaxChunk.
func (t *hashTable) nextChunkSize() int {
	size := t.bytes / 8
	if t.hint > 0 {
		size, t.hint = t.hint, 0
	}
	return min(max(size, hashMinChunk), hashMaxChunk)
}

// newChunk adds an empty chunk of capacity size and returns its index.
func (t *hashTable) newChunk(size int) uint32 {
	b := make([]byte, 0, size)
	if n := len(t.spare); n > 0 {
		ci := t.spare[n-1]
		t.spare = t.spare[:n-1]
		t.chunks[ci] = b
		return ci
	}
	t.chunks = append(t.chunks, b)
	t.live = append(t.live, 0)
	return uint32(len(t.chunks) - 1)
}

// release marks the record at chunk ci, offset off dead; a chunk left
// empty is dropped (the tail is rewound instead), one left less than half
// live is evacuated.
func (t *hashTable) release(ci, off uint32) {
	chunk := t.chunks[ci]
	size := hashRecordHeader + int(binary.LittleEndian.Uint32(chunk[off+4:]))
	binary.LittleEndian.PutUint32(chunk[off:], hashDeadRecord)
	t.live[ci] -= size
	t.bytes -= size
	switch {
	case int(ci) == t.tail:
		if t.live[ci] == 0 {
			t.chunks[ci] = chunk[:0]
		}
	case t.live[ci] == 0:
		t.dropChunk(ci)
	case 2*t.live[ci] < cap(chunk):
		t.evacuate(ci)
	}
}

// evacuate moves the live records of chunk ci, which is not the tail, to
// new records and drops the chunk.
func (t *hashTable) evacuate(ci uint32) {
	chunk := t.chunks[ci]
	for off := 0; off < len(chunk); {
		owner := binary.LittleEndian.Uint32(chunk[off:])
		size := hashRecordHeader + int(binary.LittleEndian.Uint32(chunk[off+4:]))
		if owner != hashDeadRecord {
			e := &t.ents[owner]
			n := int(e.flen + e.vlen)
			nci, noff, rec := t.alloc(owner, n)
			copy(rec, chunk[off+hashRecordHeader:off+hashRecordHeader+n])
			e.chunk, e.off = nci, noff
			t.bytes -= size
		}
		off += size
	}
	t.dropChunk(ci)
}

// dropChunk lets chunk ci go and keeps its index for a later chunk.
func (t *hashTable) dropChunk(ci uint32) {
	t.chunks[ci] = nil
	t.live[ci] = 0
	t.spare = append(t.spare, ci)
}
