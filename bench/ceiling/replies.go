package main

import (
	"bytes"

	"redis-fast/proto"
)

// kind is the shape of a command's fixed reply.
type kind uint8

const (
	kindOK     kind = iota // +OK: SET, MSET and anything unknown
	kindPong               // +PONG
	kindInt                // :1, for the commands that answer a count
	kindValue              // one bulk value of the configured size
	kindPop                // a [member, score] pair, as ZPOPMIN answers
	kindRange              // LRANGE over a fixed list of listLen values
	kindConfig             // CONFIG GET name: [name, ""]
)

// listLen is the length of the imaginary list LRANGE reads.
const listLen = 1000

// kinds maps lower-case command names to their reply kind. It is never
// written after initialisation.
var kinds = map[string]kind{
	"append": kindInt, "config": kindConfig, "dbsize": kindInt, "decr": kindInt,
	"decrby": kindInt, "del": kindInt, "exists": kindInt, "expire": kindInt,
	"get": kindValue, "getdel": kindValue, "getex": kindValue, "getset": kindValue,
	"hdel": kindInt, "hget": kindValue, "hincrby": kindInt, "hlen": kindInt,
	"hset": kindInt, "hsetnx": kindInt, "incr": kindInt, "incrby": kindInt,
	"lindex": kindValue, "llen": kindInt, "lmove": kindValue, "lpop": kindValue,
	"lpush": kindInt, "lpushx": kindInt, "lrange": kindRange, "msetnx": kindInt,
	"pexpire": kindInt, "ping": kindPong, "pttl": kindInt, "rpop": kindValue,
	"rpoplpush": kindValue, "rpush": kindInt, "rpushx": kindInt, "sadd": kindInt,
	"scard": kindInt, "setnx": kindInt, "sintercard": kindInt, "sismember": kindInt,
	"spop": kindValue, "srandmember": kindValue, "srem": kindInt, "strlen": kindInt,
	"touch": kindInt, "ttl": kindInt, "unlink": kindInt, "zadd": kindInt,
	"zcard": kindInt, "zincrby": kindValue, "zintercard": kindInt, "zpopmax": kindPop,
	"zpopmin": kindPop, "zrem": kindInt, "zscore": kindValue,
}

// replies holds the precomputed reply bytes. It is built once, before the
// loops start, and only read afterwards.
type replies struct {
	value []byte // $size\r\nxxx...\r\n
	pop   []byte // *2, the value, then $1\r\n1\r\n
	elems []byte // listLen copies of value, back to back
}

func newReplies(size int) *replies {
	value := proto.AppendBulk(nil, bytes.Repeat([]byte("x"), size))
	pop := proto.AppendArrayLen(nil, 2)
	pop = append(pop, value...)
	pop = proto.AppendBulkString(pop, "1")
	return &replies{value: value, pop: pop, elems: bytes.Repeat(value, listLen)}
}

// answer appends the fixed reply to args to out. args alias the connection's
// read buffer; nothing of them is kept.
func (r *replies) answer(out []byte, args [][]byte) []byte {
	var low [16]byte
	name := args[0]
	if len(name) > len(low) {
		return append(out, "+OK\r\n"...)
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch kinds[string(low[:len(name)])] {
	case kindPong:
		return append(out, "+PONG\r\n"...)
	case kindInt:
		return append(out, ":1\r\n"...)
	case kindValue:
		return append(out, r.value...)
	case kindPop:
		return append(out, r.pop...)
	case kindRange:
		n := rangeLen(args)
		out = proto.AppendArrayLen(out, n)
		return append(out, r.elems[:n*len(r.value)]...)
	case kindConfig:
		if len(args) < 3 {
			return append(out, "+OK\r\n"...)
		}
		out = proto.AppendArrayLen(out, 2)
		out = proto.AppendBulk(out, args[2])
		return proto.AppendBulkString(out, "")
	}
	return append(out, "+OK\r\n"...)
}

// rangeLen is how many elements LRANGE key start stop returns from a list of
// listLen elements, with Redis's index rules.
func rangeLen(args [][]byte) int {
	if len(args) < 4 {
		return 0
	}
	start, ok1 := proto.ParseInt(args[2])
	stop, ok2 := proto.ParseInt(args[3])
	if !ok1 || !ok2 {
		return 0
	}
	if start < 0 {
		start = max(start+listLen, 0)
	}
	if stop < 0 {
		stop += listLen
	}
	stop = min(stop, listLen-1)
	if start > stop {
		return 0
	}
	return int(stop - start + 1)
}
