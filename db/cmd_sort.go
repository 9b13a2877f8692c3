package db

import (
	"bytes"
	"math"
	"slices"
	"unsafe"

	"redis-fast/proto"
)

// SortCommands are SORT and SORT_RO, of Redis's generic group.
//
// Locking: SORT's BY and GET patterns name keys that only exist once an
// element is substituted into them, so the dispatcher cannot know them
// before the command runs, and a handler cannot take more shard locks while
// it holds some without risking a deadlock with a command that locks in
// order. Both rows therefore carry AllShards: the dispatcher locks every
// shard of the database, in order (for reading for SORT_RO), and the whole
// command runs alone on it, which is how Redis runs SORT anyway. The Keys
// function still names the sorted key and the STORE destination, for
// COMMAND GETKEYS and for WATCH.
var SortCommands = []Command{
	{Name: "sort", Arity: -2, Flags: Write | DenyOOM | MovableKeys | AllShards, FirstKey: 1, LastKey: 1, Step: 1, Keys: sortKeys, Group: "generic", Since: "1.0.0", Summary: "Sort the elements in a list, set or sorted set", Run: cmdSort},
	{Name: "sort_ro", Arity: -2, Flags: ReadOnly | MovableKeys | AllShards, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "7.0.0", Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Run: cmdSortRo},
}

// Reply texts of SORT, byte for byte as Redis 7.0 sends them.
const msgSortNotDouble = "ERR One or more scores can't be converted into double"

// sortKeys finds SORT's keys as Redis's sortGetKeys does: the sorted key,
// and the argument after the last STORE, skipping the arguments of LIMIT,
// GET and BY.
func sortKeys(dst []int, argv [][]byte) []int {
	dst = append(dst, 1)
	store := 0
	for i := 2; i < len(argv); i++ {
		switch a := argv[i]; {
		case isOpt(a, "LIMIT"):
			i += 2
		case isOpt(a, "GET"), isOpt(a, "BY"):
			i++
		case isOpt(a, "STORE") && i+1 < len(argv):
			store = i + 1
		}
	}
	if store > 0 {
		dst = append(dst, store)
	}
	return dst
}

// sortOptions are SORT's parsed options.
type sortOptions struct {
	desc, alpha bool
	dontSort    bool // BY names a constant: keep the native order
	start       int64
	count       int64 // -1: no LIMIT
	by          []byte
	store       []byte
	gets        [][]byte
}

// parseSort parses SORT's options from argv[2] on, replying the error for
// the first bad one; readOnly (SORT_RO) refuses STORE.
func parseSort(c *Ctx, argv [][]byte, readOnly bool) (sortOptions, bool) {
	opt := sortOptions{count: -1}
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch a := argv[j]; {
		case isOpt(a, "ASC"):
			opt.desc = false
		case isOpt(a, "DESC"):
			opt.desc = true
		case isOpt(a, "ALPHA"):
			opt.alpha = true
		case isOpt(a, "LIMIT") && left >= 2:
			var ok bool
			if opt.start, ok = proto.ParseInt(argv[j+1]); ok {
				opt.count, ok = proto.ParseInt(argv[j+2])
			}
			if !ok {
				c.W.Error(msgNotInteger)
				return opt, false
			}
			j += 2
		case !readOnly && isOpt(a, "STORE") && left >= 1:
			opt.store = argv[j+1]
			j++
		case isOpt(a, "BY") && left >= 1:
			opt.by = argv[j+1]
			if bytes.IndexByte(cString(opt.by), '*') < 0 {
				opt.dontSort = true // and a later BY with a '*' does not undo it
			}
			j++
		case isOpt(a, "GET") && left >= 1:
			opt.gets = append(opt.gets, argv[j+1])
			j++
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	return opt, true
}

// sortItem is one element being sorted, with what it sorts by.
type sortItem struct {
	v      []byte
	score  float64
	weight []byte // ALPHA BY's value; nil with hasW false when missing
	hasW   bool
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
// [ASC | DESC] [ALPHA] [STORE destination]
func cmdSort(c *Ctx, argv [][]byte) { sortCommand(c, argv, false) }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern
// ...]] [ASC | DESC] [ALPHA]
func cmdSortRo(c *Ctx, argv [][]byte) { sortCommand(c, argv, true) }

func sortCommand(c *Ctx, argv [][]byte, readOnly bool) {
	opt, ok := parseSort(c, argv, readOnly)
	if !ok {
		return
	}
	o := c.DB.lookup(c, argv[1])
	if o != nil && o.typ != TypeList && o.typ != TypeSet && o.typ != TypeZSet {
		c.W.Error(msgWrongType)
		return
	}
	if opt.dontSort && o != nil && o.typ == TypeSet && opt.store != nil {
		// A set has no order of its own: what is stored must not depend on
		// the hash table's, so it is sorted as ALPHA.
		opt.dontSort, opt.alpha, opt.by = false, true, nil
	}
	if o != nil && o.typ == TypeZSet {
		sortPrepareZSet(o, readOnly)
	}
	n := sortLen(o)
	start, end := sortRange(opt.start, opt.count, n)
	items, start, end := sortLoad(o, &opt, start, end)
	badScore := false
	if !opt.dontSort {
		badScore = sortWeigh(c, items, &opt)
		sortItems(items, &opt)
	}
	if badScore {
		c.W.Error(msgSortNotDouble)
		return
	}
	if end < start {
		start, end = 0, -1
	}
	out := items[start : end+1]
	if opt.store != nil {
		sortStore(c, argv, out, &opt)
		return
	}
	sortReply(c, out, &opt)
}

// sortLen returns the number of elements of the list, set or sorted set in
// o, 0 for a missing key.
func sortLen(o *Object) int {
	if o == nil {
		return 0
	}
	switch o.typ {
	case TypeList:
		return (*List)(o.p).Len()
	case TypeSet:
		return (*Set)(o.p).Len()
	}
	return sortZSetLen(o)
}

// sortRange applies LIMIT to n elements as Redis 7.0 does, giving the
// inclusive range of the sorted elements to return (end < start: none).
func sortRange(limitStart, limitCount int64, n int) (start, end int) {
	s := min(max(limitStart, 0), int64(n))
	cnt := min(max(limitCount, -1), int64(n))
	e := int64(n) - 1
	if cnt >= 0 {
		e = s + cnt - 1
	}
	if s >= int64(n) {
		s, e = int64(n)-1, int64(n)-2
	}
	e = min(e, int64(n)-1)
	return int(s), int(e)
}

// sortLoad collects the elements to sort. When nothing is sorted (BY a
// constant) and the value has an order of its own (a list, a sorted set),
// only the range start..end is loaded, in that order (from the tail when
// desc), and the range returned is rebased on it.
func sortLoad(o *Object, opt *sortOptions, start, end int) ([]sortItem, int, int) {
	if o == nil {
		return nil, start, end
	}
	ranged := opt.dontSort && o.typ != TypeSet
	if ranged && end < start {
		return nil, start, end
	}
	var items []sortItem
	switch o.typ {
	case TypeList:
		l := (*List)(o.p)
		if !ranged {
			items = make([]sortItem, 0, l.Len())
			l.each(func(v []byte) bool {
				items = append(items, sortItem{v: v})
				return true
			})
			break
		}
		items = make([]sortItem, 0, end-start+1)
		if opt.desc {
			it := l.iterBack(l.Len() - 1 - start)
			for k := start; k <= end; k++ {
				items = append(items, sortItem{v: it.prev()})
			}
		} else {
			it := l.iter(start)
			for k := start; k <= end; k++ {
				items = append(items, sortItem{v: it.next()})
			}
		}
	case TypeSet:
		s := (*Set)(o.p)
		items = make([]sortItem, 0, s.Len())
		var arena []byte
		s.each(func(m []byte) bool {
			at := len(arena)
			arena = append(arena, m...)
			items = append(items, sortItem{v: arena[at:len(arena):len(arena)]})
			return true
		})
	case TypeZSet:
		items = sortLoadZSet(o, ranged, opt.desc, start, end)
	}
	if ranged {
		return items, 0, end - start
	}
	return items, start, end
}

// sortWeigh fills in what each element sorts by: its BY value (numeric, or
// as bytes for ALPHA) or, without BY, the element itself as a number. It
// reports whether a number did not parse.
func sortWeigh(c *Ctx, items []sortItem, opt *sortOptions) (bad bool) {
	var key []byte
	for i := range items {
		it := &items[i]
		by := it.v
		if opt.by != nil {
			v, ok := sortLookup(c, opt.by, it.v, &key)
			if !ok {
				continue
			}
			by = v
		}
		switch {
		case opt.alpha && opt.by != nil:
			it.weight, it.hasW = by, true
		case !opt.alpha:
			f, ok := sortScore(by)
			it.score = f
			bad = bad || !ok
		}
	}
	return bad
}

// sortScore parses a numeric sort weight as SORT does, with a bare strtod:
// leading blanks are allowed, the text ends at a NUL byte, an empty text is
// 0, and a result strtod flags with ERANGE (overflow, or a subnormal or
// zero underflow) or NaN is an error.
func sortScore(b []byte) (float64, bool) {
	b = cString(b)
	if len(b) == 0 {
		return 0, true
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	f, ok := proto.ParseFloat(b[i:])
	if !ok || f != 0 && math.Abs(f) < 0x1p-1022 {
		return 0, false
	}
	return f, true
}

// sortLookup returns the value pattern names for the element subst, as
// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the
// first '*' is replaced by the element to make a key name, whose string
// value is returned, or, when "->field" follows the '*', the value of that
// field of the hash at that key. ok is false when there is no such value.
// key is scratch space for the key name; the value aliases the keyspace.
func sortLookup(c *Ctx, pattern, subst []byte, key *[]byte) (v []byte, ok bool) {
	p := cString(pattern)
	if len(p) == 1 && p[0] == '#' {
		return subst, true
	}
	star := bytes.IndexByte(p, '*')
	if star < 0 {
		return nil, false
	}
	keyEnd := len(pattern)
	var field []byte
	if f := bytes.Index(p[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(p) {
		keyEnd = star + 1 + f
		field = pattern[keyEnd+2:]
	}
	k := append((*key)[:0], pattern[:star]...)
	k = append(k, subst...)
	k = append(k, pattern[star+1:keyEnd]...)
	*key = k
	o := c.DB.lookup(c, k)
	switch {
	case o == nil:
		return nil, false
	case field != nil && o.typ == TypeHash:
		return (*Hash)(o.p).get(field)
	case field == nil && o.typ == TypeString:
		return o.Str(), true
	}
	return nil, false
}

// sortItems sorts the elements as Redis's sortCompare orders them. The sort
// is stable, as glibc's qsort (a merge sort) is for Redis, so that equal
// ALPHA BY weights keep the elements' native order.
func sortItems(items []sortItem, opt *sortOptions) {
	slices.SortStableFunc(items, func(a, b sortItem) int {
		var cmp int
		switch {
		case !opt.alpha:
			switch {
			case a.score > b.score:
				cmp = 1
			case a.score < b.score:
				cmp = -1
			default:
				cmp = bytes.Compare(a.v, b.v)
			}
		case opt.by != nil:
			switch {
			case !a.hasW || !b.hasW:
				cmp = sortBool(a.hasW) - sortBool(b.hasW)
			case opt.store != nil:
				cmp = bytes.Compare(a.weight, b.weight)
			default:
				cmp = bytes.Compare(cString(a.weight), cString(b.weight))
			}
		case opt.store != nil:
			cmp = bytes.Compare(a.v, b.v)
		default:
			// strcoll, which in the C and C.UTF-8 locales is strcmp.
			cmp = bytes.Compare(cString(a.v), cString(b.v))
		}
		if opt.desc {
			return -cmp
		}
		return cmp
	})
}

func sortBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortReply replies with the elements, or with the values their GET
// patterns name (a null for a missing one).
func sortReply(c *Ctx, out []sortItem, opt *sortOptions) {
	if len(opt.gets) == 0 {
		c.W.ArrayLen(len(out))
		for _, it := range out {
			c.W.Bulk(it.v)
		}
		return
	}
	c.W.ArrayLen(len(out) * len(opt.gets))
	var key []byte
	for _, it := range out {
		for _, g := range opt.gets {
			if v, ok := sortLookup(c, g, it.v, &key); ok {
				c.W.Bulk(v)
			} else {
				c.W.Null()
			}
		}
	}
}

// sortStore stores the result as a list at opt.store, replacing whatever
// was there (its expiry too), or deletes the key for an empty result, and
// replies with the number of elements stored. The command is logged as it
// came, as Redis propagates it.
func sortStore(c *Ctx, argv [][]byte, out []sortItem, opt *sortOptions) {
	l := newList(c.KS.Limits.ListMaxListpackSize.Load())
	var key []byte
	for _, it := range out {
		if len(opt.gets) == 0 {
			l.pushRight(it.v)
			continue
		}
		for _, g := range opt.gets {
			v, _ := sortLookup(c, g, it.v, &key)
			l.pushRight(v)
		}
	}
	dst := opt.store
	existed := c.DB.lookupWrite(c, dst) != nil
	if existed {
		c.DB.remove(dst)
	}
	if l.Len() > 0 {
		c.DB.storeContainer(c, dst, TypeList, unsafe.Pointer(l), existed)
		c.Notify(NotifyList, "sortstore", dst)
	} else if existed {
		c.Notify(NotifyGeneric, "del", dst)
	}
	if l.Len() > 0 || existed {
		c.DB.touchKey(dst)
		c.Changed()
		addDirty(c, l.Len())
	}
	c.W.Int(int64(l.Len()))
}

// --- sorted sets -------------------------------------------------------------

// sortPrepareZSet converts a sorted set to its skiplist encoding, as Redis's
// SORT does (OBJECT ENCODING reports it afterwards). SORT_RO, which runs
// under read locks here, leaves the set as it is.
func sortPrepareZSet(o *Object, readOnly bool) {
	if z := (*ZSet)(o.p); z.compact() && !readOnly {
		z.toBig()
	}
}

// sortZSetLen returns the number of members of the sorted set in o.
func sortZSetLen(o *Object) int { return (*ZSet)(o.p).Len() }

// sortLoadZSet returns the members of the sorted set in o: all of them or,
// when ranged, those of rank start..end counted from the lowest score (from
// the highest when desc), in that order. The members alias the set.
func sortLoadZSet(o *Object, ranged, desc bool, start, end int) []sortItem {
	z := (*ZSet)(o.p)
	if !ranged {
		items := make([]sortItem, 0, z.Len())
		z.each(func(m []byte, _ float64) bool {
			items = append(items, sortItem{v: m})
			return true
		})
		return items
	}
	items := make([]sortItem, 0, end-start+1)
	if desc {
		for p := z.at(z.Len() - 1 - start); len(items) < cap(items); p.prev() {
			items = append(items, sortItem{v: p.member()})
		}
		return items
	}
	for p := z.at(start); len(items) < cap(items); p.next() {
		items = append(items, sortItem{v: p.member()})
	}
	return items
}
