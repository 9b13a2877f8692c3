package db

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"redis-fast/proto"
)

func TestZaddBasics(t *testing.T) {
	x := newTester(t)
	x.mustInt("ZADD z 1 a 2 b 3 c", 3)
	x.mustInt("ZADD z 1 a", 0)
	x.mustInt("ZADD z CH 5 a 2 b", 1)
	x.mustBulk("ZSCORE z a", "5")
	x.mustBulk("ZINCRBY z 0.1 a", "5.0999999999999996")
	x.mustBulk("ZADD z INCR -0.1 a", "5")
	x.mustNil("ZADD z INCR NX 1 a")
	x.mustNil("ZADD nokey XX INCR 1 a")
	x.mustInt("EXISTS nokey", 0)
	x.mustErr("ZADD z XX NX 1 a", msgZsetXXNX)
	x.mustErr("ZADD z GT LT 1 a", msgZsetGTLTNX)
	x.mustErr("ZADD z INCR 1 a 2 b", msgZsetIncrPair)
	x.mustErr("ZADD z 1 a 2", msgSyntax)
	x.mustErr("ZADD z nan a", msgNotFloat)
	x.mustErr("ZINCRBY z nx a", msgSyntax)    // ZINCRBY takes options as ZADD does
	x.mustErr("ZADD z 1 inf INCR", msgSyntax) // options come first
}

// An element stored by ZADD is a copy: the argument buffer may be reused.
func TestZaddCopiesArguments(t *testing.T) {
	c, w := zsetCtx()
	for _, enc := range []int64{128, 0} {
		c.KS.Limits.ZSetMaxListpackEntries.Store(enc)
		key := []byte("k" + strconv.FormatInt(enc, 10))
		argv := [][]byte{[]byte("ZADD"), key, []byte("1"), []byte("member1")}
		c.Begin(argv, 0)
		cmdZadd(c, argv)
		copy(argv[3], "XXXXXXX")
		copy(argv[1], "YY")
		w.Buf = w.Buf[:0]
		get := [][]byte{[]byte("ZRANGE"), []byte("k" + strconv.FormatInt(enc, 10)), []byte("0"), []byte("-1")}
		c.Begin(get, 0)
		cmdZrange(c, get)
		if got := string(w.Buf); got != "*1\r\n$7\r\nmember1\r\n" {
			t.Errorf("encoding limit %d: ZRANGE gives %q", enc, got)
		}
	}
}

// The write log receives what Redis 7.0 propagates, nothing for a command
// that changed nothing, and the dirty counter counts elements.
func TestZsetPropagation(t *testing.T) {
	x := newTester(t)
	x.logged()
	for _, tc := range []struct {
		line  string
		log   []string
		dirty int64
	}{
		{line: "ZADD z 1 a 2 b 3 c", log: []string{"SELECT 0", "ZADD z 1 a 2 b 3 c"}, dirty: 3},
		{line: "ZADD z 1 a 2 b"},
		{line: "ZADD z NX 5 a"},
		{line: "ZADD z XX 1 nosuch"},
		{line: "ZADD z CH 5 a 6 b 7 d", log: []string{"ZADD z CH 5 a 6 b 7 d"}, dirty: 3},
		{line: "ZADD z INCR 1 a", log: []string{"ZADD z INCR 1 a"}, dirty: 1},
		{line: "ZINCRBY z 0 a"},
		{line: "ZINCRBY z 1 a", log: []string{"ZINCRBY z 1 a"}, dirty: 1},
		{line: "ZADD z INCR -inf a", log: []string{"ZADD z INCR -inf a"}, dirty: 1},
		{line: "ZADD z INCR inf a"}, // NaN: an error, nothing changed
		{line: "ZREM z nosuch"},
		{line: "ZREM z a b nosuch", log: []string{"ZREM z a b nosuch"}, dirty: 2},
		{line: "ZPOPMIN z 0"},
		{line: "ZPOPMIN nokey"},
		{line: "ZPOPMIN z 10", log: []string{"ZPOPMIN z 10"}, dirty: 2},
		{line: "ZADD m 1 a 2 b 3 c 4 d", log: []string{"ZADD m 1 a 2 b 3 c 4 d"}, dirty: 4},
		{line: "ZMPOP 2 nokey m MAX", log: []string{"ZPOPMAX m 1"}, dirty: 1},
		{line: "ZMPOP 1 m MIN COUNT 10", log: []string{"ZPOPMIN m 3"}, dirty: 3},
		{line: "ZMPOP 1 m MIN COUNT 10"},
		{line: "ZADD r 1 a 2 b 3 c 4 d 5 e", log: []string{"ZADD r 1 a 2 b 3 c 4 d 5 e"}, dirty: 5},
		{line: "ZREMRANGEBYRANK r 10 20"},
		{line: "ZREMRANGEBYRANK r 0 1", log: []string{"ZREMRANGEBYRANK r 0 1"}, dirty: 2},
		{line: "ZREMRANGEBYSCORE r 100 200"},
		{line: "ZREMRANGEBYSCORE r 3 3", log: []string{"ZREMRANGEBYSCORE r 3 3"}, dirty: 1},
		{line: "ZREMRANGEBYLEX r [x +"},
		{line: "ZREMRANGEBYLEX r - +", log: []string{"ZREMRANGEBYLEX r - +"}, dirty: 2},
		{line: "ZADD s 1 a 2 b", log: []string{"ZADD s 1 a 2 b"}, dirty: 2},
		{line: "ZUNIONSTORE dst 1 s", log: []string{"ZUNIONSTORE dst 1 s"}, dirty: 1},
		{line: "ZINTERSTORE dst 2 s nokey", log: []string{"ZINTERSTORE dst 2 s nokey"}, dirty: 1},
		{line: "ZINTERSTORE dst 2 s nokey"},
		{line: "ZRANGESTORE dst s 0 -1", log: []string{"ZRANGESTORE dst s 0 -1"}, dirty: 1},
		{line: "ZRANGESTORE dst s 5 6", log: []string{"ZRANGESTORE dst s 5 6"}, dirty: 1},
		{line: "ZRANGESTORE dst s 5 6"},
		{line: "ZDIFFSTORE dst 2 s s"},
		{line: "ZUNION 1 s"},
		{line: "ZRANGE s 0 -1"},
	} {
		d0 := x.stats.Dirty.Load()
		x.do(tc.line)
		x.mustLog(tc.log...)
		if d := x.stats.Dirty.Load() - d0; d != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.line, d, tc.dirty)
		}
	}
}

// ServeZSetPop is what BZPOPMIN, BZPOPMAX and BZMPOP serve with: the
// replies and the log entries Redis gives them.
func TestServeZSetPop(t *testing.T) {
	x := newTester(t)
	x.mustInt("ZADD z 1 a 2 b 3 c", 3)
	x.mustOK("SET s v")
	x.logged()
	serve := func(key string, max bool, count int64) (string, ZSetServe) {
		x.w.Buf = x.w.Buf[:0]
		argv := [][]byte{[]byte("BZPOPMIN"), []byte(key)}
		x.ctx.Begin(argv, x.now)
		r := ServeZSetPop(&x.ctx, []byte(key), max, count)
		x.ctx.FlushLog()
		return string(x.w.Buf), r
	}
	for _, tc := range []struct {
		name      string
		key       string
		max       bool
		count     int64
		resp3     bool
		reply     string
		result    ZSetServe
		logged    []string
		dirtyPlus int64
	}{
		{name: "BZPOPMIN", key: "z", count: 0, reply: "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", result: ZSetServed, logged: []string{"ZPOPMIN z"}, dirtyPlus: 1},
		{name: "BZPOPMAX RESP3", key: "z", max: true, count: 0, resp3: true, reply: "*3\r\n$1\r\nz\r\n$1\r\nc\r\n,3\r\n", result: ZSetServed, logged: []string{"ZPOPMAX z"}, dirtyPlus: 1},
		{name: "BZMPOP", key: "z", count: 5, reply: "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", result: ZSetServed, logged: []string{"ZPOPMIN z 1"}, dirtyPlus: 1},
		{name: "missing", key: "z", count: 1, result: ZSetMissing},
		{name: "wrong type", key: "s", count: 1, reply: "-" + msgWrongType + "\r\n", result: ZSetWrongType},
	} {
		x.w.RESP3 = tc.resp3
		d0 := x.stats.Dirty.Load()
		reply, r := serve(tc.key, tc.max, tc.count)
		if reply != tc.reply || r != tc.result {
			t.Errorf("%s: %q %d, want %q %d", tc.name, reply, r, tc.reply, tc.result)
		}
		x.mustLog(tc.logged...)
		if d := x.stats.Dirty.Load() - d0; d != tc.dirtyPlus {
			t.Errorf("%s: dirty +%d, want +%d", tc.name, d, tc.dirtyPlus)
		}
	}
	x.w.RESP3 = false
	x.mustInt("EXISTS z", 0)
}

// Reads count keyspace hits and misses as Redis's lookupKeyRead does; the
// sources a STORE form reads count too, the pops' lookups do not.
func TestZsetKeyspaceHits(t *testing.T) {
	x := newTester(t)
	x.mustInt("ZADD z 1 a", 1)
	for _, tc := range []struct {
		line         string
		hits, misses int64
	}{
		{line: "ZSCORE z a", hits: 1},
		{line: "ZRANGE nokey 0 1", misses: 1},
		{line: "ZRANGESTORE dst z 0 -1", hits: 1},
		{line: "ZUNIONSTORE dst 2 z nokey", hits: 1, misses: 1},
		{line: "ZUNION 2 z nokey", hits: 1, misses: 1},
		{line: "ZADD z 2 a"},
		{line: "ZPOPMIN nokey"},
		{line: "ZMPOP 1 nokey MIN"},
	} {
		h0, m0 := x.stats.Hits.Load(), x.stats.Misses.Load()
		x.do(tc.line)
		if h, m := x.stats.Hits.Load()-h0, x.stats.Misses.Load()-m0; h != tc.hits || m != tc.misses {
			t.Errorf("%s: %d hits, %d misses; want %d, %d", tc.line, h, m, tc.hits, tc.misses)
		}
	}
}

// A source of a STORE form that has expired is deleted (and its DEL logged)
// before the command, whose own entry follows, the two wrapped as one unit.
func TestZsetStoreExpiredSource(t *testing.T) {
	x := newTester(t)
	x.mustInt("ZADD src 1 a", 1)
	x.mustInt("PEXPIRE src 10", 1)
	x.mustInt("ZADD dst 1 a", 1)
	x.logged()
	x.advance(20)
	x.mustInt("ZUNIONSTORE dst 1 src", 0)
	x.mustLog("MULTI", "DEL src", "ZUNIONSTORE dst 1 src", "EXEC")
	x.mustInt("EXISTS dst", 0)
}

func TestZsetEncodingLimits(t *testing.T) {
	x := newTester(t)
	x.ks.Limits.ZSetMaxListpackEntries.Store(2)
	x.ks.Limits.ZSetMaxListpackValue.Store(3)
	x.mustInt("ZADD z 1 a 2 b", 2)
	x.mustBulk("OBJECT ENCODING z", "listpack")
	x.mustInt("ZADD z 3 c", 1)
	x.mustBulk("OBJECT ENCODING z", "skiplist")
	x.mustInt("ZREM z a b", 2)
	x.mustBulk("OBJECT ENCODING z", "skiplist")
	x.mustInt("ZADD y 1 abcd", 1)
	x.mustBulk("OBJECT ENCODING y", "skiplist")
	x.mustInt("ZUNIONSTORE u 1 z", 1)
	x.mustBulk("OBJECT ENCODING u", "listpack")
	x.mustInt("COPY z zc", 1)
	x.mustBulk("OBJECT ENCODING zc", "skiplist")
	x.expect("ZRANGE zc 0 -1 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n")
}

// ZSCAN of a skiplist keeps SCAN's guarantee: an element present for the
// whole scan is returned, however the set grows or shrinks between calls,
// and an unchanged set is returned exactly once.
func TestZscanGuarantee(t *testing.T) {
	x := newTester(t)
	x.ks.Limits.ZSetMaxListpackEntries.Store(0)
	const n = 2000
	var args strings.Builder
	for i := 0; i < n; i++ {
		args.WriteString(" " + strconv.Itoa(i) + " m" + strconv.Itoa(i))
	}
	x.do("ZADD z" + args.String())
	seen := x.zscanAll("z", nil)
	if len(seen) != n {
		t.Fatalf("a full scan saw %d members, want %d", len(seen), n)
	}
	for m, k := range seen {
		if k != 1 {
			t.Fatalf("%s returned %d times", m, k)
		}
	}
	// Now grow (forcing rehashes) and shrink while scanning.
	call := 0
	seen = x.zscanAll("z", func() {
		call++
		for j := 0; j < 40; j++ {
			x.do("ZADD z 1 extra" + strconv.Itoa(call*100+j))
		}
		if call == 20 {
			for j := 0; j < 2000; j++ {
				x.do("ZREM z extra" + strconv.Itoa(j))
			}
		}
	})
	for i := 0; i < n; i++ {
		if seen["m"+strconv.Itoa(i)] == 0 {
			t.Fatalf("m%d was never returned", i)
		}
	}
}

// zscanAll runs ZSCAN to the end and counts what it returns; between runs
// before each call after the first.
func (x *tester) zscanAll(key string, between func()) map[string]int {
	x.t.Helper()
	seen := map[string]int{}
	cursor := "0"
	for first := true; first || cursor != "0"; first = false {
		if !first && between != nil {
			between()
		}
		reply := x.do("ZSCAN " + key + " " + cursor + " COUNT 50")
		v, err := parseTestReply(reply)
		if err != nil {
			x.t.Fatalf("ZSCAN reply %q: %v", reply, err)
		}
		arr := v.([]any)
		cursor = arr[0].(string)
		elems := arr[1].([]any)
		for i := 0; i < len(elems); i += 2 {
			seen[elems[i].(string)]++
		}
	}
	return seen
}

// parseTestReply decodes a RESP2 reply of bulk strings and arrays.
func parseTestReply(s string) (any, error) {
	v, _, err := parseTestValue(s)
	return v, err
}

func parseTestValue(s string) (any, string, error) {
	i := strings.Index(s, "\r\n")
	if i < 0 {
		return nil, "", strconv.ErrSyntax
	}
	head, rest := s[:i], s[i+2:]
	n, err := strconv.Atoi(head[1:])
	if err != nil {
		return nil, "", err
	}
	switch head[0] {
	case '$':
		return rest[:n], rest[n+2:], nil
	case '*':
		out := make([]any, n)
		for k := range out {
			if out[k], rest, err = parseTestValue(rest); err != nil {
				return nil, "", err
			}
		}
		return out, rest, nil
	}
	return nil, "", strconv.ErrSyntax
}

// The commands against a model, on both encodings: random ZADD, ZREM,
// ZINCRBY and range removals, each compared with ZRANGE WITHSCORES.
func TestZsetCommandsModel(t *testing.T) {
	r := zsetRand(t)
	for _, entries := range []int64{128, 0} {
		x := newTester(t)
		x.ks.Limits.ZSetMaxListpackEntries.Store(entries)
		mo := zmodel{}
		for op := 0; op < 3000; op++ {
			m := "m" + strconv.Itoa(r.IntN(150))
			s := float64(r.IntN(40)) / 4
			switch r.IntN(6) {
			case 0, 1, 2:
				x.do("ZADD z " + strconv.FormatFloat(s, 'g', -1, 64) + " " + m)
				mo[m] = s
			case 3:
				x.do("ZREM z " + m)
				delete(mo, m)
			case 4:
				x.do("ZINCRBY z 0.25 " + m)
				mo[m] += 0.25
			case 5:
				lo := float64(r.IntN(40)) / 4
				x.do("ZREMRANGEBYSCORE z " + strconv.FormatFloat(lo, 'g', -1, 64) + " (" + strconv.FormatFloat(lo+0.5, 'g', -1, 64))
				for k, v := range mo {
					if v >= lo && v < lo+0.5 {
						delete(mo, k)
					}
				}
			}
			if op%50 == 0 {
				want := mo.sorted()
				var b strings.Builder
				b.WriteString("*" + strconv.Itoa(2*len(want)) + "\r\n")
				for _, p := range want {
					sc := string(proto.AppendFloat17(nil, p.s))
					b.WriteString("$" + strconv.Itoa(len(p.m)) + "\r\n" + p.m + "\r\n$" + strconv.Itoa(len(sc)) + "\r\n" + sc + "\r\n")
				}
				x.expect("ZRANGE z 0 -1 WITHSCORES", b.String())
			}
		}
	}
}

func TestZstrtod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"", 0, true}, {"1", 1, true}, {" 1", 1, true}, {"1 ", 0, false}, {" ", 0, false},
		{"-", 0, false}, {"+", 0, false}, {".", 0, false}, {"1.", 1, true}, {".5", 0.5, true},
		{"1e", 0, false}, {"1e5", 1e5, true}, {"1E-2", 0.01, true}, {"1e+", 0, false},
		{"inf", math.Inf(1), true}, {"-INFINITY", math.Inf(-1), true}, {"infin", 0, false},
		{"nan", 0, false}, {"0x10", 16, true}, {"0x", 0, false}, {"0x.8", 0.5, true},
		{"0x1p2", 4, true}, {"0x1p", 0, false}, {"1e400", math.Inf(1), true}, {"1e-400", 0, true},
		{"1_0", 0, false}, {"0x1g", 0, false},
	} {
		got, ok := zstrtod([]byte(tc.in))
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("zstrtod(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// --- allocations and benchmarks ----------------------------------------------

func zsetCtx() (*Ctx, *proto.Writer) {
	ks := NewKeyspace(1)
	w := &proto.Writer{}
	return &Ctx{W: w, DB: ks.DB(0), KS: ks, Stats: &Stats{}}, w
}

func zargv(line string) [][]byte {
	var argv [][]byte
	for _, f := range strings.Fields(line) {
		argv = append(argv, []byte(f))
	}
	return argv
}

func zrun(c *Ctx, w *proto.Writer, run func(*Ctx, [][]byte), argv [][]byte) {
	w.Buf = w.Buf[:0]
	c.Begin(argv, 1_700_000_000_000)
	run(c, argv)
}

// The hot paths allocate nothing: ZADD of a member already there (the
// redis-benchmark ZADD), a score change, ZADD+ZPOPMIN on a set that stays,
// and the reads.
func TestZsetHotPathAllocatesNothing(t *testing.T) {
	if raceEnabled() {
		t.Skip("-race allocates")
	}
	for _, entries := range []int64{128, 0} {
		c, w := zsetCtx()
		c.KS.Limits.ZSetMaxListpackEntries.Store(entries)
		var fill strings.Builder
		fill.WriteString("ZADD myzset")
		for i := 0; i < 100; i++ {
			fill.WriteString(" " + strconv.Itoa(i) + " element:" + strconv.Itoa(i))
		}
		zrun(c, w, cmdZadd, zargv(fill.String()))
		for _, tc := range []struct {
			name  string
			lines []string
			run   []func(*Ctx, [][]byte)
		}{
			{name: "ZADD same", lines: []string{"ZADD myzset 0 element:0"}, run: []func(*Ctx, [][]byte){cmdZadd}},
			{name: "ZADD move", lines: []string{"ZADD myzset 1000 element:5", "ZADD myzset 5 element:5"}, run: []func(*Ctx, [][]byte){cmdZadd, cmdZadd}},
			{name: "ZINCRBY", lines: []string{"ZINCRBY myzset 1 element:7"}, run: []func(*Ctx, [][]byte){cmdZincrby}},
			{name: "ZADD+ZPOPMIN", lines: []string{"ZADD myzset -1 element:new", "ZPOPMIN myzset"}, run: []func(*Ctx, [][]byte){cmdZadd, cmdZpopmin}},
			{name: "ZSCORE", lines: []string{"ZSCORE myzset element:50"}, run: []func(*Ctx, [][]byte){cmdZscore}},
			{name: "ZRANK", lines: []string{"ZRANK myzset element:50"}, run: []func(*Ctx, [][]byte){cmdZrank}},
			{name: "ZCARD", lines: []string{"ZCARD myzset"}, run: []func(*Ctx, [][]byte){cmdZcard}},
			{name: "ZRANGE", lines: []string{"ZRANGE myzset 0 49 WITHSCORES"}, run: []func(*Ctx, [][]byte){cmdZrange}},
			{name: "ZRANGEBYSCORE", lines: []string{"ZRANGEBYSCORE myzset (10 60 LIMIT 5 20"}, run: []func(*Ctx, [][]byte){cmdZrangebyscore}},
			{name: "ZCOUNT", lines: []string{"ZCOUNT myzset 10 (60"}, run: []func(*Ctx, [][]byte){cmdZcount}},
			{name: "ZPOPMIN missing", lines: []string{"ZPOPMIN nokey"}, run: []func(*Ctx, [][]byte){cmdZpopmin}},
		} {
			argvs := make([][][]byte, len(tc.lines))
			for i, l := range tc.lines {
				argvs[i] = zargv(l)
			}
			allocs := testing.AllocsPerRun(200, func() {
				for i, argv := range argvs {
					zrun(c, w, tc.run[i], argv)
				}
			})
			if allocs != 0 {
				t.Errorf("%s (zset-max-listpack-entries %d): %v allocations per run, want 0", tc.name, entries, allocs)
			}
		}
	}
}

func benchZset(b *testing.B, entries int64, size int, lines []string, run []func(*Ctx, [][]byte)) {
	c, w := zsetCtx()
	c.KS.Limits.ZSetMaxListpackEntries.Store(entries)
	if size > 0 {
		var fill strings.Builder
		fill.WriteString("ZADD myzset")
		for i := 0; i < size; i++ {
			fill.WriteString(" " + strconv.Itoa(i) + " element:" + strconv.Itoa(i))
		}
		zrun(c, w, cmdZadd, zargv(fill.String()))
	}
	argvs := make([][][]byte, len(lines))
	for i, l := range lines {
		argvs[i] = zargv(l)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, argv := range argvs {
			zrun(c, w, run[i], argv)
		}
	}
}

// redis-benchmark's ZADD: "ZADD myzset 0 element:__rand_int__", the same
// member every time without -r.
func BenchmarkZaddSame(b *testing.B) {
	benchZset(b, 128, 1, []string{"ZADD myzset 0 element:0"}, []func(*Ctx, [][]byte){cmdZadd})
}

// BenchmarkZpopmin times redis-benchmark's ZPOPMIN with an element added back
// each time, so the set neither empties nor grows.
func BenchmarkZpopmin(b *testing.B) {
	benchZset(b, 128, 1, []string{"ZADD myzset -1 element:x", "ZPOPMIN myzset"}, []func(*Ctx, [][]byte){cmdZadd, cmdZpopmin})
}

func BenchmarkZpopminSkiplist(b *testing.B) {
	benchZset(b, 0, 10000, []string{"ZADD myzset -1 element:x", "ZPOPMIN myzset"}, []func(*Ctx, [][]byte){cmdZadd, cmdZpopmin})
}

// BenchmarkZaddNew grows one set with a new member per operation (the -r
// form of redis-benchmark's ZADD).
func BenchmarkZaddNew(b *testing.B) {
	c, w := zsetCtx()
	argv := zargv("ZADD myzset 0 element:000000000000")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := strconv.AppendInt(argv[2][:0], int64(i*7919%1000003), 10)
		argv[2] = s
		m := strconv.AppendInt(argv[3][:8], int64(i), 10)
		argv[3] = m
		zrun(c, w, cmdZadd, argv)
		i++
	}
}

func BenchmarkZscoreSkiplist(b *testing.B) {
	benchZset(b, 0, 100000, []string{"ZSCORE myzset element:54321"}, []func(*Ctx, [][]byte){cmdZscore})
}

func BenchmarkZrankSkiplist(b *testing.B) {
	benchZset(b, 0, 100000, []string{"ZRANK myzset element:54321"}, []func(*Ctx, [][]byte){cmdZrank})
}

func BenchmarkZincrbySkiplist(b *testing.B) {
	benchZset(b, 0, 100000, []string{"ZINCRBY myzset 1 element:54321"}, []func(*Ctx, [][]byte){cmdZincrby})
}

func BenchmarkZrange100(b *testing.B) {
	benchZset(b, 128, 120, []string{"ZRANGE myzset 0 99 WITHSCORES"}, []func(*Ctx, [][]byte){cmdZrange})
}

func BenchmarkZrange100Skiplist(b *testing.B) {
	benchZset(b, 0, 100000, []string{"ZRANGE myzset 5000 5099 WITHSCORES"}, []func(*Ctx, [][]byte){cmdZrange})
}

// The memory of a big set per element, to compare with Redis's (about 120
// bytes for a 16-byte member in its skiplist encoding).
func TestZsetMemoryPerElement(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	b := newZbig(0)
	const n = 200000
	for i := 0; i < n; i++ {
		b.insert([]byte("member:"+strconv.Itoa(1000000000+i)), float64(i*7919%n))
	}
	bytes := zbigBytes(b)
	per := float64(bytes) / n
	t.Logf("%d elements with 17-byte members: %.1f bytes each", n, per)
	if per > 100 {
		t.Errorf("%.1f bytes per element, want under 100", per)
	}
}

// zbigBytes adds up what a zbig holds allocated.
func zbigBytes(b *zbig) int {
	n := cap(b.els)*24 + cap(b.dict.tab[0])*4 + cap(b.dict.tab[1])*4
	for _, ch := range b.mem.chunks {
		n += cap(ch)
	}
	for _, h := range b.mem.huge {
		n += cap(h)
	}
	leaves := 0
	for l := b.tree.head; l != nil; l = l.next {
		leaves++
	}
	inners := leaves/(zInnerCap/2) + 1 // at most: half-full inner nodes
	return n + leaves*1024 + inners*2048
}
