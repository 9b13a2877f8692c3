package db

import (
	"encoding/binary"
	"math"
	"strconv"

	"redis-fast/proto"
)

// List is a list value, laid out as Redis's quicklist: a deque of nodes,
// each a packed run of entries of at most list-max-listpack-size (8 KiB by
// default). Pushing and popping at either end is O(1) and, once the end
// nodes have room, allocates nothing; a list of n short elements costs about
// n*(len+2) bytes plus one small header per node, as Redis's listpacks do,
// and the garbage collector sees one pointer per node, not one per element.
//
// An entry is its length as a uvarint, the bytes, and the length again as a
// uvarint written backwards, so a node can be walked from either end:
//
//	entry:  [uvarint len][bytes ...][reversed uvarint len]
//	node:   b = [free][entry][entry]...[entry][free]
//	                 ^lo                       ^hi
//
// A node keeps free room at both ends, so a push at either end writes in
// place. Live nodes are never empty; an empty List is deleted from the
// keyspace by the command that emptied it, as Redis never keeps one.
//
// The byte slices a List returns (pops, iteration, index) point into its
// nodes: they stay valid only until the list next changes. A List is guarded
// by its key's shard lock; it is not safe for concurrent use.
//
// For persistence: each visits the elements head to tail, and newList
// followed by pushRight for each element builds the list back.
type List struct {
	arr []listNode // backing array: the live nodes are arr[off:off+cnt]
	n   int        // number of elements
	off int32
	cnt int32
	// fill is list-max-listpack-size when the list was created: as in
	// Redis, a configuration change applies to the lists created after it.
	fill int32
}

// listNode is one packed run of entries, in b[lo:hi]. The slot just outside
// the live range at either end (arr[off-1], arr[off+cnt]) may keep the
// buffer of the node last dropped there, for the next node created at that
// end, so a list that keeps crossing a node boundary does not allocate each
// time.
type listNode struct {
	b      []byte // len(b) == cap(b)
	lo, hi uint32
	n      uint32 // entries
}

// listSafetyLimit caps a node's bytes when list-max-listpack-size counts
// entries rather than bytes (Redis's SIZE_SAFETY_LIMIT).
const listSafetyLimit = 8192

// newList returns an empty list whose nodes follow list-max-listpack-size
// fill: -1..-5 for 4 KiB..64 KiB per node, or a number of entries.
func newList(fill int64) *List {
	return &List{fill: int32(max(min(fill, math.MaxInt32), math.MinInt32))}
}

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

// encoding is OBJECT ENCODING's answer: Redis 7.0 keeps every list in a
// quicklist, however short.
func (l *List) encoding() string { return "quicklist" }

// live returns the live nodes, head first.
func (l *List) live() []listNode { return l.arr[l.off : l.off+l.cnt] }

func (l *List) node(i int) *listNode { return &l.arr[int(l.off)+i] }

// limits returns how many bytes and entries a node may hold.
func (l *List) limits() (size, count int) {
	if l.fill >= 0 {
		return listSafetyLimit, int(l.fill)
	}
	level := min(-int(l.fill)-1, 4)
	return 4096 << level, math.MaxInt
}

// fits reports whether nd may take one more entry of e bytes. An empty node
// takes any entry, however big, and a fill of 0 leaves one entry per node,
// as in Redis.
func (l *List) fits(nd *listNode, e int) bool {
	if nd.n == 0 {
		return true
	}
	size, count := l.limits()
	return nd.used()+e <= size && int(nd.n) < count
}

// tooBig reports whether nd should be split because a change in its middle
// took it past the limits.
func (l *List) tooBig(nd *listNode) bool {
	size, count := l.limits()
	return nd.n > 1 && (nd.used() > size || int(nd.n) > max(count, 1))
}

// --- entries ---------------------------------------------------------------

// listVarLen is the number of bytes of x as a uvarint.
func listVarLen(x int) int {
	k := 1
	for ; x >= 0x80; x >>= 7 {
		k++
	}
	return k
}

// listEntrySize is the packed size of an element of n bytes.
func listEntrySize(n int) int { return n + 2*listVarLen(n) }

// listPut writes v as an entry into dst, which is listEntrySize(len(v))
// bytes long.
func listPut(dst, v []byte) {
	k := binary.PutUvarint(dst, uint64(len(v)))
	copy(dst[k:], v)
	i := len(dst) - 1
	x := uint64(len(v))
	for ; x >= 0x80; x >>= 7 {
		dst[i] = byte(x) | 0x80
		i--
	}
	dst[i] = byte(x)
}

// listNext returns the element whose entry starts at b[at] and the offset
// of the entry after it.
func listNext(b []byte, at int) (v []byte, next int) {
	if x := b[at]; x < 0x80 {
		end := at + 1 + int(x)
		return b[at+1 : end], end + 1
	}
	x, k := binary.Uvarint(b[at:])
	start := at + k
	end := start + int(x)
	return b[start:end], end + k
}

// listPrev returns the element whose entry ends at b[end-1] and the offset
// where that entry starts.
func listPrev(b []byte, end int) (v []byte, start int) {
	if x := b[end-1]; x < 0x80 {
		s := end - 1 - int(x)
		return b[s : end-1], s - 1
	}
	var x uint64
	k := 0
	for shift := 0; ; shift += 7 {
		c := b[end-1-k]
		k++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	s := end - k - int(x)
	return b[s : end-k], s - k
}

// --- nodes -----------------------------------------------------------------

func (nd *listNode) used() int { return int(nd.hi - nd.lo) }

// listBuf returns a zeroed buffer of at least n bytes: the whole size class
// the allocator gives for n.
func listBuf(n int) []byte {
	b := append([]byte(nil), make([]byte, n)...)
	return b[:cap(b)]
}

// listGrowTo returns the size a node buffer of c bytes grows to when it must
// hold need bytes: double, but not past the node limit unless one entry
// needs more.
func listGrowTo(c, need, limit int) int {
	n := max(2*c, need)
	if n > limit {
		n = max(limit, need)
	}
	return n
}

// reserveFront makes room for e bytes before lo: small buffers double,
// big ones slide their entries, leaving the front at least half the room.
func (nd *listNode) reserveFront(e, limit int) {
	if int(nd.lo) >= e {
		return
	}
	used, c := nd.used(), len(nd.b)
	if used+e <= c && c >= limit/2 {
		free := c - used
		lo := free - (free-e)/2
		copy(nd.b[lo:], nd.b[nd.lo:nd.hi])
		nd.lo, nd.hi = uint32(lo), uint32(lo+used)
		return
	}
	b := listBuf(listGrowTo(c, used+e, limit))
	lo := len(b) - used
	copy(b[lo:], nd.b[nd.lo:nd.hi])
	nd.b, nd.lo, nd.hi = b, uint32(lo), uint32(len(b))
}

// reserveBack makes room for e bytes after hi, as reserveFront.
func (nd *listNode) reserveBack(e, limit int) {
	if len(nd.b)-int(nd.hi) >= e {
		return
	}
	used, c := nd.used(), len(nd.b)
	if used+e <= c && c >= limit/2 {
		free := c - used
		lo := (free - e) / 2
		copy(nd.b[lo:], nd.b[nd.lo:nd.hi])
		nd.lo, nd.hi = uint32(lo), uint32(lo+used)
		return
	}
	b := listBuf(listGrowTo(c, used+e, limit))
	copy(b, nd.b[nd.lo:nd.hi])
	nd.b, nd.lo, nd.hi = b, 0, uint32(used)
}

// splice replaces the del bytes at b[at:] with room for add bytes and
// returns where the room starts, moving the shorter side of the node.
func (nd *listNode) splice(at, del, add, limit int) int {
	diff := add - del
	lo, hi := int(nd.lo), int(nd.hi)
	switch {
	case diff == 0:
	case diff < 0 && at-lo < hi-at-del:
		copy(nd.b[lo-diff:], nd.b[lo:at])
		nd.lo = uint32(lo - diff)
		at -= diff
	case diff < 0:
		copy(nd.b[at+add:], nd.b[at+del:hi])
		nd.hi = uint32(hi + diff)
	case len(nd.b)-hi >= diff && (lo < diff || hi-at-del <= at-lo):
		copy(nd.b[at+add:], nd.b[at+del:hi])
		nd.hi = uint32(hi + diff)
	case lo >= diff:
		copy(nd.b[lo-diff:], nd.b[lo:at])
		nd.lo = uint32(lo - diff)
		at -= diff
	default:
		used := hi - lo
		b := listBuf(listGrowTo(len(nd.b), used+diff, limit))
		n := copy(b, nd.b[lo:at])
		copy(b[n+add:], nd.b[at+del:hi])
		nd.b, nd.lo, nd.hi = b, 0, uint32(used+diff)
		at = n
	}
	return at
}

// --- the node deque --------------------------------------------------------

// insertNode makes an empty node at live index i (0..cnt) and returns it.
// At an end it reuses the buffer kept in the slot there, if any.
func (l *List) insertNode(i int) *listNode {
	off, cnt := int(l.off), int(l.cnt)
	reuse := false
	switch {
	case i == 0 && off > 0:
		l.off--
		reuse = true
	case i == cnt && off+cnt < len(l.arr):
		reuse = true
	case i == 0 || i == cnt:
		l.regrow(i == 0)
		return l.insertNode(i)
	case off+cnt < len(l.arr):
		copy(l.arr[off+i+1:], l.arr[off+i:off+cnt])
	case off > 0:
		copy(l.arr[off-1:], l.arr[off:off+i])
		l.off--
	default:
		l.regrow(false)
		return l.insertNode(i)
	}
	l.cnt++
	nd := l.node(i)
	switch {
	case !reuse:
		*nd = listNode{}
	case i == 0:
		nd.lo, nd.hi, nd.n = uint32(len(nd.b)), uint32(len(nd.b)), 0
	default:
		nd.lo, nd.hi, nd.n = 0, 0, 0
	}
	return nd
}

// regrow moves the live nodes to one end of the array, doubling it unless
// at least half of it is free, so that the other end (the front when front
// is set) has free slots.
func (l *List) regrow(front bool) {
	off, cnt := int(l.off), int(l.cnt)
	arr := l.arr
	if cnt+1 > len(arr)/2 {
		arr = make([]listNode, max(2*len(arr), 1))
	}
	to := 0
	if front {
		to = len(arr) - cnt
	}
	copy(arr[to:], l.arr[off:off+cnt])
	for j := range arr {
		if j < to || j >= to+cnt {
			arr[j] = listNode{}
		}
	}
	l.arr, l.off = arr, int32(to)
}

// removeNode drops the live node i. At an end the node's buffer is kept in
// the slot it leaves, and the buffer kept there before is freed.
func (l *List) removeNode(i int) {
	off, cnt := int(l.off), int(l.cnt)
	switch {
	case i == 0:
		if off > 0 {
			l.arr[off-1] = listNode{}
		}
		l.off++
	case i == cnt-1:
		if off+cnt < len(l.arr) {
			l.arr[off+cnt] = listNode{}
		}
	default:
		copy(l.arr[off+i:], l.arr[off+i+1:off+cnt])
		l.arr[off+cnt-1] = listNode{}
		if off+cnt < len(l.arr) {
			l.arr[off+cnt-1], l.arr[off+cnt] = l.arr[off+cnt], listNode{}
		}
	}
	l.cnt--
	if len(l.arr) >= 64 && int(l.cnt)*8 < len(l.arr) {
		l.shrink()
	}
}

// shrink moves the live nodes into an array a quarter the size, when a list
// that had many nodes has few left, dropping the buffers kept at the ends.
func (l *List) shrink() {
	arr := make([]listNode, len(l.arr)/4)
	to := (len(arr) - int(l.cnt)) / 2
	copy(arr[to:], l.live())
	l.arr, l.off = arr, int32(to)
}

// --- the list operations ---------------------------------------------------

// pushLeft adds a copy of v at the head.
func (l *List) pushLeft(v []byte) {
	e := listEntrySize(len(v))
	if l.cnt == 0 || !l.fits(l.node(0), e) {
		l.insertNode(0)
	}
	nd := l.node(0)
	size, count := l.limits()
	nd.reserveFront(max(e, l.newEndRoom(nd, e, size, count)), size)
	nd.lo -= uint32(e)
	listPut(nd.b[nd.lo:nd.lo+uint32(e)], v)
	nd.n++
	l.n++
}

// pushRight adds a copy of v at the tail.
func (l *List) pushRight(v []byte) {
	e := listEntrySize(len(v))
	if l.cnt == 0 || !l.fits(l.node(int(l.cnt)-1), e) {
		l.insertNode(int(l.cnt))
	}
	nd := l.node(int(l.cnt) - 1)
	size, count := l.limits()
	nd.reserveBack(max(e, l.newEndRoom(nd, e, size, count)), size)
	listPut(nd.b[nd.hi:nd.hi+uint32(e)], v)
	nd.hi += uint32(e)
	nd.n++
	l.n++
}

// newEndRoom is the room to give nd, a node at one end of l about to take
// an entry of e bytes: when nd is empty and l has other nodes, what a full
// node holds (size bytes, or count entries like this one). Such a list has
// just filled a node and is likely to fill this one too, and growing it by
// doubling from one entry allocated (and zeroed) about twice the node on
// the way, which for 1 KiB values was most of a push's cost. A list of one
// node still starts small.
func (l *List) newEndRoom(nd *listNode, e, size, count int) int {
	if nd.n != 0 || l.cnt < 2 || len(nd.b) >= size {
		return 0
	}
	if count < size/e {
		return count * e
	}
	return size
}

// push adds a copy of v at the head (left) or the tail.
func (l *List) push(v []byte, left bool) {
	if left {
		l.pushLeft(v)
	} else {
		l.pushRight(v)
	}
}

// popLeft removes the head element and returns it; the list must not be
// empty. The bytes stay valid until the list next changes.
func (l *List) popLeft() []byte {
	nd := l.node(0)
	v, next := listNext(nd.b, int(nd.lo))
	nd.lo = uint32(next)
	nd.n--
	l.n--
	if nd.n == 0 {
		l.removeNode(0)
	}
	return v
}

// popRight removes the tail element and returns it, as popLeft.
func (l *List) popRight() []byte {
	i := int(l.cnt) - 1
	nd := l.node(i)
	v, start := listPrev(nd.b, int(nd.hi))
	nd.hi = uint32(start)
	nd.n--
	l.n--
	if nd.n == 0 {
		l.removeNode(i)
	}
	return v
}

// pop removes an element from the head (left) or the tail, as popLeft.
func (l *List) pop(left bool) []byte {
	if left {
		return l.popLeft()
	}
	return l.popRight()
}

// seek returns the node holding element i (0 <= i < Len) and the offset of
// its entry, walking from the nearer end of the list and of the node.
func (l *List) seek(i int) (ni, at int) {
	nodes := l.live()
	if i < l.n/2 {
		for ; i >= int(nodes[ni].n); ni++ {
			i -= int(nodes[ni].n)
		}
	} else {
		j := l.n - 1 - i
		for ni = len(nodes) - 1; j >= int(nodes[ni].n); ni-- {
			j -= int(nodes[ni].n)
		}
		i = int(nodes[ni].n) - 1 - j
	}
	nd := &nodes[ni]
	if i <= int(nd.n)/2 {
		at = int(nd.lo)
		for ; i > 0; i-- {
			_, at = listNext(nd.b, at)
		}
		return ni, at
	}
	at = int(nd.hi)
	for k := int(nd.n) - i; k > 0; k-- {
		_, at = listPrev(nd.b, at)
	}
	return ni, at
}

// index returns element i, 0 <= i < Len.
func (l *List) index(i int) []byte {
	ni, at := l.seek(i)
	v, _ := listNext(l.node(ni).b, at)
	return v
}

// set replaces element i, 0 <= i < Len, with a copy of v.
func (l *List) set(i int, v []byte) {
	ni, at := l.seek(i)
	nd := l.node(ni)
	old, next := listNext(nd.b, at)
	e := listEntrySize(len(v))
	if e == next-at { // then len(v) == len(old)
		copy(old, v)
		return
	}
	size, _ := l.limits()
	at = nd.splice(at, next-at, e, size)
	listPut(nd.b[at:at+e], v)
	l.split(ni)
}

// insert adds a copy of v before (or after) the element whose entry starts
// at offset at of node ni.
func (l *List) insert(ni, at int, v []byte, after bool) {
	nd := l.node(ni)
	if after {
		_, at = listNext(nd.b, at)
	}
	e := listEntrySize(len(v))
	size, _ := l.limits()
	at = nd.splice(at, 0, e, size)
	listPut(nd.b[at:at+e], v)
	nd.n++
	l.n++
	l.split(ni)
}

// split divides node ni in two, and the halves again, until no node is past
// the limits (a node of a single entry may be).
func (l *List) split(ni int) {
	nd := l.node(ni)
	if !l.tooBig(nd) {
		return
	}
	_, count := l.limits()
	byCount := int(nd.n) > max(count, 1)
	// Cut at the first entry boundary past the middle, by entries or by
	// bytes, keeping both halves non-empty.
	mid := int(nd.lo) + nd.used()/2
	at, prev, k := int(nd.lo), int(nd.lo), 0
	for {
		prev = at
		_, at = listNext(nd.b, at)
		k++
		if byCount && k >= int(nd.n)/2 || !byCount && at >= mid {
			break
		}
	}
	if at == int(nd.hi) {
		at, k = prev, k-1
	}
	right := listBuf(int(nd.hi) - at)
	rlen := copy(right, nd.b[at:nd.hi])
	rn := nd.n - uint32(k)
	nd.hi, nd.n = uint32(at), uint32(k)
	r := l.insertNode(ni + 1)
	r.b, r.lo, r.hi, r.n = right, 0, uint32(rlen), rn
	l.split(ni + 1)
	l.split(ni)
}

// find returns the node and entry offset of the first element equal to v,
// from the head, or ok false.
func (l *List) find(v []byte) (ni, at int, ok bool) {
	for ni = range l.live() {
		nd := l.node(ni)
		for at = int(nd.lo); at < int(nd.hi); {
			e, next := listNext(nd.b, at)
			if string(e) == string(v) {
				return ni, at, true
			}
			at = next
		}
	}
	return 0, 0, false
}

// delRange removes count elements from index start on (all in range).
func (l *List) delRange(start, count int) {
	if count <= 0 {
		return
	}
	size, _ := l.limits()
	ni, at := l.seek(start)
	for count > 0 {
		nd := l.node(ni)
		if at == int(nd.lo) && count >= int(nd.n) {
			count -= int(nd.n)
			l.n -= int(nd.n)
			l.removeNode(ni)
		} else {
			end, k := at, 0
			for ; k < count && end < int(nd.hi); k++ {
				_, end = listNext(nd.b, end)
			}
			nd.splice(at, end-at, 0, size)
			nd.n -= uint32(k)
			l.n -= k
			count -= k
			ni++
		}
		if count > 0 {
			at = int(l.node(ni).lo)
		}
	}
}

// removeMatches removes the elements equal to v, at most limit of them (0:
// all), from the head on or, when fromTail, from the tail back, and returns
// how many it removed.
func (l *List) removeMatches(v []byte, limit int, fromTail bool) int {
	removed := 0
	ni, step := 0, 1
	if fromTail {
		ni, step = int(l.cnt)-1, -1
	}
	for ni >= 0 && ni < int(l.cnt) && (limit == 0 || removed < limit) {
		nd := l.node(ni)
		keep := 0 // matches this node keeps at its head
		if fromTail && limit != 0 {
			keep = max(0, nd.count(v)-(limit-removed))
		}
		removed += nd.compact(v, keep, limit-removed, limit == 0)
		if nd.n == 0 {
			l.removeNode(ni)
			if !fromTail {
				continue
			}
		}
		ni += step
	}
	l.n -= removed
	l.merge()
	return removed
}

// count returns the number of elements of the node equal to v.
func (nd *listNode) count(v []byte) int {
	n := 0
	for at := int(nd.lo); at < int(nd.hi); {
		e, next := listNext(nd.b, at)
		if string(e) == string(v) {
			n++
		}
		at = next
	}
	return n
}

// compact removes the node's elements equal to v but the first keep, at
// most most of them (unless all), and returns how many it removed.
func (nd *listNode) compact(v []byte, keep, most int, all bool) int {
	w, removed := int(nd.lo), 0
	for at := int(nd.lo); at < int(nd.hi); {
		e, next := listNext(nd.b, at)
		drop := string(e) == string(v) && (all || removed < most)
		if drop && keep > 0 {
			keep--
			drop = false
		}
		if drop {
			removed++
		} else {
			w += copy(nd.b[w:], nd.b[at:next])
		}
		at = next
	}
	nd.hi = uint32(w)
	nd.n -= uint32(removed)
	return removed
}

// merge joins neighbouring nodes that fit in one together, after removals
// in the middle left them part empty.
func (l *List) merge() {
	size, count := l.limits()
	for i := 0; i+1 < int(l.cnt); {
		a, b := l.node(i), l.node(i+1)
		if a.used()+b.used() > size || int(a.n+b.n) > max(count, 1) {
			i++
			continue
		}
		a.reserveBack(b.used(), size)
		copy(a.b[a.hi:], b.b[b.lo:b.hi])
		a.hi += uint32(b.used())
		a.n += b.n
		l.removeNode(i + 1)
	}
}

// each calls fn with every element, head to tail, until fn returns false.
// The list must not change meanwhile.
func (l *List) each(fn func(v []byte) bool) {
	for i := range l.live() {
		nd := l.node(i)
		for at := int(nd.lo); at < int(nd.hi); {
			v, next := listNext(nd.b, at)
			if !fn(v) {
				return
			}
			at = next
		}
	}
}

// clone returns a deep copy, for COPY.
func (l *List) clone() *List {
	c := &List{fill: l.fill, n: l.n, cnt: l.cnt, arr: make([]listNode, l.cnt)}
	for i, nd := range l.live() {
		b := listBuf(nd.used())
		copy(b, nd.b[nd.lo:nd.hi])
		c.arr[i] = listNode{b: b, hi: uint32(nd.used()), n: nd.n}
	}
	return c
}

// appendBulks appends n elements from index i on (all in range) to b as
// RESP bulk strings, the reply of LRANGE. b grows once, by the size of the
// nodes the range covers: growing node by node would copy a big reply
// (a hundred 1 KiB elements) over and over.
func (l *List) appendBulks(b []byte, i, n int) []byte {
	ni, at := l.seek(i)
	// An entry's header and CRLFs take at most 16 bytes more than its
	// packed size.
	need := 0
	for j, left := ni, n; left > 0; j++ {
		nd := l.node(j)
		need += nd.used() + 16*int(nd.n)
		left -= int(nd.n)
	}
	b = proto.Grow(b, need)
	for n > 0 {
		nd := l.node(ni)
		for ; at < int(nd.hi) && n > 0; n-- {
			if x := int(nd.b[at]); x < 10 { // the common short element
				b = append(b, '$', byte('0'+x), '\r', '\n')
				b = append(b, nd.b[at+1:at+1+x]...)
				b = append(b, '\r', '\n')
				at += x + 2
				continue
			}
			var v []byte
			v, at = listNext(nd.b, at)
			b = listAppendBulk(b, v)
		}
		if ni++; n > 0 {
			at = int(l.node(ni).lo)
		}
	}
	return b
}

// listAppendBulk appends v as a RESP bulk string.
func listAppendBulk(b, v []byte) []byte {
	switch n := len(v); {
	case n < 10:
		b = append(b, '$', byte('0'+n), '\r', '\n')
	case n < 100:
		b = append(b, '$', byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	default:
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, '\r', '\n')
	}
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// listIter walks a list from an element towards the tail (next) or towards
// the head (prev). The list must not change while it walks, and the caller
// stops at the end.
type listIter struct {
	l  *List
	ni int
	at int // next: where the next entry starts; prev: where it ends
}

// iter returns an iterator whose next returns element i, then i+1, ...
func (l *List) iter(i int) listIter {
	ni, at := l.seek(i)
	return listIter{l: l, ni: ni, at: at}
}

// iterBack returns an iterator whose prev returns element i, then i-1, ...
func (l *List) iterBack(i int) listIter {
	ni, at := l.seek(i)
	_, end := listNext(l.node(ni).b, at)
	return listIter{l: l, ni: ni, at: end}
}

// next returns the next element towards the tail.
func (it *listIter) next() []byte {
	nd := it.l.node(it.ni)
	if it.at >= int(nd.hi) {
		it.ni++
		nd = it.l.node(it.ni)
		it.at = int(nd.lo)
	}
	v, next := listNext(nd.b, it.at)
	it.at = next
	return v
}

// prev returns the next element towards the head.
func (it *listIter) prev() []byte {
	nd := it.l.node(it.ni)
	if it.at <= int(nd.lo) {
		it.ni--
		nd = it.l.node(it.ni)
		it.at = int(nd.hi)
	}
	v, start := listPrev(nd.b, it.at)
	it.at = start
	return v
}
