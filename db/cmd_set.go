package db

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"

	"redis-fast/proto"
)

// SetCommands are the commands of Redis's set group.
var SetCommands = []Command{
	{Name: "sadd", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Add one or more members to a set", Run: cmdSadd},
	{Name: "scard", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Get the number of members in a set", Run: cmdScard},
	{Name: "sdiff", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Subtract multiple sets", Run: cmdSdiff},
	{Name: "sdiffstore", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Subtract multiple sets and store the resulting set in a key", Run: cmdSdiffstore},
	{Name: "sinter", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Intersect multiple sets", Run: cmdSinter},
	{Name: "sintercard", Arity: -3, Flags: ReadOnly | MovableKeys, Keys: sintercardKeys, Group: "set", Since: "7.0.0", Summary: "Intersect multiple sets and return the cardinality of the result", Run: cmdSintercard},
	{Name: "sinterstore", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Intersect multiple sets and store the resulting set in a key", Run: cmdSinterstore},
	{Name: "sismember", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Determine if a given value is a member of a set", Run: cmdSismember},
	{Name: "smembers", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Get all the members in a set", Run: cmdSmembers},
	{Name: "smismember", Arity: -3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "6.2.0", Summary: "Returns the membership associated with the given elements for a set", Run: cmdSmismember},
	{Name: "smove", Arity: 4, Flags: Write | Fast, FirstKey: 1, LastKey: 2, Step: 1, Group: "set", Since: "1.0.0", Summary: "Move a member from one set to another", Run: cmdSmove},
	{Name: "spop", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Remove and return one or multiple random members from a set", Run: cmdSpop},
	{Name: "srandmember", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Get one or multiple random members from a set", Run: cmdSrandmember},
	{Name: "srem", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Remove one or more members from a set", Run: cmdSrem},
	{Name: "sscan", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Since: "2.8.0", Summary: "Incrementally iterate Set elements", Run: cmdSscan},
	{Name: "sunion", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Add multiple sets", Run: cmdSunion},
	{Name: "sunionstore", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Add multiple sets and store the resulting set in a key", Run: cmdSunionstore},
}

// Reply texts of the set group, byte for byte as Redis 7.0 sends them.
const (
	msgSetPositive      = "ERR value is out of range, must be positive"
	msgSetCountRange    = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	msgSetNumkeys       = "ERR numkeys should be greater than 0"
	msgSetNumkeysArgs   = "ERR Number of keys can't be greater than number of args"
	msgSetLimitNegative = "ERR LIMIT can't be negative"
)

var (
	sremName = []byte("SREM")
	// setEmptyScan is SSCAN's reply for a missing key: cursor 0, no members.
	setEmptyScan = []byte("*2\r\n$1\r\n0\r\n*0\r\n")
)

// How SPOP and SRANDMEMBER with a count choose their strategy, as Redis
// does (SPOP_MOVE_STRATEGY_MUL, SRANDMEMBER_SUB_STRATEGY_MUL).
const (
	spopMoveStrategyMul       = 5
	srandmemberSubStrategyMul = 3
	setInlineKeys             = 8 // sets of a multi-key command kept on the stack
	setInsertionSortMaxKeys   = 16
	setMaxReplyHeader         = 64
)

// setOf returns the set held by o, which must be of type set.
func setOf(o *Object) *Set { return (*Set)(o.p) }

// lookupSet returns key's set for reading, as lookupKind does: nil and true
// when missing, nil and false after replying WRONGTYPE.
func lookupSet(c *Ctx, key []byte) (*Set, bool) {
	o, ok := c.DB.lookupKind(c, key, TypeSet)
	if o == nil {
		return nil, ok
	}
	return setOf(o), true
}

// lookupSetSource is the read lookup of a source key by a command that
// holds write locks (SINTERSTORE, SUNIONSTORE, SDIFFSTORE): it counts a hit
// or a miss as Redis's lookupKeyRead does, and deletes an expired key now
// (logging the DEL with the command) rather than leaving it for later.
func lookupSetSource(c *Ctx, key []byte) (*Set, bool) {
	o := c.DB.lookupWrite(c, key)
	if o == nil {
		c.miss(key)
		return nil, true
	}
	c.Stats.Hits.Add(1)
	if o.typ != TypeSet {
		c.W.Error(msgWrongType)
		return nil, false
	}
	return setOf(o), true
}

// SADD key member [member ...]
func cmdSadd(c *Ctx, argv [][]byte) {
	o, ok := c.DB.lookupKindWrite(c, argv[1], TypeSet)
	if !ok {
		return
	}
	var x *Set
	if o == nil {
		x = &Set{}
		c.DB.createContainer(c, argv[1], TypeSet, unsafe.Pointer(x))
	} else {
		x = setOf(o)
	}
	lim := setMaxIntset(&c.KS.Limits)
	added := 0
	for _, m := range argv[2:] {
		if x.add(m, lim) {
			added++
		}
	}
	if added > 0 {
		c.Notify(NotifySet, "sadd", argv[1])
	}
	c.W.Int(int64(added))
	if added > 0 {
		setChanged(c, added)
	}
}

// setChanged logs the command as it came and counts n changes (one per
// member added or removed, as Redis's server.dirty does).
func setChanged(c *Ctx, n int) {
	c.Stats.Dirty.Add(int64(n - 1))
	c.Changed()
}

// SREM key member [member ...]
func cmdSrem(c *Ctx, argv [][]byte) {
	o, ok := c.DB.lookupKindWrite(c, argv[1], TypeSet)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	x := setOf(o)
	deleted, removed := 0, false
	for _, m := range argv[2:] {
		if x.remove(m) {
			deleted++
			if x.Len() == 0 {
				c.DB.removeEmpty(argv[1])
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		c.Notify(NotifySet, "srem", argv[1])
	}
	if removed {
		c.Notify(NotifyGeneric, "del", argv[1])
	}
	c.W.Int(int64(deleted))
	if deleted > 0 {
		setChanged(c, deleted)
	}
}

// SMOVE source destination member
func cmdSmove(c *Ctx, argv [][]byte) {
	src := c.DB.lookupWrite(c, argv[1])
	dst := c.DB.lookupWrite(c, argv[2])
	m := argv[3]
	if src == nil {
		c.W.Int(0)
		return
	}
	if src.typ != TypeSet || dst != nil && dst.typ != TypeSet {
		c.W.Error(msgWrongType)
		return
	}
	if src == dst {
		c.W.Int(setBool(setOf(src).has(m)))
		return
	}
	if !setOf(src).remove(m) {
		c.W.Int(0)
		return
	}
	c.Notify(NotifySet, "srem", argv[1])
	if setOf(src).Len() == 0 {
		c.DB.removeEmpty(argv[1])
		c.Notify(NotifyGeneric, "del", argv[1])
	}
	var x *Set
	if dst == nil {
		x = &Set{}
		c.DB.createContainer(c, argv[2], TypeSet, unsafe.Pointer(x))
	} else {
		x = setOf(dst)
	}
	c.Changed()
	if x.add(m, setMaxIntset(&c.KS.Limits)) {
		c.Stats.Dirty.Add(1)
		c.Notify(NotifySet, "sadd", argv[2])
	}
	c.W.Int(1)
}

func setBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// SISMEMBER key member
func cmdSismember(c *Ctx, argv [][]byte) {
	x, ok := lookupSet(c, argv[1])
	if ok {
		c.W.Int(setBool(x != nil && x.has(argv[2])))
	}
}

// SMISMEMBER key member [member ...]
func cmdSmismember(c *Ctx, argv [][]byte) {
	x, ok := lookupSet(c, argv[1])
	if !ok {
		return
	}
	c.W.ArrayLen(len(argv) - 2)
	for _, m := range argv[2:] {
		c.W.Int(setBool(x != nil && x.has(m)))
	}
}

// SCARD key
func cmdScard(c *Ctx, argv [][]byte) {
	x, ok := lookupSet(c, argv[1])
	switch {
	case !ok:
	case x == nil:
		c.W.Int(0)
	default:
		c.W.Int(int64(x.Len()))
	}
}

// SMEMBERS key
func cmdSmembers(c *Ctx, argv [][]byte) {
	x, ok := lookupSet(c, argv[1])
	switch {
	case !ok:
	case x == nil:
		c.W.SetLen(0)
	default:
		setReplyMembers(c, x)
	}
}

// setReplyMembers replies with every member of x, as a set.
func setReplyMembers(c *Ctx, x *Set) {
	c.W.SetLen(x.Len())
	setWriteMembers(c, x)
}

// setWriteMembers writes every member of x, in order, as bulk strings.
func setWriteMembers(c *Ctx, x *Set) {
	if t := x.ht; t != nil {
		for _, s := range t.slots {
			if s != 0 {
				c.W.Bulk(t.member(s))
			}
		}
		return
	}
	for i := 0; i < x.is.len(); i++ {
		c.W.BulkInt(x.is.get(i))
	}
}

// SPOP key [count]
func cmdSpop(c *Ctx, argv [][]byte) {
	if len(argv) == 3 {
		spopCount(c, argv)
		return
	}
	if len(argv) > 3 {
		c.W.Error(msgSyntax)
		return
	}
	o, ok := c.DB.lookupKindWrite(c, argv[1], TypeSet)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	x := setOf(o)
	var buf [20]byte
	i := x.randomPos()
	m := x.memberAt(i, &buf)
	c.Notify(NotifySet, "spop", argv[1])
	c.W.Bulk(m)
	c.Propagate(sremName, argv[1], m)
	x.removeAt(i)
	if x.Len() == 0 {
		c.DB.removeEmpty(argv[1])
		c.Notify(NotifyGeneric, "del", argv[1])
	}
}

// spopCount is SPOP key count. Redis's three cases: the whole set (logged
// as DEL), a few random members popped one by one, or, when few would
// remain, the ones to keep moved to a new set and the rest returned. Each
// popped member is logged as an SREM, all of them wrapped in MULTI/EXEC.
func spopCount(c *Ctx, argv [][]byte) {
	n, ok := proto.ParseInt(argv[2])
	if !ok || n < 0 {
		c.W.Error(msgSetPositive)
		return
	}
	o, ok := c.DB.lookupKindWrite(c, argv[1], TypeSet)
	if !ok {
		return
	}
	if o == nil || n == 0 {
		c.W.SetLen(0)
		return
	}
	x := setOf(o)
	size := int64(x.Len())
	c.Notify(NotifySet, "spop", argv[1])
	if n >= size {
		setReplyMembers(c, setUnion([]*Set{x}, setMaxIntset(&c.KS.Limits)))
		c.DB.removeEmpty(argv[1])
		c.Notify(NotifyGeneric, "del", argv[1])
		c.Propagate(delName, argv[1])
		c.Stats.Dirty.Add(size - 1)
		return
	}
	c.W.SetLen(int(n))
	var buf [20]byte
	if remaining := size - n; remaining*spopMoveStrategyMul > n {
		for ; n > 0; n-- {
			i := x.randomPos()
			m := x.memberAt(i, &buf)
			c.W.Bulk(m)
			c.Propagate(sremName, argv[1], m)
			x.removeAt(i)
		}
		return
	}
	kept := &Set{}
	lim := setMaxIntset(&c.KS.Limits)
	for remaining := size - n; remaining > 0; remaining-- {
		i := x.randomPos()
		kept.add(x.memberAt(i, &buf), lim)
		x.removeAt(i)
	}
	x.each(func(m []byte) bool {
		c.W.Bulk(m)
		c.Propagate(sremName, argv[1], m)
		return true
	})
	o.setContainer(TypeSet, unsafe.Pointer(kept))
}

// SRANDMEMBER key [count]
func cmdSrandmember(c *Ctx, argv [][]byte) {
	if len(argv) == 3 {
		srandmemberCount(c, argv)
		return
	}
	if len(argv) > 3 {
		c.W.Error(msgSyntax)
		return
	}
	x, ok := lookupSet(c, argv[1])
	switch {
	case !ok:
	case x == nil:
		c.W.Null()
	default:
		var buf [20]byte
		c.W.Bulk(x.memberAt(x.randomPos(), &buf))
	}
}

// srandmemberCount is SRANDMEMBER key count: a negative count may repeat
// members; a positive one returns distinct members, the whole set when it
// is not smaller than the count.
func srandmemberCount(c *Ctx, argv [][]byte) {
	l, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	if l == math.MinInt64 {
		c.W.Error(msgSetCountRange)
		return
	}
	x, ok := lookupSet(c, argv[1])
	if !ok {
		return
	}
	if x == nil || l == 0 {
		c.W.ArrayLen(0)
		return
	}
	var buf [20]byte
	if l < 0 || l == 1 {
		n := max(l, -l)
		c.W.ArrayLen(int(n))
		for ; n > 0; n-- {
			c.W.Bulk(x.memberAt(x.randomPos(), &buf))
		}
		return
	}
	size := x.Len()
	if l >= int64(size) {
		c.W.ArrayLen(size)
		setWriteMembers(c, x)
		return
	}
	count := int(l)
	c.W.ArrayLen(count)
	if count*srandmemberSubStrategyMul > size {
		// Many of the members: a partial shuffle of all positions.
		pos := x.positions()
		for i := 0; i < count; i++ {
			j := i + rand.IntN(len(pos)-i)
			pos[i], pos[j] = pos[j], pos[i]
			c.W.Bulk(x.memberAt(pos[i], &buf))
		}
		return
	}
	// Few of many: draw until count distinct positions came up.
	seen := make(map[int]struct{}, count)
	for len(seen) < count {
		i := x.randomPos()
		if _, dup := seen[i]; !dup {
			seen[i] = struct{}{}
			c.W.Bulk(x.memberAt(i, &buf))
		}
	}
}

// sintercardKeys finds SINTERCARD's keys: numkeys of them after numkeys.
// A bad numkeys gives none; the command then replies the error.
func sintercardKeys(dst []int, argv [][]byte) []int {
	n, ok := proto.ParseInt(argv[1])
	if !ok || n < 1 || n > int64(len(argv)-2) {
		return dst
	}
	for i := 2; i < 2+int(n); i++ {
		dst = append(dst, i)
	}
	return dst
}

// SINTER key [key ...]
func cmdSinter(c *Ctx, argv [][]byte) {
	if len(argv) == 2 {
		cmdSmembers(c, argv)
		return
	}
	var inline [setInlineKeys]*Set
	sets, ok := setLookupAll(c, inline[:0], argv[1:], false /* store */)
	if !ok {
		return
	}
	if setsHaveNil(sets) {
		c.W.SetLen(0)
		return
	}
	setSortBySize(sets)
	start, n := len(c.W.Buf), 0
	var buf [20]byte
	for i := setInterNext(sets, 0, &buf); i >= 0; i = setInterNext(sets, i+1, &buf) {
		c.W.Bulk(sets[0].memberAt(i, &buf))
		n++
	}
	setInsertLen(c.W, start, n)
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdSintercard(c *Ctx, argv [][]byte) {
	numkeys, ok := proto.ParseInt(argv[1])
	if !ok || numkeys < 1 {
		c.W.Error(msgSetNumkeys)
		return
	}
	if numkeys > int64(len(argv)-2) {
		c.W.Error(msgSetNumkeysArgs)
		return
	}
	end := 2 + int(numkeys)
	var limit int64
	for i := end; i < len(argv); i++ {
		if !isOpt(argv[i], "LIMIT") || i+1 >= len(argv) {
			c.W.Error(msgSyntax)
			return
		}
		i++
		if limit, ok = proto.ParseInt(argv[i]); !ok || limit < 0 {
			c.W.Error(msgSetLimitNegative)
			return
		}
	}
	var inline [setInlineKeys]*Set
	sets, ok := setLookupAll(c, inline[:0], argv[2:end], false /* store */)
	if !ok {
		return
	}
	if setsHaveNil(sets) {
		c.W.Int(0)
		return
	}
	setSortBySize(sets)
	var n int64
	var buf [20]byte
	for i := setInterNext(sets, 0, &buf); i >= 0; i = setInterNext(sets, i+1, &buf) {
		if n++; n == limit {
			break
		}
	}
	c.W.Int(n)
}

// SINTERSTORE destination key [key ...]
func cmdSinterstore(c *Ctx, argv [][]byte) {
	var inline [setInlineKeys]*Set
	sets, ok := setLookupAll(c, inline[:0], argv[2:], true /* store */)
	if !ok {
		return
	}
	if setsHaveNil(sets) {
		setStore(c, argv[1], nil, "sinterstore")
		return
	}
	setSortBySize(sets)
	dst := &Set{}
	lim := setMaxIntset(&c.KS.Limits)
	var buf [20]byte
	for i := setInterNext(sets, 0, &buf); i >= 0; i = setInterNext(sets, i+1, &buf) {
		dst.add(sets[0].memberAt(i, &buf), lim)
	}
	setStore(c, argv[1], dst, "sinterstore")
}

// setLookupAll looks up every key as a set, appending them to sets (nil
// for a missing key). After a WRONGTYPE it replies and reports false. With
// store, the command holds write locks (see lookupSetSource).
func setLookupAll(c *Ctx, sets []*Set, keys [][]byte, store bool) ([]*Set, bool) {
	for _, key := range keys {
		var x *Set
		var ok bool
		if store {
			x, ok = lookupSetSource(c, key)
		} else {
			x, ok = lookupSet(c, key)
		}
		if !ok {
			return nil, false
		}
		sets = append(sets, x)
	}
	return sets, true
}

func setsHaveNil(sets []*Set) bool {
	for _, x := range sets {
		if x == nil {
			return true
		}
	}
	return false
}

// setSortBySize orders the sets from the smallest, keeping the order of
// equal sizes as Redis's qsort (glibc's merge sort) does.
func setSortBySize(sets []*Set) {
	if len(sets) > setInsertionSortMaxKeys {
		slices.SortStableFunc(sets, func(a, b *Set) int { return a.Len() - b.Len() })
		return
	}
	for i := 1; i < len(sets); i++ {
		for j := i; j > 0 && sets[j].Len() < sets[j-1].Len(); j-- {
			sets[j], sets[j-1] = sets[j-1], sets[j]
		}
	}
}

// setInterNext returns the first position from i on of a member of
// sets[0] that every other set holds, or -1: the intersection, in sets[0]'s
// order. A set listed again as sets[0] is not probed. Sets in the hashtable
// encoding share one hash function, so a member of one is looked up in
// another without hashing it again. buf is scratch space.
func setInterNext(sets []*Set, i int, buf *[20]byte) int {
	first := sets[0]
	if t := first.ht; t != nil {
		for ; i < len(t.slots); i++ {
			if s := t.slots[i]; s != 0 && setAllHaveSlot(sets, t, s) {
				return i
			}
		}
		return -1
	}
	for ; i < first.is.len(); i++ {
		if setAllHaveInt(sets, first.is.get(i), buf) {
			return i
		}
	}
	return -1
}

// setAllHave reports whether every set after sets[0] holds m, whose hash
// is h.
func setAllHave(sets []*Set, h uint32, m []byte) bool {
	for _, x := range sets[1:] {
		if x == sets[0] {
			continue
		}
		if x.ht != nil {
			if x.ht.find(h, m) < 0 {
				return false
			}
			continue
		}
		v, ok := proto.ParseInt(m)
		if !ok {
			return false
		}
		if _, found := x.is.search(v); !found {
			return false
		}
	}
	return true
}

// setAllHaveSlot reports whether every set after sets[0] holds the member
// in slot value s of table t (sets[0]'s). The member's bytes are read only
// when needed: a hashtable is probed by the hash first.
func setAllHaveSlot(sets []*Set, t *setTable, s uint64) bool {
	h := uint32(s >> 32)
	var m []byte
	for _, x := range sets[1:] {
		if x == sets[0] {
			continue
		}
		if x.ht == nil {
			if m == nil {
				m = t.member(s)
			}
			if !setIntsetHas(&x.is, m) {
				return false
			}
			continue
		}
		if !x.ht.hasHashed(h, t, s) {
			return false
		}
	}
	return true
}

// setIntsetHas reports whether the intset holds m.
func setIntsetHas(is *intset, m []byte) bool {
	v, ok := proto.ParseInt(m)
	if !ok {
		return false
	}
	_, found := is.search(v)
	return found
}

// setAllHaveInt reports whether every set after sets[0] holds v; buf is
// scratch space for v's decimal form.
func setAllHaveInt(sets []*Set, v int64, buf *[20]byte) bool {
	var m []byte
	var h uint32
	for _, x := range sets[1:] {
		if x == sets[0] {
			continue
		}
		if x.ht == nil {
			if _, found := x.is.search(v); !found {
				return false
			}
			continue
		}
		if m == nil {
			m = strconv.AppendInt(buf[:0], v, 10)
			h = setHash(m)
		}
		if x.ht.find(h, m) < 0 {
			return false
		}
	}
	return true
}

// setInsertLen inserts, at start in w's buffer, the header of a set reply
// of n elements whose elements were written from start on (Redis's
// deferred length).
func setInsertLen(w *proto.Writer, start, n int) {
	end := len(w.Buf)
	w.SetLen(n)
	setMoveTail(w.Buf, start, end)
}

// setMoveTail moves the bytes of buf from end on (a header just appended)
// to start, shifting buf[start:end] after them.
func setMoveTail(buf []byte, start, end int) {
	var hdr [setMaxReplyHeader]byte
	k := copy(hdr[:], buf[end:])
	copy(buf[start+k:], buf[start:end])
	copy(buf[start:], hdr[:k])
}

// setStore makes x (nil or empty: no set) the value of key dst, replacing
// whatever it held and dropping its expiry, as Redis's *STORE commands do,
// replies with the size of x and fires event (or "del" for an emptied dst).
// A nil x is SINTERSTORE's early answer to a missing input, which Redis
// gives after the deletion, not before.
func setStore(c *Ctx, dst []byte, x *Set, event string) {
	if x == nil || x.Len() == 0 {
		if x != nil {
			c.W.Int(0)
		}
		if c.DB.remove(dst) {
			c.Notify(NotifyGeneric, "del", dst)
			c.Changed()
		}
		if x == nil {
			c.W.Int(0)
		}
		return
	}
	if o := c.DB.lookupWrite(c, dst); o == nil {
		c.DB.createContainer(c, dst, TypeSet, unsafe.Pointer(x))
	} else {
		o.setContainer(TypeSet, unsafe.Pointer(x))
		if o.flags&flagExpires != 0 {
			c.DB.setExpire(o, 0)
		}
		o.flags &= keyFlags
	}
	c.W.Int(int64(x.Len()))
	c.Notify(NotifySet, event, dst)
	c.Changed()
}

// SUNION key [key ...]
func cmdSunion(c *Ctx, argv [][]byte) { setUnionDiff(c, nil, argv[1:], false /* diff */) }

// SUNIONSTORE destination key [key ...]
func cmdSunionstore(c *Ctx, argv [][]byte) { setUnionDiff(c, argv[1], argv[2:], false /* diff */) }

// SDIFF key [key ...]
func cmdSdiff(c *Ctx, argv [][]byte) { setUnionDiff(c, nil, argv[1:], true /* diff */) }

// SDIFFSTORE destination key [key ...]
func cmdSdiffstore(c *Ctx, argv [][]byte) { setUnionDiff(c, argv[1], argv[2:], true /* diff */) }

// setUnionDiff is SUNION, SDIFF and, with a destination, their STORE
// forms. The result is built as Redis builds it, from an empty intset, so
// it has the encoding (and, as an intset, the order) Redis's would.
func setUnionDiff(c *Ctx, dst []byte, keys [][]byte, diff bool) {
	var inline [setInlineKeys]*Set
	sets, ok := setLookupAll(c, inline[:0], keys, dst != nil)
	if !ok {
		return
	}
	lim := setMaxIntset(&c.KS.Limits)
	var res *Set
	if diff {
		res = setDiff(sets, lim)
	} else {
		res = setUnion(sets, lim)
	}
	if dst != nil {
		event := "sunionstore"
		if diff {
			event = "sdiffstore"
		}
		setStore(c, dst, res, event)
		return
	}
	setReplyMembers(c, res)
}

// setUnion returns a new set holding the members of every set (nil ones
// are empty).
func setUnion(sets []*Set, lim int) *Set {
	res := &Set{}
	for _, x := range sets {
		if x != nil {
			setAddAll(res, x, lim)
		}
	}
	return res
}

// setAddAll adds every member of x to res.
func setAddAll(res, x *Set, lim int) {
	if x.ht == nil {
		for i := 0; i < x.is.len(); i++ {
			res.addInt(x.is.get(i), lim)
		}
		return
	}
	x.each(func(m []byte) bool {
		res.add(m, lim)
		return true
	})
}

// setDiff returns a new set holding the members of sets[0] that no other
// set holds, by whichever of Redis's two algorithms Redis would pick (the
// choice shows in the result's encoding): probing every other set for each
// member of the first, or copying the first and removing the others.
func setDiff(sets []*Set, lim int) *Set {
	res := &Set{}
	first := sets[0]
	if first == nil {
		return res
	}
	var one, two int64
	for _, x := range sets {
		if x != nil {
			one += int64(first.Len())
			two += int64(x.Len())
		}
	}
	if one/2 <= two {
		first.each(func(m []byte) bool {
			for _, x := range sets[1:] {
				if x == first || x != nil && x.has(m) {
					return true
				}
			}
			res.add(m, lim)
			return true
		})
		return res
	}
	setAddAll(res, first, lim)
	for _, x := range sets[1:] {
		if x == nil {
			continue
		}
		x.each(func(m []byte) bool {
			res.remove(m)
			return res.Len() > 0
		})
		if res.Len() == 0 {
			break
		}
	}
	return res
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func cmdSscan(c *Ctx, argv [][]byte) {
	cursor, ok := parseCursor(argv[2])
	if !ok {
		c.W.Error(msgInvalidCursor)
		return
	}
	x, ok := lookupSet(c, argv[1])
	if !ok {
		return
	}
	if x == nil {
		c.W.Raw(setEmptyScan)
		return
	}
	opt, ok := parseScanOptions(c, argv[3:], false)
	if !ok {
		return
	}
	count, pattern := opt.count, opt.pattern
	if !opt.match {
		pattern = nil
	}
	start, n := len(c.W.Buf), 0
	if x.ht == nil {
		// An intset is answered whole, whatever the cursor.
		var buf [20]byte
		for i := 0; i < x.is.len(); i++ {
			if m := x.memberAt(i, &buf); pattern == nil || Match(pattern, m, false /* nocase */) {
				c.W.Bulk(m)
				n++
			}
		}
		cursor = 0
	} else {
		cursor = x.scan(cursor, count, func(m []byte) {
			if pattern == nil || Match(pattern, m, false /* nocase */) {
				c.W.Bulk(m)
				n++
			}
		})
	}
	end := len(c.W.Buf)
	c.W.ArrayLen(2)
	var num [20]byte
	c.W.Bulk(strconv.AppendUint(num[:0], cursor, 10))
	c.W.ArrayLen(n)
	setMoveTail(c.W.Buf, start, end)
}
