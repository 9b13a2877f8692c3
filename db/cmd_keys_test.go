package db

import (
	"time"

	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"redis-fast/proto"
)

// now is the tester's starting clock, newTester's 1_700_000_000_000.
const now = 1_700_000_000_000

// ms formats a time for expected log lines.
func ms(t int64) string { return strconv.FormatInt(t, 10) }

// array is the RESP2 array of bulk strings.
func array(elems ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(elems)) + "\r\n")
	for _, e := range elems {
		b.WriteString("$" + strconv.Itoa(len(e)) + "\r\n" + e + "\r\n")
	}
	return b.String()
}

// bulks parses a RESP2 array of bulk strings (or the key array of a SCAN
// reply, after its cursor), for tests that compare sets of keys.
func bulks(t *testing.T, reply string) []string {
	t.Helper()
	var out []string
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "$") {
			out = append(out, lines[i+1])
			i++
		}
	}
	return out
}

// scan runs one SCAN and returns its cursor and keys.
func (x *tester) scan(line string) (uint64, []string) {
	x.t.Helper()
	keys := bulks(x.t, x.do(line))
	if len(keys) == 0 {
		x.t.Fatalf("%s: no cursor in the reply", line)
	}
	cursor, err := strconv.ParseUint(keys[0], 10, 64)
	if err != nil {
		x.t.Fatalf("%s: bad cursor %q", line, keys[0])
	}
	return cursor, keys[1:]
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

func TestDelUnlink(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET a 1")
	x.mustOK("SET b 2")
	x.mustOK("SET c 3")
	x.logged()
	x.mustInt("DEL missing", 0)
	x.mustLog()
	x.mustInt("DEL a a missing", 1)
	x.mustLog("DEL a a missing")
	x.mustInt("UNLINK b c b", 2)
	x.mustLog("UNLINK b c b")
	x.mustInt("DBSIZE", 0)
	if d := x.stats.Dirty.Load(); d != 3+3 {
		t.Errorf("dirty = %d, want 6 (3 SETs, 3 deletions)", d)
	}
}

func TestDelExpiredKeyLogsOnlyTheExpiry(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v PX 10")
	x.mustOK("SET live v")
	x.advance(11)
	x.logged()
	x.mustInt("DEL k", 0)
	x.mustLog("DEL k")
	x.mustOK("SET k v PX 10")
	x.advance(11)
	x.logged()
	x.mustInt("DEL k live", 1)
	x.mustLog("MULTI", "DEL k", "DEL k live", "EXEC")
	if n := x.stats.ExpiredKeys.Load(); n != 2 {
		t.Errorf("expired_keys = %d, want 2", n)
	}
}

func TestExistsTouchType(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET a 1")
	x.mustOK("SET b 2 PX 5")
	x.mustInt("EXISTS a b missing a", 3)
	x.mustInt("TOUCH a b missing", 2)
	x.expect("TYPE a", "+string\r\n")
	x.expect("TYPE missing", "+none\r\n")
	x.advance(6)
	x.mustInt("EXISTS b", 0)
	x.mustInt("TOUCH b", 0)
	x.expect("TYPE b", "+none\r\n")
	x.logged()
	x.mustInt("TOUCH a", 1)
	x.mustLog()
}

func TestExistsCountsHitsWithoutTouching(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET a 1")
	x.advance(5000)
	x.stats.Hits.Store(0)
	x.stats.Misses.Store(0)
	x.mustInt("EXISTS a missing", 1)
	x.expect("TYPE a", "+string\r\n")
	x.mustInt("TTL a", -1)
	if h, m := x.stats.Hits.Load(), x.stats.Misses.Load(); h != 3 || m != 1 {
		t.Errorf("hits, misses = %d, %d; want 3, 1", h, m)
	}
	x.mustInt("OBJECT IDLETIME a", 5)
	x.mustInt("TOUCH a", 1)
	x.mustInt("OBJECT IDLETIME a", 0)
}

func TestObjectIdletime(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.advance(2500)
	x.mustInt("OBJECT IDLETIME k", 2)
	x.mustBulk("GET k", "v")
	x.mustInt("OBJECT IDLETIME k", 0)
	x.mustNil("OBJECT IDLETIME missing")
}

func TestKeys(t *testing.T) {
	x := newTester(t)
	for _, k := range []string{"foo", "foobar", "bar", "hello", "hallo", "hxllo", "", "h\x00llo"} {
		x.mustOK(fmt.Sprintf("SET %q v", k))
	}
	x.mustOK("SET gone v PX 1")
	x.advance(2)
	tests := []struct {
		pattern string
		want    []string
	}{
		{pattern: "*", want: []string{"", "bar", "foo", "foobar", "h\x00llo", "hallo", "hello", "hxllo"}},
		{pattern: "foo*", want: []string{"foo", "foobar"}},
		{pattern: "h?llo", want: []string{"h\x00llo", "hallo", "hello", "hxllo"}},
		{pattern: "h[ae]llo", want: []string{"hallo", "hello"}},
		{pattern: "", want: []string{""}},
		{pattern: "gone", want: nil},
		{pattern: "nomatch", want: nil},
	}
	for _, tc := range tests {
		got := sorted(bulks(t, x.do(fmt.Sprintf("KEYS %q", tc.pattern))))
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("KEYS %q = %q, want %q", tc.pattern, got, tc.want)
		}
	}
	// KEYS reads: the expired key is still there for the active cycle.
	x.mustInt("DBSIZE", 9)
}

func TestScanOptionErrors(t *testing.T) {
	x := newTester(t)
	tests := []struct{ line, want string }{
		{line: "SCAN abc", want: msgInvalidCursor},
		{line: `SCAN " 0"`, want: msgInvalidCursor},
		{line: `SCAN "0 "`, want: msgInvalidCursor},
		{line: "SCAN +", want: msgInvalidCursor},
		{line: "SCAN 18446744073709551616", want: msgInvalidCursor},
		{line: "SCAN abc COUNT 0", want: msgInvalidCursor},
		{line: "SCAN 0 COUNT", want: msgSyntax},
		{line: "SCAN 0 COUNT 0", want: msgSyntax},
		{line: "SCAN 0 COUNT -1", want: msgSyntax},
		{line: "SCAN 0 COUNT x", want: msgNotInteger},
		{line: "SCAN 0 MATCH", want: msgSyntax},
		{line: "SCAN 0 TYPE", want: msgSyntax},
		{line: "SCAN 0 FOO bar", want: msgSyntax},
		{line: "SCAN 0 COUNT 0 FOO", want: msgSyntax},
		{line: "SCAN 0 FOO COUNT 0", want: msgSyntax},
	}
	for _, tc := range tests {
		x.mustErr(tc.line, tc.want)
	}
}

func TestParseCursor(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{in: "0", want: 0, ok: true},
		{in: "", want: 0, ok: true},
		{in: "+5", want: 5, ok: true},
		{in: "007", want: 7, ok: true},
		{in: "-1", want: 1<<64 - 1, ok: true},
		{in: "-0", want: 0, ok: true},
		{in: "18446744073709551615", want: 1<<64 - 1, ok: true},
		{in: "-18446744073709551615", want: 1, ok: true},
		{in: "5\x00junk", want: 5, ok: true},
		{in: "18446744073709551616"},
		{in: " 5"},
		{in: "5 "},
		{in: "+"},
		{in: "-"},
		{in: "0x10"},
		{in: "1.5"},
	}
	for _, tc := range tests {
		got, ok := parseCursor([]byte(tc.in))
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parseCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestScanFilters(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET one v")
	x.mustOK("SET two v")
	x.mustOK("SET gone v PX 1")
	x.advance(2)
	tests := []struct {
		line string
		want []string
	}{
		{line: "SCAN 0 COUNT 1000", want: []string{"one", "two"}},
		{line: "SCAN 0 MATCH o* COUNT 1000", want: []string{"one"}},
		{line: "SCAN 0 MATCH * COUNT 1000", want: []string{"one", "two"}},
		{line: "SCAN 0 TYPE string COUNT 1000", want: []string{"one", "two"}},
		{line: "SCAN 0 TYPE StRiNg COUNT 1000", want: []string{"one", "two"}},
		{line: `SCAN 0 TYPE "string\x00x" COUNT 1000`, want: []string{"one", "two"}},
		{line: "SCAN 0 TYPE list COUNT 1000", want: nil},
		{line: "SCAN 0 TYPE none COUNT 1000", want: nil},
		{line: "SCAN 0 MATCH gone COUNT 1000", want: nil},
		{line: "SCAN 0 MATCH x MATCH two COUNT 5 COUNT 1000", want: []string{"two"}},
	}
	for _, tc := range tests {
		cursor, keys := x.scan(tc.line)
		if cursor != 0 || strings.Join(sorted(keys), ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s = %d %q, want 0 %q", tc.line, cursor, keys, tc.want)
		}
	}
}

// scanAll runs SCAN with count from cursor 0 until it returns 0, calling
// between (if not nil) after every call, and returns every key it saw.
func (x *tester) scanAll(count int, between func(call int)) map[string]int {
	x.t.Helper()
	seen := map[string]int{}
	cursor := uint64(0)
	for call := 0; ; call++ {
		var keys []string
		cursor, keys = x.scan(fmt.Sprintf("SCAN %d COUNT %d", cursor, count))
		for _, k := range keys {
			seen[k]++
		}
		if cursor == 0 {
			return seen
		}
		if call > 1_000_000 {
			x.t.Fatal("SCAN does not terminate")
		}
		if between != nil {
			between(call)
		}
	}
}

func TestScanVisitsEveryKeyOnce(t *testing.T) {
	x := newTester(t)
	for i := 0; i < 1000; i++ {
		x.mustOK(fmt.Sprintf("SET key:%d v", i))
	}
	for _, count := range []int{1, 7, 100, 5000} {
		seen := x.scanAll(count, nil)
		if len(seen) != 1000 {
			t.Errorf("COUNT %d: saw %d keys, want 1000", count, len(seen))
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("COUNT %d: %s seen %d times in a stable keyspace", count, k, n)
			}
		}
	}
}

// TestScanGuaranteeUnderResizes adds and removes keys between SCAN calls,
// growing and shrinking the shards' tables: every key present for the whole
// scan must still be returned.
func TestScanGuaranteeUnderResizes(t *testing.T) {
	x := newTester(t)
	for i := 0; i < 500; i++ {
		x.mustOK(fmt.Sprintf("SET stable:%d v", i))
	}
	seen := x.scanAll(5, func(call int) {
		switch {
		case call < 40:
			for j := 0; j < 50; j++ {
				x.mustOK(fmt.Sprintf("SET churn:%d:%d v", call, j))
			}
		case call < 80:
			for j := 0; j < 50; j++ {
				x.mustInt(fmt.Sprintf("DEL churn:%d:%d", call-40, j), 1)
			}
		}
	})
	for i := 0; i < 500; i++ {
		if seen[fmt.Sprintf("stable:%d", i)] == 0 {
			t.Errorf("stable:%d was never returned", i)
		}
	}
}

func TestScanCursorWalksShards(t *testing.T) {
	x := newTester(t)
	for i := 0; i < 200; i++ {
		x.mustOK(fmt.Sprintf("SET k%d v", i))
	}
	var shards []int
	cursor := uint64(0)
	for {
		cursor, _ = x.scan(fmt.Sprintf("SCAN %d COUNT 1", cursor))
		if cursor == 0 {
			break
		}
		shards = append(shards, int(cursor%NumShards))
	}
	if !sort.IntsAreSorted(shards) {
		t.Errorf("the cursor's shard went backwards: %v", shards)
	}
	// A cursor past the last shard's end is complete.
	if c, _ := x.scan("SCAN 18446744073709551615"); c != 0 {
		t.Errorf("SCAN -1 returned cursor %d, want 0", c)
	}
}

func TestRandomkey(t *testing.T) {
	x := newTester(t)
	x.mustNil("RANDOMKEY")
	x.mustOK("SET only v")
	x.mustBulk("RANDOMKEY", "only")
	for i := 0; i < 50; i++ {
		x.mustOK(fmt.Sprintf("SET dead%d v PX 1", i))
	}
	x.advance(2)
	for i := 0; i < 20; i++ {
		x.mustBulk("RANDOMKEY", "only")
	}
	x.mustInt("DEL only", 1)
	x.mustNil("RANDOMKEY")
	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		x.mustOK(fmt.Sprintf("SET r%d v", i))
	}
	for i := 0; i < 500 && len(seen) < 10; i++ {
		seen[bulks(t, x.do("RANDOMKEY"))[0]] = true
	}
	if len(seen) != 10 {
		t.Errorf("500 RANDOMKEYs over 10 keys saw only %d of them", len(seen))
	}
}

func TestRename(t *testing.T) {
	x := newTester(t)
	x.mustErr("RENAME missing x", msgNoSuchKey)
	x.mustErr("RENAMENX missing x", msgNoSuchKey)
	x.mustOK("SET a v PX 1000")
	x.logged()
	x.mustOK("RENAME a a")
	x.mustInt("RENAMENX a a", 0)
	x.mustLog()
	x.mustOK("RENAME a b")
	x.mustLog("RENAME a b")
	x.mustInt("EXISTS a", 0)
	x.mustBulk("GET b", "v")
	x.mustInt("PTTL b", 1000)
	x.mustOK("SET c w")
	x.logged()
	x.mustInt("RENAMENX b c", 0)
	x.mustLog()
	x.mustInt("RENAMENX b d", 1)
	x.mustLog("RENAMENX b d")
	x.mustOK("RENAME d c")
	x.mustBulk("GET c", "v")
	x.mustInt("PTTL c", 1000)
	x.mustInt("DBSIZE", 1)
	// The destination loses its own TTL; the source had none.
	x.mustOK("SET e v")
	x.mustOK("RENAME e c")
	x.mustInt("TTL c", -1)
	x.mustOK("SET e v PX 1000")
	x.advance(1001)
	x.mustErr("RENAME e x", msgNoSuchKey)
}

func TestRenameOverExpiredDestination(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET dst v PX 5")
	x.mustOK("SET src w")
	x.advance(6)
	x.logged()
	x.mustInt("RENAMENX src dst", 1)
	x.mustLog("MULTI", "DEL dst", "RENAMENX src dst", "EXEC")
	x.mustBulk("GET dst", "w")
}

func TestMove(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v PX 5000")
	x.logged()
	x.mustErr("MOVE k 0", msgSameObject)
	x.mustErr("MOVE k 16", msgDBIndex)
	x.mustErr("MOVE k -1", msgDBIndex)
	x.mustErr("MOVE k x", msgNotInteger)
	x.mustErr("MOVE k 2147483648", msgIntRange)
	x.mustErr("MOVE k -2147483649", msgIntRange)
	x.mustInt("MOVE missing 1", 0)
	x.mustLog()
	x.mustInt("MOVE k 1", 1)
	x.mustLog("MOVE k 1")
	x.mustInt("EXISTS k", 0)
	x.selectDB(1)
	x.mustBulk("GET k", "v")
	x.mustInt("PTTL k", 5000)
	x.selectDB(0)
	x.mustOK("SET k mine")
	x.logged()
	x.mustInt("MOVE k 1", 0)
	x.mustLog()
	x.mustBulk("GET k", "mine")
}

func TestMoveOverExpiredKeyInTarget(t *testing.T) {
	x := newTester(t)
	x.selectDB(3)
	x.mustOK("SET k old PX 5")
	x.selectDB(0)
	x.mustOK("SET k new")
	x.advance(6)
	x.logged()
	x.mustInt("MOVE k 3", 1)
	x.mustLog("SELECT 3", "MULTI", "DEL k", "SELECT 0", "MOVE k 3", "EXEC")
	x.selectDB(3)
	x.mustBulk("GET k", "new")
	x.mustInt("TTL k", -1)
}

func TestCopy(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET s hello PX 5000")
	x.logged()
	x.mustErr("COPY s s", msgSameObject)
	x.mustErr("COPY s s DB 0", msgSameObject)
	x.mustErr("COPY s d DB", msgSyntax)
	x.mustErr("COPY s d BAD", msgSyntax)
	x.mustErr("COPY s d DB 16", msgDBIndex)
	x.mustErr("COPY s d DB x", msgNotInteger)
	x.mustErr("COPY s d DB 9999999999", msgIntRange)
	x.mustErr("COPY s d BAD DB x", msgSyntax)
	x.mustErr("COPY s d DB x BAD", msgNotInteger)
	x.mustInt("COPY missing d", 0)
	x.mustLog()
	x.mustInt("COPY s d", 1)
	x.mustLog("COPY s d")
	x.mustBulk("GET d", "hello")
	x.mustInt("PTTL d", 5000)
	x.mustOK("SET s changed")
	x.mustBulk("GET d", "hello")
	x.logged()
	x.mustInt("COPY s d", 0)
	x.mustLog()
	x.mustInt("COPY s d REPLACE", 1)
	x.mustBulk("GET d", "changed")
	x.mustInt("TTL d", -1)
	x.mustInt("COPY s s DB 1", 1)
	x.mustInt("COPY d s db 1", 0)
	x.mustInt("COPY d s DB 1 REPLACE", 1)
	x.logged()
	x.selectDB(1)
	x.mustBulk("GET s", "changed")
	x.mustInt("COPY s s2 DB 2 DB 1", 1)
	x.mustBulk("GET s2", "changed")
	x.mustLog("SELECT 1", "COPY s s2 DB 2 DB 1")
}

func TestCopyExpiredSource(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET s v PX 5")
	x.advance(6)
	x.logged()
	x.mustInt("COPY s d", 0)
	x.mustLog("DEL s")
}

func TestCopyKeepsEncodingAndIsIndependent(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET n 123")
	x.mustInt("COPY n n2", 1)
	x.mustBulk("OBJECT ENCODING n2", "int")
	long := strings.Repeat("x", 45)
	x.mustOK("SET l " + long)
	x.mustInt("COPY l l2", 1)
	x.mustBulk("OBJECT ENCODING l2", "raw")
	// A value changed in place stays raw in its copy.
	x.mustOK("SET r ab")
	x.ks.DB(0).peek(&x.ctx, []byte("r")).flags |= flagRaw
	x.mustInt("COPY r r2", 1)
	x.mustBulk("OBJECT ENCODING r2", "raw")
	src := x.ks.DB(0).peek(&x.ctx, []byte("l"))
	dup := x.ks.DB(0).peek(&x.ctx, []byte("l2"))
	if &src.Str()[0] == &dup.Str()[0] {
		t.Error("COPY shares the value's bytes with its source")
	}
}

func TestSwapdb(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET in0 zero")
	x.mustOK("SET shared zero PX 5000")
	x.selectDB(1)
	x.mustOK("SET in1 one")
	x.mustOK("SET shared one")
	x.selectDB(0)
	db0, db1 := x.ks.DB(0), x.ks.DB(1)
	x.logged()
	x.mustOK("SWAPDB 0 1")
	x.mustLog("SELECT 0", "SWAPDB 0 1")
	if x.ks.DB(0) != db0 || x.ks.DB(1) != db1 || db0.ID != 0 || db1.ID != 1 {
		t.Fatal("SWAPDB replaced the *DB values or their ids")
	}
	x.mustNil("GET in0")
	x.mustBulk("GET in1", "one")
	x.mustBulk("GET shared", "one")
	x.mustInt("TTL shared", -1)
	x.selectDB(1)
	x.mustBulk("GET shared", "zero")
	x.mustInt("PTTL shared", 5000)
	// Expiry still works on the swapped ttl lists.
	x.advance(5001)
	x.ks.ActiveExpire(x.now, &x.stats, time.Minute)
	x.mustInt("DBSIZE", 1)
	x.mustOK("SWAPDB 1 1")
	x.mustInt("DBSIZE", 1)
	x.mustErr("SWAPDB 0 16", msgDBIndex)
	x.mustErr("SWAPDB -1 0", msgDBIndex)
	x.mustErr("SWAPDB a 0", msgFirstDBIndex)
	x.mustErr("SWAPDB 0 a", msgSecondDBIndex)
	x.mustErr("SWAPDB 2147483648 0", msgFirstDBIndex)
	x.mustErr("SWAPDB 16 a", msgSecondDBIndex)
}

func TestFlushdbFlushall(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustOK("FLUSHDB")
	x.mustOK("FLUSHALL")
	x.mustLog("SELECT 0", "FLUSHDB", "FLUSHALL")
	x.mustOK("SET a 1 PX 100")
	x.mustOK("SET b 2")
	x.selectDB(5)
	x.mustOK("SET c 3")
	x.mustOK("FLUSHDB ASYNC")
	x.mustInt("DBSIZE", 0)
	x.selectDB(0)
	x.mustInt("DBSIZE", 2)
	x.mustOK("FLUSHDB sync")
	x.mustInt("DBSIZE", 0)
	if n := x.ks.DB(0).Expires(); n != 0 {
		t.Errorf("FLUSHDB left %d keys in the ttl lists", n)
	}
	x.mustOK("SET a 1")
	x.selectDB(15)
	x.mustOK("SET a 1")
	x.mustOK("FLUSHALL async")
	for i := 0; i < x.ks.Len(); i++ {
		x.selectDB(i)
		x.mustInt("DBSIZE", 0)
	}
	for _, line := range []string{"FLUSHDB x", "FLUSHDB SYNC ASYNC", "FLUSHALL x", "FLUSHALL ASYNC x", `FLUSHALL "ASYNC\x00"`} {
		if !strings.HasSuffix(line, `\x00"`) {
			x.mustErr(line, msgSyntax)
		}
	}
	x.mustOK(`FLUSHALL "ASYNC\x00"`)
}

func TestExpireOptions(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	tests := []struct {
		line string
		want int64
		ttl  int64
	}{
		{line: "EXPIRE k 100 XX", want: 0, ttl: -1},
		{line: "EXPIRE k 100 GT", want: 0, ttl: -1},
		{line: "EXPIRE k 100 LT", want: 1, ttl: 100},
		{line: "EXPIRE k 200 NX", want: 0, ttl: 100},
		{line: "EXPIRE k 200 LT", want: 0, ttl: 100},
		{line: "EXPIRE k 100 LT", want: 0, ttl: 100},
		{line: "EXPIRE k 100 GT", want: 0, ttl: 100},
		{line: "EXPIRE k 300 GT", want: 1, ttl: 300},
		{line: "EXPIRE k 200 XX LT", want: 1, ttl: 200},
		{line: "EXPIRE k 250 xx gt", want: 1, ttl: 250},
		{line: "PEXPIRE k 5000 lt lt", want: 1, ttl: 5},
		{line: "PERSIST k", want: 1, ttl: -1},
		{line: "EXPIRE k 10 NX", want: 1, ttl: 10},
	}
	for _, tc := range tests {
		x.mustInt(tc.line, tc.want)
		x.mustInt("TTL k", tc.ttl)
	}
}

func TestExpireErrors(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	tests := []struct{ line, want string }{
		{line: "EXPIRE k 10 NX XX", want: msgExpireNX},
		{line: "EXPIRE k 10 NX GT", want: msgExpireNX},
		{line: "EXPIRE k 10 LT NX", want: msgExpireNX},
		{line: "EXPIRE k 10 GT LT", want: msgExpireGTLT},
		{line: "EXPIRE k 10 NX GT LT", want: msgExpireNX},
		{line: "EXPIRE k 10 FOO", want: "ERR Unsupported option FOO"},
		{line: `EXPIRE k 10 "F\x00OO"`, want: "ERR Unsupported option F"},
		{line: "EXPIRE k abc FOO", want: "ERR Unsupported option FOO"},
		{line: "EXPIRE k abc NX", want: msgNotInteger},
		{line: "EXPIRE k 1.5", want: msgNotInteger},
		{line: "EXPIRE k 9223372036854775808", want: msgNotInteger},
		{line: "EXPIRE k 9223372036854775807", want: msgInvalidExpire("expire")},
		{line: "EXPIRE k 9223372036854776", want: msgInvalidExpire("expire")},
		{line: "EXPIRE k -9223372036854776", want: msgInvalidExpire("expire")},
		{line: "EXPIRE k 9223372036854775", want: msgInvalidExpire("expire")},
		{line: "PEXPIRE k 9223372036854775807", want: msgInvalidExpire("pexpire")},
		{line: "EXPIREAT k 9223372036854776", want: msgInvalidExpire("expireat")},
		{line: "PEXPIREAT k x", want: msgNotInteger},
	}
	for _, tc := range tests {
		x.mustErr(tc.line, tc.want)
	}
	x.mustInt("TTL k", -1)
	x.mustInt("EXPIREAT k 9223372036854775", 1)
	x.mustInt("PEXPIRETIME k", 9223372036854775000)
	x.mustInt("PEXPIREAT k 9223372036854775807", 1)
	x.mustInt("EXPIRETIME k", 9223372036854776)
}

func TestExpirePropagatesPexpireat(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.logged()
	x.mustInt("EXPIRE k 100", 1)
	x.mustLog("PEXPIREAT k " + ms(now+100_000))
	x.mustInt("PEXPIRE k 1500 XX", 1)
	x.mustLog("PEXPIREAT k " + ms(now+1500) + " XX")
	x.mustInt("EXPIREAT k 1800000000 gt", 1)
	x.mustLog("PEXPIREAT k 1800000000000 gt")
	x.mustInt("PEXPIREAT k 1800000000001", 1)
	x.mustLog("PEXPIREAT k 1800000000001")
	x.mustInt("pexpireat k 1800000000000 LT", 1)
	x.mustLog("pexpireat k 1800000000000 LT")
	x.mustInt("EXPIRE k 10 NX", 0)
	x.mustInt("EXPIRE missing 10", 0)
	x.mustLog()
	x.mustInt("PEXPIRETIME k", 1800000000000)
}

func TestExpireInThePastDeletes(t *testing.T) {
	for _, line := range []string{"EXPIRE k 0", "EXPIRE k -100", "PEXPIRE k 0", "EXPIREAT k 1", "PEXPIREAT k " + ms(now), "EXPIRE k -1 LT"} {
		x := newTester(t)
		x.mustOK("SET k v PX 100")
		x.logged()
		x.mustInt(line, 1)
		x.mustLog("DEL k")
		x.mustInt("EXISTS k", 0)
		x.mustInt("DBSIZE", 0)
		if n := x.ks.DB(0).Expires(); n != 0 {
			t.Errorf("%s: the ttl list still holds %d keys", line, n)
		}
	}
	x := newTester(t)
	x.mustOK("SET k v PX 100")
	x.logged()
	x.mustInt("EXPIRE k -1 GT", 0)
	x.mustInt("EXPIRE k -1 NX", 0)
	x.mustLog()
	x.mustInt("EXISTS k", 1)
}

func TestExpireOnExpiredKey(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v PX 10")
	x.advance(11)
	x.logged()
	x.mustInt("EXPIRE k 100", 0)
	x.mustLog("DEL k")
	x.mustInt("PERSIST k", 0)
	x.mustLog()
}

func TestTTLFamily(t *testing.T) {
	x := newTester(t)
	x.mustInt("TTL missing", -2)
	x.mustInt("PTTL missing", -2)
	x.mustInt("EXPIRETIME missing", -2)
	x.mustInt("PEXPIRETIME missing", -2)
	x.mustOK("SET k v")
	x.mustInt("TTL k", -1)
	x.mustInt("PTTL k", -1)
	x.mustInt("EXPIRETIME k", -1)
	x.mustInt("PEXPIRETIME k", -1)
	x.mustInt("PEXPIRE k 1500", 1)
	x.mustInt("TTL k", 2)
	x.mustInt("PTTL k", 1500)
	x.mustInt("PEXPIRETIME k", now+1500)
	x.mustInt("EXPIRETIME k", (now+1500+500)/1000)
	x.advance(1)
	x.mustInt("TTL k", 1)
	x.mustInt("PTTL k", 1499)
	x.advance(1498)
	x.mustInt("TTL k", 0)
	x.mustInt("PTTL k", 1)
	x.advance(2)
	x.mustInt("TTL k", -2)
	x.mustInt("EXPIRETIME k", -2)
}

func TestPersist(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("PERSIST missing", 0)
	x.mustOK("SET k v")
	x.logged()
	x.mustInt("PERSIST k", 0)
	x.mustLog()
	x.mustInt("EXPIRE k 10", 1)
	x.logged()
	x.mustInt("PERSIST k", 1)
	x.mustLog("PERSIST k")
	x.mustInt("TTL k", -1)
	x.advance(20_000)
	x.mustBulk("GET k", "v")
}

// TestExpiryFollowsTheKey: an expiry lives in the shard's ttl map, beside
// the Object, so every command that moves, copies, replaces or drops a key
// must take the map entry along or remove it; the databases' expires
// counts (INFO keyspace) and the TTLs show whether they do.
func TestExpiryFollowsTheKey(t *testing.T) {
	x := newTester(t)
	db0, db1 := x.ks.DB(0), x.ks.DB(1)
	counts := func(want0, want1 int) {
		t.Helper()
		if db0.Expires() != want0 || db1.Expires() != want1 {
			t.Fatalf("expires: db0 %d db1 %d, want %d and %d", db0.Expires(), db1.Expires(), want0, want1)
		}
	}
	x.mustOK("SET k v EX 100")
	counts(1, 0)
	x.mustOK("RENAME k k2")
	x.mustInt("TTL k2", 100)
	counts(1, 0)
	x.mustInt("COPY k2 k3", 1)
	x.mustInt("TTL k3", 100)
	counts(2, 0)
	x.mustInt("MOVE k3 1", 1)
	counts(1, 1)
	x.mustInt("PERSIST k2", 1)
	x.mustInt("TTL k2", -1)
	counts(0, 1)
	x.mustInt("EXPIRE k2 50", 1)
	x.mustOK("SET k2 w")
	x.mustInt("TTL k2", -1)
	counts(0, 1)
	x.mustInt("EXPIRE k2 50", 1)
	x.mustInt("DEL k2", 1)
	counts(0, 1)
	x.mustOK("SWAPDB 0 1")
	counts(1, 0)
	x.mustInt("TTL k3", 100)
	// A key that expires is dropped from the map with it.
	x.advance(100_001)
	x.mustNil("GET k3")
	counts(0, 0)
	// A new key under the name of one that had an expiry has none.
	x.mustOK("SET k3 v")
	x.mustInt("TTL k3", -1)
}

// TestKeyHeader: a key that gets an expiry moves into a block with a
// header (keyBlock), taking along a small value that shared its block; the
// header stays for later expiries, and the empty key and long keys get one
// too.
func TestKeyHeader(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k 0123456789")
	x.mustInt("EXPIRE k 100", 1)
	x.mustBulk("GET k", "0123456789")
	x.mustInt("TTL k", 100)
	x.mustInt("APPEND k abc", 13)
	x.mustBulk("GET k", "0123456789abc")
	x.mustInt("APPEND k "+strings.Repeat("z", 200), 213)
	x.mustBulk("GETRANGE k 0 12", "0123456789abc")
	x.mustInt("TTL k", 100)
	x.mustInt("PERSIST k", 1)
	o := x.object("k")
	if o.flags&flagKeyHeader == 0 {
		t.Fatal("PERSIST dropped the key header")
	}
	d := x.ctx.DB
	if !raceEnabled() {
		if n := testing.AllocsPerRun(10, func() { d.setExpire(o, now+5000); d.setExpire(o, 0) }); n != 0 {
			t.Fatalf("an expiry on a key with a header allocated %v times", n)
		}
	}
	x.mustInt("PEXPIRE k 5000", 1)
	x.mustInt("PTTL k", 5000)
	x.mustOK("SET '' v EX 10")
	x.mustBulk("GET ''", "v")
	x.mustInt("TTL ''", 10)
	long := strings.Repeat("x", 300)
	x.mustOK("SET " + long + " v")
	x.mustInt("EXPIRE "+long+" 30", 1)
	x.mustBulk("GET "+long, "v")
	x.mustInt("TTL "+long, 30)
	x.mustOK("RENAME " + long + " short")
	x.mustInt("TTL short", 30)
	x.mustInt("DBSIZE", 3)
	if got := d.Expires(); got != 3 {
		t.Fatalf("expires %d, want 3", got)
	}
}

// TestObjectSize: 48 bytes is a size class of Go's allocator; one byte
// more and every key costs 64 (see Object).
func TestObjectSize(t *testing.T) {
	if n := unsafe.Sizeof(Object{}); n != 48 {
		t.Fatalf("Object is %d bytes, want 48", n)
	}
}

func TestObject(t *testing.T) {
	x := newTester(t)
	tests := []struct {
		value    string
		encoding string
		refcount int64
	}{
		{value: "0", encoding: "int", refcount: sharedRefcount},
		{value: "9999", encoding: "int", refcount: sharedRefcount},
		{value: "10000", encoding: "int", refcount: 1},
		{value: "-1", encoding: "int", refcount: 1},
		{value: "-9223372036854775808", encoding: "int", refcount: 1},
		{value: "9223372036854775808", encoding: "embstr", refcount: 1},
		{value: "007", encoding: "embstr", refcount: 1},
		{value: "-0", encoding: "embstr", refcount: 1},
		{value: "+1", encoding: "embstr", refcount: 1},
		{value: "1.5", encoding: "embstr", refcount: 1},
		{value: "", encoding: "embstr", refcount: 1},
		{value: strings.Repeat("a", 44), encoding: "embstr", refcount: 1},
		{value: strings.Repeat("a", 45), encoding: "raw", refcount: 1},
	}
	for _, tc := range tests {
		x.mustOK(fmt.Sprintf("SET k %q", tc.value))
		x.mustBulk("OBJECT ENCODING k", tc.encoding)
		x.mustInt("OBJECT REFCOUNT k", tc.refcount)
	}
	x.mustOK("SET k 12")
	x.ks.DB(0).peek(&x.ctx, []byte("k")).flags |= flagRaw
	x.mustBulk("OBJECT ENCODING k", "raw")
	x.mustInt("OBJECT REFCOUNT k", 1)
	x.mustNil("OBJECT ENCODING missing")
	x.mustNil("OBJECT REFCOUNT missing")
	x.mustNil("OBJECT FREQ missing")
	x.mustErr("OBJECT FREQ k", msgNoLFU)
	x.mustBulk("object encoding k", "raw")
	x.mustErr("OBJECT nosuch k", "ERR unknown subcommand 'nosuch'. Try OBJECT HELP.")
	x.mustErr("OBJECT ENCODING", "ERR wrong number of arguments for 'object|encoding' command")
	x.mustErr("OBJECT HELP x", "ERR wrong number of arguments for 'object|help' command")
	help := x.do("OBJECT HELP")
	if !strings.HasPrefix(help, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") ||
		!strings.HasSuffix(help, "+HELP\r\n+    Prints this help.\r\n") {
		t.Errorf("OBJECT HELP = %q", help)
	}
}

func TestKeyCommandsTable(t *testing.T) {
	names := make([]string, len(KeyCommands))
	for i, cmd := range KeyCommands {
		names[i] = cmd.Name
		if cmd.Run == nil || cmd.Since == "" || cmd.Group == "" {
			t.Errorf("%s: row incomplete", cmd.Name)
		}
		if cmd.Flags&(AllShards|MultiDB) == AllShards|MultiDB {
			t.Errorf("%s: both AllShards and MultiDB", cmd.Name)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("KeyCommands not sorted by name: %v", names)
	}
}

// dispatch runs argv on a fresh context in database id, locking as the
// server's dispatcher does, so several goroutines can run commands at once.
func dispatch(ks *Keyspace, cmds map[string]*Command, id int, line string) string {
	var p proto.Parser
	args, _, _, _ := p.Parse([]byte(line + "\n"))
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = append([]byte(nil), a...)
	}
	cmd := cmds[strings.ToLower(string(argv[0]))]
	var w proto.Writer
	var stats Stats
	c := &Ctx{W: &w, DB: ks.DB(id), KS: ks, Stats: &stats}
	var mask uint64
	switch {
	case cmd.Flags&AllShards != 0:
		mask = EveryShard
	case cmd.Flags&MultiDB == 0:
		for _, i := range cmd.KeyIndexes(nil, argv) {
			mask |= ShardMask(argv[i])
		}
	}
	write := cmd.Flags&ReadOnly == 0
	c.DB.Lock(mask, write)
	c.Begin(argv, now)
	cmd.Run(c, argv)
	c.DB.Unlock(mask, write)
	return string(w.Buf)
}

// TestMultiDBCommandsDoNotDeadlock runs the commands that lock across
// databases against each other and against ordinary commands; under -race
// it also checks that they touch shards only under their locks.
func TestMultiDBCommandsDoNotDeadlock(t *testing.T) {
	ks := NewKeyspace(DefaultDatabases)
	cmds := map[string]*Command{}
	for _, group := range Groups() {
		for i := range group {
			cmds[group[i].Name] = &group[i]
		}
	}
	lines := []struct {
		db    int
		lines []string
	}{
		{db: 0, lines: []string{"SET a 1", "MOVE a 1", "COPY b a DB 1 REPLACE", "SWAPDB 0 1", "KEYS *"}},
		{db: 1, lines: []string{"SET b 2", "MOVE b 0", "COPY a b DB 0", "SWAPDB 1 0", "SCAN 0"}},
		{db: 2, lines: []string{"SET a 3", "MOVE a 0", "SWAPDB 2 0", "FLUSHALL", "DBSIZE"}},
		{db: 0, lines: []string{"SET b 4", "RENAME b c", "COPY c a DB 2", "DEL a b c", "RANDOMKEY"}},
	}
	var wg sync.WaitGroup
	for _, l := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				for _, line := range l.lines {
					if r := dispatch(ks, cmds, l.db, line); strings.HasPrefix(r, "-") && !strings.HasPrefix(r, "-"+msgNoSuchKey) {
						t.Errorf("%s in db %d: %q", line, l.db, r)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
