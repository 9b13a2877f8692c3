package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Saving the dataset, as Redis 7.0 does: the dump written at shutdown
// (SHUTDOWN, SIGTERM) and read at start-up, with every acknowledged write
// in it; SAVE and BGSAVE and what INFO persistence and LASTSAVE say of
// them; BGSAVE's point in time under writes; kill -9 in the middle of a
// save; saves that fail (SAVE, BGSAVE, DEBUG RELOAD's, the final one); and
// the save directive's save points.

// waitBgsave waits until the server at addr has no BGSAVE in progress and
// has made more than saves saves, the last one successful.
func waitBgsave(t testing.TB, addr string, saves int64) {
	t.Helper()
	waitFor(t, "the BGSAVE on "+addr+" has finished", func() (bool, string) {
		m := info(t, addr, "persistence")
		n, _ := strconv.ParseInt(m["rdb_saves"], 10, 64)
		return m["rdb_bgsave_in_progress"] == "0" && n > saves && m["rdb_last_bgsave_status"] == "ok",
			fmt.Sprintf("rdb_bgsave_in_progress:%s rdb_saves:%s rdb_last_bgsave_status:%s",
				m["rdb_bgsave_in_progress"], m["rdb_saves"], m["rdb_last_bgsave_status"])
	})
}

// waitExit waits until p has exited on its own.
func waitExit(t *testing.T, p *process) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the server on port %d did not exit", p.Port)
	}
}

// shutdown sends SHUTDOWN with args and waits until the server exits.
func shutdown(t *testing.T, p *process, args ...string) {
	t.Helper()
	c := dialRaw(t, p.Addr())
	c.Send(encodeCommand(append([]string{"SHUTDOWN"}, args...)...))
	expectClosed(t, c)
	waitExit(t, p)
}

// dbSize is DBSIZE of database db.
func dbSize(t testing.TB, addr string, db int) int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
	defer c.Close()
	n, err := c.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatalf("DBSIZE of db %d on %s: %v", db, addr, err)
	}
	return n
}

// TestRDBRestart: with save points, SHUTDOWN and SIGTERM write the dump
// and the next start loads it; SHUTDOWN NOSAVE writes nothing; save ""
// turns the save at shutdown off, and SHUTDOWN SAVE turns it back on.
func TestRDBRestart(t *testing.T) {
	savePoints := []string{"--save", "3600 1"}
	for _, how := range []string{"SHUTDOWN", "SIGTERM"} {
		t.Run(how+"_saves", func(t *testing.T) {
			dir := t.TempDir()
			p := startServerIn(t, dir, savePoints...)
			fillFixture(t, p.Addr(), fixtureDeadline())
			want := dumpDataset(t, p.Addr())
			wantExp := expiries(t, p.Addr(), want)
			if how == "SHUTDOWN" {
				shutdown(t, p)
			} else {
				p.Stop()
			}
			checkRDB(t, dumpPath(dir))
			p = startServerIn(t, dir, savePoints...)
			got := dumpDataset(t, p.Addr())
			sameDataset(t, "the restart after "+how, want, got)
			sameByKey(t, "the restart after "+how, "PEXPIRETIME", wantExp, expiries(t, p.Addr(), got))
		})
	}

	t.Run("SHUTDOWN_NOSAVE", func(t *testing.T) {
		dir := t.TempDir()
		p := startServerIn(t, dir, savePoints...)
		dialRaw(t, p.Addr()).Do("SET", "k", "v")
		shutdown(t, p, "NOSAVE")
		if _, err := os.Stat(dumpPath(dir)); !os.IsNotExist(err) {
			t.Fatalf("SHUTDOWN NOSAVE wrote a dump (stat: %v)", err)
		}

		p = startServerIn(t, dir, savePoints...)
		fillFixture(t, p.Addr(), fixtureDeadline())
		c := dialRaw(t, p.Addr())
		if got := c.Do("SAVE"); got != "+OK\r\n" {
			t.Fatalf("SAVE: %q", got)
		}
		saved, _ := os.ReadFile(dumpPath(dir))
		want := dumpDataset(t, p.Addr())
		writeLoad(t, p.Addr(), rand.Uint64(), loadOptions{conns: 2, commands: 300, dbs: 2})
		shutdown(t, p, "NOSAVE")
		if now, _ := os.ReadFile(dumpPath(dir)); !bytes.Equal(now, saved) {
			t.Fatalf("SHUTDOWN NOSAVE changed the dump")
		}
		p = startServerIn(t, dir, savePoints...)
		sameDataset(t, "the restart after SHUTDOWN NOSAVE", want, dumpDataset(t, p.Addr()))
	})

	t.Run("dbfilename", func(t *testing.T) {
		dir := t.TempDir()
		args := []string{"--save", "3600 1", "--dbfilename", "other.rdb"}
		p := startServerIn(t, dir, args...)
		dialRaw(t, p.Addr()).Do("SET", "k", "v")
		p.Stop()
		if _, err := os.Stat(dumpPath(dir)); !os.IsNotExist(err) {
			t.Errorf("with dbfilename other.rdb the dump went to dump.rdb (stat: %v)", err)
		}
		checkRDB(t, filepath.Join(dir, "other.rdb"))
		p = startServerIn(t, dir, args...)
		if got := dialRaw(t, p.Addr()).Do("GET", "k"); got != "$1\r\nv\r\n" {
			t.Errorf("after the restart on other.rdb GET k = %q", got)
		}
	})

	t.Run("save_off", func(t *testing.T) {
		dir := t.TempDir()
		off := []string{"--save", ""}
		p := startServerIn(t, dir, off...)
		dialRaw(t, p.Addr()).Do("SET", "k", "v")
		p.Stop()
		p = startServerIn(t, dir, off...)
		dialRaw(t, p.Addr()).Do("SET", "k", "v")
		shutdown(t, p)
		if _, err := os.Stat(dumpPath(dir)); !os.IsNotExist(err) {
			t.Fatalf("with save \"\" SIGTERM or SHUTDOWN wrote a dump (stat: %v)", err)
		}

		p = startServerIn(t, dir, off...)
		c := dialRaw(t, p.Addr())
		c.Do("SET", "before", "1")
		if got := c.Do("SAVE"); got != "+OK\r\n" {
			t.Fatalf("SAVE: %q", got)
		}
		saved, _ := os.ReadFile(dumpPath(dir))
		c.Do("SET", "after", "1")
		p.Stop()
		if now, _ := os.ReadFile(dumpPath(dir)); !bytes.Equal(now, saved) {
			t.Fatalf("with save \"\" SIGTERM rewrote the dump")
		}

		p = startServerIn(t, dir, off...)
		c = dialRaw(t, p.Addr())
		for _, tc := range []struct{ key, want string }{{"before", ":1\r\n"}, {"after", ":0\r\n"}} {
			if got := c.Do("EXISTS", tc.key); got != tc.want {
				t.Errorf("after the restart EXISTS %s = %q, want %q", tc.key, got, tc.want)
			}
		}
		c.Do("SET", "saved", "by SHUTDOWN SAVE")
		shutdown(t, p, "SAVE")
		p = startServerIn(t, dir, off...)
		if got := dialRaw(t, p.Addr()).Do("GET", "saved"); got != "$16\r\nby SHUTDOWN SAVE\r\n" {
			t.Errorf("SHUTDOWN SAVE with save \"\" did not save: GET saved = %q", got)
		}
	})
}

// TestRDBGracefulStopKeepsEverything: the final save is made while the
// server still runs (so that a failed one can leave it up, as in Redis),
// yet after SHUTDOWN, or SIGTERM, every write the clients had acknowledged
// is in the dump, however hard they were writing when it came.
func TestRDBGracefulStopKeepsEverything(t *testing.T) {
	checkGracefulStop(t, []string{"--save", "3600 1", "--appendonly", "no"},
		func(dir string) { checkRDB(t, dumpPath(dir)) })
}

// renderDB renders every key of database db, with its PEXPIRETIME; for
// databases too big for dumpDataset's all-16 scan.
func renderDB(t testing.TB, addr string, db int) map[string]string {
	t.Helper()
	out := map[string]string{}
	forEachKey(t, addr, db, func(ctx context.Context, c *redis.Client, k string) {
		st, ok := readKey(t, ctx, c, k)
		if !ok {
			return
		}
		at, err := c.Do(ctx, "PEXPIRETIME", k).Int64()
		if err != nil {
			t.Fatalf("PEXPIRETIME %q: %v", k, err)
		}
		out[k] = fmt.Sprintf("%s exp=%d %q", st.typ, at, st.content)
	})
	return out
}

// sameRendering fails the test with the first differences between two
// renderings of a database.
func sameRendering(t testing.TB, name string, want, got map[string]string) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q: missing, want %s", short(k), short(w)))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%q: %s, want %s", short(k), short(g), short(w)))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q: extra %s", short(k), short(g)))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("%s: %d of %d keys differ; first ones:\n  %s", name, len(diffs), len(want),
			strings.Join(diffs[:min(10, len(diffs))], "\n  "))
	}
}

// populateValue is the value DEBUG POPULATE gives its i-th key: "value:i",
// cut or padded with NUL bytes to size.
func populateValue(i, size int) string {
	v := []byte("value:" + strconv.Itoa(i))
	for len(v) < size {
		v = append(v, 0)
	}
	return string(v[:size])
}

// checkPopulated checks that database db holds exactly the n keys DEBUG
// POPULATE n prefix size made, with their values and no expiry.
func checkPopulated(t testing.TB, addr string, db int, prefix string, n, size int) {
	t.Helper()
	if got := dbSize(t, addr, db); got != int64(n) {
		t.Fatalf("db %d holds %d keys, want the %d %s keys", db, got, n, prefix)
	}
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
	defer c.Close()
	for i := 0; i < n; i += 1000 {
		var keys []string
		for j := i; j < min(i+1000, n); j++ {
			keys = append(keys, prefix+":"+strconv.Itoa(j))
		}
		vals, err := c.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatalf("MGET in db %d: %v", db, err)
		}
		for j, v := range vals {
			if want := populateValue(i+j, size); v != want {
				t.Fatalf("db %d: %s = %q, want %q", db, keys[j], v, want)
			}
		}
	}
}

// everyWrite reads testdata/rdb/every_write.txt: the commands that make
// the point-in-time test's keys, and the writes that run behind its
// BGSAVE. at is a deadline, in Unix ms.
func everyWrite(t *testing.T, at string) (setup, during [][]string) {
	t.Helper()
	const file = "testdata/rdb/every_write.txt"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	part := &setup
	for n, line := range strings.Split(string(b), "\n") {
		switch line = strings.TrimSpace(line); {
		case line == "# during":
			part = &during
		case line != "" && line[0] != '#':
			*part = append(*part, splitLine(t, file, n+1, strings.ReplaceAll(line, "{at}", at)))
		}
	}
	during = append(during, []string{"RESTORE", "w:restore", "0", dumpPayload("\x00\x03new", 10), "REPLACE"})
	return setup, during
}

// pitWriter is one connection of the point-in-time test's write load:
// overwrites, deletions, new keys and new expiries among the populated
// keys (in database 0, or 5 once the two are swapped), and changes to the
// fixture keys of database 1.
type pitWriter struct {
	rng  *rand.Rand
	keys int    // how many populated keys there are
	at   string // a deadline for new expiries
	sent atomic.Int64
}

// batch returns the next batch of writes, which starts with a SELECT.
func (w *pitWriter) batch() [][]string {
	cmds := [][]string{{"SELECT", strconv.Itoa(5 * w.rng.IntN(2))}}
	for i := 0; i < 100; i++ {
		k := "key:" + strconv.Itoa(w.rng.IntN(w.keys))
		switch w.rng.IntN(4) {
		case 0:
			cmds = append(cmds, []string{"SET", k, "changed"})
		case 1:
			cmds = append(cmds, []string{"DEL", k})
		case 2:
			cmds = append(cmds, []string{"SET", "new:" + strconv.Itoa(w.rng.IntN(1<<20)), "new"})
		default:
			cmds = append(cmds, []string{"PEXPIREAT", k, w.at})
		}
	}
	return append(cmds,
		[]string{"SELECT", "1"},
		[]string{"INCR", "str:int"},
		[]string{"SET", "str:embstr", "changed"},
		[]string{"APPEND", "str:raw", "+"},
		[]string{"PERSIST", "str:volatile"},
		[]string{"PEXPIREAT", "str:binary", w.at},
		[]string{"DEL", "str:canary"},
		[]string{"RPUSH", "list:big", "new"},
		[]string{"LPOP", "list:small"},
		[]string{"LTRIM", "list:bigvolatile", "0", "10"},
		[]string{"SADD", "set:intset", strconv.Itoa(w.rng.IntN(1000))},
		[]string{"SREM", "set:bigints", strconv.Itoa(w.rng.IntN(600)*7 - 100)},
		[]string{"HSET", "hash:listpack", "f1", "changed"},
		[]string{"HDEL", "hash:big", "field-" + strconv.Itoa(w.rng.IntN(300))},
		[]string{"ZADD", "zset:big", "-1000", "member-" + strconv.Itoa(w.rng.IntN(300))},
		[]string{"ZINCRBY", "zset:listpack", "1", "a"},
		[]string{"DEL", "set:strings"},
		[]string{"PERSIST", "hash:volatile"},
		[]string{"PEXPIREAT", "zset:big", w.at},
	)
}

// send writes a batch on c and reads its replies; any error reply fails.
func (w *pitWriter) send(c *rawConn, cmds [][]string) error {
	var wire []byte
	for _, cmd := range cmds {
		wire = append(wire, encodeCommand(cmd...)...)
	}
	c.conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.conn.Write(wire); err != nil {
		return err
	}
	for _, cmd := range cmds {
		reply, err := readReply(c.r)
		if err != nil {
			return fmt.Errorf("%v: %w", cmd, err)
		}
		if reply[0] == '-' {
			return fmt.Errorf("%v: %q", cmd, reply)
		}
		w.sent.Add(1)
	}
	return nil
}

// TestRDBPointInTime: the dump a BGSAVE writes holds the dataset exactly as
// it was when BGSAVE began. Pipelined right behind BGSAVE on its
// connection, so that they reach keys the save has not written yet, come
// one of each write command (see everyWrite), a FLUSHDB, and SWAPDBs of
// two small databases and of the big one with an empty one; then, until
// the save ends, several clients overwrite, delete, add and expire keys.
func TestRDBPointInTime(t *testing.T) {
	const n, size = 150000, 40
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	dir := t.TempDir()
	p := startServerIn(t, dir, "--save", "", "--enable-debug-command", "yes")
	at := strconv.FormatInt(fixtureDeadline()+time.Hour.Milliseconds(), 10)
	setup, during := everyWrite(t, at)
	one := fixtureCommands(0, fixtureDeadline()) // the big variant, in db 1
	one[0] = []string{"SELECT", "1"}
	pipeline(t, p.Addr(), append(append([][]string{
		{"SELECT", "0"}, {"DEBUG", "POPULATE", strconv.Itoa(n), "key", strconv.Itoa(size)},
		{"SELECT", "2"}, {"DEBUG", "POPULATE", "2000", "two", "10"},
		{"SELECT", "3"}, {"DEBUG", "POPULATE", "1000", "three", "10"},
		{"SELECT", "4"}, {"DEBUG", "POPULATE", "500", "four", "10"},
	}, one...), setup...))
	if got := dialRaw(t, p.Addr()).Do("GET", "key:0"); got != fmt.Sprintf("$%d\r\n%s\r\n", size, populateValue(0, size)) {
		t.Fatalf("DEBUG POPULATE made key:0 = %q", got)
	}
	before1, before6 := renderDB(t, p.Addr(), 1), renderDB(t, p.Addr(), 6)

	writers := make([]*pitWriter, 4)
	for i := range writers {
		writers[i] = &pitWriter{rng: rand.New(rand.NewPCG(seed, uint64(i))), keys: n, at: at}
	}
	first := append([][]string{{"BGSAVE"}}, during...)
	first = append(first, []string{"SELECT", "2"}, []string{"FLUSHDB"}, []string{"SWAPDB", "3", "4"},
		[]string{"SWAPDB", "0", "5"}, []string{"INFO", "persistence"})
	var wire []byte
	for _, cmd := range first {
		wire = append(wire, encodeCommand(cmd...)...)
	}
	ctl := dialRaw(t, p.Addr())
	ctl.Send(wire)
	if got := ctl.Read(); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE: %q", got)
	}
	// Each of them must change something: a zero from these is a no-op.
	counts := map[string]bool{"DEL": true, "UNLINK": true, "EXPIRE": true, "PEXPIREAT": true, "PERSIST": true,
		"MOVE": true, "COPY": true, "RENAMENX": true, "HSETNX": true, "HDEL": true, "SREM": true, "SMOVE": true,
		"ZREM": true, "LREM": true, "ZREMRANGEBYSCORE": true, "ZREMRANGEBYRANK": true, "ZREMRANGEBYLEX": true}
	for _, cmd := range first[1 : len(first)-1] {
		reply := ctl.Read()
		if reply[0] == '-' || reply == "*-1\r\n" || reply == "$-1\r\n" || reply == ":0\r\n" && counts[cmd[0]] {
			t.Fatalf("%s during the BGSAVE changed nothing: %q", short(strings.Join(cmd, " ")), reply)
		}
	}
	overlapped := strings.Contains(ctl.Read(), "rdb_bgsave_in_progress:1")

	stop := make(chan struct{})
	errs := make(chan error, len(writers))
	var wg sync.WaitGroup
	for _, w := range writers {
		c := dialRaw(t, p.Addr())
		wg.Add(1)
		go func(w *pitWriter) {
			defer wg.Done()
			for {
				if err := w.send(c, w.batch()); err != nil {
					errs <- err
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		}(w)
	}
	waitBgsave(t, p.Addr(), 0)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a writer during the BGSAVE: %v", err)
	}
	var sent int64
	for _, w := range writers {
		sent += w.sent.Load()
	}
	t.Logf("%d writes after BGSAVE began; the first ones ran while the save was in progress: %v", sent+int64(len(first)-2), overlapped)
	if got := dbSize(t, p.Addr(), 2); got != 0 {
		t.Fatalf("FLUSHDB during the BGSAVE left %d keys", got)
	}
	if now := renderDB(t, p.Addr(), 6); len(now) != len(before6)+2 {
		t.Fatalf("MOVE and COPY ... DB 6 during the BGSAVE left database 6 with %d keys", len(now))
	}

	dir2 := t.TempDir()
	copyFile(t, dumpPath(dir), dumpPath(dir2))
	checkRDB(t, dumpPath(dir2))
	q := startServerIn(t, dir2, "--save", "")
	checkPopulated(t, q.Addr(), 0, "key", n, size)
	sameRendering(t, "database 1 of the dump", before1, renderDB(t, q.Addr(), 1))
	checkPopulated(t, q.Addr(), 2, "two", 2000, 10)
	checkPopulated(t, q.Addr(), 3, "three", 1000, 10)
	checkPopulated(t, q.Addr(), 4, "four", 500, 10)
	sameRendering(t, "database 6 of the dump", before6, renderDB(t, q.Addr(), 6))
	wantKeys, wantExpires := n+3500+len(before1)+len(before6), countExpiring(before1)+countExpiring(before6)
	if keys, expires := keyspaceCounts(t, q.Addr()); keys != int64(wantKeys) || expires != int64(wantExpires) {
		t.Errorf("the dump holds %d keys, %d with an expiry; want %d and %d", keys, expires, wantKeys, wantExpires)
	}
}

// countExpiring counts the keys of a rendering that have an expiry.
func countExpiring(r map[string]string) int {
	n := 0
	for _, v := range r {
		if !strings.Contains(v, " exp=-1 ") {
			n++
		}
	}
	return n
}

// killMidSave polls dir until the save's temporary file appears, or the
// dump was replaced (the save ended first), then kills p with SIGKILL. It
// reports whether the kill came while the temporary file was there.
func killMidSave(t *testing.T, p *process, dir string, old os.FileInfo) bool {
	t.Helper()
	deadline := time.Now().Add(syncDeadline)
	for time.Now().Before(deadline) {
		if tmp, _ := filepath.Glob(filepath.Join(dir, "temp-*.rdb")); len(tmp) > 0 {
			p.Kill()
			return true
		}
		if st, err := os.Stat(dumpPath(dir)); err == nil && !os.SameFile(st, old) {
			p.Kill()
			return false
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the save neither began writing nor ended:\n%s", p.Log())
	return false
}

// TestRDBKillDuringSave: kill -9 in the middle of SAVE or BGSAVE leaves the
// previous dump.rdb exactly as it was (or, when the save got to its end
// first, the new dump, whole); a restart loads that dump, never the
// save's temporary file, and saves again over what the kill left.
func TestRDBKillDuringSave(t *testing.T) {
	const big, size = 200000, 100
	for _, how := range []string{"SAVE", "BGSAVE"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--save", "", "--enable-debug-command", "yes"}
			p := startServerIn(t, dir, args...)
			fillFixture(t, p.Addr(), fixtureDeadline())
			c := dialRaw(t, p.Addr())
			c.Do("SELECT", "5")
			c.Do("FLUSHDB") // database 5 is for the keys the save is killed with
			if got := c.Do("SAVE"); got != "+OK\r\n" {
				t.Fatalf("SAVE: %q", got)
			}
			old, err := os.ReadFile(dumpPath(dir))
			if err != nil {
				t.Fatal(err)
			}
			oldStat, _ := os.Stat(dumpPath(dir))
			want := dumpDataset(t, p.Addr())
			if got := c.Do("DEBUG", "POPULATE", strconv.Itoa(big), "big", strconv.Itoa(size)); got != "+OK\r\n" {
				t.Fatalf("DEBUG POPULATE: %q", got)
			}
			c.Send(encodeCommand(how))
			midSave := killMidSave(t, p, dir, oldStat)

			now, err := os.ReadFile(dumpPath(dir))
			if err != nil {
				t.Fatalf("after the kill: %v", err)
			}
			replaced := !bytes.Equal(now, old)
			t.Logf("killed %s with the temporary file present: %v; dump.rdb replaced: %v", how, midSave, replaced)
			if replaced {
				checkRDB(t, dumpPath(dir))
			}
			p = startServerIn(t, dir, args...)
			wantBig := 0
			if replaced {
				wantBig = big
			}
			if wantBig > 0 {
				checkPopulated(t, p.Addr(), 5, "big", big, size)
			} else if got := dbSize(t, p.Addr(), 5); got != 0 {
				t.Fatalf("the restart after the kill holds %d keys of the unfinished %s; dump.rdb is the old one", got, how)
			}
			c = dialRaw(t, p.Addr())
			c.Do("SELECT", "5")
			c.Do("FLUSHDB")
			sameDataset(t, "the restart after kill -9 during "+how, want, dumpDataset(t, p.Addr()))
			if got := c.Do("SAVE"); got != "+OK\r\n" {
				t.Fatalf("SAVE after the restart: %q", got)
			}
			checkRDB(t, dumpPath(dir))
			if !midSave {
				t.Errorf("the kill did not land in the middle of the %s (no temporary file was seen)", how)
			}
		})
	}
}

// nextSecond waits until the clock's Unix second is past after, so a
// save's time can be told from an earlier one.
func nextSecond(t *testing.T, after int64) {
	t.Helper()
	eventually(t, "the clock has passed second "+strconv.FormatInt(after, 10), func() bool {
		return time.Now().Unix() > after
	})
}

// checkSaved checks INFO persistence and LASTSAVE right after a save that
// ended after second since: no changes since it, a later save time that
// LASTSAVE reports too, status ok, no save in progress, saves in all.
func checkSaved(t *testing.T, addr, how string, since, saves int64) int64 {
	t.Helper()
	m := info(t, addr, "persistence")
	for field, want := range map[string]string{
		"rdb_changes_since_last_save": "0",
		"rdb_bgsave_in_progress":      "0",
		"rdb_last_bgsave_status":      "ok",
		"rdb_saves":                   strconv.FormatInt(saves, 10),
		"rdb_current_bgsave_time_sec": "-1",
	} {
		if m[field] != want {
			t.Errorf("after %s: %s:%s, want %s", how, field, m[field], want)
		}
	}
	last, _ := strconv.ParseInt(m["rdb_last_save_time"], 10, 64)
	if last <= since {
		t.Errorf("after %s: rdb_last_save_time:%d, want it past %d", how, last, since)
	}
	if got, want := dialRaw(t, addr).Do("LASTSAVE"), ":"+strconv.FormatInt(last, 10)+"\r\n"; got != want {
		t.Errorf("after %s: LASTSAVE = %q, INFO says rdb_last_save_time:%d", how, got, last)
	}
	return last
}

// TestRDBInfoPersistence: after SAVE and after BGSAVE,
// rdb_changes_since_last_save is 0 and rdb_last_save_time has advanced to
// what LASTSAVE says; the changes are counted as Redis counts them; and
// BGSAVE, BGSAVE SCHEDULE and SAVE while a BGSAVE runs, writes during it,
// bad arguments and BGSAVE inside MULTI get Redis's replies.
func TestRDBInfoPersistence(t *testing.T) {
	// 10 ms a key: redis-server's BGSAVE of the hundred keys below lasts a
	// second, long enough to meet the commands pipelined behind it.
	r := startRedis(t, "rdb-key-save-delay 10000")
	p := startServer(t, "--save", "", "--enable-debug-command", "yes")
	writes := [][]string{
		{"SET", "a", "1"}, {"MSET", "b", "1", "c", "2"}, {"RPUSH", "l", "x", "y", "z"}, {"DEL", "nokey"},
		{"INCR", "n"}, {"EXPIRE", "a", "100"}, {"SADD", "s", "m", "m"}, {"HSET", "h", "f", "v"}, {"HSET", "h", "f", "v"},
	}
	for _, s := range []*process{r, p} {
		pipeline(t, s.Addr(), writes)
	}
	want := infoInt(t, r.Addr(), "persistence", "rdb_changes_since_last_save")
	if got := infoInt(t, p.Addr(), "persistence", "rdb_changes_since_last_save"); got != want {
		t.Errorf("rdb_changes_since_last_save:%d after %v, Redis says %d", got, writes, want)
	}

	c := dialRaw(t, p.Addr())
	started := infoInt(t, p.Addr(), "persistence", "rdb_last_save_time")
	if got := c.Do("LASTSAVE"); got != ":"+strconv.FormatInt(started, 10)+"\r\n" {
		t.Errorf("before any save: LASTSAVE = %q, INFO says rdb_last_save_time:%d", got, started)
	}
	nextSecond(t, started)
	if got := c.Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	saved := checkSaved(t, p.Addr(), "SAVE", started, 1)

	c.Do("SET", "x", "1")
	if got := infoInt(t, p.Addr(), "persistence", "rdb_changes_since_last_save"); got != 1 {
		t.Errorf("after SAVE and one SET: rdb_changes_since_last_save:%d, want 1", got)
	}
	nextSecond(t, saved)
	if got := c.Do("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE: %q", got)
	}
	waitBgsave(t, p.Addr(), 1)
	checkSaved(t, p.Addr(), "BGSAVE", saved, 2)
	if got := infoInt(t, p.Addr(), "persistence", "rdb_last_bgsave_time_sec"); got < 0 {
		t.Errorf("after BGSAVE: rdb_last_bgsave_time_sec:%d", got)
	}

	// While a BGSAVE runs: the same commands, pipelined behind it, on both.
	pipeline(t, r.Addr(), [][]string{{"DEBUG", "POPULATE", "100"}})
	pipeline(t, p.Addr(), [][]string{{"DEBUG", "POPULATE", "200000", "key", "100"}})
	during := [][]string{{"BGSAVE"}, {"BGSAVE"}, {"BGSAVE", "SCHEDULE"}, {"SAVE"}}
	for i := 0; i < 10; i++ {
		during = append(during, []string{"SET", "during:" + strconv.Itoa(i), "v"})
	}
	var wire []byte
	for _, cmd := range append(during, []string{"INFO", "persistence"}) {
		wire = append(wire, encodeCommand(cmd...)...)
	}
	rSaves, pSaves := infoInt(t, r.Addr(), "persistence", "rdb_saves"), infoInt(t, p.Addr(), "persistence", "rdb_saves")
	rc, pc := dialRaw(t, r.Addr()), dialRaw(t, p.Addr())
	rc.Send(wire)
	pc.Send(wire)
	for _, cmd := range during {
		if want, got := rc.Read(), pc.Read(); got != want {
			t.Errorf("%v while a BGSAVE runs: redis-fast %q, Redis %q", cmd, got, want)
		}
	}
	// Redis counts a BGSAVE in rdb_saves when it starts it.
	for _, s := range []struct {
		name  string
		c     *rawConn
		saves int64
	}{{"redis-server", rc, rSaves}, {"redis-fast", pc, pSaves}} {
		reply := s.c.Read()
		for _, want := range []string{"rdb_bgsave_in_progress:1\r\n", fmt.Sprintf("rdb_saves:%d\r\n", s.saves+1)} {
			if !strings.Contains(reply, want) {
				t.Errorf("INFO persistence of %s right after BGSAVE has no %q:\n%s", s.name, strings.TrimSpace(want), reply)
			}
		}
	}
	waitBgsave(t, r.Addr(), rSaves)
	waitBgsave(t, p.Addr(), pSaves)
	want = infoInt(t, r.Addr(), "persistence", "rdb_changes_since_last_save")
	if got := infoInt(t, p.Addr(), "persistence", "rdb_changes_since_last_save"); got != want || got != 10 {
		t.Errorf("after a BGSAVE with 10 SETs during it: rdb_changes_since_last_save:%d, Redis says %d", got, want)
	}

	rSaves, pSaves = infoInt(t, r.Addr(), "persistence", "rdb_saves"), infoInt(t, p.Addr(), "persistence", "rdb_saves")
	sameReplies(t, "BGSAVE", r.Addr(), p.Addr(), [][]string{
		{"BGSAVE", "NOW"},
		{"BGSAVE", "SCHEDULE", "x"},
		{"SAVE", "x"},
		{"LASTSAVE", "x"},
		{"MULTI"}, {"BGSAVE"}, {"EXEC"},
	})
	// The BGSAVE in EXEC was scheduled: the cron starts it.
	waitBgsave(t, r.Addr(), rSaves)
	waitBgsave(t, p.Addr(), pSaves)
}

// startUnsavable starts redis-server and redis-fast with a save point, then
// removes their directories, so that every save fails. When the test ends
// both are sent SHUTDOWN NOSAVE, which a failing save does not hold up.
func startUnsavable(t *testing.T) (r, p *process) {
	t.Helper()
	r = startRedis(t, "save 3600 1")
	p = startServer(t, "--save", "3600 1", "--enable-debug-command", "yes")
	for _, s := range []*process{r, p} {
		if err := os.RemoveAll(s.Dir); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.Write(encodeCommand("SHUTDOWN", "NOSAVE"))
				io.Copy(io.Discard, c)
				c.Close()
			}
		})
	}
	return r, p
}

// sameInfoFields fails the test when INFO persistence differs in fields.
func sameInfoFields(t *testing.T, what string, r, p *process, fields ...string) {
	t.Helper()
	want, got := info(t, r.Addr(), "persistence"), info(t, p.Addr(), "persistence")
	for _, f := range fields {
		if got[f] != want[f] {
			t.Errorf("%s: redis-fast has %s:%s, Redis %s:%s", what, f, got[f], f, want[f])
		}
	}
}

// alive reports whether the server at addr answers PING.
func alive(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write(encodeCommand("PING"))
	reply, err := readReply(bufio.NewReader(c))
	return err == nil && string(reply) == "+PONG\r\n"
}

// TestRDBSaveErrors: when the dump cannot be written (its directory is
// gone), redis-fast does what Redis 7.0 does: a failed SAVE replies -ERR,
// counts in rdb_saves and leaves rdb_last_bgsave_status alone, and so does
// the save of DEBUG RELOAD (which rdb_saves does not count); a failed
// BGSAVE counts and sets it to err, and then writes are refused with
// MISCONF (a save point is set); SHUTDOWN replies an error and the server
// stays up, writes allowed, as it does on SIGTERM, rather than exit without
// the final save; SHUTDOWN FORCE exits all the same.
func TestRDBSaveErrors(t *testing.T) {
	redisServerPath(t)
	t.Run("SAVE", func(t *testing.T) {
		r, p := startUnsavable(t)
		sameReplies(t, "SAVE into a missing directory", r.Addr(), p.Addr(), [][]string{{"SET", "a", "1"}, {"SAVE"}})
		sameInfoFields(t, "after the failed SAVE", r, p, "rdb_last_bgsave_status", "rdb_changes_since_last_save", "rdb_saves")
		sameReplies(t, "after the failed SAVE", r.Addr(), p.Addr(), [][]string{{"SET", "b", "1"}})
	})

	t.Run("DEBUG_RELOAD", func(t *testing.T) {
		r, p := startUnsavable(t)
		sameReplies(t, "DEBUG RELOAD into a missing directory", r.Addr(), p.Addr(), [][]string{{"SET", "a", "1"}, {"DEBUG", "RELOAD"}})
		sameInfoFields(t, "after the failed DEBUG RELOAD", r, p, "rdb_last_bgsave_status", "rdb_changes_since_last_save", "rdb_saves")
		sameReplies(t, "after the failed DEBUG RELOAD", r.Addr(), p.Addr(), [][]string{{"SET", "b", "1"}, {"GET", "a"}})
	})

	t.Run("BGSAVE", func(t *testing.T) {
		r, p := startUnsavable(t)
		sameReplies(t, "BGSAVE into a missing directory", r.Addr(), p.Addr(), [][]string{{"SET", "a", "1"}, {"BGSAVE"}})
		for _, s := range []*process{r, p} {
			waitFor(t, "the failed BGSAVE on "+s.Addr()+" has ended", func() (bool, string) {
				m := info(t, s.Addr(), "persistence")
				return m["rdb_bgsave_in_progress"] == "0" && m["rdb_last_bgsave_status"] == "err",
					"rdb_bgsave_in_progress:" + m["rdb_bgsave_in_progress"] + " rdb_last_bgsave_status:" + m["rdb_last_bgsave_status"]
			})
		}
		sameInfoFields(t, "after the failed BGSAVE", r, p, "rdb_changes_since_last_save", "rdb_saves")
		sameReplies(t, "after the failed BGSAVE", r.Addr(), p.Addr(), [][]string{{"SET", "c", "1"}, {"GET", "a"}, {"DEL", "a"}})
	})

	t.Run("SHUTDOWN", func(t *testing.T) {
		r, p := startUnsavable(t)
		const want = "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
		for _, s := range []*process{r, p} {
			c := dialRaw(t, s.Addr())
			c.Do("SET", "a", "1")
			got, err := c.Exchange(encodeCommand("SHUTDOWN"))
			if s == r && got != want {
				t.Fatalf("redis-server: SHUTDOWN with a failing save: %q, %v; want %q", got, err, want)
			}
			if s == p && (got != want || !alive(p.Addr())) {
				t.Errorf("redis-fast: SHUTDOWN with a failing save: %q, %v, and the server is up: %v; Redis replies %q and stays up",
					got, err, alive(p.Addr()), want)
			}
		}
		if !t.Failed() {
			sameInfoFields(t, "after the failed SHUTDOWN", r, p, "rdb_last_bgsave_status", "rdb_changes_since_last_save", "rdb_saves")
			sameReplies(t, "after the failed SHUTDOWN", r.Addr(), p.Addr(), [][]string{{"SET", "b", "1"}, {"GET", "a"}})
		}
		for _, s := range []*process{r, p} {
			if alive(s.Addr()) {
				shutdown(t, s, "FORCE")
			}
		}
	})

	t.Run("SIGTERM", func(t *testing.T) {
		r, p := startUnsavable(t)
		for _, s := range []*process{r, p} {
			dialRaw(t, s.Addr()).Do("SET", "a", "1")
			s.cmd.Process.Signal(syscall.SIGTERM)
			eventually(t, "the server on port "+strconv.Itoa(s.Port)+" has tried the final save", func() bool {
				return strings.Contains(s.Log(), "Error trying to save the DB")
			})
		}
		if !alive(r.Addr()) {
			t.Fatalf("redis-server exited on SIGTERM though its final save failed:\n%s", r.Log())
		}
		if !alive(p.Addr()) {
			t.Errorf("redis-fast exited on SIGTERM though its final save failed (Redis stays up and keeps the data)")
		}
	})
}

// startRedisArgs starts a real redis-server with a config file (its
// lines, after the harness's settings) and command-line arguments.
func startRedisArgs(t *testing.T, lines []string, args ...string) *process {
	t.Helper()
	dir, path := t.TempDir(), redisServerPath(t)
	return launch(t, dir, func(port int) (string, []string, []byte) {
		conf := filepath.Join(dir, "redis.conf")
		all := append([]string{"port " + strconv.Itoa(port), "bind 127.0.0.1", fmt.Sprintf("dir %q", dir), "appendonly no"}, lines...)
		if err := os.WriteFile(conf, []byte(strings.Join(all, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return path, append([]string{conf}, args...), nil
	})
}

// writeConf writes a config file of lines in a fresh directory.
func writeConf(t *testing.T, lines []string) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "redis.conf")
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestRDBSaveDirective: the save directive as Redis 7.0 reads it. The save
// lines of a config file add up, the first one replacing the defaults, and
// save "" clears them; a --save on the command line adds to them; a
// malformed value stops the start-up with "Invalid save parameters". CONFIG
// SET save replaces the save points, and refuses a malformed value with
// Redis's reply.
func TestRDBSaveDirective(t *testing.T) {
	redisServerPath(t)
	for _, tc := range []struct {
		name  string
		lines []string
		args  []string
	}{
		{name: "lines_add_up", lines: []string{"save 100 1", "save 200 2", "save 200 2"}},
		{name: "empty_clears", lines: []string{"save 100 1", `save ""`, "save 300 3"}},
		{name: "only_empty", lines: []string{`save ""`}},
		{name: "none", lines: []string{"save 100 1", `save ""`}},
		{name: "one_word", lines: []string{`save " 100  1 200 2 "`, "save +5 99999999999999999999"}},
		{name: "flag_adds", lines: []string{"save 100 1"}, args: []string{"--save", "200 2"}},
		{name: "empty_flag_clears", lines: []string{"save 100 1"}, args: []string{"--save", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRedisArgs(t, tc.lines, tc.args...)
			p := startServer(t, append([]string{writeConf(t, tc.lines)}, tc.args...)...)
			sameReplies(t, "the save lines "+strings.Join(tc.lines, "; "), r.Addr(), p.Addr(), [][]string{{"CONFIG", "GET", "save"}})
		})
	}

	for _, line := range []string{`save "abc def"`, `save "1 2 3"`, "save 100 1 200", "save 0 0", "save 100 -1", `save "100 1" "200 2"`} {
		conf := writeConf(t, []string{"port " + strconv.Itoa(freePort(t)), line})
		for _, s := range []struct{ name, path string }{{"redis-server", redisServerPath(t)}, {"redis-fast", binary}} {
			cmd := exec.Command(s.path, conf)
			cmd.Dir = t.TempDir()
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "Invalid save parameters") {
				t.Errorf("%s started on %q: %v\n%s", s.name, line, err, out)
			}
		}
	}

	r := startRedis(t)
	p := startServer(t, "--save", "")
	var cmds [][]string
	for _, v := range []string{"abc def", "1 2 3", "0 0", "100 -1", "100  1", " 100 1 ", `"100 1"`, `100 ""`,
		"100 1 200 2", "100 1 100 1", "+100 4294967297", "99999999999999999999 1", ""} {
		cmds = append(cmds, []string{"CONFIG", "SET", "save", v}, []string{"CONFIG", "GET", "save"})
	}
	sameReplies(t, "CONFIG SET save", r.Addr(), p.Addr(), cmds)
}
