package db

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"redis-fast/proto"
)

// ZSet is a sorted set value, in one of the two encodings Redis 7.0 has:
//
//   - listpack, while there are at most zset-max-listpack-entries elements
//     and no member is longer than zset-max-listpack-value bytes: the
//     elements in order in one byte slice (see the layout below), searched
//     and changed by linear scans, as Redis's listpack is;
//   - skiplist, for good once the set outgrows that (Redis converts back
//     only when it loads a dump): a hash index, a member arena and an
//     order-statistics B+tree (see zbig).
//
// Elements are ordered by score, then by member bytes. Scores are never
// NaN. The listpack keeps a -0 score as 0, as Redis's does (it stores
// integral scores as integers); the skiplist keeps -0.
//
// Compact layout, one entry per element, in order:
//
//	+----------------+--------+---------------------+-----------------+
//	| uvarint(mlen)  | member | score, 8 bytes (LE) | backlen(mlen)   |
//	+----------------+--------+---------------------+-----------------+
//
// backlen is mlen's varint written backwards (its low group last), so an
// entry can be found from its end: reverse iteration, ZPOPMAX and
// ZREVRANGE do not rescan from the start. An element costs its member plus
// 10 bytes up to 127-byte members, about what Redis's listpack spends.
//
// Persistence, AOF rewriting and SORT read a sorted set with each (every
// element in ascending order), Len and compact (which encoding: RDB writes
// a listpack blob, whose scores zlpScoreText gives as Redis stores them,
// or a skiplist's pairs); they build one with newZSetSized, load for each
// element, then loaded, which picks the encoding Redis gives a set it
// loads.
//
// A ZSet is not safe for concurrent use: its key's shard lock guards it.
// The methods that only read (Len, score, rank, each, the positions and
// range lookups, scan) change nothing, so readers holding a shared lock may
// call them at the same time.
type ZSet struct {
	lp  []byte
	n   int   // elements in lp
	big *zbig // the skiplist encoding; nil while compact
}

// zlimits are the listpack thresholds in force for a command.
type zlimits struct{ entries, value int }

// zsetLimits reads zset-max-listpack-entries and -value.
func zsetLimits(c *Ctx) zlimits {
	return zlimits{
		entries: int(max(c.KS.Limits.ZSetMaxListpackEntries.Load(), 0)),
		value:   int(max(c.KS.Limits.ZSetMaxListpackValue.Load(), 0)),
	}
}

// zlpMaxSafe is Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows
// past 1 GiB.
const zlpMaxSafe = 1 << 30

// Len returns the number of elements.
func (z *ZSet) Len() int {
	if z.big != nil {
		return z.big.n
	}
	return z.n
}

// compact reports whether the set is in its listpack encoding.
func (z *ZSet) compact() bool { return z.big == nil }

// encoding is OBJECT ENCODING's answer for the set.
func (z *ZSet) encoding() string {
	if z.big != nil {
		return "skiplist"
	}
	return "listpack"
}

// clone returns a deep copy in the same encoding, for COPY.
func (z *ZSet) clone() *ZSet {
	if z.big == nil {
		return &ZSet{lp: slices.Clone(z.lp), n: z.n}
	}
	y := &ZSet{big: newZbig(z.big.n)}
	z.each(func(m []byte, s float64) bool {
		y.big.insert(m, s)
		return true
	})
	return y
}

// newZSetSized returns an empty set about to receive n elements loaded from
// a dump: a skiplist presized for them when n is over the listpack limit.
func newZSetSized(n int, lim zlimits) *ZSet {
	if n > lim.entries {
		return &ZSet{big: newZbig(n)}
	}
	return &ZSet{}
}

// load adds an element read from a dump, keeping the encoding it has, and
// reports false when the member is already there (a corrupt dump).
func (z *ZSet) load(m []byte, s float64) bool {
	if z.big != nil {
		if z.big.find(m) >= 0 {
			return false
		}
		z.big.insert(m, s)
		return true
	}
	if _, _, ok := z.lpFind(m); ok {
		return false
	}
	z.lpInsert(m, s)
	return true
}

// loaded finishes a load as Redis's rdbLoadObject does: a set that came as
// a listpack (fromListpack) becomes big only when it has more elements than
// the limit; one that came as member-score pairs becomes compact when it
// fits the listpack limits, and big when it does not.
func (z *ZSet) loaded(lim zlimits, fromListpack bool) {
	if fromListpack {
		if z.big == nil && z.n > lim.entries {
			z.toBig()
		}
		return
	}
	longest, total := 0, 0
	z.each(func(m []byte, _ float64) bool {
		longest = max(longest, len(m))
		total += len(m)
		return true
	})
	fits := z.Len() <= lim.entries && longest <= lim.value && total+32*z.Len() < zlpMaxSafe
	switch {
	case z.big == nil && !fits:
		z.toBig()
	case z.big != nil && fits:
		z.toCompact()
	}
}

// zlpScoreText appends score s as Redis's listpack holds it, which is how
// ZSCAN of a listpack (and an RDB listpack blob) shows it: an integral score
// within ±2^62 as an integer (zzlInsertAt's double2ll), any other as
// d2string prints it, %.17g.
func zlpScoreText(dst []byte, s float64) []byte {
	if s == math.Trunc(s) && s >= -zlpIntMax && s <= zlpIntMax {
		return strconv.AppendInt(dst, int64(s), 10)
	}
	return proto.AppendFloat17(dst, s)
}

// zlpIntMax is LLONG_MAX/2 as double2ll compares it: as a double, 2^62.
const zlpIntMax = 1 << 62

// each calls fn for every element in ascending order until fn returns
// false. The member bytes belong to the set.
func (z *ZSet) each(fn func(m []byte, s float64) bool) {
	for p := z.first(); p.valid(); p.next() {
		if !fn(p.member(), p.score()) {
			return
		}
	}
}

// toBig converts the set to the skiplist encoding.
func (z *ZSet) toBig() {
	b := newZbig(z.n)
	z.each(func(m []byte, s float64) bool {
		b.insert(m, s)
		return true
	})
	z.lp, z.n, z.big = nil, 0, b
}

// toCompact converts the set to the listpack encoding.
func (z *ZSet) toCompact() {
	var lp []byte
	n := 0
	z.each(func(m []byte, s float64) bool {
		lp = zlpAppend(lp, m, s)
		n++
		return true
	})
	z.lp, z.n, z.big = lp, n, nil
}

// --- single elements -------------------------------------------------------

// score returns m's score.
func (z *ZSet) score(m []byte) (float64, bool) {
	if z.big != nil {
		id := z.big.find(m)
		if id < 0 {
			return 0, false
		}
		return z.big.els[id].score, true
	}
	_, s, ok := z.lpFind(m)
	return s, ok
}

// ZADD's input flags and what zadd reports, as Redis's zsetAdd has them.
const (
	zaddIncr = 1 << iota
	zaddNX
	zaddXX
	zaddGT
	zaddLT

	zaddNaN = 1 << iota
	zaddAdded
	zaddUpdated
	zaddNop
)

// zadd adds m with score s, or updates it, following flags, as Redis's
// zsetAdd does, and returns what happened and the element's new score.
// With zaddIncr, s is added to the current score (0 for a new member); a
// NaN result changes nothing and reports zaddNaN. The set converts to its
// skiplist encoding first when m would not fit the listpack.
func (z *ZSet) zadd(m []byte, s float64, flags int, lim zlimits) (out int, newScore float64) {
	if math.IsNaN(s) {
		return zaddNaN, 0
	}
	cur, found := z.score(m)
	if found {
		if flags&zaddNX != 0 {
			return zaddNop, 0
		}
		if flags&zaddIncr != 0 {
			s += cur
			if math.IsNaN(s) {
				return zaddNaN, 0
			}
		}
		if flags&zaddLT != 0 && s >= cur || flags&zaddGT != 0 && s <= cur {
			return zaddNop, 0
		}
		if s != cur {
			z.setScore(m, s)
			return zaddUpdated, s
		}
		return 0, s
	}
	if flags&zaddXX != 0 {
		return zaddNop, 0
	}
	z.insertNew(m, s, lim)
	return zaddAdded, s
}

// insertNew adds m, which is not in the set, converting the set to the
// skiplist encoding first when m would not fit the listpack.
func (z *ZSet) insertNew(m []byte, s float64, lim zlimits) {
	if z.big == nil && (z.n+1 > lim.entries || len(m) > lim.value || len(z.lp)+len(m)+32 > zlpMaxSafe) {
		z.toBig()
	}
	if z.big != nil {
		z.big.insert(m, s)
		return
	}
	z.lpInsert(m, s)
}

// setScore moves m, which is in the set, to score s.
func (z *ZSet) setScore(m []byte, s float64) {
	if z.big != nil {
		z.big.setScore(z.big.find(m), m, s)
		return
	}
	off, _, _ := z.lpFind(m)
	z.lpDelete(off, 1)
	z.lpInsert(m, s)
}

// remove deletes m and reports whether it was there.
func (z *ZSet) remove(m []byte) bool {
	if z.big != nil {
		return z.big.remove(m)
	}
	off, _, ok := z.lpFind(m)
	if ok {
		z.lpDelete(off, 1)
	}
	return ok
}

// rank returns m's 0-based rank in ascending order.
func (z *ZSet) rank(m []byte) (int, bool) {
	if z.big != nil {
		id := z.big.find(m)
		if id < 0 {
			return 0, false
		}
		return z.big.treeRank(z.big.els[id].score, m), true
	}
	r := 0
	for off := 0; off < len(z.lp); r++ {
		em, _, next := zlpEntry(z.lp, off)
		if bytes.Equal(em, m) {
			return r, true
		}
		off = next
	}
	return 0, false
}

// --- positions -------------------------------------------------------------

// zpos is a position in a set, valid until the set changes: an entry's
// offset in the listpack, or a leaf and index in the tree.
type zpos struct {
	z   *ZSet
	off int // listpack: entry offset; -1 or len(lp) past either end
	l   *zleaf
	i   int
}

func (p zpos) valid() bool {
	if p.z.big != nil {
		return p.l != nil
	}
	return p.off >= 0 && p.off < len(p.z.lp)
}

func (p zpos) member() []byte {
	if p.z.big != nil {
		return p.z.big.member(p.l.ids[p.i])
	}
	m, _, _ := zlpEntry(p.z.lp, p.off)
	return m
}

func (p zpos) score() float64 {
	if p.z.big != nil {
		return p.l.scores[p.i]
	}
	_, s, _ := zlpEntry(p.z.lp, p.off)
	return s
}

// next moves to the following element (past the end after the last).
func (p *zpos) next() {
	if p.z.big != nil {
		if p.i++; p.i == p.l.n {
			p.l, p.i = p.l.next, 0
		}
		return
	}
	_, _, p.off = zlpEntry(p.z.lp, p.off)
}

// prev moves to the preceding element (past the start before the first).
func (p *zpos) prev() {
	if p.z.big != nil {
		if p.i--; p.i < 0 {
			if p.l = p.l.prev; p.l != nil {
				p.i = p.l.n - 1
			}
		}
		return
	}
	if p.off <= 0 {
		p.off = -1
		return
	}
	p.off = zlpPrev(p.z.lp, p.off)
}

func (z *ZSet) first() zpos {
	if z.big != nil {
		l := z.big.tree.head
		if l.n == 0 {
			l = nil
		}
		return zpos{z: z, l: l}
	}
	return zpos{z: z}
}

func (z *ZSet) last() zpos {
	if z.big != nil {
		l := z.big.tree.tail
		if l.n == 0 {
			return zpos{z: z}
		}
		return zpos{z: z, l: l, i: l.n - 1}
	}
	if len(z.lp) == 0 {
		return zpos{z: z, off: -1}
	}
	return zpos{z: z, off: zlpPrev(z.lp, len(z.lp))}
}

// at returns the position of rank r, 0 <= r < Len.
func (z *ZSet) at(r int) zpos {
	if z.big != nil {
		l, i := z.big.treeAt(r)
		return zpos{z: z, l: l, i: i}
	}
	if r > z.n/2 {
		p := z.last()
		for k := z.n - 1; k > r; k-- {
			p.prev()
		}
		return p
	}
	p := z.first()
	for ; r > 0; r-- {
		p.next()
	}
	return p
}

// seekFirst returns the first element, and its rank, for which above is
// true: a scan from the start in the listpack (as Redis's), a tree search
// in the skiplist, where above must be false for a prefix of the elements
// and true for the rest. The position is invalid when there is none.
func (z *ZSet) seekFirst(above func(m []byte, s float64) bool) (zpos, int) {
	if b := z.big; b != nil {
		r := b.treeSeek(func(s float64, id int32) bool { return above(b.member(id), s) })
		if r == b.n {
			return zpos{z: z}, r
		}
		return z.at(r), r
	}
	r := 0
	p := z.first()
	for ; p.valid() && !above(p.member(), p.score()); p.next() {
		r++
	}
	return p, r
}

// seekLast returns the last element, and its rank, for which below is
// true: a scan from the end in the listpack, a tree search in the skiplist,
// where below must be true for a prefix and false for the rest.
func (z *ZSet) seekLast(below func(m []byte, s float64) bool) (zpos, int) {
	if b := z.big; b != nil {
		r := b.treeSeek(func(s float64, id int32) bool { return !below(b.member(id), s) }) - 1
		if r < 0 {
			return zpos{z: z}, r
		}
		return z.at(r), r
	}
	r := z.n - 1
	p := z.last()
	for ; p.valid() && !below(p.member(), p.score()); p.prev() {
		r--
	}
	return p, r
}

// removeRange deletes the k elements from rank r on.
func (z *ZSet) removeRange(r, k int) {
	if z.big != nil {
		for ; k > 0; k-- {
			z.big.removeRank(r)
		}
		return
	}
	z.lpDelete(z.at(r).off, k)
}

// randomRank returns a rank chosen uniformly at random; the set must not
// be empty.
func (z *ZSet) randomRank() int { return rand.IntN(z.Len()) }

// --- score and lexicographic ranges -----------------------------------------

// zrangeSpec is a score range, as Redis's zrangespec.
type zrangeSpec struct {
	min, max     float64
	minex, maxex bool
}

func (r *zrangeSpec) gteMin(s float64) bool {
	if r.minex {
		return s > r.min
	}
	return s >= r.min
}

func (r *zrangeSpec) lteMax(s float64) bool {
	if r.maxex {
		return s < r.max
	}
	return s <= r.max
}

// empty reports whether no score can be in the range.
func (r *zrangeSpec) empty() bool {
	return r.min > r.max || r.min == r.max && (r.minex || r.maxex)
}

// inRange reports whether part of the set may be in r, as Redis's
// zslIsInRange tests it before searching.
func (z *ZSet) inRange(r *zrangeSpec) bool {
	if r.empty() || z.Len() == 0 {
		return false
	}
	lp, fp := z.last(), z.first()
	return r.gteMin(lp.score()) && r.lteMax(fp.score())
}

// firstInRange returns the first element in r, and its rank.
func (z *ZSet) firstInRange(r *zrangeSpec) (zpos, int, bool) {
	if !z.inRange(r) {
		return zpos{}, 0, false
	}
	p, rank := z.seekFirst(func(_ []byte, s float64) bool { return r.gteMin(s) })
	if !p.valid() || !r.lteMax(p.score()) {
		return zpos{}, 0, false
	}
	return p, rank, true
}

// lastInRange returns the last element in r, and its rank.
func (z *ZSet) lastInRange(r *zrangeSpec) (zpos, int, bool) {
	if !z.inRange(r) {
		return zpos{}, 0, false
	}
	p, rank := z.seekLast(func(_ []byte, s float64) bool { return r.lteMax(s) })
	if !p.valid() || !r.gteMin(p.score()) {
		return zpos{}, 0, false
	}
	return p, rank, true
}

// zlexSpec is a lexicographic range, as Redis's zlexrangespec: a bound is
// a member, or -inf ("-") or +inf ("+").
type zlexSpec struct {
	min, max       []byte
	minInf, maxInf int // -1: "-", 1: "+", 0: the member in min or max
	minex, maxex   bool
}

// zlexCmp compares two bounds as Redis's sdscmplex: "-" is below and "+"
// above every member, and a bound is equal only to itself.
func zlexCmp(a []byte, ainf int, b []byte, binf int) int {
	switch {
	case ainf != 0 && ainf == binf:
		return 0
	case ainf < 0 || binf > 0:
		return -1
	case ainf > 0 || binf < 0:
		return 1
	}
	return bytes.Compare(a, b)
}

func (r *zlexSpec) gteMin(m []byte) bool {
	c := zlexCmp(m, 0, r.min, r.minInf)
	if r.minex {
		return c > 0
	}
	return c >= 0
}

func (r *zlexSpec) lteMax(m []byte) bool {
	c := zlexCmp(m, 0, r.max, r.maxInf)
	if r.maxex {
		return c < 0
	}
	return c <= 0
}

func (r *zlexSpec) empty() bool {
	c := zlexCmp(r.min, r.minInf, r.max, r.maxInf)
	return c > 0 || c == 0 && (r.minex || r.maxex)
}

func (z *ZSet) inLexRange(r *zlexSpec) bool {
	if r.empty() || z.Len() == 0 {
		return false
	}
	lp, fp := z.last(), z.first()
	return r.gteMin(lp.member()) && r.lteMax(fp.member())
}

// firstInLex returns the first element in r, and its rank.
func (z *ZSet) firstInLex(r *zlexSpec) (zpos, int, bool) {
	if !z.inLexRange(r) {
		return zpos{}, 0, false
	}
	p, rank := z.seekFirst(func(m []byte, _ float64) bool { return r.gteMin(m) })
	if !p.valid() || !r.lteMax(p.member()) {
		return zpos{}, 0, false
	}
	return p, rank, true
}

// lastInLex returns the last element in r, and its rank.
func (z *ZSet) lastInLex(r *zlexSpec) (zpos, int, bool) {
	if !z.inLexRange(r) {
		return zpos{}, 0, false
	}
	p, rank := z.seekLast(func(m []byte, _ float64) bool { return r.lteMax(m) })
	if !p.valid() || !r.gteMin(p.member()) {
		return zpos{}, 0, false
	}
	return p, rank, true
}

// --- the listpack encoding -----------------------------------------------------

// zlpVarLen returns the size of n as a varint.
func zlpVarLen(n int) int {
	k := 1
	for ; n >= 0x80; n >>= 7 {
		k++
	}
	return k
}

// zlpEntry decodes the entry at off: its member (the bytes belong to lp),
// its score and the offset of the next entry.
func zlpEntry(lp []byte, off int) (m []byte, s float64, next int) {
	mlen, vs := int(lp[off]), 1
	if mlen >= 0x80 {
		v, k := binary.Uvarint(lp[off:])
		mlen, vs = int(v), k
	}
	start := off + vs
	end := start + mlen
	s = math.Float64frombits(binary.LittleEndian.Uint64(lp[end:]))
	return lp[start:end:end], s, end + 8 + vs
}

// zlpPrev returns the offset of the entry that ends at end.
func zlpPrev(lp []byte, end int) int {
	i := end - 1
	mlen, shift, vs := 0, 0, 0
	for {
		c := lp[i]
		mlen |= int(c&0x7f) << shift
		shift += 7
		vs++
		i--
		if c&0x80 == 0 {
			break
		}
	}
	return end - 2*vs - mlen - 8
}

// zlpPut writes the entry for (m, s) at the start of dst, which is exactly
// its size.
func zlpPut(dst, m []byte, s float64) {
	vs := binary.PutUvarint(dst, uint64(len(m)))
	copy(dst[vs:], m)
	binary.LittleEndian.PutUint64(dst[vs+len(m):], math.Float64bits(s))
	back := dst[vs+len(m)+8:]
	// The varint's groups, low group last; all but the first byte carry the
	// continuation bit, since a reader meets the low group first.
	n := uint64(len(m))
	for i := len(back) - 1; i >= 0; i-- {
		c := byte(n & 0x7f)
		if i > 0 {
			c |= 0x80
		}
		back[i] = c
		n >>= 7
	}
}

func zlpSize(m []byte) int { return 2*zlpVarLen(len(m)) + len(m) + 8 }

// zlpAppend appends the entry for (m, s) to lp; a -0 score is kept as 0.
func zlpAppend(lp, m []byte, s float64) []byte {
	if s == 0 {
		s = 0
	}
	k := zlpSize(m)
	lp = slices.Grow(lp, k)
	lp = lp[:len(lp)+k]
	zlpPut(lp[len(lp)-k:], m, s)
	return lp
}

// lpFind returns the offset and score of m's entry.
func (z *ZSet) lpFind(m []byte) (off int, s float64, ok bool) {
	for off < len(z.lp) {
		em, es, next := zlpEntry(z.lp, off)
		if bytes.Equal(em, m) {
			return off, es, true
		}
		off = next
	}
	return 0, 0, false
}

// lpInsert adds (m, s), m not present, at its place in the order.
func (z *ZSet) lpInsert(m []byte, s float64) {
	if s == 0 {
		s = 0 // -0 is stored as the integer 0 in Redis's listpack
	}
	off := 0
	for off < len(z.lp) {
		em, es, next := zlpEntry(z.lp, off)
		if es > s || es == s && bytes.Compare(em, m) > 0 {
			break
		}
		off = next
	}
	k := zlpSize(m)
	n := len(z.lp)
	z.lp = slices.Grow(z.lp, k)[:n+k]
	copy(z.lp[off+k:], z.lp[off:n])
	zlpPut(z.lp[off:off+k], m, s)
	z.n++
}

// lpDelete removes k entries from offset off on.
func (z *ZSet) lpDelete(off, k int) {
	end := off
	for i := 0; i < k; i++ {
		_, _, end = zlpEntry(z.lp, end)
	}
	n := copy(z.lp[off:], z.lp[end:])
	z.lp = z.lp[:off+n]
	z.n -= k
	if cap(z.lp) > 256 && cap(z.lp) > 4*len(z.lp) {
		z.lp = slices.Clip(slices.Clone(z.lp))
	}
}
