package db

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"redis-fast/proto"
)

// setKeyMembers returns the members of the set at key, sorted.
func (x *tester) setKeyMembers(key string) []string {
	x.t.Helper()
	o := x.object(key)
	if o == nil {
		return nil
	}
	if o.typ != TypeSet {
		x.t.Fatalf("%s is a %s", key, o.typ)
	}
	return setMembers(setOf(o))
}

func TestSetCommandsBasics(t *testing.T) {
	x := newTester(t)
	x.mustInt("SADD s 3 1 2 1", 3)
	x.expect("SMEMBERS s", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n")
	x.mustInt("SCARD s", 3)
	x.mustInt("SISMEMBER s 2", 1)
	x.mustInt("SISMEMBER s x", 0)
	x.expect("SMISMEMBER s 1 x nokey", "*3\r\n:1\r\n:0\r\n:0\r\n")
	x.mustInt("SREM s 1 2 3 4", 3)
	x.mustInt("EXISTS s", 0)
	x.mustOK("SET str v")
	for _, line := range []string{"SADD str a", "SREM str a", "SCARD str", "SISMEMBER str a", "SMISMEMBER str a",
		"SMEMBERS str", "SPOP str", "SPOP str 2", "SRANDMEMBER str", "SRANDMEMBER str 2", "SINTER str",
		"SINTERCARD 1 str", "SINTERSTORE d str", "SUNION str", "SDIFF str", "SSCAN str 0", "SMOVE str d a"} {
		x.mustErr(line, msgWrongType)
	}
	x.w.RESP3 = true
	x.expect("SMEMBERS nokey", "~0\r\n")
	x.expect("SPOP nokey", "_\r\n")
	x.expect("SPOP nokey 3", "~0\r\n")
	x.expect("SRANDMEMBER nokey 3", "*0\r\n")
	x.w.RESP3 = false
}

// TestSetWriteLog checks what each command logs, as Redis 7.0 propagates
// it: the command as it came when it changed something, SPOP as SREMs (in
// MULTI/EXEC when several) or a DEL, and nothing when nothing changed.
func TestSetWriteLog(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustInt("SADD s 1 2 3", 3)
	x.mustInt("SADD s 1", 0)
	x.mustInt("SREM s 9", 0)
	x.mustInt("SREM s 3", 1)
	x.mustLog("SELECT 0", "SADD s 1 2 3", "SREM s 3")

	x.mustInt("SMOVE s s 1", 1)
	x.mustInt("SMOVE s d 9", 0)
	x.mustInt("SMOVE s d 1", 1)
	x.mustLog("SMOVE s d 1")

	x.mustInt("SINTERSTORE e nokey s", 0)
	x.mustLog()
	x.mustInt("SUNIONSTORE e s d", 2)
	x.mustInt("SDIFFSTORE e nokey", 0)
	x.mustLog("SUNIONSTORE e s d", "SDIFFSTORE e nokey")

	x.do("SPOP d")
	x.mustLog("SREM d 1")
	x.mustInt("EXISTS d", 0)

	x.mustInt("SADD p 1 2 3 4 5 6 7 8 9 10", 10)
	x.logged()
	popped := bulks(t, x.do("SPOP p 2"))
	x.mustLog("MULTI", "SREM p "+popped[0], "SREM p "+popped[1], "EXEC")
	popped = bulks(t, x.do("SPOP p 7"))
	want := []string{"MULTI"}
	for _, m := range popped {
		want = append(want, "SREM p "+m)
	}
	x.mustLog(append(want, "EXEC")...)
	x.do("SPOP p 5")
	x.mustLog("DEL p")
	x.do("SPOP p 5")
	x.do("SRANDMEMBER s 5")
	x.do("SINTER s s")
	x.mustLog()
}

// TestSetDirty checks that rdb_changes_since_last_save grows as Redis's
// server.dirty does: per member added, removed or popped.
func TestSetDirty(t *testing.T) {
	x := newTester(t)
	for _, tc := range []struct {
		line  string
		dirty int64
	}{
		{line: "SADD s 1 2 3 a b", dirty: 5},
		{line: "SADD s 1 c", dirty: 1},
		{line: "SREM s 1 2 x", dirty: 2},
		{line: "SPOP s 2", dirty: 2},
		{line: "SPOP s", dirty: 1},
		{line: "SMOVE s d c", dirty: 0}, // checked below once the member is known
		{line: "SPOP nokey 3", dirty: 0},
		{line: "SINTERSTORE x nokey", dirty: 0},
	} {
		if tc.line == "SMOVE s d c" {
			continue
		}
		before := x.stats.Dirty.Load()
		x.do(tc.line)
		if got := x.stats.Dirty.Load() - before; got != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.line, got, tc.dirty)
		}
	}
	x.do("DEL s d")
	x.do("SADD s a b")
	x.do("SADD d z")
	before := x.stats.Dirty.Load()
	x.mustInt("SMOVE s d a", 1)
	x.mustInt("SMOVE s d b", 1) // empties s
	x.do("SADD d a")
	x.mustInt("SMOVE d d a", 1)
	if got := x.stats.Dirty.Load() - before; got != 4 {
		t.Errorf("two SMOVEs that add: dirty +%d, want +4", got)
	}
	before = x.stats.Dirty.Load()
	x.do("SADD e 1 2 3")
	x.do("SPOP e 10")
	if got := x.stats.Dirty.Load() - before; got != 6 {
		t.Errorf("SADD of 3 then SPOP of all: dirty +%d, want +6", got)
	}
}

// TestSetKeyspaceHits checks the hit/miss counting of reads (lookupKeyRead
// in Redis) against writes (lookupKeyWrite: none).
func TestSetKeyspaceHits(t *testing.T) {
	x := newTester(t)
	x.do("SADD s 1 2")
	for _, tc := range []struct {
		line         string
		hits, misses int64
	}{
		{line: "SISMEMBER s 1", hits: 1},
		{line: "SMISMEMBER nokey 1", misses: 1},
		{line: "SINTER s nokey s", hits: 2, misses: 1},
		{line: "SINTERCARD 2 s s", hits: 2},
		{line: "SUNIONSTORE d s nokey", hits: 1, misses: 1},
		{line: "SRANDMEMBER s", hits: 1},
		{line: "SSCAN s 0", hits: 1},
		{line: "SADD s 3"},
		{line: "SPOP nokey"},
		{line: "SMOVE s d 1"},
	} {
		h0, m0 := x.stats.Hits.Load(), x.stats.Misses.Load()
		x.do(tc.line)
		if h, m := x.stats.Hits.Load()-h0, x.stats.Misses.Load()-m0; h != tc.hits || m != tc.misses {
			t.Errorf("%s: %d hits, %d misses; want %d, %d", tc.line, h, m, tc.hits, tc.misses)
		}
	}
}

// TestSetExpiry checks expired sets: gone for readers, reclaimed (with a
// logged DEL) by writers, and the TTL dropped by a STORE over a key.
func TestSetExpiry(t *testing.T) {
	x := newTester(t)
	x.do("SADD s 1 2")
	x.do("SADD t 2 3")
	x.mustInt("PEXPIRE s 100", 1)
	x.advance(101)
	x.logged()
	x.mustInt("SCARD s", 0)
	x.expect("SINTER s t", "*0\r\n")
	x.mustInt("SUNIONSTORE d s t", 2)
	x.mustLog("DEL s", "SUNIONSTORE d s t")
	x.mustInt("PEXPIRE d 100", 1)
	x.mustInt("SINTERSTORE d d t", 2)
	x.mustInt("PTTL d", -1)
	x.mustInt("PEXPIRE t 100", 1)
	x.mustInt("SADD t 4", 1)
	x.mustInt("PTTL t", 100)
	x.advance(101)
	x.mustInt("SADD t 9", 1)
	x.expect("SMEMBERS t", "*1\r\n$1\r\n9\r\n")
}

// TestSetPopAndRandomDistinct checks SPOP's and SRANDMEMBER's rules on
// every strategy: distinct members for positive counts, the right number,
// members of the set, and, for SPOP, the rest left behind.
func TestSetPopAndRandomDistinct(t *testing.T) {
	for _, members := range []int{10, 600} {
		for _, count := range []int{1, 2, 3, 5, 8, 9, 150, 500, 599} {
			if count >= members {
				continue
			}
			for _, prefix := range []string{"", "m"} {
				x := newTester(t)
				var all []string
				for i := 0; i < members; i++ {
					all = append(all, prefix+strconv.Itoa(i))
				}
				x.mustInt("SADD s "+strings.Join(all, " "), int64(members))
				name := prefix + strconv.Itoa(members) + "/" + strconv.Itoa(count)
				got := bulks(t, x.do("SRANDMEMBER s "+strconv.Itoa(count)))
				setCheckDistinct(t, "SRANDMEMBER "+name, got, count, all)
				got = bulks(t, x.do("SRANDMEMBER s -"+strconv.Itoa(count)))
				if len(got) != count {
					t.Errorf("SRANDMEMBER -%s: %d members", name, len(got))
				}
				got = bulks(t, x.do("SPOP s "+strconv.Itoa(count)))
				setCheckDistinct(t, "SPOP "+name, got, count, all)
				left := x.setKeyMembers("s")
				if len(left)+count != members {
					t.Errorf("SPOP %s left %d members", name, len(left))
				}
				for _, m := range got {
					if _, found := slices.BinarySearch(left, m); found {
						t.Errorf("SPOP %s: %q popped but still there", name, m)
					}
				}
			}
		}
	}
}

func setCheckDistinct(t *testing.T, name string, got []string, count int, all []string) {
	t.Helper()
	if len(got) != count {
		t.Errorf("%s: %d members, want %d", name, len(got), count)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m] || !slices.Contains(all, m) {
			t.Errorf("%s: %q repeated or not a member", name, m)
		}
		seen[m] = true
	}
}

// TestSscanReturnsEverything scans a big hashtable with small counts and
// gets every member.
func TestSscanReturnsEverything(t *testing.T) {
	x := newTester(t)
	var all []string
	for i := 0; i < 2000; i++ {
		all = append(all, "m"+strconv.Itoa(i))
	}
	x.do("SADD s " + strings.Join(all, " "))
	seen := map[string]bool{}
	cursor := uint64(0)
	for calls := 0; ; calls++ {
		var keys []string
		cursor, keys = x.scan("SSCAN s " + strconv.FormatUint(cursor, 10) + " COUNT 7")
		for _, k := range keys {
			seen[k] = true
		}
		if cursor == 0 {
			break
		}
		if calls > 10000 {
			t.Fatal("SSCAN does not end")
		}
	}
	if len(seen) != len(all) {
		t.Errorf("SSCAN returned %d distinct members, want %d", len(seen), len(all))
	}
	_, keys := x.scan("SSCAN s 0 COUNT 100000 MATCH m19?9")
	if !slices.Equal(sorted(keys), []string{"m1909", "m1919", "m1929", "m1939", "m1949", "m1959", "m1969", "m1979", "m1989", "m1999"}) {
		t.Errorf("SSCAN MATCH: %q", keys)
	}
}

// TestSetCopiesArguments runs SADD and SMOVE on arguments in a buffer that
// is then overwritten, as the network buffer is: the set must not change.
func TestSetCopiesArguments(t *testing.T) {
	ks := NewKeyspace(1)
	var w proto.Writer
	var stats Stats
	c := &Ctx{W: &w, DB: ks.DB(0), KS: ks, Stats: &stats}
	buf := []byte("SADDkeyalpha12345SMOVEdst")
	run := func(fn func(*Ctx, [][]byte), argv ...[]byte) {
		c.Begin(argv, 1_700_000_000_000)
		fn(c, argv)
	}
	run(cmdSadd, buf[0:4], buf[4:7], buf[7:12], buf[12:17])
	run(cmdSmove, buf[17:22], buf[4:7], buf[22:25], buf[7:12])
	for i := range buf {
		buf[i] = 'X'
	}
	w.Buf = w.Buf[:0]
	run(cmdSmembers, []byte("SMEMBERS"), []byte("key"))
	run(cmdSmembers, []byte("SMEMBERS"), []byte("dst"))
	if got := string(w.Buf); got != "*1\r\n$5\r\n12345\r\n*1\r\n$5\r\nalpha\r\n" {
		t.Errorf("after the buffer was overwritten: %q", got)
	}
}

// setBench is a keyspace and a context for calling handlers directly.
type setBench struct {
	ks    *Keyspace
	w     proto.Writer
	stats Stats
	c     Ctx
}

func newSetBench() *setBench {
	b := &setBench{ks: NewKeyspace(1)}
	b.c = Ctx{W: &b.w, DB: b.ks.DB(0), KS: b.ks, Stats: &b.stats}
	return b
}

func (b *setBench) run(fn func(*Ctx, [][]byte), argv [][]byte) {
	b.w.Buf = b.w.Buf[:0]
	b.c.Begin(argv, 1_700_000_000_000)
	fn(&b.c, argv)
	b.c.FlushLog()
}

func setArgv(words ...string) [][]byte {
	argv := make([][]byte, len(words))
	for i, w := range words {
		argv[i] = []byte(w)
	}
	return argv
}

// setBenchPair fills s1 and s2 with 1000 members each, 500 in common: the
// SINTERCARD benchmark's shape.
func (b *setBench) setBenchPair() {
	for i := 0; i < 1000; i++ {
		b.run(cmdSadd, setArgv("SADD", "s1", "member:"+strconv.Itoa(i)))
		b.run(cmdSadd, setArgv("SADD", "s2", "member:"+strconv.Itoa(i+500)))
	}
}

func TestSetHotPathsAllocateNothing(t *testing.T) {
	if raceEnabled() {
		t.Skip("-race allocates")
	}
	b := newSetBench()
	b.setBenchPair()
	b.run(cmdSadd, setArgv("SADD", "ints", "1", "2", "3", "70000"))
	for _, tc := range []struct {
		name string
		argv [][]byte
		run  func(*Ctx, [][]byte)
	}{
		{name: "SINTERCARD", argv: setArgv("SINTERCARD", "2", "s1", "s2"), run: cmdSintercard},
		{name: "SINTERCARD LIMIT", argv: setArgv("SINTERCARD", "2", "s2", "s1", "LIMIT", "100"), run: cmdSintercard},
		{name: "SINTER", argv: setArgv("SINTER", "s1", "s2", "ints"), run: cmdSinter},
		{name: "SISMEMBER", argv: setArgv("SISMEMBER", "s1", "member:7"), run: cmdSismember},
		{name: "SISMEMBER intset", argv: setArgv("SISMEMBER", "ints", "70000"), run: cmdSismember},
		{name: "SMISMEMBER", argv: setArgv("SMISMEMBER", "s1", "member:7", "x"), run: cmdSmismember},
		{name: "SCARD", argv: setArgv("SCARD", "s1"), run: cmdScard},
		{name: "SADD existing", argv: setArgv("SADD", "s1", "member:7"), run: cmdSadd},
		{name: "SADD existing intset", argv: setArgv("SADD", "ints", "2"), run: cmdSadd},
		{name: "SMEMBERS", argv: setArgv("SMEMBERS", "ints"), run: cmdSmembers},
		{name: "SRANDMEMBER", argv: setArgv("SRANDMEMBER", "s1"), run: cmdSrandmember},
		{name: "SSCAN", argv: setArgv("SSCAN", "s1", "0", "COUNT", "20"), run: cmdSscan},
	} {
		b.run(tc.run, tc.argv) // warm the reply buffer
		if allocs := testing.AllocsPerRun(100, func() { b.run(tc.run, tc.argv) }); allocs != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, allocs)
		}
	}
	// SPOP then SADD of the member back, on an intset: the pair allocates
	// nothing either (the log is disabled, as without a consumer).
	pop, add := setArgv("SPOP", "ints"), setArgv("SADD", "ints", "")
	allocs := testing.AllocsPerRun(100, func() {
		b.run(cmdSpop, pop)
		m := b.w.Buf[bytes.IndexByte(b.w.Buf, '\n')+1 : len(b.w.Buf)-2]
		add[2] = append(add[2][:0], m...)
		b.run(cmdSadd, add)
	})
	if allocs != 0 {
		t.Errorf("SPOP+SADD on an intset: %v allocations per run, want 0", allocs)
	}
}

func BenchmarkSintercard(b *testing.B) {
	sb := newSetBench()
	sb.setBenchPair()
	argv := setArgv("SINTERCARD", "2", "s1", "s2")
	b.ReportAllocs()
	for b.Loop() {
		sb.run(cmdSintercard, argv)
	}
	if string(sb.w.Buf) != ":500\r\n" {
		b.Fatalf("SINTERCARD replied %q", sb.w.Buf)
	}
}

func BenchmarkSinter(b *testing.B) {
	sb := newSetBench()
	sb.setBenchPair()
	argv := setArgv("SINTER", "s1", "s2")
	b.ReportAllocs()
	for b.Loop() {
		sb.run(cmdSinter, argv)
	}
}

// BenchmarkSadd adds members the way redis-benchmark's SADD does: one
// member a call, from a keyspace of 100000, to one set.
func BenchmarkSadd(b *testing.B) {
	sb := newSetBench()
	argv := setArgv("SADD", "myset", "element:000000000000")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		setPutCounter(argv[2][8:], i%100000)
		i += 7919
		sb.run(cmdSadd, argv)
	}
}

// setPutCounter writes n in decimal, zero-padded, into dst.
func setPutCounter(dst []byte, n int) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
}

// BenchmarkSpop pops from a big set, refilling it when it runs out.
func BenchmarkSpop(b *testing.B) {
	sb := newSetBench()
	fill := setArgv("SADD", "myset", "element:000000000000")
	refill := func() {
		for i := 0; i < 100000; i++ {
			setPutCounter(fill[2][8:], i)
			sb.run(cmdSadd, fill)
		}
	}
	refill()
	argv := setArgv("SPOP", "myset")
	b.ReportAllocs()
	for b.Loop() {
		sb.run(cmdSpop, argv)
		if string(sb.w.Buf) == "$-1\r\n" {
			b.StopTimer()
			refill()
			b.StartTimer()
		}
	}
}

func BenchmarkSismember(b *testing.B) {
	sb := newSetBench()
	sb.setBenchPair()
	argv := setArgv("SISMEMBER", "s1", "member:123")
	b.ReportAllocs()
	for b.Loop() {
		sb.run(cmdSismember, argv)
	}
}

// TestSetReadersRunTogether runs the read-only set commands from several
// goroutines at once under shared locks, as reactors run them, while a
// writer changes other keys: under -race, a reader that wrote anything
// would show.
func TestSetReadersRunTogether(t *testing.T) {
	ks := NewKeyspace(1)
	d := ks.DB(0)
	newCtx := func() *Ctx {
		return &Ctx{W: &proto.Writer{}, DB: d, KS: ks, Stats: &Stats{}}
	}
	setup := newCtx()
	run := func(c *Ctx, write bool, fn func(*Ctx, [][]byte), argv [][]byte) {
		d.Lock(EveryShard, write)
		c.W.Buf = c.W.Buf[:0]
		c.Begin(argv, 1_700_000_000_000)
		fn(c, argv)
		c.FlushLog()
		d.Unlock(EveryShard, write)
	}
	for i := 0; i < 1000; i++ {
		run(setup, true, cmdSadd, setArgv("SADD", "s1", "m:"+strconv.Itoa(i), strconv.Itoa(i)))
		run(setup, true, cmdSadd, setArgv("SADD", "s2", "m:"+strconv.Itoa(i+500)))
	}
	run(setup, true, cmdSadd, setArgv("SADD", "ints", "1", "2", "3"))
	readers := []struct {
		fn   func(*Ctx, [][]byte)
		argv [][]byte
	}{
		{cmdSintercard, setArgv("SINTERCARD", "3", "s1", "s2", "s1")},
		{cmdSinter, setArgv("SINTER", "s2", "s1", "ints")},
		{cmdSunion, setArgv("SUNION", "ints", "s2")},
		{cmdSdiff, setArgv("SDIFF", "s1", "s2", "ints")},
		{cmdSrandmember, setArgv("SRANDMEMBER", "s1", "-20")},
		{cmdSrandmember, setArgv("SRANDMEMBER", "s1", "700")},
		{cmdSrandmember, setArgv("SRANDMEMBER", "s1", "50")},
		{cmdSscan, setArgv("SSCAN", "s1", "0", "COUNT", "100", "MATCH", "m:1*")},
		{cmdSmembers, setArgv("SMEMBERS", "ints")},
		{cmdSmismember, setArgv("SMISMEMBER", "s2", "m:600", "m:1")},
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			c := newCtx()
			for i := 0; i < 200; i++ {
				r := readers[(i+g)%len(readers)]
				run(c, false, r.fn, r.argv)
			}
		}()
	}
	go func() {
		defer func() { done <- struct{}{} }()
		c := newCtx()
		for i := 0; i < 200; i++ {
			run(c, true, cmdSadd, setArgv("SADD", "w", strconv.Itoa(i), "x"+strconv.Itoa(i)))
			run(c, true, cmdSpop, setArgv("SPOP", "w"))
		}
	}()
	for i := 0; i < 5; i++ {
		<-done
	}
	c := newCtx()
	run(c, false, cmdSintercard, setArgv("SINTERCARD", "2", "s1", "s2"))
	if string(c.W.Buf) != ":500\r\n" {
		t.Errorf("SINTERCARD after the readers: %q", c.W.Buf)
	}
}
