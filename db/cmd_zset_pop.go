package db

import (
	"strconv"

	"redis-fast/proto"
)

// The pops of the sorted_set group: ZPOPMIN, ZPOPMAX and ZMPOP, and what the
// blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP, which live with the server)
// serve with: ServeZSetPop, ParseZSetMpop and MpopKeys.

// The commands the pops log in place of the command as it came.
var (
	zpopminName = []byte("ZPOPMIN")
	zpopmaxName = []byte("ZPOPMAX")
)

// ZPOPMIN key [count]
func cmdZpopmin(c *Ctx, argv [][]byte) { zpopGeneric(c, argv, false) }

// ZPOPMAX key [count]
func cmdZpopmax(c *Ctx, argv [][]byte) { zpopGeneric(c, argv, true) }

func zpopGeneric(c *Ctx, argv [][]byte, max bool) {
	if len(argv) > 3 {
		c.W.Error(msgSyntax)
		return
	}
	count := int64(-1)
	if len(argv) == 3 {
		n, ok := proto.ParseInt(argv[2])
		if !ok || n < 0 {
			c.W.Error(msgZsetPositive)
			return
		}
		count = n
	}
	z, ok := zsetWrite(c, argv[1])
	switch {
	case !ok:
		return
	case z == nil || count == 0:
		c.W.ArrayLen(0)
		return
	}
	n := zpopReply(c, argv[1], z, max, count, c.W.RESP3 && count != -1, false)
	c.changedBy(n)
}

// zpopReply pops up to count elements (count -1: one) from the low or the
// high end of z, the non-empty sorted set at key, writes the reply as
// Redis's genericZpopCommand does and returns how many it popped; it
// deletes the key when the set is left empty, and logs nothing. The reply:
//
//	nested  keyed
//	false   false   [member, score, ...]           ZPOPMIN/ZPOPMAX (RESP2, or no count)
//	true    false   [[member, score], ...]         ZPOPMIN/ZPOPMAX with a count in RESP3
//	false   true    [key, member, score]           BZPOPMIN/BZPOPMAX
//	true    true    [key, [[member, score], ...]]  ZMPOP/BZMPOP
//
// A score is a bulk string in RESP2 and a double in RESP3.
func zpopReply(c *Ctx, key []byte, z *ZSet, max bool, count int64, nested, keyed bool) int {
	if count < 0 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	switch {
	case !nested && !keyed:
		c.W.ArrayLen(2 * n)
	case nested && !keyed:
		c.W.ArrayLen(n)
	case !nested && keyed:
		c.W.ArrayLen(2*n + 1)
		c.W.Bulk(key)
	default:
		c.W.ArrayLen(2)
		c.W.Bulk(key)
		c.W.ArrayLen(n)
	}
	for i := 0; i < n; i++ {
		p, r := z.first(), 0
		if max {
			p, r = z.last(), z.Len()-1
		}
		if i == 0 {
			// Redis fires the event between the reply's header and its
			// first element.
			event := "zpopmin"
			if max {
				event = "zpopmax"
			}
			c.Notify(NotifyZSet, event, key)
		}
		if nested {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(p.member())
		zreplyScore(c.W, p.score())
		z.removeRange(r, 1)
	}
	if z.Len() == 0 {
		c.DB.removeEmpty(key)
		c.Notify(NotifyGeneric, "del", key)
	}
	return n
}

// ZSetServe says what ServeZSetPop did.
type ZSetServe uint8

const (
	// ZSetMissing: the key does not exist; nothing was replied or changed.
	// A blocking command tries its next key or blocks.
	ZSetMissing ZSetServe = iota
	// ZSetWrongType: the key holds another type; WRONGTYPE was replied and
	// nothing changed.
	ZSetWrongType
	// ZSetServed: the elements were popped, replied and logged.
	ZSetServed
)

// ServeZSetPop pops from the sorted set at key in c.DB, for ZMPOP and for
// the blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP), whether they are served
// at once or when a blocked client is woken. Its shard must be locked for
// writing. max pops the highest scores instead of the lowest.
//
// With count 0 (BZPOPMIN, BZPOPMAX) it pops one element, replies
// [key, member, score] and logs ZPOPMIN key or ZPOPMAX key, as Redis
// propagates BZPOPMIN. With a count > 0 (ZMPOP, BZMPOP) it pops up to count
// elements, replies [key, [[member, score], ...]] and logs ZPOPMIN key n or
// ZPOPMAX key n, n being how many it popped. Scores are bulk strings in
// RESP2 and doubles in RESP3. Either way it deletes the key when the set is
// left empty, and counts a change per element. (A blocking command that
// finds none of its keys replies a null array on timeout, as ZMPOP does at
// once.)
func ServeZSetPop(c *Ctx, key []byte, max bool, count int64) ZSetServe {
	z, ok := zsetWrite(c, key)
	switch {
	case !ok:
		return ZSetWrongType
	case z == nil:
		return ZSetMissing
	}
	word := zpopminName
	if max {
		word = zpopmaxName
	}
	if count == 0 {
		zpopReply(c, key, z, max, 1, false, true)
		c.Propagate(word, key)
		return ZSetServed
	}
	n := zpopReply(c, key, z, max, count, true, true)
	var num [20]byte
	c.Propagate(word, key, strconv.AppendInt(num[:0], int64(n), 10))
	c.Stats.Dirty.Add(int64(n - 1))
	return ZSetServed
}

// ZSetMpopArgs are the arguments of ZMPOP and BZMPOP after the timeout.
// Keys alias argv.
type ZSetMpopArgs struct {
	Keys  [][]byte
	Max   bool
	Count int64
}

// ParseZSetMpop parses "numkeys key [key ...] MIN|MAX [COUNT count]" from
// argv[at] on, as Redis's zmpopGenericCommand, replying with its error and
// returning false when a token is bad. Count defaults to 1.
func ParseZSetMpop(c *Ctx, argv [][]byte, at int) (ZSetMpopArgs, bool) {
	var a ZSetMpopArgs
	n, ok := proto.ParseInt(argv[at])
	if !ok || n < 1 {
		c.W.Error(msgZsetNumkeys)
		return a, false
	}
	where := at + 1 + int(min(n, int64(len(argv))))
	if where >= len(argv) {
		c.W.Error(msgSyntax)
		return a, false
	}
	switch {
	case isOpt(argv[where], "MIN"):
	case isOpt(argv[where], "MAX"):
		a.Max = true
	default:
		c.W.Error(msgSyntax)
		return a, false
	}
	a.Keys = argv[at+1 : where]
	a.Count, ok = parseMpopCount(c, argv, where+1, msgZsetCount)
	return a, ok
}

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
func cmdZmpop(c *Ctx, argv [][]byte) {
	a, ok := ParseZSetMpop(c, argv, 1)
	if !ok {
		return
	}
	for _, key := range a.Keys {
		if ServeZSetPop(c, key, a.Max, a.Count) != ZSetMissing {
			return
		}
	}
	c.W.NullArray()
}
