package db

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"redis-fast/proto"
)

// HashCommands are the commands of Redis's hash group.
var HashCommands = []Command{
	{Name: "hdel", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Delete one or more hash fields", Run: cmdHdel},
	{Name: "hexists", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Determine if a hash field exists", Run: cmdHexists},
	{Name: "hget", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Get the value of a hash field", Run: cmdHget},
	{Name: "hgetall", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Get all the fields and values in a hash", Run: cmdHgetall},
	{Name: "hincrby", Arity: 4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Increment the integer value of a hash field by the given number", Run: cmdHincrby},
	{Name: "hincrbyfloat", Arity: 4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.6.0", Summary: "Increment the float value of a hash field by the given amount", Run: cmdHincrbyfloat},
	{Name: "hkeys", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Get all the fields in a hash", Run: cmdHkeys},
	{Name: "hlen", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Get the number of fields in a hash", Run: cmdHlen},
	{Name: "hmget", Arity: -3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Get the values of all the given hash fields", Run: cmdHmget},
	{Name: "hmset", Arity: -4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Set multiple hash fields to multiple values", Run: cmdHmset},
	{Name: "hrandfield", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "6.2.0", Summary: "Get one or multiple random fields from a hash", Run: cmdHrandfield},
	{Name: "hscan", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.8.0", Summary: "Incrementally iterate hash fields and associated values", Run: cmdHscan},
	{Name: "hset", Arity: -4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Set the string value of a hash field", Run: cmdHset},
	{Name: "hsetnx", Arity: 4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Set the value of a hash field, only if the field does not exist", Run: cmdHsetnx},
	{Name: "hstrlen", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "3.2.0", Summary: "Get the length of the value of a hash field", Run: cmdHstrlen},
	{Name: "hvals", Arity: 2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Get all the values in a hash", Run: cmdHvals},
}

// Reply texts of the hash group, byte for byte as Redis 7.0 sends them.
const (
	msgHashNotInteger = "ERR hash value is not an integer"
	msgHashNotFloat   = "ERR hash value is not a float"
	msgHashIncrNaN    = "ERR value is NaN or Infinity"
	// msgHrandCountRange is getRangeLongFromObjectOrReply's reply for a
	// count outside -LONG_MAX..LONG_MAX (that is, LLONG_MIN).
	msgHrandCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	// msgHrandWithValuesRange: a WITHVALUES count must stay within
	// ±LONG_MAX/2, so that the reply's length does not overflow.
	msgHrandWithValuesRange = "ERR value is out of range"
)

// msgHashArity is Redis's addReplyErrorArity for HSET and HMSET, whose
// handler checks that the fields and values come in pairs.
func msgHashArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

var hsetName = []byte("HSET")

// hashRead returns key's hash for reading: nil and true when the key does
// not exist, nil and false after replying WRONGTYPE.
func hashRead(c *Ctx, key []byte) (*Hash, bool) {
	o, ok := c.DB.lookupKind(c, key, TypeHash)
	if o == nil {
		return nil, ok
	}
	return (*Hash)(o.p), true
}

// hashWrite is hashRead for a command that changes the hash.
func hashWrite(c *Ctx, key []byte) (*Hash, bool) {
	o, ok := c.DB.lookupKindWrite(c, key, TypeHash)
	if o == nil {
		return nil, ok
	}
	return (*Hash)(o.p), true
}

// hashCreate adds key, which must not exist, holding a new empty hash. The
// caller sets at least one field before the command ends.
func hashCreate(c *Ctx, key []byte) *Hash {
	h := newHash()
	c.DB.createContainer(c, key, TypeHash, unsafe.Pointer(h))
	return h
}

// HSET key field value [field value ...]
func cmdHset(c *Ctx, argv [][]byte) {
	if created, ok := hashSetPairs(c, argv, "hset"); ok {
		c.W.Int(int64(created))
		c.Notify(NotifyHash, "hset", argv[1])
	}
}

// HMSET key field value [field value ...]
func cmdHmset(c *Ctx, argv [][]byte) {
	if _, ok := hashSetPairs(c, argv, "hmset"); ok {
		c.W.OK()
		c.Notify(NotifyHash, "hset", argv[1])
	}
}

// hashSetPairs is HSET and HMSET: it sets every pair and returns how many
// fields were new. Redis counts one change per pair, new or not.
func hashSetPairs(c *Ctx, argv [][]byte, name string) (created int, ok bool) {
	if len(argv)%2 == 1 {
		c.W.Error(msgHashArity(name))
		return 0, false
	}
	key := argv[1]
	h, ok := hashWrite(c, key)
	if !ok {
		return 0, false
	}
	if h == nil {
		h = hashCreate(c, key)
	}
	lim := hashLimitsOf(c)
	h.fitCompact(argv[2:], lim)
	for i := 2; i < len(argv); i += 2 {
		if h.set(argv[i], argv[i+1], lim) {
			created++
		}
	}
	c.Changed()
	c.Stats.Dirty.Add(int64((len(argv)-2)/2 - 1))
	return created, true
}

// HSETNX key field value
func cmdHsetnx(c *Ctx, argv [][]byte) {
	key, field := argv[1], argv[2]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	if h != nil {
		if _, found := h.get(field); found {
			c.W.Int(0)
			return
		}
	} else {
		h = hashCreate(c, key)
	}
	lim := hashLimitsOf(c)
	h.fitCompact(argv[2:4], lim)
	h.set(field, argv[3], lim)
	c.W.Int(1)
	c.Notify(NotifyHash, "hset", key)
	c.Changed()
}

// HGET key field
func cmdHget(c *Ctx, argv [][]byte) {
	h, ok := hashRead(c, argv[1])
	if !ok {
		return
	}
	hashReplyField(c, h, argv[2])
}

// hashReplyField replies with field's value, or a null when h (which may
// be nil) does not have it.
func hashReplyField(c *Ctx, h *Hash, field []byte) {
	if h != nil {
		if v, found := h.get(field); found {
			c.W.Bulk(v)
			return
		}
	}
	c.W.Null()
}

// HMGET key field [field ...]
func cmdHmget(c *Ctx, argv [][]byte) {
	h, ok := hashRead(c, argv[1])
	if !ok {
		return
	}
	c.W.ArrayLen(len(argv) - 2)
	for _, field := range argv[2:] {
		hashReplyField(c, h, field)
	}
}

// HDEL key field [field ...]
//
// The key goes when its last field does, and the fields after that one are
// not looked at, as in Redis. Each deleted field counts as a change.
func cmdHdel(c *Ctx, argv [][]byte) {
	key := argv[1]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	n, removed := 0, false
	if h != nil {
		for _, field := range argv[2:] {
			if h.del(field) {
				n++
				if h.len() == 0 {
					c.DB.removeEmpty(key)
					removed = true
					break
				}
			}
		}
	}
	if n > 0 {
		c.Notify(NotifyHash, "hdel", key)
	}
	if removed {
		c.Notify(NotifyGeneric, "del", key)
	}
	c.W.Int(int64(n))
	if n > 0 {
		c.Changed()
		c.Stats.Dirty.Add(int64(n - 1))
	}
}

// HLEN key
func cmdHlen(c *Ctx, argv [][]byte) {
	h, ok := hashRead(c, argv[1])
	switch {
	case !ok:
	case h == nil:
		c.W.Int(0)
	default:
		c.W.Int(int64(h.len()))
	}
}

// HSTRLEN key field
func cmdHstrlen(c *Ctx, argv [][]byte) {
	h, ok := hashRead(c, argv[1])
	if !ok {
		return
	}
	var v []byte
	if h != nil {
		v, _ = h.get(argv[2])
	}
	c.W.Int(int64(len(v)))
}

// HEXISTS key field
func cmdHexists(c *Ctx, argv [][]byte) {
	h, ok := hashRead(c, argv[1])
	if !ok {
		return
	}
	found := false
	if h != nil {
		_, found = h.get(argv[2])
	}
	if found {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

// HKEYS key
func cmdHkeys(c *Ctx, argv [][]byte) { hashGetAll(c, argv[1], true, false) }

// HVALS key
func cmdHvals(c *Ctx, argv [][]byte) { hashGetAll(c, argv[1], false, true) }

// HGETALL key
func cmdHgetall(c *Ctx, argv [][]byte) { hashGetAll(c, argv[1], true, true) }

// hashGetAll is HKEYS, HVALS and HGETALL: the fields, the values, or both
// as a map (a flat array in RESP2).
func hashGetAll(c *Ctx, key []byte, fields, values bool) {
	h, ok := hashRead(c, key)
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.len()
	}
	if fields && values {
		c.W.MapLen(n)
	} else {
		c.W.ArrayLen(n)
	}
	if h == nil {
		return
	}
	h.each(func(f, v []byte) bool {
		if fields {
			c.W.Bulk(f)
		}
		if values {
			c.W.Bulk(v)
		}
		return true
	})
}

// HINCRBY key field increment
func cmdHincrby(c *Ctx, argv [][]byte) {
	key, field := argv[1], argv[2]
	incr, ok := proto.ParseInt(argv[3])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	var v int64
	if h != nil {
		if cur, found := h.get(field); found {
			if v, ok = proto.ParseInt(cur); !ok {
				c.W.Error(msgHashNotInteger)
				return
			}
		}
	}
	if incr < 0 && v < 0 && incr < math.MinInt64-v || incr > 0 && v > 0 && incr > math.MaxInt64-v {
		c.W.Error(msgOverflow)
		return
	}
	v += incr
	if h == nil {
		h = hashCreate(c, key)
	}
	var num [20]byte
	h.set(field, strconv.AppendInt(num[:0], v, 10), hashLimitsOf(c))
	c.W.Int(v)
	c.Notify(NotifyHash, "hincrby", key)
	c.Changed()
}

// HINCRBYFLOAT key field increment
//
// The sum is computed as Redis does, in x87 long double (see float.go),
// and logged as HSET key field sum, so that a replica or an AOF replay
// stores the same digits.
func cmdHincrbyfloat(c *Ctx, argv [][]byte) {
	key, field := argv[1], argv[2]
	incr, ok := parseLongDouble(argv[3])
	if !ok {
		c.W.Error(msgNotFloat)
		return
	}
	if incr.IsInf() {
		c.W.Error(msgHashIncrNaN)
		return
	}
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	cur := new(big.Float)
	if h != nil {
		if v, found := h.get(field); found {
			if cur, ok = parseLongDouble(v); !ok {
				c.W.Error(msgHashNotFloat)
				return
			}
		}
	}
	z, ok := addLongDouble(cur, incr)
	if !ok {
		c.W.Error(msgNaNOrInfinity)
		return
	}
	sum := formatLongDouble(z)
	if h == nil {
		h = hashCreate(c, key)
	}
	h.set(field, sum, hashLimitsOf(c))
	c.W.Bulk(sum)
	c.Notify(NotifyHash, "hincrbyfloat", key)
	c.Propagate(hsetName, key, field, sum)
}

// HRANDFIELD key [count [WITHVALUES]]
func cmdHrandfield(c *Ctx, argv [][]byte) {
	if len(argv) >= 3 {
		count, ok := proto.ParseInt(argv[2])
		if !ok {
			c.W.Error(msgNotInteger)
			return
		}
		if count == math.MinInt64 {
			c.W.Error(msgHrandCountRange)
			return
		}
		if len(argv) > 4 || len(argv) == 4 && !isOpt(argv[3], "WITHVALUES") {
			c.W.Error(msgSyntax)
			return
		}
		withValues := len(argv) == 4
		if withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
			c.W.Error(msgHrandWithValuesRange)
			return
		}
		hashRandCount(c, argv[1], count, withValues)
		return
	}
	h, ok := hashRead(c, argv[1])
	switch {
	case !ok:
	case h == nil:
		c.W.Null()
	default:
		f, _ := h.at(h.randomPos(hashAllPositions(h)))
		c.W.Bulk(f)
	}
}

// hashAllPositions returns what randomPos needs to pick from h: every
// position in the compact form, nothing in the table form.
func hashAllPositions(h *Hash) []hashPos {
	if h.tab != nil {
		return nil
	}
	return h.positions(make([]hashPos, 0, h.len()))
}

// hashRandCount is HRANDFIELD with a count, following Redis's
// hrandfieldWithCountCommand: a negative count draws that many pairs
// independently; a positive one returns that many distinct pairs, the
// whole hash (in its order) when it has no more. With WITHVALUES, RESP3
// gets [field, value] pairs, RESP2 a flat array.
func hashRandCount(c *Ctx, key []byte, count int64, withValues bool) {
	h, ok := hashRead(c, key)
	if !ok {
		return
	}
	if h == nil || count == 0 {
		c.W.ArrayLen(0)
		return
	}
	header := func(n int) {
		if withValues && !c.W.RESP3 {
			n *= 2
		}
		c.W.ArrayLen(n)
	}
	reply := func(f, v []byte) {
		if withValues && c.W.RESP3 {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(f)
		if withValues {
			c.W.Bulk(v)
		}
	}
	size := int64(h.len())
	switch {
	case count < 0 || count == 1:
		n := count
		if n < 0 {
			n = -n
		}
		header(int(n))
		all := hashAllPositions(h)
		for ; n > 0; n-- {
			reply(h.at(h.randomPos(all)))
		}
	case count >= size:
		header(int(size))
		h.each(func(f, v []byte) bool { reply(f, v); return true })
	case h.tab == nil || count*3 > size:
		// Most of the hash: shuffle the first count of all the positions.
		header(int(count))
		all := h.positions(make([]hashPos, 0, size))
		for i := range int(count) {
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
			reply(h.at(all[i]))
		}
	default:
		// A few of a big table: draw until count distinct entries.
		header(int(count))
		seen := make(map[hashPos]struct{}, count)
		for int64(len(seen)) < count {
			i := h.tab.randomEnt()
			if _, dup := seen[i]; dup {
				continue
			}
			seen[i] = struct{}{}
			reply(h.at(i))
		}
	}
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
//
// The cursor is checked first and the options only once the key is found
// to be a hash, in Redis's order: a missing key answers an empty scan
// whatever the options.
func cmdHscan(c *Ctx, argv [][]byte) {
	cursor, ok := parseCursor(argv[2])
	if !ok {
		c.W.Error(msgInvalidCursor)
		return
	}
	h, ok := hashRead(c, argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.ArrayLen(2)
		c.W.BulkString("0")
		c.W.ArrayLen(0)
		return
	}
	opt, ok := parseScanOptions(c, argv[3:], false)
	if !ok {
		return
	}
	var items [][]byte
	cursor = h.scan(cursor, opt.count, func(f, v []byte) {
		if !opt.match || Match(opt.pattern, f, false /* nocase */) {
			items = append(items, f, v)
		}
	})
	c.W.ArrayLen(2)
	var num [20]byte
	c.W.Bulk(strconv.AppendUint(num[:0], cursor, 10))
	c.W.ArrayLen(len(items))
	for _, b := range items {
		c.W.Bulk(b)
	}
}
