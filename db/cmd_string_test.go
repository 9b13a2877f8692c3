package db

import (
	"fmt"
	"strings"
	"time"

	"runtime/debug"
	"testing"
	"unsafe"

	"redis-fast/proto"
)

func TestSetOptions(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.mustBulk("GET k", "v")
	x.mustNil("SET k v2 NX")
	x.mustOK("SET k v2 XX")
	x.mustNil("SET other v XX")
	x.mustBulk("SET k v3 GET", "v2")
	x.mustErr("SET k v EX 0", "ERR invalid expire time in 'set' command")
	x.mustErr("SET k v EX x", msgNotInteger)
	x.mustErr("SET k v NX XX", msgSyntax)
	x.mustErr("SET k v EX 10 PX 10", msgSyntax)
	x.mustErr("SET k v KEEPTTL EX 10", msgSyntax)
}

func TestSetExpiresAndPropagatesPXAT(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustOK("SET k v EX 10")
	x.mustLog("SELECT 0", "SET k v PXAT 1700000010000")
	x.advance(9999)
	x.mustBulk("GET k", "v")
	x.advance(2)
	x.mustNil("GET k")
	// The read did not delete it; the next write does, and logs a DEL.
	x.mustOK("SET k w")
	x.mustLog("DEL k", "SET k w")
}

func TestSetKeepTTL(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v PX 100")
	x.mustOK("SET k v2 KEEPTTL")
	x.advance(101)
	x.mustNil("GET k")
	x.mustOK("SET k v PX 100")
	x.mustOK("SET k v2")
	x.advance(100)
	x.mustBulk("GET k", "v2")
}

func TestSetGetPropagatesWithoutGet(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustNil("SET k v GET")
	x.mustLog("SELECT 0", "SET k v")
}

func TestActiveExpireReclaims(t *testing.T) {
	x := newTester(t)
	for i := 0; i < 100; i++ {
		x.mustOK("SET k" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + " v PX 10")
	}
	x.mustOK("SET keep v")
	x.advance(11)
	x.ks.ActiveExpire(x.now, &x.stats, time.Minute)
	if n := x.ctx.DB.Size(); n != 1 {
		t.Fatalf("after the cycle %d keys remain, want 1", n)
	}
	if n := x.stats.ExpiredKeys.Load(); n != 100 {
		t.Fatalf("expired_keys = %d, want 100", n)
	}
}

// wrongType stores a value of another type than string under key, for the
// WRONGTYPE paths (the string group cannot create one itself).
func (x *tester) wrongType(key string) {
	x.t.Helper()
	d := x.ctx.DB
	d.Lock(EveryShard, true)
	defer d.Unlock(EveryShard, true)
	x.ctx.Begin(nil, x.now)
	o := d.create(&x.ctx, []byte(key))
	o.setContainer(TypeList, unsafe.Pointer(new(struct{ x int })))
}

// object returns key's Object, or nil.
func (x *tester) object(key string) *Object {
	x.t.Helper()
	x.ctx.Begin(nil, x.now)
	return x.ctx.DB.peek(&x.ctx, []byte(key))
}

func TestSetnx(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("SETNX k v", 1)
	x.mustInt("SETNX k w", 0)
	x.mustBulk("GET k", "v")
	x.mustLog("SELECT 0", "SETNX k v")
	x.wrongType("list")
	x.mustInt("SETNX list v", 0)
	// An expired key does not count as existing; its deletion is logged.
	x.mustOK("SET tmp v PX 10")
	x.logged()
	x.advance(11)
	x.mustInt("SETNX tmp new", 1)
	x.mustLog("MULTI", "DEL tmp", "SETNX tmp new", "EXEC")
	x.mustErr("SETNX k", "ERR wrong number of arguments for 'setnx' command")
}

func TestSetexAndPsetex(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustOK("SETEX k 10 v")
	x.mustLog("SELECT 0", "SET k v PXAT 1700000010000")
	x.mustOK("PSETEX p 1500 w")
	x.mustLog("SET p w PXAT 1700000001500")
	x.advance(1499)
	x.mustBulk("GET p", "w")
	x.advance(2)
	x.mustNil("GET p")
	x.mustBulk("GET k", "v")
	x.advance(8501)
	x.mustNil("GET k")

	for _, tc := range []struct{ name, line, msg string }{
		{name: "zero", line: "SETEX k 0 v", msg: "ERR invalid expire time in 'setex' command"},
		{name: "negative", line: "SETEX k -1 v", msg: "ERR invalid expire time in 'setex' command"},
		{name: "overflow", line: "SETEX k 9223372036854775807 v", msg: "ERR invalid expire time in 'setex' command"},
		{name: "not a number", line: "SETEX k 1.5 v", msg: msgNotInteger},
		{name: "psetex zero", line: "PSETEX k 0 v", msg: "ERR invalid expire time in 'psetex' command"},
		{name: "psetex overflow", line: "PSETEX k 9223372036854775807 v", msg: "ERR invalid expire time in 'psetex' command"},
		{name: "psetex not a number", line: "PSETEX k x v", msg: msgNotInteger},
	} {
		t.Run(tc.name, func(t *testing.T) { x.t = t; x.mustErr(tc.line, tc.msg) })
	}
	x.t = t
	// The reads that met the expired keys reclaimed them, as Redis's lazy
	// expiry does; the failed commands logged nothing.
	x.mustLog("DEL p", "DEL k")
}

func TestSetexReplacesAnyType(t *testing.T) {
	x := newTester(t)
	x.wrongType("k")
	x.mustOK("SETEX k 10 v")
	x.mustBulk("GET k", "v")
}

func TestGetset(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustNil("GETSET k a")
	x.mustBulk("GETSET k b", "a")
	x.mustLog("SELECT 0", "SET k a", "SET k b")
	// GETSET drops the expiry, as SET does.
	x.mustOK("SETEX k 10 c")
	x.mustBulk("GETSET k d", "c")
	x.advance(10_000)
	x.mustBulk("GET k", "d")
	x.wrongType("list")
	x.logged()
	x.mustErr("GETSET list v", msgWrongType)
	x.mustLog()
}

func TestGetdel(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.logged()
	x.mustBulk("GETDEL k", "v")
	x.mustNil("GETDEL k")
	x.mustNil("GET k")
	x.mustLog("DEL k")
	x.wrongType("list")
	x.mustErr("GETDEL list", msgWrongType)
	x.mustOK("SET tmp v PX 5")
	x.logged()
	x.advance(6)
	x.mustNil("GETDEL tmp")
	x.mustLog("DEL tmp")
}

func TestGetexOptions(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	for _, tc := range []struct{ name, line, want string }{
		{name: "plain", line: "GETEX k", want: "$1\r\nv\r\n"},
		{name: "missing", line: "GETEX nokey EX 10", want: "$-1\r\n"},
		{name: "missing key before a bad time", line: "GETEX nokey EX 0", want: "$-1\r\n"},
		{name: "syntax before the key", line: "GETEX nokey BAD", want: "-ERR syntax error\r\n"},
		{name: "two different units", line: "GETEX k EX 10 PX 10", want: "-ERR syntax error\r\n"},
		{name: "same unit twice", line: "GETEX k EX 10 EX 20", want: "$1\r\nv\r\n"},
		{name: "persist then ex", line: "GETEX k PERSIST EX 10", want: "-ERR syntax error\r\n"},
		{name: "ex then persist", line: "GETEX k EX 10 PERSIST", want: "-ERR syntax error\r\n"},
		{name: "keepttl is SET's", line: "GETEX k KEEPTTL", want: "-ERR syntax error\r\n"},
		{name: "nx is SET's", line: "GETEX k NX", want: "-ERR syntax error\r\n"},
		{name: "ex without a value", line: "GETEX k EX", want: "-ERR syntax error\r\n"},
		{name: "zero", line: "GETEX k EX 0", want: "-ERR invalid expire time in 'getex' command\r\n"},
		{name: "negative", line: "GETEX k PXAT -1", want: "-ERR invalid expire time in 'getex' command\r\n"},
		{name: "not a number", line: "GETEX k PX ten", want: "-ERR value is not an integer or out of range\r\n"},
		{name: "seconds overflow", line: "GETEX k EX 9223372036854775807", want: "-ERR invalid expire time in 'getex' command\r\n"},
		{name: "ms overflow", line: "GETEX k PX 9223372036854775807", want: "-ERR invalid expire time in 'getex' command\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { x.t = t; x.expect(tc.line, tc.want) })
	}
	x.t = t
	x.wrongType("list")
	x.mustErr("GETEX list EX 10", msgWrongType)
	x.mustErr("GETEX list EX 0", msgWrongType)
}

func TestGetexPropagation(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.logged()
	x.mustBulk("GETEX k", "v")
	x.mustBulk("GETEX k PERSIST", "v") // no expiry to remove: not logged
	x.mustLog()
	x.mustBulk("GETEX k EX 10", "v")
	x.mustBulk("GETEX k PX 500", "v")
	x.mustBulk("GETEX k EXAT 1800000000", "v")
	x.mustBulk("GETEX k PXAT 1800000000123", "v")
	x.mustLog("PEXPIREAT k 1700000010000", "PEXPIREAT k 1700000000500",
		"PEXPIREAT k 1800000000000", "PEXPIREAT k 1800000000123")
	x.mustBulk("GETEX k PERSIST", "v")
	x.mustLog("PERSIST k")
	if o := x.object("k"); o == nil || o.Expire() != 0 {
		t.Fatalf("after PERSIST: %+v", o)
	}
	// An absolute time already past deletes the key, logged as DEL.
	x.mustBulk("GETEX k PXAT 1700000000000", "v")
	x.mustNil("GET k")
	x.mustLog("DEL k")
	x.mustOK("SET k v")
	x.logged()
	x.mustBulk("GETEX k EXAT 1", "v")
	x.mustLog("DEL k")
}

func TestGetexExpires(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.mustBulk("GETEX k PX 100", "v")
	x.advance(99)
	x.mustBulk("GETEX k", "v")
	x.advance(2)
	x.mustNil("GETEX k")
	x.mustOK("SET k v EX 1")
	x.mustBulk("GETEX k PERSIST", "v")
	x.advance(5000)
	x.mustBulk("GET k", "v")
}

func TestGetexRESP3(t *testing.T) {
	x := newTester(t)
	x.w.RESP3 = true
	x.expect("GETEX nokey", "_\r\n")
	x.expect("GETDEL nokey", "_\r\n")
	x.expect("MGET nokey k", "*2\r\n_\r\n_\r\n")
	x.expect("GETSET nokey v", "_\r\n")
}

func TestMsetMget(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustOK("MSET a 1 b 2 a 3")
	x.mustLog("SELECT 0", "MSET a 1 b 2 a 3")
	if n := x.stats.Dirty.Load(); n != 3 {
		t.Errorf("dirty after MSET of 3 pairs = %d, want 3", n)
	}
	x.wrongType("list")
	x.expect("MGET a b nokey list a", "*5\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n$-1\r\n$1\r\n3\r\n")
	x.mustErr("MSET a 1 b", "ERR wrong number of arguments for 'mset' command")
	x.mustErr("MSET a", "ERR wrong number of arguments for 'mset' command")
	x.mustErr("MGET", "ERR wrong number of arguments for 'mget' command")
	// MSET drops expiries and replaces other types.
	x.mustOK("SET t v PX 10")
	x.mustOK("MSET t w list s")
	x.advance(10)
	x.mustBulk("GET t", "w")
	x.mustBulk("GET list", "s")
	x.mustLog("SET t v PXAT 1700000000010", "MSET t w list s")
}

func TestMsetnx(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("MSETNX a 1 b 2", 1)
	x.mustInt("MSETNX c 3 b 4", 0)
	x.mustNil("GET c")
	x.mustBulk("GET b", "2")
	x.mustInt("MSETNX d 1 d 2", 1)
	x.mustBulk("GET d", "2")
	x.mustErr("MSETNX e 1 f", "ERR wrong number of arguments for 'msetnx' command")
	x.mustLog("SELECT 0", "MSETNX a 1 b 2", "MSETNX d 1 d 2")
	x.wrongType("list")
	x.mustInt("MSETNX list v", 0)
	x.mustOK("SET tmp v PX 1")
	x.advance(2)
	x.logged()
	x.mustInt("MSETNX tmp w", 1)
	x.mustLog("MULTI", "DEL tmp", "MSETNX tmp w", "EXEC")
}

func TestAppend(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("APPEND k hello", 5)
	if o := x.object("k"); o.flags&flagRaw != 0 {
		t.Errorf("APPEND creating a key marked it raw")
	}
	x.mustInt("APPEND k \" world\"", 11)
	x.mustBulk("GET k", "hello world")
	if o := x.object("k"); o.flags&flagRaw == 0 {
		t.Errorf("APPEND to a key did not mark it raw")
	}
	x.mustInt("APPEND k \"\"", 11)
	x.mustInt("APPEND empty \"\"", 0)
	x.mustBulk("GET empty", "")
	x.mustLog("SELECT 0", "APPEND k hello", "APPEND k  world", "APPEND k ", "APPEND empty ")
	for i := 0; i < 100; i++ {
		x.do("APPEND big 0123456789")
	}
	x.mustInt("STRLEN big", 1000)
	x.mustBulk("GETRANGE big 990 -1", "0123456789")
	x.mustInt("APPEND bin \"a\\x00b\\r\\n\"", 5)
	x.mustBulk("GET bin", "a\x00b\r\n")
	x.wrongType("list")
	x.mustErr("APPEND list v", msgWrongType)
	// APPEND keeps the expiry.
	x.mustOK("SET t v PX 10")
	x.mustInt("APPEND t w", 2)
	x.advance(11)
	x.mustNil("GET t")
}

func TestAppendLimit(t *testing.T) {
	x := newTester(t)
	x.ks.MaxBulkLen.Store(10)
	x.mustInt("APPEND k 12345", 5)
	x.mustInt("APPEND k 12345", 10)
	x.mustErr("APPEND k 1", msgStringTooLong)
	x.mustBulk("GET k", "1234512345")
	x.mustInt("SETRANGE k 9 x", 10)
	x.mustErr("SETRANGE k 10 x", msgStringTooLong)
	x.mustErr("SETRANGE new 8 xyz", msgStringTooLong)
	x.mustErr("SETRANGE new 9223372036854775807 x", msgStringTooLong)
}

func TestStrlen(t *testing.T) {
	x := newTester(t)
	x.mustInt("STRLEN k", 0)
	x.mustOK("SET k abc")
	x.mustInt("STRLEN k", 3)
	x.mustOK("SET n 12345")
	x.mustInt("STRLEN n", 5)
	x.wrongType("list")
	x.mustErr("STRLEN list", msgWrongType)
}

func TestGetrange(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k hello")
	x.mustOK("SET e \"\"")
	for _, tc := range []struct {
		line, want string
	}{
		{line: "GETRANGE k 0 -1", want: "hello"},
		{line: "GETRANGE k 0 0", want: "h"},
		{line: "GETRANGE k 1 3", want: "ell"},
		{line: "GETRANGE k -3 -1", want: "llo"},
		{line: "GETRANGE k -1 -5", want: ""},
		{line: "GETRANGE k -100 -200", want: ""},
		{line: "GETRANGE k -100 100", want: "hello"},
		{line: "GETRANGE k 0 -100", want: "h"},
		{line: "GETRANGE k 3 1", want: ""},
		{line: "GETRANGE k 5 10", want: ""},
		{line: "GETRANGE k 4 4", want: "o"},
		{line: "GETRANGE k -2 1", want: ""},
		{line: "GETRANGE k 9223372036854775807 -9223372036854775808", want: ""},
		{line: "GETRANGE k -9223372036854775808 9223372036854775807", want: "hello"},
		{line: "GETRANGE e 0 -1", want: ""},
		{line: "GETRANGE e -1 0", want: ""},
		{line: "GETRANGE nokey 0 -1", want: ""},
		{line: "SUBSTR k 1 -2", want: "ell"},
	} {
		t.Run(tc.line, func(t *testing.T) { x.t = t; x.mustBulk(tc.line, tc.want) })
	}
	x.t = t
	x.mustErr("GETRANGE k a 1", msgNotInteger)
	x.mustErr("GETRANGE k 1 b", msgNotInteger)
	x.mustErr("GETRANGE k 1 9223372036854775808", msgNotInteger)
	x.wrongType("list")
	x.mustErr("GETRANGE list 0 1", msgWrongType)
	x.mustErr("GETRANGE list x 1", msgNotInteger)
}

func TestSetrange(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("SETRANGE k 5 abc", 8)
	x.mustBulk("GET k", "\x00\x00\x00\x00\x00abc")
	x.mustInt("SETRANGE k 0 XY", 8)
	x.mustBulk("GET k", "XY\x00\x00\x00abc")
	x.mustInt("SETRANGE k 7 12345", 12)
	x.mustBulk("GET k", "XY\x00\x00\x00ab12345")
	x.mustInt("SETRANGE k 100 \"\"", 12)
	x.mustInt("SETRANGE nokey 100 \"\"", 0)
	x.mustNil("GET nokey")
	x.mustLog("SELECT 0", "SETRANGE k 5 abc", "SETRANGE k 0 XY", "SETRANGE k 7 12345")
	x.mustErr("SETRANGE k -1 x", msgOffsetRange)
	x.mustErr("SETRANGE k x x", msgNotInteger)
	x.mustErr("SETRANGE k 536870912 x", msgStringTooLong)
	x.mustErr("SETRANGE k 536870911 xy", msgStringTooLong)
	x.wrongType("list")
	x.mustErr("SETRANGE list 0 x", msgWrongType)
	x.mustErr("SETRANGE list 0 \"\"", msgWrongType)
	x.mustErr("SETRANGE list -1 x", msgOffsetRange)
	x.mustLog()
	if o := x.object("k"); o.flags&flagRaw == 0 {
		t.Errorf("SETRANGE did not mark the string raw")
	}
}

func TestSetrangeReusedBlockIsZeroed(t *testing.T) {
	x := newTester(t)
	// SET a long value, then a short one that reuses its block: growing the
	// short one must show zeros, not the old bytes.
	x.mustOK("SET k abcdefgh")
	x.mustOK("SET k wxyz1")
	x.mustInt("SETRANGE k 7 Q", 8)
	x.mustBulk("GET k", "wxyz1\x00\x00Q")
}

func TestIncrDecr(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("INCR n", 1)
	x.mustInt("INCR n", 2)
	x.mustInt("DECR n", 1)
	x.mustInt("INCRBY n 100", 101)
	x.mustInt("DECRBY n 1000", -899)
	x.mustInt("DECR m", -1)
	x.mustLog("SELECT 0", "INCR n", "INCR n", "DECR n", "INCRBY n 100", "DECRBY n 1000", "DECR m")
	for _, tc := range []struct{ name, set, line, want string }{
		{name: "max", set: "9223372036854775806", line: "INCR k", want: ":9223372036854775807\r\n"},
		{name: "past max", set: "9223372036854775807", line: "INCR k", want: "-" + msgOverflow + "\r\n"},
		{name: "min", set: "-9223372036854775807", line: "DECR k", want: ":-9223372036854775808\r\n"},
		{name: "past min", set: "-9223372036854775808", line: "DECR k", want: "-" + msgOverflow + "\r\n"},
		{name: "incrby past max", set: "1", line: "INCRBY k 9223372036854775807", want: "-" + msgOverflow + "\r\n"},
		{name: "incrby min", set: "0", line: "INCRBY k -9223372036854775808", want: ":-9223372036854775808\r\n"},
		{name: "decrby min", set: "0", line: "DECRBY k -9223372036854775808", want: "-" + msgDecrOverflow + "\r\n"},
		{name: "decrby max", set: "-1", line: "DECRBY k 9223372036854775807", want: ":-9223372036854775808\r\n"},
		{name: "decrby past min", set: "-2", line: "DECRBY k 9223372036854775807", want: "-" + msgOverflow + "\r\n"},
		{name: "not a number", set: "abc", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "leading blanks", set: "\"  1\"", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "leading zero", set: "01", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "plus sign", set: "+1", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "float", set: "1.0", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "empty", set: "\"\"", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "too big", set: "9223372036854775808", line: "DECR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "bad increment", set: "1", line: "INCRBY k 1.5", want: "-" + msgNotInteger + "\r\n"},
		{name: "bad decrement", set: "1", line: "DECRBY k x", want: "-" + msgNotInteger + "\r\n"},
		{name: "increment too big", set: "1", line: "INCRBY k 9223372036854775808", want: "-" + msgNotInteger + "\r\n"},
		{name: "negative zero", set: "-0", line: "INCR k", want: "-" + msgNotInteger + "\r\n"},
		{name: "grows a digit", set: "99", line: "INCR k", want: ":100\r\n"},
		{name: "loses a digit", set: "100", line: "DECR k", want: ":99\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x.t = t
			x.mustOK("SET k " + tc.set)
			x.expect(tc.line, tc.want)
		})
	}
	x.t = t
	x.mustOK("SET k 99")
	x.mustInt("INCR k", 100)
	x.mustBulk("GET k", "100")
	x.wrongType("list")
	x.mustErr("INCR list", msgWrongType)
	x.mustErr("INCRBY list x", msgNotInteger) // the increment is checked first
	x.mustErr("DECRBY list 1", msgWrongType)
}

func TestIncrKeepsTTLAndEncoding(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k 10 PX 100")
	x.mustInt("INCR k", 11)
	x.advance(101)
	x.mustNil("GET k")
	x.mustInt("APPEND r 1", 1)
	x.mustInt("APPEND r 0", 2)
	x.mustInt("INCR r", 11)
	if o := x.object("r"); o.flags&flagRaw != 0 {
		t.Errorf("INCR left the string marked raw")
	}
}

// raceEnabled reports whether the test binary was built with -race, whose
// instrumentation allocates.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// allocCtx is a context on a fresh keyspace for counting allocations, and
// its reply writer; it skips the test under -race, which allocates.
func allocCtx(t *testing.T) (*Ctx, *proto.Writer) {
	t.Helper()
	if raceEnabled() {
		t.Skip("-race allocates")
	}
	ks := NewKeyspace(1)
	w := &proto.Writer{}
	return &Ctx{W: w, DB: ks.DB(0), KS: ks, Stats: &Stats{}}, w
}

func TestIncrAllocatesNothing(t *testing.T) {
	c, w := allocCtx(t)
	set := [][]byte{[]byte("SET"), []byte("counter"), []byte("1000")}
	c.Begin(set, 1_700_000_000_000)
	cmdSet(c, set)
	for _, tc := range []struct {
		name string
		argv [][]byte
		run  func(*Ctx, [][]byte)
	}{
		{name: "INCR", argv: [][]byte{[]byte("INCR"), []byte("counter")}, run: cmdIncr},
		{name: "DECR", argv: [][]byte{[]byte("DECR"), []byte("counter")}, run: cmdDecr},
		{name: "INCRBY", argv: [][]byte{[]byte("INCRBY"), []byte("counter"), []byte("3")}, run: cmdIncrby},
		{name: "DECRBY", argv: [][]byte{[]byte("DECRBY"), []byte("counter"), []byte("3")}, run: cmdDecrby},
	} {
		allocs := testing.AllocsPerRun(100, func() {
			w.Buf = w.Buf[:0]
			c.Begin(tc.argv, 1_700_000_000_000)
			tc.run(c, tc.argv)
		})
		if allocs != 0 {
			t.Errorf("%s of an existing key: %v allocations per run, want 0", tc.name, allocs)
		}
	}
}

func TestIncrbyfloat(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustBulk("INCRBYFLOAT f 10.5", "10.5")
	x.mustBulk("INCRBYFLOAT f 0.1", "10.6")
	x.mustBulk("INCRBYFLOAT f -5", "5.6")
	x.mustBulk("INCRBYFLOAT f 1e3", "1005.59999999999999998") // as Redis: 5.6 is inexact
	x.mustLog("SELECT 0", "SET f 10.5 KEEPTTL", "SET f 10.6 KEEPTTL", "SET f 5.6 KEEPTTL", "SET f 1005.59999999999999998 KEEPTTL")
	for _, tc := range []struct{ name, set, line, want string }{
		{name: "integer value", set: "5", line: "INCRBYFLOAT k 1", want: "$1\r\n6\r\n"},
		{name: "to zero", set: "0.1", line: "INCRBYFLOAT k -0.1", want: "$1\r\n0\r\n"},
		{name: "negative zero", set: "-0", line: "INCRBYFLOAT k -0", want: "$1\r\n0\r\n"},
		{name: "tiny negative", set: "0", line: "INCRBYFLOAT k -1e-20", want: "$1\r\n0\r\n"},
		{name: "hex", set: "0x10", line: "INCRBYFLOAT k 0x1.8p1", want: "$2\r\n19\r\n"},
		{name: "exponent", set: "1.5e3", line: "INCRBYFLOAT k 2E-1", want: "$22\r\n1500.19999999999999996\r\n"},
		{name: "infinity value", set: "inf", line: "INCRBYFLOAT k 1", want: "-" + msgNaNOrInfinity + "\r\n"},
		{name: "infinity increment", set: "1", line: "INCRBYFLOAT k -Infinity", want: "-" + msgNaNOrInfinity + "\r\n"},
		{name: "overflow", set: "1.1e4932", line: "INCRBYFLOAT k 1.1e4932", want: "-" + msgNaNOrInfinity + "\r\n"},
		{name: "nan", set: "1", line: "INCRBYFLOAT k nan", want: "-" + msgNotFloat + "\r\n"},
		{name: "bad value", set: "abc", line: "INCRBYFLOAT k 1", want: "-" + msgNotFloat + "\r\n"},
		{name: "empty value", set: "\"\"", line: "INCRBYFLOAT k 1", want: "-" + msgNotFloat + "\r\n"},
		{name: "leading blank", set: "1", line: "INCRBYFLOAT k \" 1\"", want: "-" + msgNotFloat + "\r\n"},
		{name: "trailing blank", set: "1", line: "INCRBYFLOAT k \"1 \"", want: "-" + msgNotFloat + "\r\n"},
		{name: "out of range", set: "1", line: "INCRBYFLOAT k 1e4933", want: "-" + msgNotFloat + "\r\n"},
		{name: "underflow", set: "1", line: "INCRBYFLOAT k 1e-5000", want: "-" + msgNotFloat + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x.t = t
			x.mustOK("SET k " + tc.set)
			x.expect(tc.line, tc.want)
		})
	}
	x.t = t
	x.wrongType("list")
	x.mustErr("INCRBYFLOAT list 1", msgWrongType)
	x.mustErr("INCRBYFLOAT list x", msgWrongType) // the key is checked first
	x.logged()
	x.mustErr("INCRBYFLOAT f x", msgNotFloat)
	x.mustLog()
}

func TestIncrbyfloatKeepsTTL(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k 1 PX 100")
	x.mustBulk("INCRBYFLOAT k 1.5", "2.5")
	x.advance(101)
	x.mustNil("GET k")
}

func TestLcs(t *testing.T) {
	x := newTester(t)
	x.mustOK("MSET a ohmytext b mynewtext")
	x.mustBulk("LCS a b", "mytext")
	x.mustInt("LCS a b LEN", 6)
	x.expect("LCS a b IDX", "*4\r\n$7\r\nmatches\r\n*2\r\n"+
		"*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"+
		"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"+
		"$3\r\nlen\r\n:6\r\n")
	x.expect("LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*1\r\n"+
		"*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"+
		"$3\r\nlen\r\n:6\r\n")
	x.expect("LCS a b IDX MINMATCHLEN -3 WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*2\r\n"+
		"*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"+
		"*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"+
		"$3\r\nlen\r\n:6\r\n")
	x.mustBulk("LCS a nokey", "")
	x.mustInt("LCS nokey nokey2 LEN", 0)
	x.expect("LCS nokey a IDX", "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n")
	x.mustErr("LCS a b LEN IDX", msgLCSLenAndIdx)
	x.mustErr("LCS a b MINMATCHLEN", msgSyntax)
	x.mustErr("LCS a b MINMATCHLEN x", msgNotInteger)
	x.mustErr("LCS a b FOO", msgSyntax)
	x.wrongType("list")
	x.mustErr("LCS a list", msgLCSNotString)
	x.mustErr("LCS list a FOO", msgLCSNotString)
	x.w.RESP3 = true
	x.expect("LCS a b IDX MINMATCHLEN 3", "%2\r\n$7\r\nmatches\r\n*1\r\n"+
		"*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"+
		"$3\r\nlen\r\n:6\r\n")
	x.w.RESP3 = false
	// The table for 8- and 9-byte strings is 9*10 entries of 4 bytes.
	x.ks.MaxBulkLen.Store(359)
	x.mustErr("LCS a b", msgLCSMemory)
	x.ks.MaxBulkLen.Store(360)
	x.mustInt("LCS a b LEN", 6)
}

func BenchmarkIncr(b *testing.B) {
	ks := NewKeyspace(1)
	var w proto.Writer
	var stats Stats
	c := &Ctx{W: &w, DB: ks.DB(0), KS: ks, Stats: &stats}
	argv := [][]byte{[]byte("INCR"), []byte("counter")}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(argv, 1_700_000_000_000)
		cmdIncr(c, argv)
	}
}

func BenchmarkIncrbyfloat(b *testing.B) {
	ks := NewKeyspace(1)
	var w proto.Writer
	var stats Stats
	c := &Ctx{W: &w, DB: ks.DB(0), KS: ks, Stats: &stats}
	argv := [][]byte{[]byte("INCRBYFLOAT"), []byte("f"), []byte("0.1")}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(argv, 1_700_000_000_000)
		cmdIncrbyfloat(c, argv)
	}
}

// Reads count keyspace hits and misses as Redis's lookupKeyRead does; the
// lookups of writers (INCR, APPEND, SETRANGE, MSETNX) do not count.
func TestStringKeyspaceHits(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	for _, tc := range []struct {
		line         string
		hits, misses int64
	}{
		{line: "GETSET k v", hits: 1},
		{line: "GETEX nokey", misses: 1},
		{line: "GETDEL nokey", misses: 1},
		{line: "MGET k nokey k", hits: 2, misses: 1},
		{line: "STRLEN k", hits: 1},
		{line: "GETRANGE nokey 0 1", misses: 1},
		{line: "LCS k nokey", hits: 1, misses: 1},
		{line: "APPEND k v"},
		{line: "SETRANGE k 0 v"},
		{line: "INCR n"},
		{line: "MSETNX k v"},
	} {
		h0, m0 := x.stats.Hits.Load(), x.stats.Misses.Load()
		x.do(tc.line)
		if h, m := x.stats.Hits.Load()-h0, x.stats.Misses.Load()-m0; h != tc.hits || m != tc.misses {
			t.Errorf("%s: %d hits, %d misses; want %d, %d", tc.line, h, m, tc.hits, tc.misses)
		}
	}
}

// TestExpiryBoundary: a key lives through its expiry millisecond and is
// gone after it, as Redis's keyIsExpired decides (now > when).
func TestExpiryBoundary(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v PX 10")
	x.advance(10)
	x.mustBulk("GET k", "v")
	x.mustInt("PTTL k", 0)
	x.advance(1)
	x.mustNil("GET k")
	x.mustInt("PTTL k", -2)
}

// TestSetNewKeyOneBlock: a SET of a new key with a small value allocates
// the Object and one block holding key and value; a value that later
// grows past the block gets one of its own, and the key stays intact.
func TestSetNewKeyOneBlock(t *testing.T) {
	c, w := allocCtx(t)
	// The key and its argv are built in each run: count only what SET
	// itself adds, by running the same loop without it.
	n := 0
	perRun := func(set bool, opts ...string) float64 {
		return testing.AllocsPerRun(100, func() {
			n++
			argv := [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%07d", n), []byte("0123456789")}
			for _, o := range opts {
				argv = append(argv, []byte(o))
			}
			c.Begin(argv, 1_700_000_000_000)
			w.Buf = w.Buf[:0]
			if set {
				cmdSet(c, argv)
			}
		})
	}
	allocs, baseline := perRun(true), perRun(false)
	if got := allocs - baseline; got > 2 {
		t.Errorf("SET of a new key: %v allocations beyond building the command, want at most 2 (the Object, and key and value in one block)", got)
	}
	// With an expiry, the block gets its key header at once rather than
	// being made again by the expiry; the shard's ttl list grows now and
	// then (a fraction of an allocation per key).
	allocs, baseline = perRun(true, "EX", "100"), perRun(false, "EX", "100")
	if got := allocs - baseline; got >= 2.5 {
		t.Errorf("SET EX of a new key: %v allocations beyond building the command, want 2 and the ttl list's growth", got)
	}
	x := newTester(t)
	x.mustOK("SET k 0123456789")
	x.mustInt("APPEND k 0123456789abcdef0123456789abcdef", 42)
	x.mustBulk("GET k", "01234567890123456789abcdef0123456789abcdef")
	x.mustOK("SET k v")
	x.mustBulk("GET k", "v")
	x.mustInt("EXISTS k", 1)
	x.mustOK("SET " + strings.Repeat("x", 200) + " small")
	x.mustBulk("GET "+strings.Repeat("x", 200), "small")
}
