package db

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"redis-fast/proto"
)

func TestListPushPop(t *testing.T) {
	x := newTester(t)
	x.mustInt("LPUSH l a b c", 3)
	x.mustInt("RPUSH l d", 4)
	x.expect("LRANGE l 0 -1", "*4\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nd\r\n")
	x.mustInt("LPUSHX nokey a", 0)
	x.mustInt("RPUSHX nokey a", 0)
	x.mustInt("EXISTS nokey", 0)
	x.mustBulk("LPOP l", "c")
	x.mustBulk("RPOP l", "d")
	x.expect("RPOP l 5", "*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	x.mustInt("EXISTS l", 0)
	x.mustNil("LPOP l")
	x.expect("LPOP l 1", "*-1\r\n")
	x.mustErr("LPOP l -1", msgListPositive)
	x.mustErr("LPOP l x", msgListPositive)
	x.mustErr("LPOP l 1 2", "ERR wrong number of arguments for 'lpop' command")
	x.mustErr("RPOP l 1 2", "ERR wrong number of arguments for 'rpop' command")
	x.w.RESP3 = true
	x.expect("LPOP l", "_\r\n")
	x.expect("LPOP l 2", "_\r\n")
	x.w.RESP3 = false
	x.mustOK("SET s v")
	for _, line := range []string{"LPUSH s a", "RPUSHX s a", "LPOP s", "RPOP s 0", "LLEN s", "LRANGE s 0 1", "LINDEX s 0"} {
		x.mustErr(line, msgWrongType)
	}
	x.mustErr("LPOP s x", msgListPositive) // the count is checked before the key
}

// The write log receives what Redis 7.0 propagates, and nothing for a
// command that changed nothing; the dirty counter counts elements.
func TestListPropagation(t *testing.T) {
	x := newTester(t)
	x.logged()
	for _, tc := range []struct {
		line  string
		log   []string
		dirty int64
	}{
		{line: "RPUSH l a b c d e f", log: []string{"SELECT 0", "RPUSH l a b c d e f"}, dirty: 6},
		{line: "LPUSHX nokey a"},
		{line: "LPOP l 0"},
		{line: "LPOP l 2", log: []string{"LPOP l 2"}, dirty: 2},
		{line: "RPOP l", log: []string{"RPOP l"}, dirty: 1},
		{line: "LTRIM l 0 -1"},
		{line: "LTRIM l 1 -1", log: []string{"LTRIM l 1 -1"}, dirty: 1},
		{line: "LREM l 0 zzz"},
		{line: "LINSERT l BEFORE zzz a"},
		{line: "LINSERT l BEFORE d a", log: []string{"LINSERT l BEFORE d a"}, dirty: 1},
		{line: "LSET l 0 x", log: []string{"LSET l 0 x"}, dirty: 1},
		{line: "LSET l 100 x"},
		{line: "RPUSH l a a", log: []string{"RPUSH l a a"}, dirty: 2},
		{line: "LREM l 0 a", log: []string{"LREM l 0 a"}, dirty: 2},
		{line: "LMOVE l m LEFT RIGHT", log: []string{"LMOVE l m LEFT RIGHT"}, dirty: 1},
		{line: "RPOPLPUSH nokey m"},
		{line: "LMPOP 2 nokey l RIGHT COUNT 5", log: []string{"RPOP l 2"}, dirty: 2},
		{line: "LMPOP 2 nokey l RIGHT COUNT 5"},
		{line: "LMPOP 1 m left", log: []string{"LPOP m 1"}, dirty: 1},
		{line: "LRANGE m 0 -1"},
	} {
		d0 := x.stats.Dirty.Load()
		x.do(tc.line)
		x.mustLog(tc.log...)
		if d := x.stats.Dirty.Load() - d0; d != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.line, d, tc.dirty)
		}
	}
	if n := len(x.ks.DB(0).shards); n == 0 || x.do("EXISTS l m") != ":0\r\n" {
		t.Errorf("emptied lists were not deleted")
	}
}

// A write to an expired list deletes it first, logging a DEL, as Redis's
// lookupKeyWrite does.
func TestListExpired(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l a b", 2)
	x.mustInt("PEXPIRE l 100", 1)
	x.advance(101)
	x.logged()
	x.mustInt("LPUSHX l c", 0)
	x.mustLog("DEL l")
	x.mustInt("RPUSH l2 a", 1)
	x.mustInt("PEXPIRE l2 100", 1)
	x.advance(101)
	x.logged()
	x.mustInt("LLEN l2", 0)
	x.mustLog("DEL l2") // reclaimed after the command
}

func TestServeListPop(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l a b c", 3)
	x.mustOK("SET s v")
	x.logged()
	run := func(key string, left bool, count int64) (ListServe, string) {
		d := x.ctx.DB
		d.Lock(EveryShard, true)
		defer d.Unlock(EveryShard, true)
		x.w.Buf = x.w.Buf[:0]
		x.ctx.Begin(nil, x.now)
		r := ServeListPop(&x.ctx, []byte(key), left, count)
		x.ctx.FlushLog()
		return r, string(x.w.Buf)
	}
	for _, tc := range []struct {
		key   string
		left  bool
		count int64
		r     ListServe
		reply string
		log   []string
	}{
		{key: "nokey", left: true, r: ListMissing},
		{key: "s", left: true, r: ListWrongType, reply: "-" + msgWrongType + "\r\n"},
		{key: "l", left: true, r: ListServed, reply: "*2\r\n$1\r\nl\r\n$1\r\na\r\n", log: []string{"LPOP l"}},
		{key: "l", left: false, r: ListServed, reply: "*2\r\n$1\r\nl\r\n$1\r\nc\r\n", log: []string{"RPOP l"}},
		{key: "l", left: false, count: 10, r: ListServed, reply: "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nb\r\n", log: []string{"RPOP l 1"}},
		{key: "l", left: true, count: 1, r: ListMissing},
	} {
		r, reply := run(tc.key, tc.left, tc.count)
		if r != tc.r || reply != tc.reply {
			t.Errorf("ServeListPop(%s, %v, %d) = %d %q, want %d %q", tc.key, tc.left, tc.count, r, reply, tc.r, tc.reply)
		}
		x.mustLog(tc.log...)
	}
}

func TestServeListMove(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l a b c", 3)
	x.mustOK("SET s v")
	x.logged()
	run := func(src, dst string, fromLeft, toLeft, rpoplpush bool) (ListServe, string) {
		d := x.ctx.DB
		d.Lock(EveryShard, true)
		defer d.Unlock(EveryShard, true)
		x.w.Buf = x.w.Buf[:0]
		x.ctx.Begin(nil, x.now)
		r := ServeListMove(&x.ctx, []byte(src), []byte(dst), fromLeft, toLeft, rpoplpush)
		x.ctx.FlushLog()
		return r, string(x.w.Buf)
	}
	r, reply := run("nokey", "l", true, true, false)
	if r != ListMissing || reply != "" {
		t.Errorf("missing source: %d %q", r, reply)
	}
	r, reply = run("l", "s", true, true, false)
	if r != ListWrongType || reply != "-"+msgWrongType+"\r\n" {
		t.Errorf("string destination: %d %q", r, reply)
	}
	r, reply = run("l", "m", true, false, false)
	if r != ListServed || reply != "$1\r\na\r\n" {
		t.Errorf("move: %d %q", r, reply)
	}
	x.mustLog("LMOVE l m left right")
	r, _ = run("l", "m", false, true, true)
	if r != ListServed {
		t.Errorf("rpoplpush: %d", r)
	}
	x.mustLog("RPOPLPUSH l m")
	x.expect("LRANGE m 0 -1", "*2\r\n$1\r\nc\r\n$1\r\na\r\n")
}

// Pushed elements are copies: the command's arguments alias a buffer that
// the next request overwrites.
func TestListCopiesArguments(t *testing.T) {
	x := newTester(t)
	buf := []byte("RPUSHkeyvalue1value2")
	argv := [][]byte{buf[0:5], buf[5:8], buf[8:14], buf[14:20]}
	d := x.ctx.DB
	d.Lock(EveryShard, true)
	x.ctx.Begin(argv, x.now)
	cmdRpush(&x.ctx, argv)
	d.Unlock(EveryShard, true)
	copy(buf, bytes.Repeat([]byte{'#'}, len(buf)))
	x.expect("LRANGE key 0 -1", "*2\r\n$6\r\nvalue1\r\n$6\r\nvalue2\r\n")
}

func TestListCopy(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l a b c", 3)
	x.mustInt("COPY l m", 1)
	x.mustInt("RPUSH m d", 4)
	x.mustInt("LLEN l", 3)
	x.mustBulk("OBJECT ENCODING m", "quicklist")
	x.expect("TYPE m", "+list\r\n")
}

// list-max-listpack-size applies to the lists created after it changes, as
// Redis's quicklist keeps the fill it was created with.
func TestListFillFixedAtCreation(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH old a", 1)
	x.ks.Limits.ListMaxListpackSize.Store(1)
	x.mustInt("RPUSH new a b c", 3)
	x.mustInt("RPUSH old b c", 3)
	x.ks.Limits.ListMaxListpackSize.Store(DefaultListMaxListpackSize)
	for key, nodes := range map[string]int32{"old": 1, "new": 3} {
		if l := (*List)(x.object(key).p); l.cnt != nodes {
			t.Errorf("%s: %d nodes, want %d", key, l.cnt, nodes)
		}
	}
}

func TestListKeyspaceHits(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l a", 1)
	for _, tc := range []struct {
		line         string
		hits, misses int64
	}{
		{line: "LLEN l", hits: 1},
		{line: "LRANGE nokey 0 1", misses: 1},
		{line: "LINDEX l 0", hits: 1},
		{line: "LPOS l a", hits: 1},
		{line: "RPUSH l b"},
		{line: "LPOP nokey"},
	} {
		h0, m0 := x.stats.Hits.Load(), x.stats.Misses.Load()
		x.do(tc.line)
		if h, m := x.stats.Hits.Load()-h0, x.stats.Misses.Load()-m0; h != tc.hits || m != tc.misses {
			t.Errorf("%s: %d hits, %d misses; want %d, %d", tc.line, h, m, tc.hits, tc.misses)
		}
	}
}

func TestMpopKeys(t *testing.T) {
	keys := MpopKeys(1)
	for _, tc := range []struct {
		line string
		want []int
	}{
		{line: "LMPOP 2 a b LEFT", want: []int{2, 3}},
		{line: "LMPOP 1 a LEFT COUNT 2", want: []int{2}},
		{line: "LMPOP 3 a b LEFT"},
		{line: "LMPOP 0 a LEFT"},
		{line: "LMPOP x a LEFT"},
		{line: "LMPOP 9223372036854775807 a LEFT"},
	} {
		got := keys(nil, bytes.Fields([]byte(tc.line)))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: keys %v, want %v", tc.line, got, tc.want)
		}
	}
}

// listCtx returns a bare context on a fresh keyspace, for allocation counts
// and benchmarks.
func listCtx() (*Ctx, *proto.Writer) {
	ks := NewKeyspace(1)
	w := &proto.Writer{}
	return &Ctx{W: w, DB: ks.DB(0), KS: ks, Stats: &Stats{}}, w
}

func argvOf(line string) [][]byte { return bytes.Fields([]byte(line)) }

// The hot list commands allocate nothing on an existing list once its end
// nodes have room.
func TestListHotPathAllocatesNothing(t *testing.T) {
	if raceEnabled() {
		t.Skip("-race allocates")
	}
	c, w := listCtx()
	seed := argvOf("RPUSH mylist " + strings.Repeat("xxx ", 1000))
	c.Begin(seed, 1_700_000_000_000)
	cmdRpush(c, seed)
	for _, tc := range []struct {
		name  string
		argvs [][][]byte
		run   []func(*Ctx, [][]byte)
	}{
		{name: "LPUSH+LPOP", argvs: [][][]byte{argvOf("LPUSH mylist xxx"), argvOf("LPOP mylist")}, run: []func(*Ctx, [][]byte){cmdLpush, cmdLpop}},
		{name: "RPUSH+RPOP", argvs: [][][]byte{argvOf("RPUSH mylist xxx"), argvOf("RPOP mylist")}, run: []func(*Ctx, [][]byte){cmdRpush, cmdRpop}},
		{name: "RPUSH+LPOP", argvs: [][][]byte{argvOf("RPUSH mylist xxx"), argvOf("LPOP mylist")}, run: []func(*Ctx, [][]byte){cmdRpush, cmdLpop}},
		{name: "LRANGE_100", argvs: [][][]byte{argvOf("LRANGE mylist 0 99")}, run: []func(*Ctx, [][]byte){cmdLrange}},
		{name: "LRANGE_600", argvs: [][][]byte{argvOf("LRANGE mylist 0 599")}, run: []func(*Ctx, [][]byte){cmdLrange}},
		{name: "LINDEX", argvs: [][][]byte{argvOf("LINDEX mylist 500")}, run: []func(*Ctx, [][]byte){cmdLindex}},
		{name: "LLEN", argvs: [][][]byte{argvOf("LLEN mylist")}, run: []func(*Ctx, [][]byte){cmdLlen}},
		{name: "LSET", argvs: [][][]byte{argvOf("LSET mylist 500 yyy")}, run: []func(*Ctx, [][]byte){cmdLset}},
	} {
		allocs := testing.AllocsPerRun(200, func() {
			for i, argv := range tc.argvs {
				w.Buf = w.Buf[:0]
				c.Begin(argv, 1_700_000_000_000)
				tc.run[i](c, argv)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, allocs)
		}
	}
}

func benchList(b *testing.B, setup string, line string, run func(*Ctx, [][]byte)) {
	c, w := listCtx()
	if setup != "" {
		argv := argvOf(setup)
		c.Begin(argv, 1_700_000_000_000)
		cmdRpush(c, argv)
	}
	argv := argvOf(line)
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(argv, 1_700_000_000_000)
		run(c, argv)
	}
}

// redis-benchmark's list tests: LPUSH/RPUSH grow one list, LPOP/RPOP drain
// it, LRANGE_n reads the first n of 600 (its "LPUSH mylist" fills it).
func BenchmarkLpush(b *testing.B) { benchList(b, "", "LPUSH mylist xxx", cmdLpush) }
func BenchmarkRpush(b *testing.B) { benchList(b, "", "RPUSH mylist xxx", cmdRpush) }

// BenchmarkLpop and BenchmarkRpop time a push and a pop at opposite ends
// of a list that keeps one element (so the key is never deleted).
func BenchmarkLpop(b *testing.B) {
	c, w := listCtx()
	push, pop := argvOf("RPUSH mylist xxx"), argvOf("LPOP mylist")
	c.Begin(push, 1_700_000_000_000)
	cmdRpush(c, push)
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(push, 1_700_000_000_000)
		cmdRpush(c, push)
		c.Begin(pop, 1_700_000_000_000)
		cmdLpop(c, pop)
	}
}

func BenchmarkRpop(b *testing.B) {
	c, w := listCtx()
	push, pop := argvOf("LPUSH mylist xxx"), argvOf("RPOP mylist")
	c.Begin(push, 1_700_000_000_000)
	cmdLpush(c, push)
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		c.Begin(push, 1_700_000_000_000)
		cmdLpush(c, push)
		c.Begin(pop, 1_700_000_000_000)
		cmdRpop(c, pop)
	}
}

var list600 = "RPUSH mylist " + strings.Repeat("xxx ", 600)

func BenchmarkLrange100(b *testing.B) { benchList(b, list600, "LRANGE mylist 0 99", cmdLrange) }
func BenchmarkLrange300(b *testing.B) { benchList(b, list600, "LRANGE mylist 0 299", cmdLrange) }
func BenchmarkLrange500(b *testing.B) { benchList(b, list600, "LRANGE mylist 0 499", cmdLrange) }
func BenchmarkLrange600(b *testing.B) { benchList(b, list600, "LRANGE mylist 0 599", cmdLrange) }
