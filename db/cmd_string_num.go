package db

import (
	"math"
	"strconv"

	"redis-fast/proto"
)

// The counters of the string group: INCR, DECR, INCRBY, DECRBY and
// INCRBYFLOAT. Their rows are in StringCommands (cmd_string.go).

const msgDecrOverflow = "ERR decrement would overflow"

// INCR key
func cmdIncr(c *Ctx, argv [][]byte) { incrBy(c, argv[1], 1) }

// DECR key
func cmdDecr(c *Ctx, argv [][]byte) { incrBy(c, argv[1], -1) }

// INCRBY key increment
func cmdIncrby(c *Ctx, argv [][]byte) {
	n, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	incrBy(c, argv[1], n)
}

// DECRBY key decrement
func cmdDecrby(c *Ctx, argv [][]byte) {
	n, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.W.Error(msgDecrOverflow)
		return
	}
	incrBy(c, argv[1], -n)
}

// incrBy adds by to the integer at key (0 when the key is missing), as
// Redis's incrDecrCommand does. The new number is written over the old one
// in its block when it fits, so counting allocates nothing (except when the
// number gains a digit past the block's size). The key keeps its expiry.
func incrBy(c *Ctx, key []byte, by int64) {
	o := c.DB.lookupWrite(c, key)
	var v int64
	if o != nil {
		if o.typ != TypeString {
			c.W.Error(msgWrongType)
			return
		}
		var ok bool
		if v, ok = proto.ParseInt(o.Str()); !ok {
			c.W.Error(msgNotInteger)
			return
		}
	}
	if by < 0 && v < 0 && by < math.MinInt64-v || by > 0 && v > 0 && by > math.MaxInt64-v {
		c.W.Error(msgOverflow)
		return
	}
	v += by
	var num [20]byte
	if digits := strconv.AppendInt(num[:0], v, 10); o == nil {
		c.DB.createString(c, key, digits, false)
	} else {
		o.setStr(digits)
	}
	c.Notify(NotifyString, "incrby", key)
	c.W.Int(v)
	c.Changed()
}

// INCRBYFLOAT key increment
//
// The sum is computed as Redis computes it, in x87 long double (see
// float.go), and logged as SET key sum KEEPTTL, so that a replica or an AOF
// replay stores the same digits whatever its floating point.
func cmdIncrbyfloat(c *Ctx, argv [][]byte) {
	key := argv[1]
	o := c.DB.lookupWrite(c, key)
	if o != nil && o.typ != TypeString {
		c.W.Error(msgWrongType)
		return
	}
	var cur []byte
	if o != nil {
		cur = o.Str()
	}
	sum, msg := incrByFloat(cur, o != nil, argv[2])
	if msg != "" {
		c.W.Error(msg)
		return
	}
	if o == nil {
		o = c.DB.createString(c, key, sum, false)
	} else {
		o.setStr(sum)
	}
	o.flags |= flagNotInt
	c.Notify(NotifyString, "incrbyfloat", key)
	c.W.Bulk(sum)
	c.Propagate(setName, key, sum, strKeepTTL)
}
