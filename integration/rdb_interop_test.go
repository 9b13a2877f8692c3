package integration

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The RDB file against Redis 7.0: redis-check-rdb and a real redis-server
// accept the dumps redis-fast writes, redis-fast loads the dumps
// redis-server writes (every type in every encoding, in 16 databases, with
// the same deadlines and encodings), keys already expired are left out of a
// load as Redis leaves them, DEBUG RELOAD (MERGE too) loads as Redis's
// does, and DUMP payloads RESTORE both ways with Redis's replies to every
// option and error.

// allBytes is every byte value once, in order: a key or value that only a
// binary-safe encoder and decoder carry through.
func allBytes() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

// edgeInts are the strings at the edges of the integer encodings of a
// listpack (7, 13, 16, 24, 32 and 64 bits) and of int-encoded strings, and
// some that look like integers and are not.
func edgeInts() []string {
	return []string{"0", "-1", "127", "128", "-4096", "4095", "4096", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "-0", "+1", " 1", "1 "}
}

// incompressible is n bytes that LZF cannot shorten.
func incompressible(n int) string {
	rng := rand.New(rand.NewPCG(7, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return string(b)
}

// fixtureDeadline is when the fixture's volatile keys expire: far enough
// ahead that none expires while a test runs.
func fixtureDeadline() int64 { return time.Now().Add(2 * time.Hour).UnixMilli() }

// bigDB reports whether the fixture puts the big collections in database
// db (the first, a middle and the last one).
func bigDB(db int) bool { return db == 0 || db == 7 || db == 15 }

// fixtureCommands returns the commands that build the fixture in database
// db: a key of every type in each encoding Redis 7.0 has for it (int,
// embstr and raw strings, compressible ones, intsets, listpacks; in the
// big databases quicklists of many nodes, hashtables and skiplists),
// binary keys, members and values, and keys of every type that expire at
// deadline (plus db milliseconds).
func fixtureCommands(db int, deadline int64) [][]string {
	bin := allBytes()
	at := strconv.FormatInt(deadline+int64(db), 10)
	cmds := [][]string{
		{"SELECT", strconv.Itoa(db)},
		{"SET", "str:int", strconv.Itoa(12345 + db)},
		{"SET", "str:int64", "-4611686018427387904"},
		{"SET", "str:bignum", "123456789012345678901234567890"},
		{"SET", "str:embstr", "hello " + strconv.Itoa(db)},
		{"SET", "str:raw", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{"SET", "str:compressible", strings.Repeat("compress me ", 200)},
		{"SET", "str:canary", "canary-0123456789"},
		{"SET", "str:empty", ""},
		{"SET", "str:binary", bin},
		{"SET", "key:" + bin, "a binary key"},
		{"SET", "str:volatile", "v", "PXAT", at},
		{"RPUSH", "list:small", "a", "1", "-2", "", bin},
		{"SADD", "set:intset", "1", "2", "3", "-4", "70000", "5000000000"},
		{"SADD", "set:strings", "a", "b", "", bin},
		{"HSET", "hash:listpack", "f1", "v1", "f2", "2", "f3", ""},
		{"HSET", "hash:binary", bin, bin, "f", "v"},
		{"ZADD", "zset:listpack", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e", "0", "f", "1e-300", "g"},
		{"ZADD", "zset:binary", "1.5", bin, "2", "x"},
		{"RPUSH", "list:volatile", "x", "y"},
		{"PEXPIREAT", "list:volatile", at},
		{"SADD", "set:volatile", "7", "8"},
		{"PEXPIREAT", "set:volatile", at},
		{"HSET", "hash:volatile", "f", "v"},
		{"PEXPIREAT", "hash:volatile", at},
		{"ZADD", "zset:volatile", "1", "m"},
		{"PEXPIREAT", "zset:volatile", at},
		append([]string{"RPUSH", "list:ints"}, edgeInts()...),
		{"SADD", "set:int16", "-32768", "0", "32767"},
		{"SADD", "set:int32", "-2147483648", "0", "2147483647"},
		{"SADD", "set:int64", "-9223372036854775808", "0", "9223372036854775807"},
		{"HSET", "hash:ints", "-1", "0", "127", "128", "8388607", "-9223372036854775808", "007", "-0", "1.5", "9223372036854775808"},
		{"ZADD", "zset:scores", "4611686018427387904", "a", "4611686018427387905", "b", "1e15", "c", "0.1", "d",
			"1.7976931348623157e308", "e", "5e-324", "f", "-4611686018427387904", "g", "-0", "h"},
	}
	if !bigDB(db) {
		return cmds
	}
	list, fat, ints, members, fields, full, scores := []string{"RPUSH", "list:big"}, []string{"RPUSH", "list:fat"},
		[]string{"SADD", "set:bigints"}, []string{"SADD", "set:big"}, []string{"HSET", "hash:big"},
		[]string{"HSET", "hash:fulllistpack"}, []string{"ZADD", "zset:big"}
	for i := 0; i < 3000; i++ {
		if i%2 == 0 {
			list = append(list, "item-"+strconv.Itoa(i))
		} else {
			list = append(list, strconv.Itoa(i*1000))
		}
	}
	for i := 0; i < 3; i++ {
		fat = append(fat, strings.Repeat(strconv.Itoa(i), 10000))
	}
	for i := 0; i < 600; i++ {
		ints = append(ints, strconv.Itoa(i*7-100))
	}
	for i := 0; i < 300; i++ {
		n := strconv.Itoa(i)
		members = append(members, "member-"+n)
		fields = append(fields, "field-"+n, "value-"+n)
		scores = append(scores, strconv.FormatFloat(float64(i)*0.5-20, 'g', -1, 64), "member-"+n)
	}
	for i := 0; i < 128; i++ {
		full = append(full, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	return append(cmds, list, fat, ints, members, fields, full, scores,
		[]string{"SET", "str:huge", strings.Repeat("a megabyte of the same ", 1<<20/23)},
		[]string{"SET", "str:incompressible", incompressible(100 << 10)},
		[]string{"ZADD", "zset:longmember", "1", strings.Repeat("long member ", 10)},
		append([]string{"RPUSH", "list:bigvolatile"}, list[2:]...),
		[]string{"PEXPIREAT", "list:bigvolatile", at},
	)
}

// fillFixture builds the fixture in every database of the server at addr.
func fillFixture(t testing.TB, addr string, deadline int64) {
	t.Helper()
	var cmds [][]string
	for db := 0; db < 16; db++ {
		cmds = append(cmds, fixtureCommands(db, deadline)...)
	}
	pipeline(t, addr, cmds)
}

// pipeline sends cmds on one connection, a few hundred at a time, and
// fails the test on the first error reply.
func pipeline(t testing.TB, addr string, cmds [][]string) {
	t.Helper()
	c := dialRaw(t, addr)
	defer c.conn.Close()
	for i := 0; i < len(cmds); i += 200 {
		batch := cmds[i:min(i+200, len(cmds))]
		var wire []byte
		for _, cmd := range batch {
			wire = append(wire, encodeCommand(cmd...)...)
		}
		c.Send(wire)
		for _, cmd := range batch {
			if reply := c.Read(); strings.HasPrefix(reply, "-") {
				t.Fatalf("%s on %s: %q", short(strings.Join(cmd, " ")), addr, reply)
			}
		}
	}
}

// forEachKey calls fn with every key of database db, over a client of
// its own.
func forEachKey(t testing.TB, addr string, db int, fn func(ctx context.Context, c *redis.Client, key string)) {
	t.Helper()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
	defer c.Close()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatalf("KEYS in db %d on %s: %v", db, addr, err)
	}
	for _, k := range keys {
		fn(ctx, c, k)
	}
}

// encodings reads OBJECT ENCODING of every key of database db.
func encodings(t testing.TB, addr string, db int) map[string]string {
	t.Helper()
	out := map[string]string{}
	forEachKey(t, addr, db, func(ctx context.Context, c *redis.Client, k string) {
		enc, err := c.ObjectEncoding(ctx, k).Result()
		if err != nil {
			t.Fatalf("OBJECT ENCODING %q on %s: %v", k, addr, err)
		}
		out[k] = enc
	})
	return out
}

// sameByKey fails the test where got's value of a key of want differs;
// what names the value in the message.
func sameByKey[V comparable](t testing.TB, name, what string, want, got map[string]V) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s of key %q is %v, want %v", name, what, short(k), got[k], w)
		}
	}
}

// keyspaceCounts sums INFO keyspace: keys, and keys with an expiry.
func keyspaceCounts(t testing.TB, addr string) (keys, expires int64) {
	t.Helper()
	for db, line := range info(t, addr, "keyspace") {
		if !strings.HasPrefix(db, "db") {
			continue
		}
		for _, kv := range strings.Split(line, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "keys":
				keys += n
			case "expires":
				expires += n
			}
		}
	}
	return keys, expires
}

// needTool returns the path of one of Redis's programs, or skips the test
// (fails it, under REQUIRE_REDIS=1) when it is not installed.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("REQUIRE_REDIS") == "1" {
			t.Fatalf("%s is not on PATH (apt-get install -y redis-server redis-tools)", name)
		}
		t.Skipf("%s is not on PATH", name)
	}
	return path
}

// checkRDB runs Redis's redis-check-rdb on path, fails the test unless it
// accepts the file, and returns what it printed.
func checkRDB(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command(needTool(t, "redis-check-rdb"), path).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(`\o/ RDB looks OK! \o/`)) {
		t.Fatalf("redis-check-rdb %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// startRedisOnDump starts a real redis-server that loads dir/dump.rdb.
func startRedisOnDump(t testing.TB, dir string, extra ...string) *process {
	t.Helper()
	return startRedis(t, append([]string{fmt.Sprintf("dir %q", dir), "dbfilename dump.rdb"}, extra...)...)
}

// copyFile copies src to dst and returns the bytes.
func copyFile(t testing.TB, src, dst string) []byte {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// dumpPath is the dump of a server started in dir with the default name.
func dumpPath(dir string) string { return filepath.Join(dir, "dump.rdb") }

// TestRDBCheckAcceptsOurDumps: redis-check-rdb accepts the dumps SAVE and
// BGSAVE write of a dataset of every type and encoding in 16 databases,
// with binary keys and values and expiries, and counts in them the keys
// and expiries the server holds; with rdbcompression on, long repetitive
// strings are stored compressed; with rdbchecksum off the checksum is
// zero, and a server that checks loads the file all the same; an empty
// dataset makes a valid dump too.
func TestRDBCheckAcceptsOurDumps(t *testing.T) {
	needTool(t, "redis-check-rdb")
	for _, tc := range []struct {
		name                  string
		compression, checksum string
		empty                 bool
	}{
		{name: "rdbcompression_yes", compression: "yes", checksum: "yes"},
		{name: "rdbcompression_no", compression: "no", checksum: "yes"},
		{name: "rdbchecksum_no", compression: "yes", checksum: "no"},
		{name: "empty", compression: "yes", checksum: "yes", empty: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := startServerIn(t, dir, "--save", "", "--rdbcompression", tc.compression, "--rdbchecksum", tc.checksum)
			if !tc.empty {
				fillFixture(t, p.Addr(), fixtureDeadline())
			}
			keys, expires := keyspaceCounts(t, p.Addr())
			c := dialRaw(t, p.Addr())
			for _, how := range []string{"SAVE", "BGSAVE"} {
				os.Remove(dumpPath(dir))
				saves := infoInt(t, p.Addr(), "persistence", "rdb_saves")
				switch got := c.Do(how); {
				case how == "SAVE" && got != "+OK\r\n":
					t.Fatalf("SAVE: %q", got)
				case how == "BGSAVE" && got != "+Background saving started\r\n":
					t.Fatalf("BGSAVE: %q", got)
				}
				waitBgsave(t, p.Addr(), saves)
				out := checkRDB(t, dumpPath(dir))
				for _, want := range []string{
					fmt.Sprintf("[info] %d keys read", keys),
					fmt.Sprintf("[info] %d expires", expires),
					"[info] 0 already expired",
				} {
					if !strings.Contains(out, want) {
						t.Errorf("%s: redis-check-rdb does not say %q:\n%s", how, want, out)
					}
				}
				for db := 0; db < 16 && !tc.empty; db++ {
					if !strings.Contains(out, fmt.Sprintf("Selecting DB ID %d\n", db)) {
						t.Errorf("%s: redis-check-rdb saw no database %d:\n%s", how, db, out)
					}
				}
				data, err := os.ReadFile(dumpPath(dir))
				if err != nil {
					t.Fatal(err)
				}
				verbatim := bytes.Contains(data, []byte(strings.Repeat("compress me ", 200)))
				if !tc.empty && verbatim == (tc.compression == "yes") {
					t.Errorf("%s with rdbcompression %s: the repetitive string is stored verbatim: %v", how, tc.compression, verbatim)
				}
				if zero := bytes.HasSuffix(data, make([]byte, 8)); zero != (tc.checksum == "no") {
					t.Errorf("%s with rdbchecksum %s: the checksum is zero: %v", how, tc.checksum, zero)
				}
			}
			p.Stop()
			p = startServerIn(t, dir, "--save", "")
			if k, e := keyspaceCounts(t, p.Addr()); k != keys || e != expires {
				t.Errorf("the restart on the dump holds %d keys, %d with an expiry; want %d and %d", k, e, keys, expires)
			}
		})
	}
}

// TestRDBRedisLoadsOurs: a real redis-server started on redis-fast's dump
// serves the same dataset, key by key, with the same deadlines and the
// same encodings.
func TestRDBRedisLoadsOurs(t *testing.T) {
	redisServerPath(t)
	seed := rand.Uint64()
	dir := t.TempDir()
	p := startServerIn(t, dir, "--save", "")
	fillFixture(t, p.Addr(), fixtureDeadline())
	writeLoad(t, p.Addr(), seed, loadOptions{conns: 4, commands: 1000, dbs: 4})
	want := dumpDataset(t, p.Addr())
	wantExp := expiries(t, p.Addr(), want)
	if got := dialRaw(t, p.Addr()).Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	p.Stop()
	checkRDB(t, dumpPath(dir))

	rdir := t.TempDir()
	copyFile(t, dumpPath(dir), dumpPath(rdir))
	r := startRedisOnDump(t, rdir)
	got := dumpDataset(t, r.Addr())
	sameDataset(t, "redis-server on redis-fast's dump", want, got)
	sameByKey(t, "redis-server on redis-fast's dump", "PEXPIRETIME", wantExp, expiries(t, r.Addr(), got))
	// A value's encoding after a load depends on the file, not on how the
	// value was made (an APPENDed string is raw until a reload makes it
	// embstr): both servers loading the same dump must agree.
	p = startServerIn(t, dir, "--save", "")
	for db := range 2 {
		sameByKey(t, fmt.Sprintf("redis-fast and redis-server on redis-fast's dump, db %d", db), "encoding",
			encodings(t, r.Addr(), db), encodings(t, p.Addr(), db))
	}
	t.Logf("%d keys, %d with an expiry", len(want), len(wantExp))
}

// TestRDBWeLoadRedis: redis-fast started on a dump that a real
// redis-server 7.0 saved, holding every type in every encoding (and, with
// rdbcompression yes, LZF-compressed strings and nodes), serves the same
// dataset with the same deadlines and encodings.
func TestRDBWeLoadRedis(t *testing.T) {
	redisServerPath(t)
	for _, compression := range []string{"yes", "no"} {
		t.Run("rdbcompression_"+compression, func(t *testing.T) {
			seed := rand.Uint64()
			r := startRedis(t, "rdbcompression "+compression)
			fillFixture(t, r.Addr(), fixtureDeadline())
			writeLoad(t, r.Addr(), seed, loadOptions{conns: 4, commands: 1000, dbs: 4})
			rc := dialRaw(t, r.Addr())
			if got := rc.Do("DEBUG", "POPULATE", "5000", "populated", "40"); got != "+OK\r\n" {
				t.Fatalf("DEBUG POPULATE: %q", got)
			}
			want := dumpDataset(t, r.Addr())
			wantExp := expiries(t, r.Addr(), want)
			if got := rc.Do("SAVE"); got != "+OK\r\n" {
				t.Fatalf("SAVE on redis-server: %q", got)
			}
			dir := t.TempDir()
			data := copyFile(t, dumpPath(r.Dir), dumpPath(dir))
			verbatim := bytes.Contains(data, []byte(strings.Repeat("compress me ", 200)))
			if verbatim == (compression == "yes") {
				t.Fatalf("redis-server with rdbcompression %s stored the repetitive string verbatim: %v", compression, verbatim)
			}

			p := startServerIn(t, dir, "--save", "")
			got := dumpDataset(t, p.Addr())
			sameDataset(t, "redis-fast on redis-server's dump", want, got)
			sameByKey(t, "redis-fast on redis-server's dump", "PEXPIRETIME", wantExp, expiries(t, p.Addr(), got))

			// The encodings a load gives, with a second redis-server on the
			// same dump as the reference; the fixture has every one.
			r2 := startRedisOnDump(t, dir)
			seen := map[string]bool{}
			for db := range 2 {
				wantEnc := encodings(t, r2.Addr(), db)
				for _, enc := range wantEnc {
					seen[enc] = true
				}
				sameByKey(t, fmt.Sprintf("redis-fast on redis-server's dump, db %d", db), "encoding", wantEnc, encodings(t, p.Addr(), db))
			}
			for _, enc := range []string{"int", "embstr", "raw", "quicklist", "intset", "listpack", "hashtable", "skiplist"} {
				if !seen[enc] {
					t.Errorf("the dump has no %s value in databases 0 and 1 (it has %v)", enc, seen)
				}
			}
		})
	}
}

// TestRDBLoadSkipsExpiredKeys: keys whose deadline has passed when a dump
// is loaded are left out, and counted in INFO persistence's
// rdb_last_load_keys_expired, as in Redis; the others keep their
// deadlines.
func TestRDBLoadSkipsExpiredKeys(t *testing.T) {
	redisServerPath(t)
	dir := t.TempDir()
	if err := os.WriteFile(dumpPath(dir), dumpWithExpiredKeys(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startRedisOnDump(t, dir)
	p := startServerIn(t, dir, "--save", "")
	sameReplies(t, "a dump with expired keys", r.Addr(), p.Addr(), [][]string{
		{"DBSIZE"}, {"EXISTS", "gone"}, {"EXISTS", "gone2"}, {"GET", "kept"}, {"PEXPIRETIME", "kept"},
		{"PEXPIRETIME", "future"},
	})
	sameInfoFields(t, "after loading a dump with expired keys", r, p, "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded")
}

// dumpWithExpiredKeys is a dump of four keys in database 0: "gone" and
// "gone2" (a list) have expired, "kept" has no expiry, "future" expires
// when the fixture's keys do.
func dumpWithExpiredKeys() []byte {
	expiry := func(ms int64) string { return "\xfc" + string(appendLE(nil, uint64(ms), 8)) }
	return rdbFile("\xfe\x00\xfb\x04\x03" +
		expiry(1000) + "\x00\x04gone\x01v" +
		expiry(time.Now().Add(-time.Hour).UnixMilli()) + "\x01\x05gone2\x01\x01x" +
		"\x00\x04kept\x01v" +
		expiry(fixtureDeadline()) + "\x00\x06future\x01v")
}

// TestRDBDebugReload: DEBUG RELOAD saves the dump and loads it back, as
// Redis's does: with NOSAVE NOFLUSH MERGE the dump's keys take the place of
// those of the same name (value, type and expiry), and the others stay;
// NOSAVE loads the file as it is; INFO persistence counts the keys the last
// load read and those it left out as expired, and rdb_saves does not count
// the reload's save; a bad option gets Redis's error.
func TestRDBDebugReload(t *testing.T) {
	r := startRedis(t)
	p := startServer(t, "--save", "", "--enable-debug-command", "yes")
	sameReplies(t, "DEBUG RELOAD", r.Addr(), p.Addr(), [][]string{
		{"SET", "a", "1"}, {"SET", "b", "2"}, {"RPUSH", "l", "x"}, {"SAVE"},
		{"SET", "a", "changed"}, {"SET", "z", "new"}, {"EXPIRE", "b", "1000"}, {"DEL", "l"}, {"SADD", "l", "m"},
		{"DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"},
		{"MGET", "a", "b", "z"}, {"TTL", "b"}, {"TYPE", "l"}, {"DBSIZE"},
		{"DEBUG", "RELOAD", "NOSAVE", "BOGUS"},
		{"DEL", "z"}, {"DEBUG", "RELOAD"}, {"DBSIZE"}, {"MGET", "a", "b", "z"},
		{"DEBUG", "RELOAD", "MERGE"}, {"DBSIZE"},
	})
	sameInfoFields(t, "after DEBUG RELOAD", r, p,
		"rdb_saves", "rdb_last_load_keys_loaded", "rdb_last_load_keys_expired", "rdb_changes_since_last_save")

	for _, s := range []*process{r, p} {
		if err := os.WriteFile(dumpPath(s.Dir), dumpWithExpiredKeys(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sameReplies(t, "DEBUG RELOAD NOSAVE of a dump with expired keys", r.Addr(), p.Addr(), [][]string{
		{"DEBUG", "RELOAD", "NOSAVE"}, {"DBSIZE"}, {"GET", "kept"}, {"EXISTS", "gone"},
	})
	sameInfoFields(t, "after DEBUG RELOAD NOSAVE of a dump with expired keys", r, p,
		"rdb_saves", "rdb_last_load_keys_loaded", "rdb_last_load_keys_expired")
}

// dumpPayload is a DUMP payload of value (a type byte and the value's
// encoding) for RDB version ver, with its checksum.
func dumpPayload(value string, ver uint16) string {
	b := appendLE([]byte(value), uint64(ver), 2)
	return string(appendLE(b, redisCRC64(b), 8))
}

// TestRDBDumpRestoreInterop: DUMP of every type and encoding in redis-fast
// RESTOREs in a real redis-server as the same value, with the same
// deadline and encoding, and the other way round.
func TestRDBDumpRestoreInterop(t *testing.T) {
	r := startRedis(t)
	p := startServer(t)
	deadline := fixtureDeadline()
	pipeline(t, r.Addr(), fixtureCommands(0, deadline))
	pipeline(t, p.Addr(), fixtureCommands(0, deadline))
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: r.Addr(), Protocol: 2})
	defer rc.Close()
	pc := redis.NewClient(&redis.Options{Addr: p.Addr(), Protocol: 2})
	defer pc.Close()
	keys, err := pc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	for _, dir := range []struct {
		name     string
		from, to *redis.Client
	}{{"redis-fast to redis-server", pc, rc}, {"redis-server to redis-fast", rc, pc}} {
		for _, k := range keys {
			payload, err := dir.from.Dump(ctx, k).Result()
			if err != nil {
				t.Fatalf("%s: DUMP %q: %v", dir.name, short(k), err)
			}
			at, _ := dir.from.Do(ctx, "PEXPIRETIME", k).Int64()
			args := []any{"RESTORE", "copy:" + k, 0, payload}
			if at > 0 {
				args = []any{"RESTORE", "copy:" + k, at, payload, "ABSTTL"}
			}
			if err := dir.to.Do(ctx, args...).Err(); err != nil {
				t.Errorf("%s: RESTORE of %q: %v", dir.name, short(k), err)
				continue
			}
			want, _ := readKey(t, ctx, dir.from, k)
			got, _ := readKey(t, ctx, dir.to, "copy:"+k)
			if got != want {
				t.Errorf("%s: %q restored as %s %q ttl=%v, want %s %q ttl=%v", dir.name, short(k),
					got.typ, short(got.content), got.ttl, want.typ, short(want.content), want.ttl)
			}
			if gotAt, _ := dir.to.Do(ctx, "PEXPIRETIME", "copy:"+k).Int64(); gotAt != at {
				t.Errorf("%s: %q restored with PEXPIRETIME %d, want %d", dir.name, short(k), gotAt, at)
			}
			wantEnc, _ := dir.to.ObjectEncoding(ctx, k).Result()
			if gotEnc, _ := dir.to.ObjectEncoding(ctx, "copy:"+k).Result(); gotEnc != wantEnc {
				t.Errorf("%s: %q restored with encoding %q, want %q", dir.name, short(k), gotEnc, wantEnc)
			}
		}
	}
	// Values whose layout does not depend on a hash table's order are
	// written byte for byte as Redis writes them.
	for _, k := range keys {
		if enc, _ := rc.ObjectEncoding(ctx, k).Result(); enc == "hashtable" {
			continue
		}
		got, _ := pc.Dump(ctx, k).Result()
		if want, _ := rc.Dump(ctx, k).Result(); got != want {
			t.Errorf("DUMP %q: redis-fast %q, Redis %q", short(k), short(got), short(want))
		}
	}
}

// TestRDBRestoreOptionsAndErrors: RESTORE's options and its error replies,
// byte for byte as Redis 7.0 gives them, for the same commands and
// payloads: a busy key, bad TTLs, IDLETIME and FREQ out of range or
// together, unknown options, payloads with a bad checksum, a newer
// version, a bad value type, an empty or malformed value; and the effects
// of REPLACE, ABSTTL, IDLETIME and FREQ.
func TestRDBRestoreOptionsAndErrors(t *testing.T) {
	r := startRedis(t)
	p := startServer(t)
	str := dumpPayload("\x00\x05hello", 10)
	badSum := []byte(str)
	badSum[len(badSum)-1] ^= 0xff
	at := strconv.FormatInt(fixtureDeadline(), 10)
	cmds := [][]string{
		{"SET", "busy", "x"},
		{"RESTORE", "busy", "0", str},
		{"RESTORE", "busy", "-1", str},
		{"RESTORE", "busy", "0", str, "BOGUS"},
		{"RESTORE", "busy", "0", str, "REPLACE"},
		{"GET", "busy"},
		{"RESTORE", "k", "-1", str},
		{"RESTORE", "k", "abc", str},
		{"RESTORE", "k", "0", str, "IDLETIME", "-1"},
		{"RESTORE", "k", "0", str, "IDLETIME", "abc"},
		{"RESTORE", "k", "0", str, "IDLETIME"},
		{"RESTORE", "k", "0", str, "FREQ", "256"},
		{"RESTORE", "k", "0", str, "FREQ", "-1"},
		{"RESTORE", "k", "0", str, "FREQ", "x"},
		{"RESTORE", "k", "0", str, "IDLETIME", "10", "FREQ", "10"},
		{"RESTORE", "k", "0", str, "FREQ", "10", "IDLETIME", "10"},
		{"RESTORE", "k", "0", str, "BOGUS"},
		{"RESTORE", "k", "0", string(badSum)},
		{"RESTORE", "k", "0", "short"},
		{"RESTORE", "k", "0", ""},
		{"RESTORE", "k", "0", dumpPayload("\x00\x05hello", 11)},
		{"RESTORE", "k", "0", dumpPayload("\x3f\x01v", 10)},
		{"RESTORE", "k", "0", dumpPayload("\x12\x00", 10)},
		{"RESTORE", "k", "0", dumpPayload("\x02\x00", 10)},
		{"RESTORE", "k", "0", dumpPayload("\x10\x07\x63\x00\x00\x00\x00\x00\xff", 10)},
		{"EXISTS", "k"},
		{"RESTORE", "k", "0"},
		{"DUMP"},
		{"DUMP", "nokey"},
		{"RESTORE", "old", "0", dumpPayload("\x00\x05hello", 9)},
		{"GET", "old"},
		{"RESTORE", "trailing", "0", dumpPayload("\x00\x02abzz", 10)},
		{"GET", "trailing"},
		{"RESTORE", "cut", "0", dumpPayload("\x00\x05ab", 10)},
		{"GET", "cut"},
		{"RESTORE", "twice", "0", str, "REPLACE", "REPLACE", "ABSTTL"},
		{"GET", "twice"},
		{"RESTORE", "past", "1", str, "ABSTTL"},
		{"EXISTS", "past"},
		{"RESTORE", "busy", "1", str, "REPLACE", "ABSTTL"},
		{"EXISTS", "busy"},
		{"RESTORE", "abs", at, str, "ABSTTL"},
		{"PEXPIRETIME", "abs"},
		{"RESTORE", "idle", "0", str, "IDLETIME", "1000"},
		{"RESTORE", "freq", "0", str, "FREQ", "100"},
		{"OBJECT", "FREQ", "freq"},
		{"RESTORE", "rel", "100000", str},
		{"TYPE", "rel"},
	}
	sameReplies(t, "RESTORE", r.Addr(), p.Addr(), cmds)
	for _, s := range []*process{r, p} {
		c := dialRaw(t, s.Addr())
		idle, _ := strconv.Atoi(strings.Trim(c.Do("OBJECT", "IDLETIME", "idle"), ":\r\n"))
		if idle < 1000 || idle > 1000+int(syncDeadline/time.Second) {
			t.Errorf("on port %d: RESTORE ... IDLETIME 1000 then OBJECT IDLETIME = %d", s.Port, idle)
		}
		pttl, _ := strconv.Atoi(strings.Trim(c.Do("PTTL", "rel"), ":\r\n"))
		if pttl <= 0 || pttl > 100000 {
			t.Errorf("on port %d: RESTORE rel 100000 then PTTL = %d", s.Port, pttl)
		}
	}
}
