package db

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"

	"redis-fast/proto"
)

// Set is a set value, in one of the two encodings Redis 7.0 has for sets:
//
//   - intset, while every member is an integer (as Redis's string2ll reads
//     it) and there are at most set-max-intset-entries of them: the members
//     sorted ascending, packed little-endian at the narrowest width (2, 4 or
//     8 bytes) that holds them all, which is Redis's intset layout without
//     its header. Iteration is in ascending order, as in Redis.
//   - hashtable, for good once the set outgrows the intset (Redis never
//     converts back, except when it loads a dump): an open-addressing table
//     over members packed into byte chunks (see setTable).
//
// A Set is not safe for concurrent use: its key's shard lock guards it.
// Readers holding a shared lock may call the methods that only read (Len,
// has, each, memberAt, randomPos, ...) at the same time; none of them
// changes anything.
//
// Persistence and SORT read a set with each (every member, in order) or,
// for the intset encoding, appendIntsetBlob; they build one with newSetSized
// and add, or setFromIntsetBlob.
type Set struct {
	is intset
	ht *setTable // the hashtable encoding; nil while the set is an intset
}

// setMaxIntset returns set-max-intset-entries as the set code applies it:
// capped at 2^30, as Redis caps it for the intset's sake.
func setMaxIntset(l *EncodingLimits) int {
	n := l.SetMaxIntsetEntries.Load()
	switch {
	case n < 0:
		return 0
	case n > 1<<30:
		return 1 << 30
	}
	return int(n)
}

// newSetSized returns an empty set about to receive n members: a hashtable
// presized for them when n is over lim (set-max-intset-entries), else an
// intset, which add converts if a member is not an integer. This is how
// Redis builds a set it loads from a dump.
func newSetSized(n, lim int) *Set {
	x := &Set{}
	if n > lim {
		x.ht = newSetTable(n)
	}
	return x
}

// encoding is OBJECT ENCODING's answer for the set.
func (x *Set) encoding() string {
	if x.ht != nil {
		return "hashtable"
	}
	return "intset"
}

// clone returns a deep copy in the same encoding, for COPY.
func (x *Set) clone() *Set {
	y := &Set{}
	if x.ht != nil {
		y.ht = x.ht.clone()
		return y
	}
	y.is = intset{b: append([]byte(nil), x.is.b...), w: x.is.w}
	return y
}

// Len returns the number of members.
func (x *Set) Len() int {
	if x.ht != nil {
		return x.ht.n
	}
	return x.is.len()
}

// isIntset reports whether the set is in the intset encoding.
func (x *Set) isIntset() bool { return x.ht == nil }

// has reports whether m is a member.
func (x *Set) has(m []byte) bool {
	if x.ht != nil {
		return x.ht.find(setHash(m), m) >= 0
	}
	v, ok := proto.ParseInt(m)
	if !ok {
		return false
	}
	_, found := x.is.search(v)
	return found
}

// add adds a copy of m and reports whether it was not a member yet. The set
// converts to a hashtable when m is not an integer or the intset grows past
// lim members, as Redis's setTypeAdd does.
func (x *Set) add(m []byte, lim int) bool {
	if x.ht != nil {
		return x.ht.add(setHash(m), m)
	}
	v, ok := proto.ParseInt(m)
	if !ok {
		x.convert(x.is.len() + 1)
		return x.ht.add(setHash(m), m)
	}
	if !x.is.insert(v) {
		return false
	}
	if x.is.len() > lim {
		x.convert(x.is.len())
	}
	return true
}

// addInt adds v, as add does with v's decimal form.
func (x *Set) addInt(v int64, lim int) bool {
	if x.ht != nil {
		var buf [20]byte
		m := strconv.AppendInt(buf[:0], v, 10)
		return x.ht.add(setHash(m), m)
	}
	if !x.is.insert(v) {
		return false
	}
	if x.is.len() > lim {
		x.convert(x.is.len())
	}
	return true
}

// remove removes m and reports whether it was a member.
func (x *Set) remove(m []byte) bool {
	if x.ht != nil {
		i := x.ht.find(setHash(m), m)
		if i < 0 {
			return false
		}
		x.ht.removeAt(i)
		return true
	}
	v, ok := proto.ParseInt(m)
	if !ok {
		return false
	}
	i, found := x.is.search(v)
	if found {
		x.is.removeAt(i)
	}
	return found
}

// convert turns the intset into a hashtable sized for n members.
func (x *Set) convert(n int) {
	t := newSetTable(n)
	var buf [20]byte
	for i := 0; i < x.is.len(); i++ {
		m := strconv.AppendInt(buf[:0], x.is.get(i), 10)
		t.add(setHash(m), m)
	}
	x.ht, x.is = t, intset{}
}

// A position names one member of a non-empty set for as long as the set
// does not change: an index into the intset, or a slot of the hashtable.

// randomPos returns the position of a member chosen uniformly at random.
// The set must not be empty.
func (x *Set) randomPos() int {
	if x.ht != nil {
		return x.ht.randomSlot()
	}
	return rand.IntN(x.is.len())
}

// memberAt returns the member at position i: a view of the set's own bytes
// (for a hashtable), valid until the set changes, or the integer formatted
// into buf (for an intset).
func (x *Set) memberAt(i int, buf *[20]byte) []byte {
	if x.ht != nil {
		return x.ht.member(x.ht.slots[i])
	}
	return strconv.AppendInt(buf[:0], x.is.get(i), 10)
}

// removeAt removes the member at position i.
func (x *Set) removeAt(i int) {
	if x.ht != nil {
		x.ht.removeAt(i)
		return
	}
	x.is.removeAt(i)
}

// each calls fn with every member until fn returns false: in ascending
// order for an intset, in table order for a hashtable. The bytes are valid
// only during the call (an intset member is formatted into a scratch
// buffer), and fn must not change the set.
func (x *Set) each(fn func(m []byte) bool) {
	if x.ht != nil {
		x.ht.each(fn)
		return
	}
	var buf [20]byte
	for i := 0; i < x.is.len(); i++ {
		if !fn(strconv.AppendInt(buf[:0], x.is.get(i), 10)) {
			return
		}
	}
}

// positions returns the position of every member.
func (x *Set) positions() []int {
	pos := make([]int, 0, x.Len())
	if x.ht == nil {
		for i := 0; i < x.is.len(); i++ {
			pos = append(pos, i)
		}
		return pos
	}
	for i, s := range x.ht.slots {
		if s != 0 {
			pos = append(pos, i)
		}
	}
	return pos
}

// scan calls fn with members from cursor on, as Redis's SSCAN collects
// them, and returns the next cursor: an intset gives every member at once
// (cursor 0); a hashtable, the members of one home bucket after another
// until it gave count of them, visited count*10 buckets, or finished.
func (x *Set) scan(cursor uint64, count int64, fn func(m []byte)) uint64 {
	if x.ht == nil {
		x.each(func(m []byte) bool {
			fn(m)
			return true
		})
		return 0
	}
	budget := int64(math.MaxInt64)
	if count <= math.MaxInt64/10 {
		budget = count * 10
	}
	var got int64
	collect := func(m []byte) {
		got++
		fn(m)
	}
	for {
		cursor = x.ht.scan(cursor, collect)
		if cursor == 0 || budget == 0 || got >= count {
			return cursor
		}
		budget--
	}
}

// appendIntsetBlob appends the set in Redis's intset serialization, which
// RDB stores as a set of type intset: the width and the count as 32-bit
// little-endian numbers, then the members. The set must be an intset.
func (x *Set) appendIntsetBlob(dst []byte) []byte {
	w := x.is.width()
	dst = binary.LittleEndian.AppendUint32(dst, uint32(w))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(x.is.len()))
	return append(dst, x.is.b...)
}

// setFromIntsetBlob builds a set from Redis's intset serialization (see
// appendIntsetBlob), copying it, and converts it to a hashtable when it
// holds more than lim (set-max-intset-entries) members, as Redis's loader
// does. It reports false when the blob is not a valid intset (bad width,
// length, or members not strictly ascending).
func setFromIntsetBlob(blob []byte, lim int) (*Set, bool) {
	if len(blob) < 8 {
		return nil, false
	}
	w := binary.LittleEndian.Uint32(blob)
	n := binary.LittleEndian.Uint32(blob[4:])
	body := blob[8:]
	if w != 2 && w != 4 && w != 8 || uint64(len(body)) != uint64(n)*uint64(w) {
		return nil, false
	}
	is := intset{b: append([]byte(nil), body...), w: uint8(w)}
	for i := 1; i < is.len(); i++ {
		if is.get(i-1) >= is.get(i) {
			return nil, false
		}
	}
	x := &Set{is: is}
	if x.is.len() > lim {
		x.convert(x.is.len())
	}
	return x, true
}

// intset is the compact encoding: the members sorted ascending, w bytes
// each, little-endian, w being the narrowest of 2, 4, 8 that holds every
// member (Redis's INTSET_ENC_INT16/32/64). Inserting and removing move the
// tail, as Redis's do; lookups are binary searches.
type intset struct {
	b []byte
	w uint8 // 0 until the first insert, then 2, 4 or 8
}

func (s *intset) width() int {
	if s.w == 0 {
		return 2
	}
	return int(s.w)
}

func (s *intset) len() int {
	if s.w == 0 {
		return 0
	}
	return len(s.b) / int(s.w)
}

// get returns the i'th smallest member.
func (s *intset) get(i int) int64 {
	switch s.w {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(s.b[2*i:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(s.b[4*i:])))
	}
	return int64(binary.LittleEndian.Uint64(s.b[8*i:]))
}

// put stores v at index i, at width w.
func (s *intset) put(i int, v int64) {
	switch s.w {
	case 2:
		binary.LittleEndian.PutUint16(s.b[2*i:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(s.b[4*i:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(s.b[8*i:], uint64(v))
	}
}

// intsetWidth is the narrowest width that holds v.
func intsetWidth(v int64) uint8 {
	switch {
	case v < math.MinInt32 || v > math.MaxInt32:
		return 8
	case v < math.MinInt16 || v > math.MaxInt16:
		return 4
	}
	return 2
}

// search returns v's index and true, or the index where v would be
// inserted and false.
func (s *intset) search(v int64) (int, bool) {
	n := s.len()
	if n == 0 {
		return 0, false
	}
	if v > s.get(n-1) {
		return n, false
	}
	if v < s.get(0) {
		return 0, false
	}
	lo, hi := 0, n-1
	for lo <= hi {
		mid := int(uint(lo+hi) >> 1)
		switch cur := s.get(mid); {
		case cur < v:
			lo = mid + 1
		case cur > v:
			hi = mid - 1
		default:
			return mid, true
		}
	}
	return lo, false
}

// insert adds v and reports whether it was missing.
func (s *intset) insert(v int64) bool {
	if w := intsetWidth(v); w > s.w {
		s.upgrade(w, v)
		return true
	}
	i, found := s.search(v)
	if found {
		return false
	}
	w := int(s.w)
	s.b = append(s.b, make([]byte, w)...)
	copy(s.b[(i+1)*w:], s.b[i*w:len(s.b)-w])
	s.put(i, v)
	return true
}

// upgrade widens every member to w and adds v, which needs w and so is
// smaller or larger than every member: it goes first or last.
func (s *intset) upgrade(w uint8, v int64) {
	n := s.len()
	old := *s
	s.w = w
	s.b = make([]byte, (n+1)*int(w), (n+1)*int(w)+int(w))
	off := 0
	if v < 0 {
		off = 1
		s.put(0, v)
	} else {
		s.put(n, v)
	}
	for i := 0; i < n; i++ {
		s.put(i+off, old.get(i))
	}
}

// removeAt removes the member at index i.
func (s *intset) removeAt(i int) {
	w := int(s.w)
	copy(s.b[i*w:], s.b[(i+1)*w:])
	s.b = s.b[:len(s.b)-w]
}

// setTable is the hashtable encoding: open addressing with linear probing
// over an array of 8-byte slots, each holding the member's 32-bit hash and
// a reference to its bytes. The bytes live packed in chunks of at most
// setChunkSize bytes (a varint length, the member, padding to 4 bytes), so
// a member costs its own length plus about 2 bytes, plus a slot; nothing in
// the table is a pointer the GC must follow except the chunk list. Members
// of setBigMember bytes or more (and every member once the chunks are full)
// are kept apart, one allocation each.
//
// SSCAN's cursor counts home buckets (a member's home is its hash masked to
// the table size) in reverse binary, as Redis's dictScan counts buckets:
// the members of one home bucket play the part of one of Redis's chains,
// so a resize between two calls neither skips a member present for the
// whole scan nor repeats more than Redis would. Removal shifts the rest of
// the probe run back instead of leaving tombstones; a member never leaves
// the run that starts at its home, which is what the scan walks.
type setTable struct {
	slots   []uint64 // power of two long; 0 = empty, else hash<<32 | ref
	n       int      // members
	chunks  [][]byte
	used    int // bytes taken in the chunks, removed members' included
	dead    int // bytes of removed members
	big     [][]byte
	bigFree []uint32 // free indexes of big
}

// A ref is a member's location plus one (so that a used slot is never 0).
// Locations below setBigBase are 4-byte units of the chunks: the chunk
// index above setUnitBits, the unit within it below. Locations from
// setBigBase on index big.
const (
	setChunkSize = 1 << 16
	setUnitBits  = 14 // setChunkSize / 4 units per chunk
	setUnitMask  = 1<<setUnitBits - 1
	setBigBase   = 1 << 31
	setMaxChunks = setBigBase >> setUnitBits
	setBigMember = 1 << 10
	setMinSlots  = 8
)

// setHash hashes a member with the process's seed.
func setHash(m []byte) uint32 { return uint32(hashKey(m)) }

// setSlotsFor returns the table size for n members: a power of two, at
// most three quarters full.
func setSlotsFor(n int) int {
	size := setMinSlots
	for size*3 < n*4 {
		size *= 2
	}
	return size
}

func newSetTable(n int) *setTable {
	return &setTable{slots: make([]uint64, setSlotsFor(n))}
}

// member returns the bytes of the member in slot value s, a view of the
// table's own memory valid until the table changes.
func (t *setTable) member(s uint64) []byte {
	loc := uint32(s) - 1
	if loc < setBigBase {
		c := t.chunks[loc>>setUnitBits]
		off := int(loc&setUnitMask) << 2
		if n := int(c[off]); n < 0x80 {
			return c[off+1 : off+1+n]
		}
	}
	return t.memberSlow(loc)
}

// memberSlow is member for a member kept apart or of 128 bytes or more.
// It is kept out of line so that member's fast path inlines.
//
//go:noinline
func (t *setTable) memberSlow(loc uint32) []byte {
	if loc >= setBigBase {
		return t.big[loc-setBigBase]
	}
	return setChunkMember(t.chunks, loc)
}

// entrySize is the bytes a member of length n takes in a chunk.
func setEntrySize(n int) int {
	k := 1
	for v := n; v >= 0x80; v >>= 7 {
		k++
	}
	return (k + n + 3) &^ 3
}

// find returns the slot of member m, whose hash is h, or -1.
func (t *setTable) find(h uint32, m []byte) int {
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if uint32(s>>32) == h && string(t.member(s)) == string(m) {
			return i
		}
	}
}

// hasHashed reports whether the table holds the member in slot value s of
// table other, whose hash is h, reading that member only on a hash match.
func (t *setTable) hasHashed(h uint32, other *setTable, s uint64) bool {
	mask := len(t.slots) - 1
	var m []byte
	for i := int(h) & mask; ; i = (i + 1) & mask {
		cur := t.slots[i]
		if cur == 0 {
			return false
		}
		if uint32(cur>>32) != h {
			continue
		}
		if m == nil {
			m = other.member(s)
		}
		if string(t.member(cur)) == string(m) {
			return true
		}
	}
}

// add adds a copy of m, whose hash is h, unless it is a member already,
// and reports whether it added it.
func (t *setTable) add(h uint32, m []byte) bool {
	if t.find(h, m) >= 0 {
		return false
	}
	if (t.n+1)*4 > len(t.slots)*3 {
		t.resize(len(t.slots) * 2)
	}
	t.place(uint64(h)<<32 | uint64(t.store(m)))
	t.n++
	return true
}

// place puts slot value s in the first free slot from its home.
func (t *setTable) place(s uint64) {
	mask := len(t.slots) - 1
	i := int(uint32(s>>32)) & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// store copies m into the chunks (or apart, when it is big) and returns its
// ref.
func (t *setTable) store(m []byte) uint32 {
	need := setEntrySize(len(m))
	if len(m) >= setBigMember || !t.room(need) {
		return t.storeBig(m)
	}
	ci := len(t.chunks) - 1
	c := t.chunks[ci]
	off := len(c)
	c = binary.AppendUvarint(c, uint64(len(m)))
	c = append(c, m...)
	c = c[:off+need]
	t.chunks[ci] = c
	t.used += need
	return uint32(ci<<setUnitBits|off>>2) + 1
}

// room makes sure the last chunk has need more bytes of capacity, growing
// it (by doubling, up to setChunkSize) or starting a new one, and reports
// false when no chunk can be added.
func (t *setTable) room(need int) bool {
	if len(t.chunks) > 0 {
		c := t.chunks[len(t.chunks)-1]
		if len(c)+need <= cap(c) {
			return true
		}
		if len(c)+need <= setChunkSize {
			size := min(max(2*cap(c), len(c)+need), setChunkSize)
			grown := make([]byte, len(c), size)
			copy(grown, c)
			t.chunks[len(t.chunks)-1] = grown
			return true
		}
	}
	if len(t.chunks) == setMaxChunks {
		return false
	}
	t.chunks = append(t.chunks, make([]byte, 0, max(need, 64)))
	return true
}

// storeBig keeps a copy of m apart and returns its ref.
func (t *setTable) storeBig(m []byte) uint32 {
	cp := append([]byte(nil), m...)
	if n := len(t.bigFree); n > 0 {
		i := t.bigFree[n-1]
		t.bigFree = t.bigFree[:n-1]
		t.big[i] = cp
		return setBigBase + i + 1
	}
	t.big = append(t.big, cp)
	return setBigBase + uint32(len(t.big)-1) + 1
}

// removeAt removes the member in slot i. Views of members the caller holds
// are invalid afterwards.
func (t *setTable) removeAt(i int) {
	loc := uint32(t.slots[i]) - 1
	if loc >= setBigBase {
		t.big[loc-setBigBase] = nil
		t.bigFree = append(t.bigFree, loc-setBigBase)
	} else {
		t.dead += setEntrySize(len(t.member(t.slots[i])))
	}
	t.unlink(i)
	t.n--
	switch {
	case len(t.slots) > setMinSlots && t.n*8 < len(t.slots):
		t.resize(setSlotsFor(t.n))
	case t.dead >= 1024 && t.dead*2 > t.used:
		t.compact()
	}
	if t.n == 0 {
		t.chunks, t.used, t.dead = nil, 0, 0
		t.big, t.bigFree = nil, nil
	}
}

// unlink empties slot i and shifts back the members after it in the probe
// run that would otherwise be cut off from their home.
func (t *setTable) unlink(i int) {
	mask := len(t.slots) - 1
	for j := (i + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		home := int(uint32(t.slots[j]>>32)) & mask
		// The member at j may move to i unless its home lies
		// cyclically in (i, j].
		if (j-home)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = 0
}

// resize rebuilds the table with size slots; the members' bytes stay where
// they are.
func (t *setTable) resize(size int) {
	old := t.slots
	t.slots = make([]uint64, size)
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}

// compact copies the live members into fresh chunks, dropping the bytes of
// removed ones.
func (t *setTable) compact() {
	old := t.chunks
	t.chunks, t.used, t.dead = nil, 0, 0
	for i, s := range t.slots {
		loc := uint32(s) - 1
		if s == 0 || loc >= setBigBase {
			continue
		}
		m := setChunkMember(old, loc)
		t.slots[i] = s&^0xffffffff | uint64(t.store(m))
	}
}

// setChunkMember reads the member at arena location loc of chunks.
func setChunkMember(chunks [][]byte, loc uint32) []byte {
	c := chunks[loc>>setUnitBits]
	off := int(loc&setUnitMask) << 2
	n, k := binary.Uvarint(c[off:])
	return c[off+k : off+k+int(n)]
}

// clone returns a deep copy, compacted.
func (t *setTable) clone() *setTable {
	y := &setTable{slots: make([]uint64, len(t.slots)), n: t.n}
	for i, s := range t.slots {
		if s != 0 {
			y.slots[i] = s&^0xffffffff | uint64(y.store(t.member(s)))
		}
	}
	return y
}

// randomSlot returns the slot of a member chosen uniformly at random: a
// random slot, again until it is not empty (the table is always at least
// an eighth full, or at its minimum size). The table must not be empty.
func (t *setTable) randomSlot() int {
	for {
		if i := rand.IntN(len(t.slots)); t.slots[i] != 0 {
			return i
		}
	}
}

// each calls fn with every member, in table order, until it returns false.
func (t *setTable) each(fn func(m []byte) bool) {
	for _, s := range t.slots {
		if s != 0 && !fn(t.member(s)) {
			return
		}
	}
}

// scan calls fn with the members whose home bucket is the one cursor v
// names, and returns the next cursor, 0 once every bucket was visited.
func (t *setTable) scan(v uint64, fn func(m []byte)) uint64 {
	mask := uint64(len(t.slots) - 1)
	home := v & mask
	for j := home; t.slots[j] != 0; j = (j + 1) & mask {
		if uint64(uint32(t.slots[j]>>32))&mask == home {
			fn(t.member(t.slots[j]))
		}
	}
	return nextCursor(v, mask)
}
