package rdb

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The dataset every round-trip test uses, as commands, so the same data
// can be built in our keyspace and in a real redis-server: every type in
// every encoding Redis 7.0 has at its default thresholds, small and big
// collections, intsets of each width, integer, compressible and binary
// strings, expiries, and all 16 databases.

// farFuture is an absolute expiry (2100-01-01) that stays in the future.
const farFuture = "4102444800000"

// runFunc sends one command to database dbi.
type runFunc func(dbi int, args ...string)

// populate builds the dataset with run. seed makes the random parts
// reproducible.
func populate(run runFunc, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 42))
	noise := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return string(b)
	}
	// Strings: int-encoded (int8, int16, int32), integers too big for the
	// int encodings, not canonical integers, compressible, incompressible,
	// binary, empty, around the 20-byte compression and 44-byte embstr
	// boundaries.
	strs := map[string]string{
		"int8": "-100", "int16": "30000", "int32": "-2000000000", "int64": "9223372036854775807",
		"int-min": "-9223372036854775808", "zero": "0", "leading-zero": "007", "plus": "+5",
		"minus-zero": "-0", "float": "3.14", "empty": "",
		"twenty": strings.Repeat("a", 20), "twenty-one": strings.Repeat("a", 21),
		"compressible": strings.Repeat("hello world ", 50),
		"noise":        noise(300), "binary": "a\x00b\r\nc\xff", "k\x00\r\n": "binary key",
		"embstr44": strings.Repeat("x", 44), "raw45": strings.Repeat("y", 45),
		"big": strings.Repeat("0123456789abcdef", 8000) + noise(100),
	}
	for k, v := range strs {
		run(0, "SET", k, v)
	}
	// Lists: short, binary, with integers, long enough for many quicklist
	// nodes, with elements that fill a node each.
	run(0, "RPUSH", "list:small", "a", "b", "c", "1", "-5", "70000", "")
	run(0, "RPUSH", "list:binary", "\x00", "\r\n", "\xff\xfe")
	args := []string{"RPUSH", "list:long"}
	for i := range 20000 {
		args = append(args, "element-"+strconv.Itoa(i))
		if i%7 == 0 {
			args = append(args, strconv.Itoa(i*1000-5000000))
		}
	}
	run(0, args...)
	args = []string{"RPUSH", "list:fat"}
	for i := range 20 {
		args = append(args, strings.Repeat(string(rune('a'+i)), 5000+i))
	}
	run(0, args...)
	// Sets: intsets of each width, a set too big for an intset, a set with
	// strings.
	run(0, "SADD", "set:int16", "1", "2", "3", "-32768", "32767")
	run(0, "SADD", "set:int32", "1", "70000", "-2147483648", "2147483647")
	run(0, "SADD", "set:int64", "5", "5000000000", "-9223372036854775808", "9223372036854775807")
	args = []string{"SADD", "set:bigints"}
	for i := range 600 {
		args = append(args, strconv.Itoa(i*3))
	}
	run(0, args...)
	run(0, "SADD", "set:strings", "apple", "banana", "7", "\x00bin")
	args = []string{"SADD", "set:big"}
	for i := range 2000 {
		args = append(args, "member-"+strconv.Itoa(i))
	}
	run(0, args...)
	// Hashes: listpack, listpack with integers, hashtable by count, by
	// value length.
	run(0, "HSET", "hash:small", "name", "redis", "version", "7", "neg", "-12345678901", "empty", "")
	args = []string{"HSET", "hash:many"}
	for i := range 1000 {
		args = append(args, "field-"+strconv.Itoa(i), strconv.Itoa(i*i))
	}
	run(0, args...)
	run(0, "HSET", "hash:longvalue", "f", strings.Repeat("v", 100), "g", "short")
	run(0, "HSET", "hash:binary", "\x00", "\r\n", "k", "\xff")
	// Sorted sets: listpack with integral, fractional and infinite scores,
	// skiplist by count and by member length.
	run(0, "ZADD", "zset:small", "1", "one", "2.5", "two-and-a-half", "-3", "minus-three",
		"inf", "top", "-inf", "bottom", "1e300", "huge", "0.1", "tenth", "4611686018427387904", "2^62")
	args = []string{"ZADD", "zset:many"}
	for i := range 1000 {
		args = append(args, fmt.Sprintf("%g", float64(i)*1.25-300), "m-"+strconv.Itoa(i))
	}
	run(0, args...)
	run(0, "ZADD", "zset:longmember", "1", strings.Repeat("m", 100), "2", "short", "-0", "negzero")
	// Expiries.
	run(0, "SET", "expiring:string", "v")
	run(0, "PEXPIREAT", "expiring:string", farFuture)
	run(0, "RPUSH", "expiring:list", "a", "b")
	run(0, "PEXPIREAT", "expiring:list", "4102444800123")
	run(0, "HSET", "expiring:hash", "f", "v")
	run(0, "PEXPIREAT", "expiring:hash", farFuture)
	// Every database.
	for i := 1; i < 16; i++ {
		run(i, "SET", "db", strconv.Itoa(i))
		run(i, "SADD", "set", strconv.Itoa(i), "x")
	}
	run(15, "ZADD", "z", "1", "a")
	run(15, "PEXPIREAT", "z", farFuture)
}
