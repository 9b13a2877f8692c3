package db

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"redis-fast/proto"
)

func TestHashCommandsTable(t *testing.T) {
	names := make([]string, len(HashCommands))
	for i, cmd := range HashCommands {
		names[i] = cmd.Name
		if cmd.Run == nil || cmd.Since == "" || cmd.Group != "hash" || cmd.Summary == "" {
			t.Errorf("%s: row incomplete", cmd.Name)
		}
		if cmd.FirstKey != 1 || cmd.LastKey != 1 || cmd.Step != 1 {
			t.Errorf("%s: keys %d,%d,%d", cmd.Name, cmd.FirstKey, cmd.LastKey, cmd.Step)
		}
		if (cmd.Flags&Write != 0) == (cmd.Flags&ReadOnly != 0) {
			t.Errorf("%s: flags %v", cmd.Name, cmd.Flags.Names())
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("HashCommands not sorted by name: %v", names)
	}
}

// hashBulkArray is the RESP2 array of bulk strings ss.
func hashBulkArray(ss ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(ss)) + "\r\n")
	for _, s := range ss {
		b.WriteString("$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n")
	}
	return b.String()
}

func TestHsetHget(t *testing.T) {
	x := newTester(t)
	x.mustInt("HSET h a 1 b 2", 2)
	x.mustInt("HSET h a 10 c 3", 1)
	x.mustBulk("HGET h a", "10")
	x.mustNil("HGET h nofield")
	x.mustNil("HGET nokey a")
	x.expect("HMGET h a nofield c", "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n")
	x.expect("HMGET nokey a b", "*2\r\n$-1\r\n$-1\r\n")
	x.expect("HGETALL h", hashBulkArray("a", "10", "b", "2", "c", "3"))
	x.expect("HKEYS h", hashBulkArray("a", "b", "c"))
	x.expect("HVALS h", hashBulkArray("10", "2", "3"))
	x.expect("HGETALL nokey", "*0\r\n")
	x.mustInt("HLEN h", 3)
	x.mustInt("HSTRLEN h a", 2)
	x.mustInt("HSTRLEN h nofield", 0)
	x.mustInt("HEXISTS h b", 1)
	x.mustInt("HEXISTS h nofield", 0)
	x.mustOK("HMSET h d 4")
	x.mustErr("HSET h a", msgHashArity("hset"))
	x.mustErr("HMSET h a 1 b", msgHashArity("hmset"))
	x.mustInt("HSETNX h a x", 0)
	x.mustInt("HSETNX h e 5", 1)
	x.mustBulk("HGET h e", "5")
	x.w.RESP3 = true
	x.expect("HGETALL h", "%5\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n")
	x.expect("HGETALL nokey", "%0\r\n")
	x.expect("HKEYS nokey", "*0\r\n")
	x.expect("HGET h nofield", "_\r\n")
	x.expect("HMGET h nofield", "*1\r\n_\r\n")
}

func TestHashWrongType(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET s v")
	for _, line := range []string{
		"HSET s f v", "HMSET s f v", "HSETNX s f v", "HGET s f", "HMGET s f", "HDEL s f",
		"HLEN s", "HSTRLEN s f", "HEXISTS s f", "HKEYS s", "HVALS s", "HGETALL s",
		"HINCRBY s f 1", "HINCRBYFLOAT s f 1", "HRANDFIELD s", "HRANDFIELD s 2", "HSCAN s 0",
	} {
		x.mustErr(line, msgWrongType)
	}
	x.mustInt("HSET h f v", 1)
	x.mustErr("GET h", msgWrongType)
	x.mustErr("HINCRBY s f x", msgNotInteger) // the increment first
	x.mustErr("HSCAN s x", msgInvalidCursor)  // the cursor first
	x.mustErr("HSCAN s 0 COUNT 0", msgWrongType)
}

// HDEL deletes the key with its last field and stops there.
func TestHdel(t *testing.T) {
	x := newTester(t)
	x.mustInt("HSET h a 1 b 2 c 3", 3)
	x.logged()
	x.mustInt("HDEL h nofield", 0)
	x.mustLog()
	x.mustInt("HDEL h a a nofield", 1)
	x.mustInt("HDEL h b c b", 2)
	x.mustInt("EXISTS h", 0)
	x.mustInt("HDEL h b", 0)
	x.mustLog("HDEL h a a nofield", "HDEL h b c b")
	x.mustInt("HDEL nokey a", 0)
}

// What each command logs and how many changes it counts: HSET and HMSET
// one per pair, HDEL one per deleted field, HINCRBYFLOAT as HSET of the
// result; reads and failed or no-op writes nothing.
func TestHashWriteLog(t *testing.T) {
	x := newTester(t)
	x.logged()
	for _, tc := range []struct {
		line  string
		log   []string
		dirty int64
	}{
		{line: "HSET h a 1 b 2 a 3", log: []string{"SELECT 0", "HSET h a 1 b 2 a 3"}, dirty: 3},
		{line: "HMSET h c 1", log: []string{"HMSET h c 1"}, dirty: 1},
		{line: "HSETNX h a 1"},
		{line: "HSETNX h d 1", log: []string{"HSETNX h d 1"}, dirty: 1},
		{line: "HINCRBY h n 5", log: []string{"HINCRBY h n 5"}, dirty: 1},
		{line: "HINCRBY h a x"},
		{line: "HINCRBYFLOAT h f 1.5", log: []string{"HSET h f 1.5"}, dirty: 1},
		{line: "HINCRBYFLOAT h f 0.25", log: []string{"HSET h f 1.75"}, dirty: 1},
		{line: "HINCRBYFLOAT h f inf"},
		{line: "HDEL h a b nofield", log: []string{"HDEL h a b nofield"}, dirty: 2},
		{line: "HDEL h nofield"},
		{line: "HGET h a"},
		{line: "HGETALL h"},
		{line: "HRANDFIELD h -3 WITHVALUES"},
		{line: "HSCAN h 0"},
		{line: "HSET h x"},
	} {
		d0 := x.stats.Dirty.Load()
		x.do(tc.line)
		if got := x.logged(); strings.Join(got, "|") != strings.Join(tc.log, "|") {
			t.Errorf("%s logged %q, want %q", tc.line, got, tc.log)
		}
		if d := x.stats.Dirty.Load() - d0; d != tc.dirty {
			t.Errorf("%s: %d changes, want %d", tc.line, d, tc.dirty)
		}
	}
}

// Reads count keyspace hits and misses as lookupKeyRead does; writes do
// not.
func TestHashKeyspaceHits(t *testing.T) {
	x := newTester(t)
	x.mustInt("HSET h a 1", 1)
	for _, tc := range []struct {
		line         string
		hits, misses int64
	}{
		{line: "HGET h a", hits: 1},
		{line: "HGET nokey a", misses: 1},
		{line: "HMGET nokey a b", misses: 1},
		{line: "HSCAN nokey 0", misses: 1},
		{line: "HRANDFIELD h 2", hits: 1},
		{line: "HSET h b 2"},
		{line: "HINCRBY h c 1"},
		{line: "HDEL nokey a"},
	} {
		h0, m0 := x.stats.Hits.Load(), x.stats.Misses.Load()
		x.do(tc.line)
		if h, m := x.stats.Hits.Load()-h0, x.stats.Misses.Load()-m0; h != tc.hits || m != tc.misses {
			t.Errorf("%s: %d hits, %d misses; want %d, %d", tc.line, h, m, tc.hits, tc.misses)
		}
	}
}

func TestHincrby(t *testing.T) {
	x := newTester(t)
	x.mustInt("HINCRBY h f 5", 5)
	x.mustInt("HINCRBY h f -7", -2)
	x.mustInt("HINCRBY h m 9223372036854775807", 9223372036854775807)
	x.mustErr("HINCRBY h m 1", msgOverflow)
	x.mustInt("HINCRBY h l -9223372036854775808", -9223372036854775808)
	x.mustErr("HINCRBY h l -1", msgOverflow)
	x.mustErr("HINCRBY h f 1.5", msgNotInteger)
	x.mustInt("HSET h s abc", 1)
	x.mustErr("HINCRBY h s 1", msgHashNotInteger)
	x.mustInt("HSET h z 007", 1)
	x.mustErr("HINCRBY h z 1", msgHashNotInteger)
	x.mustErr("HINCRBY h f 9223372036854775808", msgNotInteger)
}

func TestHincrbyfloat(t *testing.T) {
	x := newTester(t)
	x.mustBulk("HINCRBYFLOAT h f 10.5", "10.5")
	x.mustBulk("HINCRBYFLOAT h f 0.1", "10.6")
	x.mustBulk("HINCRBYFLOAT h f -5", "5.6")
	x.mustBulk("HINCRBYFLOAT h f 1e3", "1005.59999999999999998")
	x.mustErr("HINCRBYFLOAT h f x", msgNotFloat)
	x.mustErr("HINCRBYFLOAT h f inf", msgHashIncrNaN)
	x.mustErr("HINCRBYFLOAT nokey f -inf", msgHashIncrNaN)
	x.mustInt("EXISTS nokey", 0)
	x.mustErr("HINCRBYFLOAT h f nan", msgNotFloat)
	x.mustInt("HSET h s abc i inf", 2)
	x.mustErr("HINCRBYFLOAT h s 1", msgHashNotFloat)
	x.mustErr("HINCRBYFLOAT h i 1", msgNaNOrInfinity)
	x.mustInt("HSET h big 1.1e4932", 1)
	x.mustErr("HINCRBYFLOAT h big 1.1e4932", msgNaNOrInfinity)
	x.mustBulk("HINCRBYFLOAT h n 3", "3")
	x.mustInt("HINCRBY h n 1", 4)
}

func TestHrandfield(t *testing.T) {
	x := newTester(t)
	x.mustNil("HRANDFIELD nokey")
	x.expect("HRANDFIELD nokey 3", "*0\r\n")
	x.expect("HRANDFIELD nokey -3 WITHVALUES", "*0\r\n")
	x.mustErr("HRANDFIELD nokey x", msgNotInteger)
	x.mustErr("HRANDFIELD nokey -9223372036854775808", msgHrandCountRange)
	x.mustErr("HRANDFIELD nokey 1 WITHVALUE", msgSyntax)
	x.mustErr("HRANDFIELD nokey 1 WITHVALUES x", msgSyntax)
	x.mustErr("HRANDFIELD nokey 4611686018427387904 WITHVALUES", msgHrandWithValuesRange)
	x.mustErr("HRANDFIELD nokey -4611686018427387904 WITHVALUES", msgHrandWithValuesRange)
	x.expect("HRANDFIELD nokey -4611686018427387903 WITHVALUES", "*0\r\n")
	x.mustInt("HSET h a 1 b 2 c 3", 3)
	x.expect("HRANDFIELD h 0", "*0\r\n")
	x.expect("HRANDFIELD h 3", hashBulkArray("a", "b", "c"))
	x.expect("HRANDFIELD h 10 WITHVALUES", hashBulkArray("a", "1", "b", "2", "c", "3"))
	x.w.RESP3 = true
	x.expect("HRANDFIELD h 10 WITHVALUES", "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n")
	x.w.RESP3 = false
	for _, entries := range []int64{512, 0} {
		x.ks.Limits.HashMaxListpackEntries.Store(entries)
		x.do("DEL r")
		want := map[string]string{}
		for i := 0; i < 40; i++ {
			x.do(fmt.Sprintf("HSET r f%d v%d", i, i))
			want[fmt.Sprintf("f%d", i)] = fmt.Sprintf("v%d", i)
		}
		for _, count := range []int{1, 5, 13, 14, 39, 40, 41, -1, -7, -100} {
			pairs := hrandPairs(t, x.do(fmt.Sprintf("HRANDFIELD r %d WITHVALUES", count)))
			n := count
			if n > 40 {
				n = 40
			}
			if n < 0 {
				n = -n
			}
			if len(pairs) != n {
				t.Fatalf("HRANDFIELD r %d WITHVALUES: %d pairs", count, len(pairs))
			}
			seen := map[string]bool{}
			for _, p := range pairs {
				if want[p[0]] != p[1] {
					t.Fatalf("HRANDFIELD r %d: pair %q", count, p)
				}
				if count > 0 && seen[p[0]] {
					t.Fatalf("HRANDFIELD r %d: %q twice", count, p[0])
				}
				seen[p[0]] = true
			}
		}
		if f := x.do("HRANDFIELD r"); !strings.HasPrefix(f, "$2\r\nf") && !strings.HasPrefix(f, "$3\r\nf") {
			t.Fatalf("HRANDFIELD r = %q", f)
		}
	}
}

// hrandPairs parses a RESP2 flat array of fields and values.
func hrandPairs(t *testing.T, reply string) [][2]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	var out [][2]string
	for i := 1; i+3 < len(lines); i += 4 {
		out = append(out, [2]string{lines[i+1], lines[i+3]})
	}
	if 4*len(out)+1 != len(lines) || lines[0] != "*"+strconv.Itoa(2*len(out)) {
		t.Fatalf("not a flat array of pairs: %q", reply)
	}
	return out
}

// HSCAN of a small hash returns it whole; of a big one, a walk of the
// cursor returns every field exactly once when nothing changes.
func TestHscan(t *testing.T) {
	x := newTester(t)
	x.mustInt("HSET h a 1 b 2 c 3", 3)
	x.expect("HSCAN h 0", "*2\r\n$1\r\n0\r\n"+hashBulkArray("a", "1", "b", "2", "c", "3"))
	x.expect("HSCAN h 77 COUNT 1 MATCH b", "*2\r\n$1\r\n0\r\n"+hashBulkArray("b", "2"))
	x.expect("HSCAN nokey 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n")
	x.mustErr("HSCAN h 0 COUNT 0", msgSyntax)
	x.mustErr("HSCAN h 0 COUNT x", msgNotInteger)
	x.mustErr("HSCAN h 0 TYPE hash", msgSyntax)
	x.mustErr("HSCAN h 0 MATCH", msgSyntax)
	x.mustErr("HSCAN h -x", msgInvalidCursor)
	x.ks.Limits.HashMaxListpackEntries.Store(8)
	for i := 0; i < 1000; i++ {
		x.do(fmt.Sprintf("HSET big f%d v%d", i, i))
	}
	x.mustBulk("OBJECT ENCODING big", "hashtable")
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		reply := x.do("HSCAN big " + cursor + " COUNT 20")
		lines := strings.Split(reply, "\r\n")
		cursor = lines[2]
		for i := 5; i+2 < len(lines); i += 4 {
			if "v"+strings.TrimPrefix(lines[i], "f") != lines[i+2] {
				t.Fatalf("pair %q %q", lines[i], lines[i+2])
			}
			seen[lines[i]]++
		}
		if cursor == "0" {
			break
		}
		if calls > 2000 {
			t.Fatal("HSCAN does not end")
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("%d fields seen", len(seen))
	}
	for f, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", f, n)
		}
	}
	x.expect("HSCAN big 0 MATCH f999 COUNT 100000", "*2\r\n$1\r\n0\r\n"+hashBulkArray("f999", "v999"))
}

// The encoding follows Redis's thresholds, including conversions before a
// set (HSET, HSETNX checking their arguments) and after (the count).
func TestHashEncoding(t *testing.T) {
	x := newTester(t)
	x.ks.Limits.HashMaxListpackEntries.Store(3)
	x.ks.Limits.HashMaxListpackValue.Store(4)
	x.mustInt("HSET h a 1 b 2 c 3", 3)
	x.mustBulk("OBJECT ENCODING h", "listpack")
	x.mustInt("HSET h d 4", 1)
	x.mustBulk("OBJECT ENCODING h", "hashtable")
	x.mustInt("HDEL h a b c", 3)
	x.mustBulk("OBJECT ENCODING h", "hashtable")
	x.mustInt("HSET v a 1234", 1)
	x.mustBulk("OBJECT ENCODING v", "listpack")
	x.mustInt("HSETNX v a 12345", 0)
	x.mustBulk("OBJECT ENCODING v", "listpack")
	x.mustInt("HSETNX v b 12345", 1)
	x.mustBulk("OBJECT ENCODING v", "hashtable")
	x.mustInt("HINCRBY n a 9999", 9999)
	x.mustBulk("OBJECT ENCODING n", "listpack")
	x.mustInt("HINCRBY n a 1", 10000)
	x.mustBulk("OBJECT ENCODING n", "hashtable")
	x.mustInt("COPY n n2", 1)
	x.mustBulk("OBJECT ENCODING n2", "hashtable")
	x.mustBulk("HGET n2 a", "10000")
	x.mustInt("HSET n2 a 1", 0)
	x.mustBulk("HGET n a", "10000")
}

// Stored fields and values are copies: the argument buffer can be reused
// as soon as the command returns.
func TestHashCopiesArguments(t *testing.T) {
	for _, entries := range []int64{512, 0} {
		ks := NewKeyspace(1)
		ks.Limits.HashMaxListpackEntries.Store(entries)
		var w proto.Writer
		var stats Stats
		c := &Ctx{W: &w, DB: ks.DB(0), KS: ks, Stats: &stats}
		buf := []byte("HSETkeyfieldvalue")
		argv := [][]byte{buf[0:4], buf[4:7], buf[7:12], buf[12:17]}
		c.Begin(argv, 1)
		cmdHset(c, argv)
		copy(buf, "XXXXXXXXXXXXXXXXX")
		w.Buf = w.Buf[:0]
		get := [][]byte{[]byte("HGETALL"), []byte("key")}
		c.Begin(get, 1)
		cmdHgetall(c, get)
		if got, want := string(w.Buf), hashBulkArray("field", "value"); got != want {
			t.Errorf("entries=%d: HGETALL = %q, want %q", entries, got, want)
		}
	}
}

// hashBench is a context with one hash: compact (n <= 512) or a table.
func hashBench(tb testing.TB, n int) (*Ctx, *proto.Writer) {
	ks := NewKeyspace(1)
	w := &proto.Writer{}
	c := &Ctx{W: w, DB: ks.DB(0), KS: ks, Stats: &Stats{}}
	for i := 0; i < n; i++ {
		argv := [][]byte{[]byte("HSET"), []byte("myhash"), fmt.Appendf(nil, "element:%012d", i), []byte("xxx")}
		c.Begin(argv, 1)
		cmdHset(c, argv)
	}
	w.Buf = w.Buf[:0]
	return c, w
}

func TestHashCommandsAllocateNothing(t *testing.T) {
	if raceEnabled() {
		t.Skip("-race allocates")
	}
	for _, n := range []int{100, 2000} {
		c, w := hashBench(t, n)
		for _, tc := range []struct {
			name string
			argv []string
			run  func(*Ctx, [][]byte)
		}{
			{name: "HSET existing", argv: []string{"HSET", "myhash", "element:000000000050", "yyy"}, run: cmdHset},
			{name: "HSET longer", argv: []string{"HSET", "myhash", "element:000000000051", "yyyy"}, run: cmdHset},
			{name: "HGET", argv: []string{"HGET", "myhash", "element:000000000050"}, run: cmdHget},
			{name: "HGET missing", argv: []string{"HGET", "myhash", "nofield"}, run: cmdHget},
			{name: "HMGET", argv: []string{"HMGET", "myhash", "element:000000000050", "nofield"}, run: cmdHmget},
			{name: "HEXISTS", argv: []string{"HEXISTS", "myhash", "element:000000000050"}, run: cmdHexists},
			{name: "HSTRLEN", argv: []string{"HSTRLEN", "myhash", "element:000000000050"}, run: cmdHstrlen},
			{name: "HLEN", argv: []string{"HLEN", "myhash"}, run: cmdHlen},
			{name: "HINCRBY", argv: []string{"HINCRBY", "myhash", "counter", "1"}, run: cmdHincrby},
			{name: "HSETNX existing", argv: []string{"HSETNX", "myhash", "counter", "1"}, run: cmdHsetnx},
		} {
			argv := make([][]byte, len(tc.argv))
			for i, a := range tc.argv {
				argv[i] = []byte(a)
			}
			c.Begin(argv, 1)
			tc.run(c, argv) // first run may create the field
			allocs := testing.AllocsPerRun(100, func() {
				w.Buf = w.Buf[:0]
				c.Begin(argv, 1)
				tc.run(c, argv)
			})
			if allocs != 0 {
				t.Errorf("%d fields, %s: %v allocations per run, want 0", n, tc.name, allocs)
			}
		}
	}
}

// BenchmarkHset is redis-benchmark's HSET: one hash, random fields from a
// keyspace of 100000 (-r 100000), a 3-byte value.
func BenchmarkHset(b *testing.B) {
	for _, size := range []int{100, 100000} {
		b.Run(fmt.Sprintf("fields=%d", size), func(b *testing.B) {
			c, w := hashBench(b, 0)
			fields := make([][]byte, 1024)
			for i := range fields {
				fields[i] = fmt.Appendf(nil, "element:%012d", (i*7919)%size)
			}
			argv := [][]byte{[]byte("HSET"), []byte("myhash"), nil, []byte("xxx")}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w.Buf = w.Buf[:0]
				argv[2] = fields[i&1023]
				i++
				c.Begin(argv, 1)
				cmdHset(c, argv)
			}
		})
	}
}

// BenchmarkHsetGrow adds a new field every time: the cost of growing.
func BenchmarkHsetGrow(b *testing.B) {
	c, w := hashBench(b, 0)
	argv := [][]byte{[]byte("HSET"), []byte("myhash"), nil, []byte("xxx")}
	field := make([]byte, 0, 32)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Buf = w.Buf[:0]
		field = strconv.AppendInt(append(field[:0], "element:"...), int64(i), 10)
		i++
		argv[2] = field
		c.Begin(argv, 1)
		cmdHset(c, argv)
	}
}

func BenchmarkHget(b *testing.B) {
	for _, size := range []int{100, 512, 100000} {
		b.Run(fmt.Sprintf("fields=%d", size), func(b *testing.B) {
			c, w := hashBench(b, size)
			argv := [][]byte{[]byte("HGET"), []byte("myhash"), fmt.Appendf(nil, "element:%012d", size/2)}
			b.ReportAllocs()
			for b.Loop() {
				w.Buf = w.Buf[:0]
				c.Begin(argv, 1)
				cmdHget(c, argv)
			}
		})
	}
}

func BenchmarkHincrby(b *testing.B) {
	c, w := hashBench(b, 10)
	argv := [][]byte{[]byte("HINCRBY"), []byte("myhash"), []byte("counter"), []byte("1")}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(argv, 1)
		cmdHincrby(c, argv)
	}
}

func BenchmarkHgetall(b *testing.B) {
	c, w := hashBench(b, 100)
	argv := [][]byte{[]byte("HGETALL"), []byte("myhash")}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(argv, 1)
		cmdHgetall(c, argv)
	}
}
