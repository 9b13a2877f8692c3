package aof

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"redis-fast/db"
	"redis-fast/persistence"
	"redis-fast/persistence/memfs"
	"redis-fast/proto"
)

var seedFlag = flag.Uint64("seed", 0, "random seed (0: a new one each run)")

// testSeed returns the seed of a randomized test and logs it.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -seed %d)", s, s)
	return s
}

// The AOF directory and appendfilename of the tests.
const (
	testDir    = "/data/appendonlydir"
	testPrefix = "appendonly.aof"
)

// frame is argv as one RESP command.
func frame(argv ...string) []byte {
	args := make([][]byte, len(argv))
	for i, a := range argv {
		args[i] = []byte(a)
	}
	return appendFrame(nil, args...)
}

// frames concatenates commands.
func frames(cmds ...[]string) []byte {
	var b []byte
	for _, c := range cmds {
		b = append(b, frame(c...)...)
	}
	return b
}

// machine runs commands against a keyspace the way the server's dispatch
// does for the commands these tests use: it locks the keys' shards,
// preserves them for a running snapshot, runs the handler and logs the
// change while the locks are held. SELECT, MULTI and EXEC, which are the
// server's, are handled here: a transaction is queued and run at EXEC.
type machine struct {
	ks    *db.Keyspace
	ctx   *db.Ctx
	table map[string]*db.Command
	now   int64
	multi [][][]byte // queued commands; nil outside MULTI
	inTx  bool
}

func newMachine(ks *db.Keyspace) *machine {
	m := &machine{ks: ks, table: map[string]*db.Command{}, now: 1_700_000_000_000}
	m.ctx = &db.Ctx{W: &proto.Writer{}, DB: ks.DB(0), KS: ks, Stats: &db.Stats{}}
	for _, group := range db.Groups() {
		for i := range group {
			m.table[group[i].Name] = &group[i]
		}
	}
	return m
}

// exec runs one command, as the AOF loader's Exec does. Replies are dropped.
func (m *machine) exec(argv [][]byte) error {
	name := strings.ToLower(string(argv[0]))
	switch {
	case name == "select":
		n, err := strconv.Atoi(string(argv[1]))
		if err != nil || n < 0 || n >= m.ks.Len() {
			return fmt.Errorf("bad SELECT %q", argv[1])
		}
		m.ctx.DB = m.ks.DB(n)
		return nil
	case name == "multi":
		m.multi = [][][]byte{}
		return nil
	case name == "exec":
		queued := m.multi
		m.multi = nil
		for _, q := range queued {
			if err := m.run(q); err != nil {
				return err
			}
		}
		return nil
	case m.multi != nil:
		m.multi = append(m.multi, cloneArgv(argv))
		return nil
	}
	return m.run(argv)
}

func (m *machine) run(argv [][]byte) error {
	cmd := m.table[strings.ToLower(string(argv[0]))]
	if cmd == nil {
		return fmt.Errorf("unknown command %q", argv[0])
	}
	if cmd.Arity > 0 && len(argv) != cmd.Arity || len(argv) < -cmd.Arity {
		return fmt.Errorf("wrong number of arguments for %q", argv[0])
	}
	idx := cmd.KeyIndexes(nil, argv)
	var mask uint64
	for _, i := range idx {
		mask |= db.ShardMask(argv[i])
	}
	d := m.ctx.DB
	d.Lock(mask, true)
	m.ks.Preserve(d, argv, idx)
	m.ctx.SetKeyHash(nil, 0)
	m.ctx.Begin(argv, m.now)
	cmd.Run(m.ctx, argv)
	m.ctx.FlushLog()
	d.Unlock(mask, true)
	m.ctx.W.Buf = m.ctx.W.Buf[:0]
	return nil
}

// do runs a command given as strings and returns the log offset just past
// the last change the machine logged.
func (m *machine) do(argv ...string) int64 {
	args := make([][]byte, len(argv))
	for i, a := range argv {
		args[i] = []byte(a)
	}
	if err := m.exec(args); err != nil {
		panic(err)
	}
	return m.ctx.LogOffset
}

func cloneArgv(argv [][]byte) [][]byte {
	c := make([][]byte, len(argv))
	for i, a := range argv {
		c[i] = slices.Clone(a)
	}
	return c
}

// dump renders a keyspace canonically, one line per key, sorted: database,
// key, type, expiry and value (sets and hashes sorted).
func dump(t testing.TB, ks *db.Keyspace) string {
	t.Helper()
	snap, err := ks.BeginSnapshot(1_700_000_000_000, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	err = snap.Each(func(d *db.DB, key string, o *db.Object, exp int64) error {
		var parts []string
		switch o.Type() {
		case db.TypeString:
			parts = append(parts, string(o.Str()))
		case db.TypeList:
			o.EachList(func(e []byte) bool { parts = append(parts, string(e)); return true })
		case db.TypeSet:
			o.EachSet(func(e []byte) bool { parts = append(parts, string(e)); return true })
			sort.Strings(parts)
		case db.TypeHash:
			o.EachHash(func(f, v []byte) bool { parts = append(parts, string(f)+"="+string(v)); return true })
			sort.Strings(parts)
		case db.TypeZSet:
			o.EachZSet(func(m []byte, s float64) bool {
				parts = append(parts, string(m)+"@"+strconv.FormatFloat(s, 'g', -1, 64))
				return true
			})
		}
		lines = append(lines, fmt.Sprintf("%d %s %s exp=%d %q", d.ID, key, o.Type(), exp, parts))
		return nil
	}, func() error { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// workload produces a deterministic stream of write commands over a small
// set of keys, in two databases, of every type.
type workload struct {
	rnd *rand.Rand
	i   int
}

func newWorkload(seed uint64) *workload {
	return &workload{rnd: rand.New(rand.NewPCG(seed, 1))}
}

func (w *workload) next() []string {
	w.i++
	i, r := strconv.Itoa(w.i), w.rnd.IntN(1000)
	switch w.rnd.IntN(12) {
	case 0:
		return []string{"SELECT", strconv.Itoa(r % 2)}
	case 1, 2:
		return []string{"SET", "k:" + strconv.Itoa(r%40), "v" + i}
	case 3:
		return []string{"INCR", "n:" + strconv.Itoa(r%5)}
	case 4, 5:
		return []string{"RPUSH", "l:" + strconv.Itoa(r%5), i}
	case 6:
		return []string{"LPOP", "l:" + strconv.Itoa(r%5)}
	case 7:
		return []string{"HSET", "h:" + strconv.Itoa(r%5), "f" + strconv.Itoa(r%7), i}
	case 8:
		return []string{"SADD", "s:" + strconv.Itoa(r%5), "m" + strconv.Itoa(r%30)}
	case 9:
		return []string{"ZADD", "z:" + strconv.Itoa(r%3), i, "m" + strconv.Itoa(r%10)}
	case 10:
		return []string{"DEL", "k:" + strconv.Itoa(r%40)}
	}
	return []string{"APPEND", "a:" + strconv.Itoa(r%4), "x" + i}
}

// history is the commands a producer ran, in order, with the log offset
// each had reached once it ran (the offset an fsync must cover for it to
// be durable).
type history struct {
	cmds [][]string
	offs []int64
}

// syncedPrefix returns how many of the first n commands an fsync up to
// offset covers.
func (h *history) syncedPrefix(n int, offset int64) int {
	return sort.Search(n, func(i int) bool { return h.offs[i] > offset })
}

// recoveredPrefix finds the k in [lo, hi] such that the first k commands
// of h, run on a fresh keyspace, give the state got; it returns -1 when
// none does. base is the state the commands start from (the dataset
// before the first of them), as commands to run first.
func recoveredPrefix(t testing.TB, base [][]string, h *history, lo, hi int, got string) int {
	t.Helper()
	model := newMachine(db.NewKeyspace(16))
	for _, c := range base {
		model.do(c...)
	}
	for _, c := range h.cmds[:lo] {
		model.do(c...)
	}
	best, bestK, bestDump := -1, lo, ""
	for k := lo; ; k++ {
		d := dump(t, model.ks)
		if d == got {
			return k
		}
		if n := diffLines(d, got); best < 0 || n < best {
			best, bestK = n, k
			bestDump = d
		}
		if k == hi {
			t.Logf("the closest prefix is %d commands: %d lines differ:\n%s", bestK, best, showDiff(bestDump, got))
			return -1
		}
		model.do(h.cmds[k]...)
	}
}

// diffLines counts the lines of a and b that the other lacks.
func diffLines(a, b string) int {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	n := 0
	for _, c := range count {
		n += max(c, -c)
	}
	return n
}

// loadInto loads the AOF of fsys into a fresh keyspace.
func newKS() *db.Keyspace { return db.NewKeyspace(16) }

func loadInto(fsys persistence.FS, truncated bool) (*db.Keyspace, *Manifest, error) {
	ks := db.NewKeyspace(16)
	m := newMachine(ks)
	man, err := Load(LoadConfig{
		FS: fsys, Dir: testDir, Prefix: testPrefix,
		Exec:      m.exec,
		LoadRDB:   func(io.Reader) error { return fmt.Errorf("no RDB loader in these tests") },
		Truncated: truncated,
	})
	return ks, man, err
}

// writeAOF lays out an AOF directory: the manifest text and the files.
func writeAOF(t testing.TB, fsys *memfs.FS, manifest string, files map[string][]byte) {
	t.Helper()
	if err := fsys.WriteFile(filepath.Join(testDir, manifestName(testPrefix)), []byte(manifest)); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := fsys.WriteFile(filepath.Join(testDir, name), data); err != nil {
			t.Fatal(err)
		}
	}
}

// showDiff lists the lines only want has (-) and only got has (+).
func showDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for l := range w {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range g {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][2:] < out[j][2:] })
	return strings.Join(out, "\n")
}
