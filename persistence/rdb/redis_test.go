package rdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redis-fast/db"
	"redis-fast/persistence/crc64"
)

// The tests against the real thing: redis-check-rdb must accept what we
// write, a real redis-server must serve the same dataset from it, and we
// must load what a real redis-server saves. They skip when the tools are
// missing, and fail then under REQUIRE_REDIS=1, as the integration tests
// do.

// needTool returns the path of a Redis binary, or skips the test.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("REQUIRE_REDIS") == "1" {
			t.Fatalf("%s not found and REQUIRE_REDIS=1: %v", name, err)
		}
		t.Skipf("%s not installed; skipping the comparison with real Redis", name)
	}
	return path
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// realRedis is a redis-server this test started; it is stopped by PID.
type realRedis struct {
	t       *testing.T
	cmd     *exec.Cmd
	addr    string
	dir     string
	log     *bytes.Buffer
	mu      sync.Mutex
	clients map[int]*redis.Client
}

// startRedis starts redis-server on a free port, with dir/dbfile as its
// dump (loaded at start when it exists), saving disabled, and waits for
// PING (which answers only once the dump is loaded).
func startRedis(t *testing.T, dir, dbfile string, extra ...string) *realRedis {
	t.Helper()
	bin := needTool(t, "redis-server")
	port := freePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--dbfilename", dbfile, "--save", "", "--appendonly", "no", "--logfile", ""}, extra...)
	s := &realRedis{t: t, cmd: exec.Command(bin, args...), addr: "127.0.0.1:" + strconv.Itoa(port),
		dir: dir, log: new(bytes.Buffer), clients: map[int]*redis.Client{}}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := s.client(0).Ping(context.Background()).Err()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not answer PING: %v\n%s", err, s.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *realRedis) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

func (s *realRedis) client(dbi int) *redis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[dbi]
	if c == nil {
		c = redis.NewClient(&redis.Options{Addr: s.addr, DB: dbi, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
		s.clients[dbi] = c
	}
	return c
}

// stop closes the clients and ends the server: SIGTERM by PID, then
// SIGKILL if it does not exit.
func (s *realRedis) stop() {
	for _, c := range s.clients {
		c.Close()
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	if s.t.Failed() {
		s.t.Logf("redis-server log:\n%s", s.output())
	}
}

// query sends a command and returns the reply in parseReply's shapes.
func (s *realRedis) query(dbi int, args ...string) any {
	s.t.Helper()
	iargs := make([]any, len(args))
	for i, a := range args {
		iargs[i] = a
	}
	v, err := s.client(dbi).Do(context.Background(), iargs...).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil
	case err != nil:
		var re redis.Error
		if errors.As(err, &re) {
			return replyError(err.Error())
		}
		s.t.Fatalf("%q: %v", args, err)
	}
	return v
}

// run is query for commands whose reply must not be an error.
func (s *realRedis) run(dbi int, args ...string) {
	s.t.Helper()
	if e, ok := s.query(dbi, args...).(replyError); ok {
		s.t.Fatalf("%q: %s", args, e)
	}
}

// checkRDB runs redis-check-rdb on path and fails unless it approves.
func checkRDB(t *testing.T, path string) {
	t.Helper()
	bin := needTool(t, "redis-check-rdb")
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb %s: %v\n%s", filepath.Base(path), err, out)
	}
}

// encodeVariants are the encoder settings the real-tool tests write with.
var encodeVariants = []struct {
	name string
	opts Options
}{
	{name: "compressed", opts: Options{Format: Format{Compression: true}, Checksum: true}},
	{name: "uncompressed, no checksum", opts: Options{}},
	{name: "plain nodes", opts: Options{Format: Format{Compression: true, PlainThreshold: 4000, ListMaxListpackSize: 7}, Checksum: true,
		Repl: &ReplInfo{ID: strings.Repeat("0123456789", 4), Offset: 42, StreamDB: 0}}},
}

// TestRedisCheckRDBAccepts: redis-check-rdb approves every file we write.
func TestRedisCheckRDBAccepts(t *testing.T) {
	needTool(t, "redis-check-rdb")
	src := sourceKeyspace(t, 1)
	dir := t.TempDir()
	for i, v := range encodeVariants {
		path := filepath.Join(dir, fmt.Sprintf("dump%d.rdb", i))
		if err := os.WriteFile(path, encodeKeyspace(t, src.ks, v.opts), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(v.name, func(t *testing.T) { checkRDB(t, path) })
	}
}

// TestRedisLoadsOurDump: a real redis-server started on our file serves
// the dataset we wrote, key by key, type, encoding and expiry included.
func TestRedisLoadsOurDump(t *testing.T) {
	needTool(t, "redis-server")
	src := sourceKeyspace(t, 2)
	want := snapshot(t, src, 16)
	for _, v := range encodeVariants {
		t.Run(v.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), encodeKeyspace(t, src.ks, v.opts), 0o644); err != nil {
				t.Fatal(err)
			}
			real := startRedis(t, dir, "dump.rdb")
			compareSnapshots(t, "redis-server on our dump", snapshot(t, real, 16), want)
		})
	}
}

// TestWeLoadRedisDump: a dump saved by a real redis-server 7.0 holding the
// dataset (plus compressed quicklist nodes and plain nodes, which only a
// real server makes here) loads into our keyspace as the same dataset.
func TestWeLoadRedisDump(t *testing.T) {
	needTool(t, "redis-server")
	dir := t.TempDir()
	real := startRedis(t, dir, "dump.rdb", "--enable-debug-command", "yes", "--rdbcompression", "yes")
	populate(real.run, 3)
	// Quicklist nodes compressed with LZF (list-compress-depth), and plain
	// nodes (elements over the packed threshold).
	real.run(0, "CONFIG", "SET", "list-compress-depth", "1")
	args := []string{"RPUSH", "list:compressed"}
	for i := range 5000 {
		args = append(args, "compressed-node-element-"+strconv.Itoa(i%50))
	}
	real.run(0, args...)
	real.run(0, "DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")
	real.run(0, "RPUSH", "list:plain", "small", strings.Repeat("p", 3000), "x", strings.Repeat("q", 1500))
	// Encodings forced by CONFIG SET: listpacks and an intset far over the
	// default thresholds. Our keyspace gets the same settings.
	for _, kv := range [][2]string{{"hash-max-listpack-entries", "2000"}, {"zset-max-listpack-entries", "1000"},
		{"set-max-intset-entries", "5000"}} {
		real.run(0, "CONFIG", "SET", kv[0], kv[1])
	}
	for _, prefix := range []string{"HSET hash:forced", "ZADD zset:forced", "SADD set:forced"} {
		args := strings.Fields(prefix)
		for i := range 900 {
			switch args[0] {
			case "HSET":
				args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i))
			case "ZADD":
				args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
			default:
				args = append(args, strconv.Itoa(i*100000), strconv.Itoa(-i))
			}
		}
		real.run(0, args...)
	}
	// DEBUG RELOAD saves and loads the dump again, so the real server's
	// encodings are those of a load under these settings, as ours will be.
	real.run(0, "DEBUG", "RELOAD")
	file, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	ks := db.NewKeyspace(db.DefaultDatabases)
	ks.Limits.HashMaxListpackEntries.Store(2000)
	ks.Limits.ZSetMaxListpackEntries.Store(1000)
	ks.Limits.SetMaxIntsetEntries.Store(5000)
	info, err := Load(bytes.NewReader(file), ks, LoadOptions{Checksum: true, Now: time.Now().UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	if info.RedisVer != "7.0.15" || info.Version != 10 || info.Checksum == 0 {
		t.Errorf("info %+v", info)
	}
	ours := newTesterWith(t, ks)
	ours.now = time.Now().UnixMilli()
	compareSnapshots(t, "our load of redis-server's dump", snapshot(t, ours, 16), snapshot(t, real, 16))
}

// TestDumpPayloadsInterop: DUMP payloads move both ways between us and a
// real redis-server.
func TestDumpPayloadsInterop(t *testing.T) {
	needTool(t, "redis-server")
	real := startRedis(t, t.TempDir(), "dump.rdb")
	ours := sourceKeyspace(t, 4)
	keys := []string{"int16", "compressible", "noise", "list:long", "list:small", "set:int64", "set:big",
		"hash:small", "hash:many", "zset:small", "zset:many", "k\x00\r\n"}
	fresh := newTester(t)
	for _, key := range keys {
		payload, ok := ours.query(0, "DUMP", key).(string)
		if !ok {
			t.Fatalf("DUMP %q: no payload", key)
		}
		// Ours -> real Redis.
		real.run(0, "RESTORE", key, "0", payload)
		// Real Redis -> ours.
		back, ok := real.query(0, "DUMP", key).(string)
		if !ok {
			t.Fatalf("real DUMP %q: no payload", key)
		}
		if got := fresh.do(0, "RESTORE", key, "0", back); got != "+OK\r\n" {
			t.Fatalf("RESTORE of real Redis's DUMP of %q: %q", key, got)
		}
	}
	want := snapshot(t, ours, 1)
	for k := range want {
		if !strings.HasPrefix(k, "0/") {
			delete(want, k)
		}
	}
	restricted := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for _, key := range keys {
			k := fmt.Sprintf("0/%q", key)
			out[k] = m[k]
		}
		return out
	}
	compareSnapshots(t, "real Redis after RESTORE of our payloads", restricted(snapshot(t, real, 1)), restricted(want))
	compareSnapshots(t, "ours after RESTORE of real payloads", snapshot(t, fresh, 1), restricted(want))
}

// TestDumpBytesMatchRedis: for values whose layout does not depend on a
// hash table's order, our DUMP payload is byte for byte real Redis's:
// integer and LZF strings, listpack nodes cut where Redis cuts them,
// intsets, listpack hashes and sorted sets, skiplists written backwards.
func TestDumpBytesMatchRedis(t *testing.T) {
	needTool(t, "redis-server")
	real := startRedis(t, t.TempDir(), "dump.rdb")
	ours := newTester(t)
	run := func(dbi int, args ...string) {
		real.run(dbi, args...)
		if got := ours.do(dbi, args...); strings.HasPrefix(got, "-") {
			t.Fatalf("%q: %s", args, got)
		}
	}
	populate(run, 5)
	run(0, "RPUSH", "list:mixed", "1", "-1", "128", "-4097", "70000", "-8388609", "5000000000", strings.Repeat("s", 70), strings.Repeat("t", 5000))
	args := []string{"RPUSH", "list:numbers"}
	for i := range 3000 {
		args = append(args, strconv.Itoa(i*i-1000000))
	}
	run(0, args...)
	deterministic := []string{"int8", "int16", "int32", "int64", "int-min", "leading-zero", "empty", "twenty",
		"twenty-one", "compressible", "noise", "binary", "embstr44", "raw45", "big",
		"list:small", "list:binary", "list:long", "list:fat", "list:mixed", "list:numbers",
		"set:int16", "set:int32", "set:int64", "hash:small", "hash:binary",
		"zset:small", "zset:many", "zset:longmember"}
	for _, key := range deterministic {
		want, _ := real.query(0, "DUMP", key).(string)
		got, _ := ours.query(0, "DUMP", key).(string)
		if got != want {
			t.Errorf("DUMP %q differs from Redis's:\n  ours  %d bytes % .120x\n  redis %d bytes % .120x", key, len(got), got, len(want), want)
		}
	}
}

// TestRestoreRepliesMatchRedis: RESTORE's replies, errors first, equal real
// Redis's for the same commands.
func TestRestoreRepliesMatchRedis(t *testing.T) {
	needTool(t, "redis-server")
	real := startRedis(t, t.TempDir(), "dump.rdb")
	ours := newTester(t)
	for _, s := range []source{real, ours} {
		s.query(0, "SET", "s", "value")
	}
	payload := real.query(0, "DUMP", "s").(string)
	damaged := payload[:len(payload)-1] + string(payload[len(payload)-1]^1)
	badData := []byte("\x00\x05val")
	badData = binary.LittleEndian.AppendUint16(badData, 10)
	badData = binary.LittleEndian.AppendUint64(badData, crc64.Checksum(badData))
	worseData := []byte("\x00\x3fval")
	worseData = binary.LittleEndian.AppendUint16(worseData, 10)
	worseData = binary.LittleEndian.AppendUint64(worseData, crc64.Checksum(worseData))
	for _, args := range [][]string{
		{"RESTORE", "s", "0", payload},
		{"RESTORE", "s", "-1", payload},
		{"RESTORE", "n", "-1", payload},
		{"RESTORE", "n", "1.5", payload},
		{"RESTORE", "n", "0", "short"},
		{"RESTORE", "n", "0", damaged},
		{"RESTORE", "n", "0", string(badData)}, // Redis reads the cut string on into the footer
		{"RESTORE", "m", "0", string(worseData)},
		{"RESTORE", "n", "0", payload, "REPLACE", "ABSTTL", "IDLETIME"},
		{"RESTORE", "n", "0", payload, "IDLETIME", "-5"},
		{"RESTORE", "n", "0", payload, "IDLETIME", "five"},
		{"RESTORE", "n", "0", payload, "FREQ", "-1"},
		{"RESTORE", "n", "0", payload, "FREQ", "1", "IDLETIME", "1"},
		{"RESTORE", "n", "0", payload, "FREQ", "3"},
		{"RESTORE", "s", "0", payload, "REPLACE", "IDLETIME", "100"},
		{"OBJECT", "IDLETIME", "s"},
		{"RESTORE", "p", "1", payload, "ABSTTL"},
		{"EXISTS", "p"},
		{"RESTORE", "s", "1", payload, "ABSTTL", "REPLACE"},
		{"EXISTS", "s"},
	} {
		want, got := real.query(0, args...), ours.query(0, args...)
		if fmtReply(got) != fmtReply(want) {
			t.Errorf("%.60q\n  ours  %v\n  redis %v", args, got, want)
		}
	}
}

func fmtReply(v any) string { return fmt.Sprintf("%T %v", v, v) }
