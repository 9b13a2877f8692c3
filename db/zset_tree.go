package db

import (
	"bytes"
	"unsafe"
)

// The order of a big sorted set: a B+tree of element ids sorted by (score,
// member), where every inner node knows how many elements each child holds,
// so that rank, select-by-rank and range bounds cost O(log n) as Redis's
// skiplist with spans does, with a few cache misses instead of a pointer
// chase per level. Leaves carry the scores next to the ids, so a search
// compares members (in the arena) only between equal scores; the leaves are
// linked both ways for iteration.
//
// Every inner node keeps, for each child, the child's first element (score
// and id) as its separator, refreshed on the way back up from every change,
// so a separator always names a live element.
//
// A leaf that splits at the end of the last leaf (ascending inserts) or the
// start of the first (descending ones, as a dump of a big set loads) keeps
// itself full; other splits are even. A node under a quarter full is merged
// with a sibling, or takes elements from it.

const (
	zLeafCap  = 80 // 80*12 bytes plus the header fits Go's 1 KiB size class
	zInnerCap = 64
	zLeafMin  = zLeafCap / 4
	zInnerMin = zInnerCap / 4
)

type zleaf struct {
	n          int
	scores     [zLeafCap]float64
	ids        [zLeafCap]int32
	prev, next *zleaf
}

type zinner struct {
	n      int
	counts [zInnerCap]int     // elements under each child
	scores [zInnerCap]float64 // each child's first element
	ids    [zInnerCap]int32
	kids   [zInnerCap]unsafe.Pointer // *zleaf at height 1, else *zinner
}

// ztree is the tree: root is a *zleaf when height is 0.
//
// The last leaf and inner node it let go are kept for its next split: an
// insert and a delete at the same spot of a full leaf (ZADD then ZPOPMIN at
// the low end) would otherwise allocate and free a node every time.
type ztree struct {
	root       unsafe.Pointer
	height     int
	head, tail *zleaf
	spareLeaf  *zleaf
	spareInner *zinner
}

func (t *ztree) newLeaf() *zleaf {
	if l := t.spareLeaf; l != nil {
		t.spareLeaf = nil
		return l
	}
	return &zleaf{}
}

// freeLeaf takes back l, which is empty and unlinked.
func (t *ztree) freeLeaf(l *zleaf) {
	if t.spareLeaf == nil {
		t.spareLeaf = l
	}
}

func (t *ztree) newInner() *zinner {
	if in := t.spareInner; in != nil {
		t.spareInner = nil
		return in
	}
	return &zinner{}
}

// freeInner takes back in, which has no children left.
func (t *ztree) freeInner(in *zinner) {
	if t.spareInner == nil {
		t.spareInner = in
	}
}

func (t *ztree) init() {
	l := &zleaf{}
	t.root, t.height, t.head, t.tail = unsafe.Pointer(l), 0, l, l
}

// cmpKey compares (s, m) with element (s2, id2).
func (b *zbig) cmpKey(s float64, m []byte, s2 float64, id2 int32) int {
	switch {
	case s < s2:
		return -1
	case s > s2:
		return 1
	}
	return bytes.Compare(m, b.member(id2))
}

// childFor returns the child of in whose range holds (s, m): the last one
// whose first element is not above it (the first child if none).
func (b *zbig) childFor(in *zinner, s float64, m []byte) int {
	lo, hi := 1, in.n // answer in [0, n)
	for lo < hi {
		mid := (lo + hi) / 2
		if b.cmpKey(s, m, in.scores[mid], in.ids[mid]) >= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - 1
}

// leafSearch returns the index of the first element of l not below (s, m).
func (b *zbig) leafSearch(l *zleaf, s float64, m []byte) int {
	lo, hi := 0, l.n
	for lo < hi {
		mid := (lo + hi) / 2
		if b.cmpKey(s, m, l.scores[mid], l.ids[mid]) > 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// size returns the number of elements under node p of height h.
func size(p unsafe.Pointer, h int) int {
	if h == 0 {
		return (*zleaf)(p).n
	}
	in := (*zinner)(p)
	n := 0
	for _, c := range in.counts[:in.n] {
		n += c
	}
	return n
}

// firstKey returns the first element of node p of height h.
func firstKey(p unsafe.Pointer, h int) (float64, int32) {
	if h == 0 {
		l := (*zleaf)(p)
		return l.scores[0], l.ids[0]
	}
	in := (*zinner)(p)
	return in.scores[0], in.ids[0]
}

func (in *zinner) refresh(i, h int) {
	in.scores[i], in.ids[i] = firstKey(in.kids[i], h)
}

// --- insertion -------------------------------------------------------------

// treeInsert adds element id, (s, m), which must not be in the tree.
func (b *zbig) treeInsert(s float64, m []byte, id int32) {
	t := &b.tree
	right := b.insertRec(t.root, t.height, s, m, id, true, true)
	if right == nil {
		return
	}
	root := t.newInner()
	root.n = 2
	root.kids[0], root.kids[1] = t.root, right
	for i := 0; i < 2; i++ {
		root.counts[i] = size(root.kids[i], t.height)
		root.refresh(i, t.height)
	}
	t.root = unsafe.Pointer(root)
	t.height++
}

// insertRec adds (s, m, id) under node p of height h and returns the new
// right sibling of p when p had to split. first and last tell whether p is
// on the tree's left or right edge.
func (b *zbig) insertRec(p unsafe.Pointer, h int, s float64, m []byte, id int32, first, last bool) unsafe.Pointer {
	if h == 0 {
		return b.leafInsert((*zleaf)(p), b.leafSearch((*zleaf)(p), s, m), s, id)
	}
	in := (*zinner)(p)
	i := b.childFor(in, s, m)
	right := b.insertRec(in.kids[i], h-1, s, m, id, first && i == 0, last && i == in.n-1)
	if right == nil {
		in.counts[i]++
		in.refresh(i, h-1)
		return nil
	}
	in.counts[i] = size(in.kids[i], h-1)
	in.refresh(i, h-1)
	return b.innerInsert(in, i+1, right, h-1, first, last)
}

// leafInsert puts (s, id) at index pos of l, splitting l when it is full;
// it returns the new right sibling, if any.
func (b *zbig) leafInsert(l *zleaf, pos int, s float64, id int32) unsafe.Pointer {
	if l.n < zLeafCap {
		l.insertAt(pos, s, id)
		return nil
	}
	at := zLeafCap / 2
	switch {
	case pos == zLeafCap && l.next == nil:
		at = zLeafCap
	case pos == 0 && l.prev == nil:
		at = 0
	}
	r := b.tree.newLeaf()
	r.n = copy(r.scores[:], l.scores[at:l.n])
	copy(r.ids[:], l.ids[at:l.n])
	l.n = at
	r.prev, r.next = l, l.next
	if l.next != nil {
		l.next.prev = r
	} else {
		b.tree.tail = r
	}
	l.next = r
	if pos < at || pos == at && at < zLeafCap {
		l.insertAt(pos, s, id)
	} else {
		r.insertAt(pos-at, s, id)
	}
	return unsafe.Pointer(r)
}

func (l *zleaf) insertAt(pos int, s float64, id int32) {
	copy(l.scores[pos+1:l.n+1], l.scores[pos:l.n])
	copy(l.ids[pos+1:l.n+1], l.ids[pos:l.n])
	l.scores[pos], l.ids[pos] = s, id
	l.n++
}

// innerInsert puts child kid (of height h) at index pos of in, splitting in
// when it is full; it returns in's new right sibling, if any. On the tree's
// edges, growing outwards, the split leaves in full.
func (b *zbig) innerInsert(in *zinner, pos int, kid unsafe.Pointer, h int, first, last bool) unsafe.Pointer {
	if in.n < zInnerCap {
		in.insertKid(pos, kid, h)
		return nil
	}
	at := zInnerCap / 2
	switch {
	case pos == zInnerCap && last:
		at = zInnerCap
	case pos == 1 && first:
		at = 1
	}
	r := b.tree.newInner()
	r.n = copy(r.kids[:], in.kids[at:in.n])
	copy(r.counts[:], in.counts[at:in.n])
	copy(r.scores[:], in.scores[at:in.n])
	copy(r.ids[:], in.ids[at:in.n])
	clear(in.kids[at:in.n])
	in.n = at
	if pos < at || pos == at && at < zInnerCap {
		in.insertKid(pos, kid, h)
	} else {
		r.insertKid(pos-at, kid, h)
	}
	return unsafe.Pointer(r)
}

func (in *zinner) insertKid(pos int, kid unsafe.Pointer, h int) {
	n := in.n
	copy(in.kids[pos+1:n+1], in.kids[pos:n])
	copy(in.counts[pos+1:n+1], in.counts[pos:n])
	copy(in.scores[pos+1:n+1], in.scores[pos:n])
	copy(in.ids[pos+1:n+1], in.ids[pos:n])
	in.kids[pos] = kid
	in.counts[pos] = size(kid, h)
	in.refresh(pos, h)
	in.n++
}

// --- deletion --------------------------------------------------------------

// treeDelete removes the element (s, m), which must be in the tree.
func (b *zbig) treeDelete(s float64, m []byte) {
	b.deleteRec(b.tree.root, b.tree.height, s, m, -1)
	b.collapseRoot()
}

// treeDeleteRank removes the element of rank r and returns its id.
func (b *zbig) treeDeleteRank(r int) int32 {
	id := b.deleteRec(b.tree.root, b.tree.height, 0, nil, r)
	b.collapseRoot()
	return id
}

func (b *zbig) collapseRoot() {
	t := &b.tree
	for t.height > 0 && (*zinner)(t.root).n <= 1 {
		if (*zinner)(t.root).n == 0 {
			t.init()
			return
		}
		old := (*zinner)(t.root)
		t.root = old.kids[0]
		t.height--
		old.kids[0], old.n = nil, 0
		t.freeInner(old)
	}
}

// deleteRec removes from node p of height h the element of rank r, or, when
// r is negative, the element (s, m), and returns its id.
func (b *zbig) deleteRec(p unsafe.Pointer, h int, s float64, m []byte, r int) int32 {
	if h == 0 {
		l := (*zleaf)(p)
		pos := r
		if r < 0 {
			pos = b.leafSearch(l, s, m)
		}
		id := l.ids[pos]
		copy(l.scores[pos:l.n-1], l.scores[pos+1:l.n])
		copy(l.ids[pos:l.n-1], l.ids[pos+1:l.n])
		l.n--
		return id
	}
	in := (*zinner)(p)
	var i int
	if r < 0 {
		i = b.childFor(in, s, m)
	} else {
		for r >= in.counts[i] {
			r -= in.counts[i]
			i++
		}
	}
	id := b.deleteRec(in.kids[i], h-1, s, m, r)
	in.counts[i]--
	b.rebalance(in, i, h-1)
	return id
}

// rebalance fixes child i of in (of height h) after a deletion under it:
// an empty child goes, a child under a quarter full merges with or borrows
// from a sibling, and the separators are refreshed.
func (b *zbig) rebalance(in *zinner, i, h int) {
	n := in.counts[i]
	if h > 0 {
		n = (*zinner)(in.kids[i]).n
	}
	switch {
	case n == 0:
		b.dropKid(in, i, h)
		return
	case h == 0 && n >= zLeafMin, h > 0 && n >= zInnerMin, in.n == 1:
		in.refresh(i, h)
		return
	}
	// Work on the pair (j, j+1) that holds i.
	j := i
	if j == in.n-1 {
		j--
	}
	if h == 0 {
		b.balanceLeaves(in, j)
	} else {
		b.balanceInners(in, j)
	}
}

// dropKid removes the empty child i of in.
func (b *zbig) dropKid(in *zinner, i, h int) {
	if h == 0 {
		l := (*zleaf)(in.kids[i])
		b.unlinkLeaf(l)
		b.tree.freeLeaf(l)
	} else {
		b.tree.freeInner((*zinner)(in.kids[i]))
	}
	n := in.n
	copy(in.kids[i:n-1], in.kids[i+1:n])
	copy(in.counts[i:n-1], in.counts[i+1:n])
	copy(in.scores[i:n-1], in.scores[i+1:n])
	copy(in.ids[i:n-1], in.ids[i+1:n])
	in.kids[n-1] = nil
	in.n--
}

func (b *zbig) unlinkLeaf(l *zleaf) {
	if l.prev != nil {
		l.prev.next = l.next
	} else {
		b.tree.head = l.next
	}
	if l.next != nil {
		l.next.prev = l.prev
	} else {
		b.tree.tail = l.prev
	}
	l.prev, l.next = nil, nil
}

// balanceLeaves merges leaves j and j+1 of in when they fit in one, or
// else evens them out.
func (b *zbig) balanceLeaves(in *zinner, j int) {
	a, c := (*zleaf)(in.kids[j]), (*zleaf)(in.kids[j+1])
	if a.n+c.n <= zLeafCap {
		copy(a.scores[a.n:], c.scores[:c.n])
		copy(a.ids[a.n:], c.ids[:c.n])
		a.n += c.n
		c.n = 0
		in.counts[j] = a.n
		in.counts[j+1] = 0
		b.dropKid(in, j+1, 0)
		in.refresh(j, 0)
		return
	}
	total := a.n + c.n
	want := total / 2
	if a.n < want { // move the first want-a.n of c to the end of a
		k := want - a.n
		copy(a.scores[a.n:], c.scores[:k])
		copy(a.ids[a.n:], c.ids[:k])
		copy(c.scores[:], c.scores[k:c.n])
		copy(c.ids[:], c.ids[k:c.n])
		a.n, c.n = a.n+k, c.n-k
	} else { // move the last a.n-want of a to the front of c
		k := a.n - want
		copy(c.scores[k:], c.scores[:c.n])
		copy(c.ids[k:], c.ids[:c.n])
		copy(c.scores[:k], a.scores[want:a.n])
		copy(c.ids[:k], a.ids[want:a.n])
		a.n, c.n = want, c.n+k
	}
	in.counts[j], in.counts[j+1] = a.n, c.n
	in.refresh(j, 0)
	in.refresh(j+1, 0)
}

// balanceInners does for inner children j and j+1 of in what balanceLeaves
// does for leaves.
func (b *zbig) balanceInners(in *zinner, j int) {
	a, c := (*zinner)(in.kids[j]), (*zinner)(in.kids[j+1])
	if a.n+c.n <= zInnerCap {
		moveKids(a, a.n, c, 0, c.n)
		a.n += c.n
		clear(c.kids[:c.n])
		c.n = 0
		in.counts[j] += in.counts[j+1]
		in.counts[j+1] = 0
		b.dropKid(in, j+1, 1)
		in.refresh(j, 1)
		return
	}
	want := (a.n + c.n) / 2
	if a.n < want {
		k := want - a.n
		moveKids(a, a.n, c, 0, k)
		moveKids(c, 0, c, k, c.n-k)
		clear(c.kids[c.n-k : c.n])
		a.n, c.n = a.n+k, c.n-k
	} else {
		k := a.n - want
		moveKids(c, k, c, 0, c.n)
		moveKids(c, 0, a, want, k)
		clear(a.kids[want:a.n])
		a.n, c.n = want, c.n+k
	}
	in.counts[j], in.counts[j+1] = size(unsafe.Pointer(a), 1), size(unsafe.Pointer(c), 1)
	in.refresh(j, 1)
	in.refresh(j+1, 1)
}

// moveKids copies k children of src from index from to dst at index to
// (overlapping copies within one node are fine).
func moveKids(dst *zinner, to int, src *zinner, from, k int) {
	copy(dst.kids[to:to+k], src.kids[from:from+k])
	copy(dst.counts[to:to+k], src.counts[from:from+k])
	copy(dst.scores[to:to+k], src.scores[from:from+k])
	copy(dst.ids[to:to+k], src.ids[from:from+k])
}

// treeSetScoreInPlace changes the score of element (s, m) to ns when that
// keeps it between its neighbours in its leaf (and it is not the leaf's
// first element, which separators name), and reports whether it did.
func (b *zbig) treeSetScoreInPlace(s float64, m []byte, ns float64) bool {
	p := b.tree.root
	for h := b.tree.height; h > 0; h-- {
		in := (*zinner)(p)
		p = in.kids[b.childFor(in, s, m)]
	}
	l := (*zleaf)(p)
	pos := b.leafSearch(l, s, m)
	if pos == 0 || b.cmpKey(ns, m, l.scores[pos-1], l.ids[pos-1]) <= 0 {
		return false
	}
	if pos+1 < l.n && b.cmpKey(ns, m, l.scores[pos+1], l.ids[pos+1]) >= 0 {
		return false
	}
	if pos+1 == l.n && l.next != nil && b.cmpKey(ns, m, l.next.scores[0], l.next.ids[0]) >= 0 {
		return false
	}
	l.scores[pos] = ns
	return true
}

// --- lookups ---------------------------------------------------------------

// treeRank returns the 0-based rank of element (s, m), which must be in
// the tree.
func (b *zbig) treeRank(s float64, m []byte) int {
	rank := 0
	p := b.tree.root
	for h := b.tree.height; h > 0; h-- {
		in := (*zinner)(p)
		i := b.childFor(in, s, m)
		for _, c := range in.counts[:i] {
			rank += c
		}
		p = in.kids[i]
	}
	return rank + b.leafSearch((*zleaf)(p), s, m)
}

// treeAt returns the leaf and index of the element of rank r, 0 <= r < n.
func (b *zbig) treeAt(r int) (*zleaf, int) {
	p := b.tree.root
	for h := b.tree.height; h > 0; h-- {
		in := (*zinner)(p)
		i := 0
		for r >= in.counts[i] {
			r -= in.counts[i]
			i++
		}
		p = in.kids[i]
	}
	return (*zleaf)(p), r
}

// treeSeek returns the rank of the first element for which above is true,
// n if none, where above is false for a prefix of the elements and true for
// the rest (a range bound).
func (b *zbig) treeSeek(above func(s float64, id int32) bool) int {
	rank := 0
	p := b.tree.root
	for h := b.tree.height; h > 0; h-- {
		in := (*zinner)(p)
		lo, hi := 1, in.n // the last child whose first element is not above
		for lo < hi {
			mid := (lo + hi) / 2
			if above(in.scores[mid], in.ids[mid]) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		i := lo - 1
		for _, c := range in.counts[:i] {
			rank += c
		}
		p = in.kids[i]
	}
	l := (*zleaf)(p)
	lo, hi := 0, l.n
	for lo < hi {
		mid := (lo + hi) / 2
		if above(l.scores[mid], l.ids[mid]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return rank + lo
}
