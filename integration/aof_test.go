package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The append-only file, end to end: kill -9 under a write load, the
// documented outcomes of damaged files, and round trips with Redis's own
// tools and server.

// aofArgs are the flags of a server with the AOF on.
func aofArgs(fsync string, extra ...string) []string {
	return append([]string{"--appendonly", "yes", "--appendfsync", fsync}, extra...)
}

// aofDir is the AOF directory of a server started in dir.
func aofDir(dir string) string { return filepath.Join(dir, "appendonlydir") }

// manifestPath is the manifest of the AOF of a server started in dir.
func manifestPath(dir string) string { return filepath.Join(aofDir(dir), "appendonly.aof.manifest") }

// aofFiles reads the manifest of the AOF in dir: the base file, and the
// incremental files in order.
func aofFiles(t testing.TB, dir string) (base string, incrs []string) {
	t.Helper()
	b, err := os.ReadFile(manifestPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 || f[0] != "file" || f[4] != "type" {
			t.Fatalf("manifest line %q", line)
		}
		switch f[5] {
		case "b":
			base = f[1]
		case "i":
			incrs = append(incrs, f[1])
		}
	}
	return base, incrs
}

// checkAOF runs Redis's redis-check-aof on the manifest of the AOF in dir
// and fails the test unless it accepts every file.
func checkAOF(t testing.TB, dir string) {
	t.Helper()
	path, err := exec.LookPath("redis-check-aof")
	if err != nil {
		if os.Getenv("REQUIRE_REDIS") == "1" {
			t.Fatal("redis-check-aof is not on PATH (apt-get install -y redis-tools)")
		}
		t.Log("redis-check-aof is not on PATH: not checking the files with it")
		return
	}
	out, err := exec.Command(path, manifestPath(dir)).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("All AOF files and manifest are valid")) {
		t.Fatalf("redis-check-aof %s: %v\n%s", manifestPath(dir), err, out)
	}
}

// startRedisIn starts a real redis-server in dir with the AOF on, as the
// round trips need (the directory already holds an AOF, or will).
func startRedisIn(t testing.TB, dir string, extra ...string) *process {
	t.Helper()
	aof := []string{"appendonly yes", "appenddirname appendonlydir", "aof-use-rdb-preamble no"}
	return launchRedis(t, dir, append(aof, extra...)...)
}

// waitRewriteDone waits until the server reports no rewrite in progress
// and at least n rewrites done.
func waitRewriteDone(t testing.TB, addr string, n int64) {
	t.Helper()
	waitFor(t, "the AOF rewrite on "+addr+" has finished", func() (bool, string) {
		m := info(t, addr, "persistence")
		done, _ := strconv.ParseInt(m["aof_rewrites"], 10, 64)
		return m["aof_rewrite_in_progress"] == "0" && done >= n && m["aof_last_bgrewrite_status"] == "ok",
			fmt.Sprintf("aof_rewrite_in_progress:%s aof_rewrites:%s aof_last_bgrewrite_status:%s",
				m["aof_rewrite_in_progress"], m["aof_rewrites"], m["aof_last_bgrewrite_status"])
	})
}

// A model of what the crash tests' clients write. Each client has keys of
// its own, so its model is a plain sequential one: the acknowledged
// commands, then any prefix of those it sent and got no answer for.

// mval is one key's value and expiry (PEXPIRETIME: -1 for none).
type mval struct {
	typ  string
	str  string
	list []string
	hash map[string]string
	set  map[string]bool
	zset map[string]float64
	exp  int64
}

type kvModel map[string]*mval

func (m kvModel) clone() kvModel {
	c := kvModel{}
	for k, v := range m {
		w := *v
		w.list = append([]string(nil), v.list...)
		w.hash, w.set, w.zset = map[string]string{}, map[string]bool{}, map[string]float64{}
		for f, x := range v.hash {
			w.hash[f] = x
		}
		for s := range v.set {
			w.set[s] = true
		}
		for z, s := range v.zset {
			w.zset[z] = s
		}
		c[k] = &w
	}
	return c
}

// of returns key's value, created empty with type typ when missing.
func (m kvModel) of(key, typ string) *mval {
	v := m[key]
	if v == nil {
		v = &mval{typ: typ, exp: -1, hash: map[string]string{}, set: map[string]bool{}, zset: map[string]float64{}}
		m[key] = v
	}
	return v
}

// apply runs one command of the crash tests' vocabulary on the model.
func (m kvModel) apply(cmd []string) {
	if cmd[0] == "MULTI" || cmd[0] == "EXEC" {
		return
	}
	k := cmd[1]
	switch cmd[0] {
	case "SET":
		delete(m, k) // SET replaces the value and drops the expiry
		v := m.of(k, "string")
		v.str = cmd[2]
		if len(cmd) == 5 { // PXAT t
			v.exp, _ = strconv.ParseInt(cmd[4], 10, 64)
		}
	case "APPEND":
		m.of(k, "string").str += cmd[2]
	case "INCR":
		v := m.of(k, "string")
		n, _ := strconv.ParseInt(v.str, 10, 64)
		v.str = strconv.FormatInt(n+1, 10)
	case "INCRBYFLOAT":
		v := m.of(k, "string")
		f, _ := strconv.ParseFloat(v.str, 64)
		d, _ := strconv.ParseFloat(cmd[2], 64)
		v.str = strconv.FormatFloat(f+d, 'f', -1, 64)
	case "RPUSH":
		v := m.of(k, "list")
		v.list = append(v.list, cmd[2])
	case "LPOP":
		if v := m[k]; v != nil {
			if v.list = v.list[1:]; len(v.list) == 0 {
				delete(m, k)
			}
		}
	case "HSET":
		m.of(k, "hash").hash[cmd[2]] = cmd[3]
	case "HDEL":
		if v := m[k]; v != nil {
			if delete(v.hash, cmd[2]); len(v.hash) == 0 {
				delete(m, k)
			}
		}
	case "SADD":
		m.of(k, "set").set[cmd[2]] = true
	case "SREM":
		if v := m[k]; v != nil {
			if delete(v.set, cmd[2]); len(v.set) == 0 {
				delete(m, k)
			}
		}
	case "ZADD":
		s, _ := strconv.ParseFloat(cmd[2], 64)
		m.of(k, "zset").zset[cmd[3]] = s
	case "ZINCRBY":
		d, _ := strconv.ParseFloat(cmd[2], 64)
		m.of(k, "zset").zset[cmd[3]] += d
	case "DEL":
		delete(m, k)
	case "PEXPIREAT":
		if v := m[k]; v != nil {
			v.exp, _ = strconv.ParseInt(cmd[2], 10, 64)
		}
	case "PERSIST":
		if v := m[k]; v != nil {
			v.exp = -1
		}
	default:
		panic("the model does not know " + cmd[0])
	}
}

// render is the canonical text of key in the model ("none" when absent).
func (m kvModel) render(key string) string {
	v := m[key]
	if v == nil {
		return "none"
	}
	var parts []string
	switch v.typ {
	case "string":
		parts = []string{v.str}
	case "list":
		parts = v.list
	case "hash":
		for f, x := range v.hash {
			parts = append(parts, f+"="+x)
		}
		sort.Strings(parts)
	case "set":
		for s := range v.set {
			parts = append(parts, s)
		}
		sort.Strings(parts)
	case "zset":
		type zm struct {
			m string
			s float64
		}
		var zs []zm
		for z, s := range v.zset {
			zs = append(zs, zm{z, s})
		}
		sort.Slice(zs, func(i, j int) bool { return zs[i].s < zs[j].s || zs[i].s == zs[j].s && zs[i].m < zs[j].m })
		for _, z := range zs {
			parts = append(parts, z.m+"@"+strconv.FormatFloat(z.s, 'g', -1, 64))
		}
	}
	return fmt.Sprintf("%s exp=%d %q", v.typ, v.exp, parts)
}

// readKeys renders keys as the server holds them, the way kvModel.render
// does.
func readKeys(t testing.TB, c *redis.Client, keys []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	types := make([]*redis.StatusCmd, len(keys))
	exps := make([]*redis.Cmd, len(keys))
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			types[i] = p.Type(ctx, k)
			exps[i] = p.Do(ctx, "PEXPIRETIME", k)
		}
		return nil
	}); err != nil {
		t.Fatalf("reading the keys: %v", err)
	}
	contents := make([]redis.Cmder, len(keys))
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			switch types[i].Val() {
			case "string":
				contents[i] = p.Get(ctx, k)
			case "list":
				contents[i] = p.LRange(ctx, k, 0, -1)
			case "hash":
				contents[i] = p.HGetAll(ctx, k)
			case "set":
				contents[i] = p.SMembers(ctx, k)
			case "zset":
				contents[i] = p.ZRangeWithScores(ctx, k, 0, -1)
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("reading the keys: %v", err)
	}
	out := map[string]string{}
	for i, k := range keys {
		var parts []string
		switch c := contents[i].(type) {
		case nil:
			out[k] = "none"
			continue
		case *redis.StringCmd:
			parts = []string{c.Val()}
		case *redis.StringSliceCmd:
			parts = c.Val()
			if types[i].Val() == "set" {
				sort.Strings(parts)
			}
		case *redis.MapStringStringCmd:
			for f, x := range c.Val() {
				parts = append(parts, f+"="+x)
			}
			sort.Strings(parts)
		case *redis.ZSliceCmd:
			for _, z := range c.Val() {
				parts = append(parts, fmt.Sprint(z.Member)+"@"+strconv.FormatFloat(z.Score, 'g', -1, 64))
			}
		}
		if parts == nil {
			parts = []string{}
		}
		exp, _ := exps[i].Int64()
		out[k] = fmt.Sprintf("%s exp=%d %q", types[i].Val(), exp, parts)
	}
	return out
}

// crashClient is one connection of the crash test's write load, with the
// model of its keys (in its own database).
type crashClient struct {
	id    int
	db    int
	rng   *rand.Rand
	keys  []string
	model kvModel
	// after a kill: the operations sent and not (fully) answered, in order;
	// any prefix of them may have been applied.
	unsure [][][]string
	acked  atomic.Int64
	deadAt int64 // Unix ms after which expiries are set
}

func newCrashClient(id int, seed uint64, deadline int64) *crashClient {
	c := &crashClient{id: id, db: id % 2, rng: rand.New(rand.NewPCG(seed, uint64(id))), model: kvModel{}, deadAt: deadline}
	for _, spec := range []struct {
		prefix string
		n      int
	}{{"s:", 6}, {"n:", 3}, {"f:", 2}, {"l:", 4}, {"h:", 3}, {"S:", 3}, {"z:", 3}} {
		for i := 0; i < spec.n; i++ {
			c.keys = append(c.keys, fmt.Sprintf("c%d:%s%d", id, spec.prefix, i))
		}
	}
	return c
}

func (c *crashClient) key(prefix string, n int) string {
	return fmt.Sprintf("c%d:%s%d", c.id, prefix, c.rng.IntN(n))
}

// command returns one write of the client's vocabulary.
func (c *crashClient) command() []string {
	v := strconv.Itoa(c.rng.IntN(100000))
	at := strconv.FormatInt(c.deadAt+c.rng.Int64N(1e6), 10)
	switch c.rng.IntN(17) {
	case 0:
		return []string{"SET", c.key("s:", 6), v}
	case 1:
		return []string{"SET", c.key("s:", 6), v, "PXAT", at}
	case 2:
		return []string{"APPEND", c.key("s:", 6), "+" + v}
	case 3:
		return []string{"INCR", c.key("n:", 3)}
	case 4:
		return []string{"INCRBYFLOAT", c.key("f:", 2), "0.5"}
	case 5, 6:
		return []string{"RPUSH", c.key("l:", 4), v}
	case 7:
		return []string{"LPOP", c.key("l:", 4)}
	case 8:
		return []string{"HSET", c.key("h:", 3), "f" + strconv.Itoa(c.rng.IntN(5)), v}
	case 9:
		return []string{"HDEL", c.key("h:", 3), "f" + strconv.Itoa(c.rng.IntN(5))}
	case 10:
		return []string{"SADD", c.key("S:", 3), "m" + strconv.Itoa(c.rng.IntN(8))}
	case 11:
		return []string{"SREM", c.key("S:", 3), "m" + strconv.Itoa(c.rng.IntN(8))}
	case 12:
		return []string{"ZADD", c.key("z:", 3), strconv.Itoa(c.rng.IntN(50)), "m" + strconv.Itoa(c.rng.IntN(6))}
	case 13:
		return []string{"ZINCRBY", c.key("z:", 3), "1.5", "m" + strconv.Itoa(c.rng.IntN(6))}
	case 14:
		return []string{"DEL", c.keys[c.rng.IntN(len(c.keys))]}
	case 15:
		return []string{"PEXPIREAT", c.keys[c.rng.IntN(len(c.keys))], at}
	}
	return []string{"PERSIST", c.keys[c.rng.IntN(len(c.keys))]}
}

// op returns one operation: a command, or a transaction of a few.
func (c *crashClient) op() [][]string {
	if c.rng.IntN(8) > 0 {
		return [][]string{c.command()}
	}
	op := [][]string{{"MULTI"}}
	for range 2 + c.rng.IntN(3) {
		op = append(op, c.command())
	}
	return append(op, []string{"EXEC"})
}

// run writes until the connection breaks (the server was killed) or stop
// is closed, pipelining a few operations at a time. Operations whose
// replies all came back are applied to the model; those sent and not
// fully answered are left in unsure. An unexpected reply is returned as an
// error.
func (c *crashClient) run(addr string, stop <-chan struct{}) error {
	// A kill may come before the client is even connected: then it has
	// nothing in flight.
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write(encodeCommand("SELECT", strconv.Itoa(c.db))); err != nil {
		return nil
	}
	if reply, err := readReply(r); err != nil {
		return nil
	} else if string(reply) != "+OK\r\n" {
		return fmt.Errorf("client %d: SELECT: %q", c.id, reply)
	}
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		batch := make([][][]string, 1+c.rng.IntN(4))
		var wire []byte
		for i := range batch {
			batch[i] = c.op()
			for _, cmd := range batch[i] {
				wire = append(wire, encodeCommand(cmd...)...)
			}
		}
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := conn.Write(wire); err != nil {
			c.unsure = batch
			return nil
		}
		for i, op := range batch {
			for _, cmd := range op {
				reply, err := readReply(r)
				if err != nil {
					c.unsure = batch[i:]
					return nil
				}
				if reply[0] == '-' {
					return fmt.Errorf("client %d: %v: %q", c.id, cmd, reply)
				}
			}
			for _, cmd := range op {
				c.model.apply(cmd)
			}
			c.acked.Add(1)
		}
	}
}

// settle checks, after a restart, that the server holds the client's
// acknowledged operations and some prefix of the unanswered ones, and
// makes the model that state.
func (c *crashClient) settle(t testing.TB, addr string) {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: addr, DB: c.db, Protocol: 2})
	defer rc.Close()
	got := readKeys(t, rc, c.keys)
	candidate := c.model.clone()
	for j := 0; ; j++ {
		if sameKeys(c.keys, candidate, got) {
			c.model = candidate
			c.unsure = nil
			return
		}
		if j == len(c.unsure) {
			break
		}
		for _, cmd := range c.unsure[j] {
			candidate.apply(cmd)
		}
	}
	var diffs []string
	for _, k := range c.keys {
		if w := c.model.render(k); got[k] != w {
			diffs = append(diffs, fmt.Sprintf("%s: server %s, acknowledged %s", k, got[k], w))
		}
	}
	t.Fatalf("client %d: the server's keys are not its %d acknowledged operations plus a prefix of the %d unanswered %v:\n  %s",
		c.id, c.acked.Load(), len(c.unsure), c.unsure, strings.Join(diffs, "\n  "))
}

func sameKeys(keys []string, m kvModel, got map[string]string) bool {
	for _, k := range keys {
		if m.render(k) != got[k] {
			return false
		}
	}
	return true
}

// TestAOFCrashAlways kills the server with SIGKILL at random moments, also
// in the middle of a rewrite, while several clients write under
// appendfsync always, and restarts it on the same directory each time:
// every acknowledged write must be there, and the dataset must be exactly
// the acknowledged writes plus some of those in flight.
func TestAOFCrashAlways(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	deadline := time.Now().Add(time.Hour).UnixMilli()
	clients := make([]*crashClient, 4)
	for i := range clients {
		clients[i] = newCrashClient(i, seed, deadline)
	}
	// A bulk of keys nobody changes makes a rewrite take long enough to be
	// killed in the middle of.
	const bulk = 40000
	const rounds = 24
	midRewrite := 0
	for round := 0; round < rounds; round++ {
		preamble := []string{"no", "yes"}[round%2]
		p := startServerIn(t, dir, aofArgs("always", "--aof-use-rdb-preamble", preamble)...)
		if round == 0 {
			fillBulk(t, p.Addr(), bulk)
		} else {
			for _, c := range clients {
				c.settle(t, p.Addr())
			}
			checkBulk(t, p.Addr(), bulk, clients, rng)
			checkAOF(t, dir)
		}
		stop := make(chan struct{})
		errs := make(chan error, len(clients))
		for _, c := range clients {
			go func(c *crashClient) { errs <- c.run(p.Addr(), stop) }(c)
		}
		target := int64(50 + rng.IntN(400))
		eventually(t, "the clients have written", func() bool {
			var n int64
			for _, c := range clients {
				n += c.acked.Load()
			}
			return n >= target
		})
		if round%3 == 2 {
			// Kill while a rewrite writes the new base.
			ctl := dialRaw(t, p.Addr())
			if got := ctl.Do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
				t.Fatalf("BGREWRITEAOF: %q", got)
			}
			if strings.Contains(ctl.Do("INFO", "persistence"), "aof_rewrite_in_progress:1") {
				midRewrite++
			}
		}
		p.Kill()
		close(stop)
		for range clients {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	p := startServerIn(t, dir, aofArgs("always")...)
	for _, c := range clients {
		c.settle(t, p.Addr())
	}
	checkBulk(t, p.Addr(), bulk, clients, rng)
	checkAOF(t, dir)
	t.Logf("%d kills, %d of them while a rewrite was in progress", rounds, midRewrite)
	if midRewrite == 0 {
		t.Errorf("no kill landed in the middle of a rewrite")
	}
}

// fillBulk loads n keys bulk:<i> = value(i) into database 0.
func fillBulk(t testing.TB, addr string, n int) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	ctx := context.Background()
	for i := 0; i < n; i += 1000 {
		if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j := i; j < min(i+1000, n); j++ {
				p.Set(ctx, "bulk:"+strconv.Itoa(j), bulkValue(j), 0)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func bulkValue(i int) string { return strings.Repeat(strconv.Itoa(i%10), 100) }

// checkBulk checks the size of database 0 and a sample of the bulk keys.
func checkBulk(t testing.TB, addr string, n int, clients []*crashClient, rng *rand.Rand) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	ctx := context.Background()
	want := int64(n)
	for _, cl := range clients {
		if cl.db == 0 {
			want += int64(len(cl.model))
		}
	}
	if got, err := c.DBSize(ctx).Result(); err != nil || got != want {
		t.Fatalf("DBSIZE = %d, %v; want %d", got, err, want)
	}
	for range 50 {
		i := rng.IntN(n)
		if got, err := c.Get(ctx, "bulk:"+strconv.Itoa(i)).Result(); err != nil || got != bulkValue(i) {
			t.Fatalf("GET bulk:%d = %q, %v", i, got, err)
		}
	}
}

// TestAOFCrashEverysec: with appendfsync everysec, the acknowledged writes
// a kill -9 loses are at most those of the last two seconds or so (Redis's
// promise: a second of writes, two when a fsync is slow).
func TestAOFCrashEverysec(t *testing.T) {
	dir := t.TempDir()
	p := startServerIn(t, dir, aofArgs("everysec")...)
	const clients = 4
	type ack struct {
		n  int
		at time.Time
	}
	acks := make([][]ack, clients)
	sent := make([]int, clients)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
			if err != nil {
				return
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			key := "seq:" + strconv.Itoa(i)
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				sent[i] = n
				if _, err := conn.Write(encodeCommand("RPUSH", key, strconv.Itoa(n))); err != nil {
					return
				}
				reply, err := readReply(r)
				if err != nil {
					return
				}
				if string(reply) != ":"+strconv.Itoa(n)+"\r\n" {
					t.Errorf("RPUSH %s %d: %q", key, n, reply)
					return
				}
				acks[i] = append(acks[i], ack{n, time.Now()})
			}
		}(i)
	}
	// Three seconds of writes: everysec fsyncs a few times meanwhile.
	began := time.Now()
	eventually(t, "three seconds of writes have been acknowledged", func() bool {
		return time.Since(began) > 3*time.Second
	})
	p.Kill()
	killed := time.Now()
	close(stop)
	wg.Wait()

	p = startServerIn(t, dir, aofArgs("everysec")...)
	c := dialRaw(t, p.Addr())
	for i := range clients {
		key := "seq:" + strconv.Itoa(i)
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(c.Do("LLEN", key), ":"), "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if n > sent[i] {
			t.Errorf("%s holds %d elements, more than the %d sent", key, n, sent[i])
		}
		if n > 0 {
			if got := c.Do("LINDEX", key, "-1"); got != fmt.Sprintf("$%d\r\n%d\r\n", len(strconv.Itoa(n)), n) {
				t.Errorf("%s ends with %q, want %d: the survivors are not a prefix", key, got, n)
			}
		}
		lost := 0
		for _, a := range acks[i] {
			if a.n > n {
				lost++
				if age := killed.Sub(a.at); age > 2*time.Second {
					t.Errorf("%s: element %d, acknowledged %v before the kill, was lost", key, a.n, age.Round(time.Millisecond))
				}
			}
		}
		t.Logf("%s: %d acknowledged, %d survived, %d acknowledged ones lost", key, len(acks[i]), n, lost)
	}
}

// writeSmallAOF has redis-fast write an AOF in a fresh directory: a base
// with a and b, then an incremental file with l, c and last (its last
// command). It returns the directory, the incremental file's path, and
// where its last command begins.
func writeSmallAOF(t *testing.T) (dir, incr string, lastAt int) {
	t.Helper()
	dir = t.TempDir()
	p := startServerIn(t, dir, aofArgs("always", "--aof-use-rdb-preamble", "no")...)
	c := dialRaw(t, p.Addr())
	c.Do("SET", "a", "1")
	c.Do("HSET", "b", "f", "v")
	c.Do("BGREWRITEAOF")
	waitRewriteDone(t, p.Addr(), 1)
	c.Do("RPUSH", "l", "x", "y")
	c.Do("SET", "c", "3")
	_, incrs := aofFiles(t, dir)
	incr = filepath.Join(aofDir(dir), incrs[len(incrs)-1])
	st, err := os.Stat(incr)
	if err != nil {
		t.Fatal(err)
	}
	lastAt = int(st.Size())
	c.Do("SET", "last", "a value long enough to be cut")
	p.Stop()
	return dir, incr, lastAt
}

// startFails runs redis-fast on dir, which must refuse to start: it
// exits with an error, before accepting connections, and its log says
// each of want.
func startFails(t *testing.T, dir string, args []string, want ...string) {
	t.Helper()
	all := append([]string{"--port", strconv.Itoa(freePort(t)), "--dir", dir}, args...)
	out, err := runBinary(t, all...)
	if err == nil {
		t.Fatalf("redis-fast started (or did not exit) on a damaged AOF:\n%s", out)
	}
	if strings.Contains(out, "Ready to accept connections") {
		t.Errorf("redis-fast accepted connections before failing:\n%s", out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the log does not say %q:\n%s", w, out)
		}
	}
}

func TestAOFTruncatedLastCommand(t *testing.T) {
	dir, incr, lastAt := writeSmallAOF(t)
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	cut := data[:len(data)-7]
	if err := os.WriteFile(incr, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(incr)

	// aof-load-truncated no: refused, and the file is left as it was.
	startFails(t, dir, aofArgs("always", "--aof-load-truncated", "no"), name, "offset "+strconv.Itoa(lastAt))
	if now, _ := os.ReadFile(incr); !bytes.Equal(now, cut) {
		t.Errorf("a refused load changed %s", name)
	}

	// aof-load-truncated yes (Redis's default): loaded without the last
	// command, with a warning, and the file cut where that command began.
	p := startServerIn(t, dir, aofArgs("always")...)
	c := dialRaw(t, p.Addr())
	for _, tc := range []struct{ cmd, want []string }{
		{[]string{"GET", "a"}, []string{"$1\r\n1\r\n"}},
		{[]string{"HGET", "b", "f"}, []string{"$1\r\nv\r\n"}},
		{[]string{"LLEN", "l"}, []string{":2\r\n"}},
		{[]string{"GET", "c"}, []string{"$1\r\n3\r\n"}},
		{[]string{"EXISTS", "last"}, []string{":0\r\n"}},
	} {
		if got := c.Do(tc.cmd...); got != tc.want[0] {
			t.Errorf("%v = %q, want %q", tc.cmd, got, tc.want[0])
		}
	}
	if !strings.Contains(p.Log(), "short read while loading the AOF file "+name) {
		t.Errorf("no warning about the truncated file in the log:\n%s", p.Log())
	}
	if st, _ := os.Stat(incr); st.Size() != int64(lastAt) {
		t.Errorf("%s is %d bytes, want it cut to %d", name, st.Size(), lastAt)
	}
	c.Do("SET", "after", "1")
	p.Stop()
	checkAOF(t, dir)
}

func TestAOFGarbageInTheMiddle(t *testing.T) {
	dir, incr, lastAt := writeSmallAOF(t)
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	damaged := append(append(append([]byte(nil), data[:lastAt]...), "this is not a command\r\n"...), data[lastAt:]...)
	if err := os.WriteFile(incr, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, truncated := range []string{"yes", "no"} {
		startFails(t, dir, aofArgs("always", "--aof-load-truncated", truncated),
			filepath.Base(incr), "offset "+strconv.Itoa(lastAt))
	}
	if now, _ := os.ReadFile(incr); !bytes.Equal(now, damaged) {
		t.Errorf("a refused load changed %s", filepath.Base(incr))
	}
}

func TestAOFMissingFiles(t *testing.T) {
	t.Run("base", func(t *testing.T) {
		dir, _, _ := writeSmallAOF(t)
		base, _ := aofFiles(t, dir)
		if err := os.Remove(filepath.Join(aofDir(dir), base)); err != nil {
			t.Fatal(err)
		}
		startFails(t, dir, aofArgs("always"), base)
	})
	t.Run("a file the manifest names", func(t *testing.T) {
		dir, _, _ := writeSmallAOF(t)
		f, err := os.OpenFile(manifestPath(dir), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("file appendonly.aof.99.incr.aof seq 99 type i\n")
		f.Close()
		startFails(t, dir, aofArgs("always"), "appendonly.aof.99.incr.aof")
	})
	t.Run("a manifest that does not parse", func(t *testing.T) {
		dir, _, _ := writeSmallAOF(t)
		if err := os.WriteFile(manifestPath(dir), []byte("file appendonly.aof.1.base.aof seq one type b\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		startFails(t, dir, aofArgs("always"), "manifest")
	})
}

// expiries reads PEXPIRETIME of every key of ds that has an expiry.
func expiries(t testing.TB, addr string, ds dataset) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	ctx := context.Background()
	clients := map[string]*redis.Client{}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for k, st := range ds {
		if !st.ttl {
			continue
		}
		db, key, _ := strings.Cut(k, ":")
		c := clients[db]
		if c == nil {
			n, _ := strconv.Atoi(db)
			c = redis.NewClient(&redis.Options{Addr: addr, DB: n, Protocol: 2})
			clients[db] = c
		}
		at, err := c.Do(ctx, "PEXPIRETIME", key).Int64()
		if err != nil {
			t.Fatalf("PEXPIRETIME %s: %v", k, err)
		}
		out[k] = at
	}
	return out
}

// TestAOFRedisLoadsOurs: a real redis-server started on an AOF directory
// that redis-fast wrote serves the same dataset, with the same deadlines,
// and redis-check-aof accepts the files; with a base of each format.
func TestAOFRedisLoadsOurs(t *testing.T) {
	redisServerPath(t)
	for _, preamble := range []string{"no", "yes"} {
		t.Run("aof-use-rdb-preamble "+preamble, func(t *testing.T) {
			seed := rand.Uint64()
			dir := t.TempDir()
			p := startServerIn(t, dir, aofArgs("everysec", "--aof-use-rdb-preamble", preamble)...)
			writeLoad(t, p.Addr(), seed, loadOptions{conns: 4, commands: 1500, dbs: 3})
			dialRaw(t, p.Addr()).Do("BGREWRITEAOF")
			waitRewriteDone(t, p.Addr(), 1)
			writeLoad(t, p.Addr(), seed+1, loadOptions{conns: 4, commands: 1500, dbs: 3})
			want := dumpDataset(t, p.Addr())
			wantExp := expiries(t, p.Addr(), want)
			p.Stop()
			checkAOF(t, dir)
			base, incrs := aofFiles(t, dir)
			t.Logf("%d keys, %d with an expiry; files %s %v", len(want), len(wantExp), base, incrs)

			r := startRedisIn(t, dir)
			got := dumpDataset(t, r.Addr())
			sameDataset(t, "redis-server on redis-fast's AOF", want, got)
			sameByKey(t, "redis-server on redis-fast's AOF", "PEXPIRETIME", wantExp, expiries(t, r.Addr(), got))
		})
	}
}

// TestAOFWeLoadRedis: redis-fast started on an AOF directory that a real
// redis-server 7 wrote (aof-use-rdb-preamble no: a base of commands and an
// incremental file) serves the same dataset, with the same deadlines.
func TestAOFWeLoadRedis(t *testing.T) {
	redisServerPath(t)
	seed := rand.Uint64()
	dir := t.TempDir()
	r := startRedisIn(t, dir, "appendfsync always")
	writeLoad(t, r.Addr(), seed, loadOptions{conns: 4, commands: 1500, dbs: 3})
	dialRaw(t, r.Addr()).Do("BGREWRITEAOF")
	waitFor(t, "redis-server's rewrite has finished", func() (bool, string) {
		m := info(t, r.Addr(), "persistence")
		return m["aof_rewrite_in_progress"] == "0" && m["aof_rewrite_scheduled"] == "0" && m["aof_rewrites"] == "1",
			fmt.Sprintf("aof_rewrite_in_progress:%s aof_rewrites:%s", m["aof_rewrite_in_progress"], m["aof_rewrites"])
	})
	writeLoad(t, r.Addr(), seed+1, loadOptions{conns: 4, commands: 1500, dbs: 3})
	want := dumpDataset(t, r.Addr())
	wantExp := expiries(t, r.Addr(), want)
	r.Stop()
	base, incrs := aofFiles(t, dir)
	if !strings.HasSuffix(base, ".base.aof") || len(incrs) == 0 {
		t.Fatalf("redis-server wrote base %s and incrs %v; want a base of commands and an incr", base, incrs)
	}
	if st, err := os.Stat(filepath.Join(aofDir(dir), base)); err != nil || st.Size() == 0 {
		t.Fatalf("redis-server's base %s is empty or missing (%v)", base, err)
	}

	p := startServerIn(t, dir, aofArgs("everysec")...)
	got := dumpDataset(t, p.Addr())
	sameDataset(t, "redis-fast on redis-server's AOF", want, got)
	sameByKey(t, "redis-fast on redis-server's AOF", "PEXPIRETIME", wantExp, expiries(t, p.Addr(), got))
	// And it goes on appending to Redis's files in a way Redis accepts.
	writeLoad(t, p.Addr(), seed+2, loadOptions{conns: 2, commands: 500, dbs: 3})
	want = dumpDataset(t, p.Addr())
	p.Stop()
	checkAOF(t, dir)
	r = startRedisIn(t, dir)
	sameDataset(t, "redis-server after redis-fast appended to its AOF", want, dumpDataset(t, r.Addr()))
}

// TestAOFConfigSetAppendonly: CONFIG SET appendonly yes at run time writes
// an AOF of the dataset as it is (valid for redis-check-aof), which a
// restart with appendonly yes loads; turning it off and on again starts a
// fresh one that still holds exactly the dataset.
func TestAOFConfigSetAppendonly(t *testing.T) {
	seed := rand.Uint64()
	dir := t.TempDir()
	p := startServerIn(t, dir)
	writeLoad(t, p.Addr(), seed, loadOptions{conns: 4, commands: 1000, dbs: 2})
	c := dialRaw(t, p.Addr())
	if got := c.Do("CONFIG", "SET", "appendonly", "yes"); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET appendonly yes: %q", got)
	}
	waitRewriteDone(t, p.Addr(), 1)
	checkAOF(t, dir)
	writeLoad(t, p.Addr(), seed+1, loadOptions{conns: 4, commands: 1000, dbs: 2})
	want := dumpDataset(t, p.Addr())
	p.Stop()
	p = startServerIn(t, dir, aofArgs("everysec")...)
	sameDataset(t, "the restart on the AOF that CONFIG SET made", want, dumpDataset(t, p.Addr()))
	p.Stop()

	t.Run("off and on again", func(t *testing.T) {
		p := startServerIn(t, dir, aofArgs("everysec")...)
		c := dialRaw(t, p.Addr())
		if got := c.Do("CONFIG", "SET", "appendonly", "no"); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET appendonly no: %q", got)
		}
		writeLoad(t, p.Addr(), seed+2, loadOptions{conns: 2, commands: 500, dbs: 2})
		if got := c.Do("CONFIG", "SET", "appendonly", "yes"); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET appendonly yes: %q", got)
		}
		waitRewriteDone(t, p.Addr(), 1)
		writeLoad(t, p.Addr(), seed+3, loadOptions{conns: 2, commands: 500, dbs: 2})
		want := dumpDataset(t, p.Addr())
		p.Stop()
		checkAOF(t, dir)
		p = startServerIn(t, dir, aofArgs("everysec")...)
		sameDataset(t, "the restart after appendonly went off and on", want, dumpDataset(t, p.Addr()))
	})
}

// TestAOFGracefulStopKeepsEverything: after SHUTDOWN, or SIGTERM, every
// write the clients had acknowledged is in the AOF, even with appendfsync
// no, and the files are valid.
func TestAOFGracefulStopKeepsEverything(t *testing.T) {
	checkGracefulStop(t, aofArgs("no"), func(dir string) { checkAOF(t, dir) })
}

// TestAOFAlwaysStreamingClient: under appendfsync always a client that
// keeps sending without waiting for its replies (each command its own
// write) gets every reply, in order. Replies held for an fsync must be
// released even when more commands arrive between the fsync and the wake.
func TestAOFAlwaysStreamingClient(t *testing.T) {
	p := startServer(t, aofArgs("always")...)
	const n = 20000
	for round := 0; round < 3; round++ {
		conn, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			r := bufio.NewReader(conn)
			for i := 1; i <= n; i++ {
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				reply, err := readReply(r)
				if err != nil {
					done <- fmt.Errorf("reply %d of %d: %v", i, n, err)
					return
				}
				if want := fmt.Sprintf(":%d\r\n", round*n+i); string(reply) != want {
					done <- fmt.Errorf("reply %d: %q, want %q", i, reply, want)
					return
				}
			}
			done <- nil
		}()
		frame := encodeCommand("INCR", "x")
		for i := 0; i < n; i++ {
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write(frame); err != nil {
				t.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		conn.Close()
	}
}

// TestAOFWriteErrorRefusesWrites: when the AOF cannot be written (a full
// disk: the next incremental file is made to be /dev/full), writes and
// PING get Redis's MISCONF error while reads go on, and INFO says
// aof_last_write_status:err, on both servers alike.
func TestAOFWriteErrorRefusesWrites(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Fatalf("this test needs /dev/full: %v", err)
	}
	run := func(name string, start func(dir string) *process) []string {
		dir := t.TempDir()
		p := start(dir)
		defer p.Stop()
		c := dialRaw(t, p.Addr())
		c.Do("SET", "k", "before")
		// The rewrite switches appending to the next incremental file,
		// which is the full device.
		_, incrs := aofFiles(t, dir)
		last := incrs[len(incrs)-1] // appendonly.aof.<seq>.incr.aof
		seq, err := strconv.Atoi(strings.Split(last, ".")[2])
		if err != nil {
			t.Fatalf("incremental file %q", last)
		}
		next := filepath.Join(aofDir(dir), fmt.Sprintf("appendonly.aof.%d.incr.aof", seq+1))
		if err := os.Symlink("/dev/full", next); err != nil {
			t.Fatal(err)
		}
		c.Do("BGREWRITEAOF")
		waitRewriteDone(t, p.Addr(), 1)
		c.Do("SET", "k", "lost?") // acknowledged before the writer fails (everysec)
		waitFor(t, name+" reports the AOF write error", func() (bool, string) {
			st := info(t, p.Addr(), "persistence")["aof_last_write_status"]
			return st == "err", "aof_last_write_status:" + st
		})
		return []string{
			c.Do("SET", "k", "after"),
			c.Do("PING"),
			c.Do("GET", "k"),
			c.Do("DEL", "k"),
		}
	}
	ours := run("redis-fast", func(dir string) *process {
		return startServerIn(t, dir, aofArgs("everysec")...)
	})
	theirs := run("redis-server", func(dir string) *process {
		return startRedisIn(t, dir, "appendfsync everysec")
	})
	want := "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
	if ours[0] != want || ours[1] != want || ours[3] != want {
		t.Errorf("redis-fast: SET, PING, DEL = %q %q %q, want %q", ours[0], ours[1], ours[3], want)
	}
	if !slices.Equal(ours, theirs) {
		t.Errorf("replies differ:\nredis-fast   %q\nredis-server %q", ours, theirs)
	}
}

// TestAOFRewriteCount: INFO's aof_rewrites counts the rewrites of the
// server's life, as redis-server's does. The AOF a server creates when it
// starts with appendonly yes is not one (redis-fast logs its files as
// Redis does); BGREWRITEAOF is, counted before it answers (Redis counts a
// rewrite when it forks its child); and the count goes on across
// appendonly turned off and on again, which rewrites once more, until
// CONFIG RESETSTAT zeroes it (and rdb_saves with it).
func TestAOFRewriteCount(t *testing.T) {
	counts := func(p *process) []string {
		rewrites := func() string { return info(t, p.Addr(), "persistence")["aof_rewrites"] }
		c := dialRaw(t, p.Addr())
		got := []string{rewrites()}
		c.Do("BGREWRITEAOF")
		got = append(got, rewrites())
		waitRewriteDone(t, p.Addr(), 1)
		got = append(got, rewrites())
		c.Do("CONFIG", "SET", "appendonly", "no")
		got = append(got, rewrites())
		c.Do("CONFIG", "SET", "appendonly", "yes")
		waitRewriteDone(t, p.Addr(), 2)
		got = append(got, rewrites())
		c.Do("SAVE")
		c.Do("CONFIG", "RESETSTAT")
		m := info(t, p.Addr(), "persistence")
		return append(got, m["aof_rewrites"], m["rdb_saves"])
	}
	ours := startServerIn(t, t.TempDir(), aofArgs("everysec")...)
	defer ours.Stop()
	got := counts(ours)
	theirs := startRedisIn(t, t.TempDir(), "appendfsync everysec")
	defer theirs.Stop()
	want := counts(theirs)
	if !slices.Equal(got, want) || got[0] != "0" {
		t.Errorf("aof_rewrites at start, as BGREWRITEAOF answers, once it is done, appendonly off, on again, "+
			"then aof_rewrites and rdb_saves after a SAVE and CONFIG RESETSTAT: redis-fast %q, redis-server %q",
			got, want)
	}
	for _, line := range []string{"Creating AOF base file appendonly.aof.1.base.rdb on server start",
		"Creating AOF incr file appendonly.aof.1.incr.aof on server start"} {
		if !strings.Contains(ours.Log(), line) {
			t.Errorf("redis-fast's log lacks %q:\n%s", line, ours.Log())
		}
	}
}

// TestAOFRewriteFailuresInARow: aof_rewrites_consecutive_failures counts
// the failed rewrites since the last one that succeeded, as its name says
// and as Redis resets it; a rewrite that cannot write its base fails and
// leaves the AOF as it was.
func TestAOFRewriteFailuresInARow(t *testing.T) {
	dir := t.TempDir()
	p := startServerIn(t, dir, aofArgs("everysec")...)
	defer p.Stop()
	c := dialRaw(t, p.Addr())
	c.Do("SET", "k", "v")
	// The next base is written under this name first; a link into a
	// directory that does not exist makes creating it fail.
	blocker := filepath.Join(aofDir(dir), "appendonly.aof.2.base.rdb.tmp")
	if err := os.Symlink(filepath.Join(dir, "missing", "base"), blocker); err != nil {
		t.Fatal(err)
	}
	failures := func() string {
		return info(t, p.Addr(), "persistence")["aof_rewrites_consecutive_failures"]
	}
	for want := 1; want <= 2; want++ {
		c.Do("BGREWRITEAOF")
		waitFor(t, fmt.Sprintf("rewrite failure %d", want), func() (bool, string) {
			got := failures()
			return got == strconv.Itoa(want), "aof_rewrites_consecutive_failures:" + got
		})
	}
	if st := info(t, p.Addr(), "persistence")["aof_last_bgrewrite_status"]; st != "err" {
		t.Errorf("aof_last_bgrewrite_status after failed rewrites: %q, want err", st)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	c.Do("BGREWRITEAOF")
	waitRewriteDone(t, p.Addr(), 3)
	if got := failures(); got != "0" {
		t.Errorf("aof_rewrites_consecutive_failures after a rewrite that succeeded: %s, want 0", got)
	}
	if got := c.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET k after the rewrites = %q", got)
	}
}
