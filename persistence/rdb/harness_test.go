package rdb

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"redis-fast/db"
	"redis-fast/proto"
)

// tester runs data commands against a keyspace without a network, as the
// dispatcher would (arity checked, every shard of the database locked),
// with a clock the test sets. It knows the db tables and this package's
// DUMP and RESTORE.
type tester struct {
	t     testing.TB
	ks    *db.Keyspace
	w     proto.Writer
	ctx   db.Ctx
	stats db.Stats
	cmds  map[string]*db.Command
	now   int64
}

// testNow is the tests' clock: 2023-11-14, so far-future expiries set
// with PEXPIREAT stay in the future for real servers too.
const testNow = 1_700_000_000_000

func newTester(t testing.TB) *tester {
	return newTesterWith(t, db.NewKeyspace(db.DefaultDatabases))
}

func newTesterWith(t testing.TB, ks *db.Keyspace) *tester {
	x := &tester{t: t, ks: ks, cmds: map[string]*db.Command{}, now: testNow}
	for _, group := range append(db.Groups(), Commands) {
		for i := range group {
			x.cmds[group[i].Name] = &group[i]
		}
	}
	x.ctx = db.Ctx{W: &x.w, DB: ks.DB(0), KS: ks, Stats: &x.stats}
	return x
}

// do runs one command in database dbi and returns the raw RESP2 reply.
func (x *tester) do(dbi int, args ...string) string {
	x.t.Helper()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	cmd := x.cmds[strings.ToLower(args[0])]
	if cmd == nil {
		x.t.Fatalf("%q: no such data command", args[0])
	}
	if cmd.Arity > 0 && len(argv) != cmd.Arity || len(argv) < -cmd.Arity {
		return "-ERR wrong number of arguments for '" + cmd.Name + "' command\r\n"
	}
	x.w.Buf = x.w.Buf[:0]
	x.ctx.DB = x.ks.DB(dbi)
	x.ctx.Begin(argv, x.now)
	if cmd.Flags&db.MultiDB != 0 {
		cmd.Run(&x.ctx, argv)
	} else {
		d := x.ctx.DB
		d.Lock(db.EveryShard, true)
		cmd.Run(&x.ctx, argv)
		x.ctx.FlushLog()
		d.Unlock(db.EveryShard, true)
	}
	if x.ctx.HasExpired() {
		x.ctx.ReclaimExpired()
	}
	return string(x.w.Buf)
}

// query runs a command and returns its reply parsed (see parseReply).
func (x *tester) query(dbi int, args ...string) any {
	x.t.Helper()
	v, rest, err := parseReply([]byte(x.do(dbi, args...)))
	if err != nil || len(rest) != 0 {
		x.t.Fatalf("%q: bad reply: %v", args, err)
	}
	return v
}

// parseReply parses one RESP2 reply: a string (simple or bulk), an int64,
// nil, an error (as replyError) or a []any.
func parseReply(b []byte) (any, []byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if len(b) == 0 || i < 0 {
		return nil, nil, fmt.Errorf("incomplete reply %q", b)
	}
	line, rest := string(b[1:i]), b[i+2:]
	switch b[0] {
	case '+':
		return line, rest, nil
	case '-':
		return replyError(line), rest, nil
	case ':':
		n, err := strconv.ParseInt(line, 10, 64)
		return n, rest, err
	case '$':
		n, err := strconv.Atoi(line)
		if err != nil || n < 0 {
			return nil, rest, err
		}
		if len(rest) < n+2 {
			return nil, nil, fmt.Errorf("short bulk")
		}
		return string(rest[:n]), rest[n+2:], nil
	case '*':
		n, err := strconv.Atoi(line)
		if err != nil || n < 0 {
			return nil, rest, err
		}
		arr := make([]any, n)
		for k := range arr {
			if arr[k], rest, err = parseReply(rest); err != nil {
				return nil, nil, err
			}
		}
		return arr, rest, nil
	}
	return nil, nil, fmt.Errorf("unknown reply type %q", b[0])
}

type replyError string

// source is anything commands can be sent to: our keyspace or a real
// redis-server.
type source interface {
	query(dbi int, args ...string) any
}

// snapshot describes every key of a dataset in one canonical string per
// key ("db/key" -> type, encoding, expiry and contents), using only
// commands, so a real server and ours can be compared the same way.
func snapshot(t testing.TB, s source, dbs int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := range dbs {
		keys, _ := s.query(i, "KEYS", "*").([]any)
		for _, k := range keys {
			key := k.(string)
			typ := s.query(i, "TYPE", key).(string)
			enc := s.query(i, "OBJECT", "ENCODING", key)
			exp := s.query(i, "PEXPIRETIME", key)
			var val any
			switch typ {
			case "string":
				val = s.query(i, "GET", key)
			case "list":
				val = s.query(i, "LRANGE", key, "0", "-1")
			case "set":
				val = sortedStrings(s.query(i, "SMEMBERS", key))
			case "hash":
				val = sortedPairs(s.query(i, "HGETALL", key))
			case "zset":
				val = s.query(i, "ZRANGE", key, "0", "-1", "WITHSCORES")
			}
			out[fmt.Sprintf("%d/%q", i, key)] = fmt.Sprintf("type=%s enc=%v exp=%v val=%q", typ, enc, exp, val)
		}
	}
	return out
}

func sortedStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, len(arr))
	for i, s := range arr {
		out[i] = s.(string)
	}
	sort.Strings(out)
	return out
}

func sortedPairs(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for i := 0; i+1 < len(arr); i += 2 {
		out = append(out, fmt.Sprintf("%q=%q", arr[i], arr[i+1]))
	}
	sort.Strings(out)
	return out
}

// compareSnapshots fails the test on every difference between two
// datasets, naming the key.
func compareSnapshots(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the expected dataset is empty", what)
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: key %s missing", what, k)
		case g != w:
			t.Errorf("%s: key %s\n  got  %.300s\n  want %.300s", what, k, g, w)
		default:
			continue
		}
		if bad++; bad > 20 {
			t.Fatalf("%s: too many differences", what)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key %s", what, k)
		}
	}
}

// encodeKeyspace writes ks as an RDB file, the way a snapshot would: each
// database with keys, every key with its expiry.
func encodeKeyspace(t testing.TB, ks *db.Keyspace, opts Options) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := NewEncoder(&out, opts)
	x := newTesterWith(t, ks)
	for i := range ks.Len() {
		keys, _ := x.query(i, "KEYS", "*").([]any)
		if len(keys) == 0 {
			continue
		}
		d := ks.DB(i)
		if err := enc.SelectDB(i, d.Size(), d.Expires()); err != nil {
			t.Fatal(err)
		}
		c := ks.LoadCtx(testNow)
		c.DB = d
		d.Lock(db.EveryShard, false)
		for _, k := range keys {
			o := d.LookupRead(c, []byte(k.(string)))
			if err := enc.WriteKeyString(k.(string), o, o.Expire()); err != nil {
				t.Fatal(err)
			}
		}
		d.Unlock(db.EveryShard, false)
		if err := enc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Finish(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// loadBytes loads an RDB file into a fresh keyspace.
func loadBytes(t testing.TB, file []byte, opts LoadOptions) (*db.Keyspace, Info) {
	t.Helper()
	ks := db.NewKeyspace(db.DefaultDatabases)
	if opts.Now == 0 {
		opts.Now = testNow
	}
	info, err := Load(bytes.NewReader(file), ks, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return ks, info
}
