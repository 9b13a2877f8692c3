package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"redis-fast/persistence/crc64"
)

// Files in the encodings Redis wrote before 7.0 (ziplists, zipmaps,
// quicklists of ziplists, plain lists, text scores, expiries in seconds),
// built here by a small writer of our own, checked by redis-check-rdb and
// loaded by a real redis-server 7.0 as the reference for what our decoder
// must produce.

// zlItem is a ziplist entry to write: a string, or an integer.
type zlItem struct {
	s     string
	v     int64
	isInt bool
}

func zs(s string) zlItem { return zlItem{s: s} }
func zi(v int64) zlItem  { return zlItem{v: v, isInt: true} }
func zpairs(kv ...string) []zlItem {
	out := make([]zlItem, len(kv))
	for i, s := range kv {
		out[i] = zs(s)
	}
	return out
}

// buildZiplist lays out a ziplist as ziplist.c does.
func buildZiplist(items []zlItem) []byte {
	b := make([]byte, zlHeaderSize)
	prev, tail := 0, zlHeaderSize
	for _, it := range items {
		start := len(b)
		tail = start
		if prev < 254 {
			b = append(b, byte(prev))
		} else {
			b = append(b, 0xFE)
			b = binary.LittleEndian.AppendUint32(b, uint32(prev))
		}
		if it.isInt {
			b = appendZlInt(b, it.v)
		} else {
			switch n := len(it.s); {
			case n < 64:
				b = append(b, byte(n))
			case n < 16384:
				b = append(b, 0x40|byte(n>>8), byte(n))
			default:
				b = append(b, 0x80)
				b = binary.BigEndian.AppendUint32(b, uint32(n))
			}
			b = append(b, it.s...)
		}
		prev = len(b) - start
	}
	b = append(b, zlEnd)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(tail))
	binary.LittleEndian.PutUint16(b[8:], uint16(min(len(items), zlCountAbsent)))
	return b
}

func appendZlInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 12:
		return append(b, 0xF1+byte(v))
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(b, 0xFE, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return append(b, 0xC0, byte(v), byte(v>>8))
	case v >= -1<<23 && v < 1<<23:
		return append(b, 0xF0, byte(v), byte(v>>8), byte(v>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(b, 0xD0), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xE0), uint64(v))
}

// buildZipmap lays out a zipmap; free adds that many unused bytes after
// each value, as zipmap.c leaves after an update.
func buildZipmap(free int, kv ...string) []byte {
	b := []byte{byte(min(len(kv)/2, zmBigLen))}
	putLen := func(n int) {
		if n < zmBigLen {
			b = append(b, byte(n))
		} else {
			b = append(b, zmBigLen)
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		putLen(len(kv[i]))
		b = append(b, kv[i]...)
		putLen(len(kv[i+1]))
		b = append(b, byte(free))
		b = append(b, kv[i+1]...)
		b = append(b, make([]byte, free)...)
	}
	return append(b, zmEnd)
}

// legacyFile writes RDB files record by record.
type legacyFile struct {
	b  []byte
	vw valueWriter
}

func newLegacyFile(version int, compress bool) *legacyFile {
	f := &legacyFile{vw: valueWriter{f: Format{Compression: compress}}}
	f.b = append(f.b, "REDIS"+strings.Repeat("0", 4-len(strconv.Itoa(version)))+strconv.Itoa(version)...)
	return f
}

func (f *legacyFile) raw(b ...byte) *legacyFile   { f.b = append(f.b, b...); return f }
func (f *legacyFile) str(s string) *legacyFile    { f.b = f.vw.appendString(f.b, []byte(s)); return f }
func (f *legacyFile) length(n uint64) *legacyFile { f.b = appendLen(f.b, n); return f }

// key starts a key of type t.
func (f *legacyFile) key(t byte, key string) *legacyFile { return f.raw(t).str(key) }

// finish appends EOF and, from version 5, the checksum.
func (f *legacyFile) finish(version int) []byte {
	f.b = append(f.b, opEOF)
	if version >= 5 {
		f.b = binary.LittleEndian.AppendUint64(f.b, crc64.Checksum(f.b))
	}
	return f.b
}

// textScore appends a score as RDB before version 8 stored it.
func (f *legacyFile) textScore(s float64) *legacyFile {
	switch {
	case math.IsInf(s, 1):
		return f.raw(254)
	case math.IsInf(s, -1):
		return f.raw(255)
	}
	t := strconv.FormatFloat(s, 'g', 17, 64)
	return f.raw(byte(len(t))).raw([]byte(t)...)
}

// legacyDump builds a version-9 file holding every legacy encoding.
//
// withEmpty adds an empty list, which Redis's loader skips but
// redis-check-rdb reports as an error.
func legacyDump(version int, withEmpty bool) []byte {
	f := newLegacyFile(version, true)
	f.raw(opAux).str("redis-ver").str("5.0.14")
	f.raw(opSelectDB).length(0).raw(opResizeDB).length(20).length(2)
	// Plain forms.
	f.key(typeList, "plain:list").length(4).str("a").str("12345").str("").str(strings.Repeat("z", 300))
	f.key(typeSet, "plain:set:ints").length(3).str("3").str("-1").str("70000")
	f.key(typeSet, "plain:set").length(3).str("x").str("1").str("y")
	f.key(typeHash, "plain:hash").length(2).str("f1").str("v1").str("f2").str("12")
	f.key(typeZSet, "plain:zset").length(4).str("a").textScore(1.5).str("b").textScore(math.Inf(1)).
		str("c").textScore(math.Inf(-1)).str("d").textScore(-3)
	f.key(typeZSet2, "plain:zset2").length(2).str("m")
	f.b = binary.LittleEndian.AppendUint64(f.b, math.Float64bits(0.25))
	f.str("n")
	f.b = binary.LittleEndian.AppendUint64(f.b, math.Float64bits(-7))
	// Ziplists: a list with every integer width, a list of long strings
	// (5-byte prevlens), hashes and sorted sets.
	f.key(typeListZiplist, "zl:list").str(string(buildZiplist([]zlItem{
		zi(0), zi(12), zi(13), zi(-128), zi(300), zi(-70000), zi(8000000), zi(-2000000000), zi(1 << 40),
		zs("str"), zs(""), zs(strings.Repeat("s", 100)),
	})))
	f.key(typeListZiplist, "zl:long").str(string(buildZiplist([]zlItem{
		zs(strings.Repeat("a", 300)), zs(strings.Repeat("b", 20000)), zs("c"),
	})))
	f.key(typeHashZiplist, "zl:hash").str(string(buildZiplist(append(zpairs("name", "old"), zs("n"), zi(7)))))
	f.key(typeZSetZiplist, "zl:zset").str(string(buildZiplist([]zlItem{
		zs("c"), zs("-inf"), zs("a"), zi(1), zs("b"), zs("2.5"), zi(99), zi(100), // sorted, as Redis wrote them
	})))
	// Quicklist of ziplists (RDB 7-9), one node compressed.
	node1 := buildZiplist([]zlItem{zs("q1"), zi(2), zs("q3")})
	node2 := buildZiplist([]zlItem{zs(strings.Repeat("compress me ", 10)), zi(5)})
	f.key(typeListQuicklist, "ql:list").length(2).str(string(node1)).str(string(node2))
	// Zipmaps (Redis 2.4), with and without free bytes, a long value.
	f.key(typeHashZipmap, "zm:hash").str(string(buildZipmap(0, "a", "1", "bb", "22")))
	f.key(typeHashZipmap, "zm:free").str(string(buildZipmap(2, "field", "value", "long", strings.Repeat("l", 300))))
	// An intset of width 8 holding small numbers (Redis keeps the width).
	is := binary.LittleEndian.AppendUint32(nil, 8)
	is = binary.LittleEndian.AppendUint32(is, 2)
	is = binary.LittleEndian.AppendUint64(is, uint64(1))
	is = binary.LittleEndian.AppendUint64(is, uint64(2))
	f.key(typeSetIntset, "intset:wide").str(string(is))
	// Expiries: in seconds (before RDB 3) and ms; IDLE and FREQ opcodes.
	f.raw(opExpireTime).raw(binary.LittleEndian.AppendUint32(nil, 2000000000)...) // 2033, within int32
	f.key(typeString, "exp:seconds").str("v")
	f.raw(opExpireTimeMS).raw(binary.LittleEndian.AppendUint64(nil, 4102444800500)...)
	f.raw(opIdle).length(100).raw(opFreq, 5)
	f.key(typeString, "exp:ms").str("w")
	if withEmpty {
		f.key(typeList, "empty:list").length(0)
	}
	// A second database.
	f.raw(opSelectDB).length(3)
	f.key(typeString, "db3").str("three")
	return f.finish(version)
}

func TestLegacyEncodings(t *testing.T) {
	for _, version := range []int{4, 6, 9} {
		file := legacyDump(version, true)
		ks, info := loadBytes(t, file, LoadOptions{Checksum: true})
		if info.Empty != 1 || info.Keys != 17 || info.Version != version || info.RedisVer != "5.0.14" {
			t.Errorf("v%d: info %+v", version, info)
		}
		x := newTesterWith(t, ks)
		if got := x.query(0, "LRANGE", "zl:list", "0", "-1"); !equalStrings(got, "0", "12", "13", "-128", "300", "-70000",
			"8000000", "-2000000000", "1099511627776", "str", "", strings.Repeat("s", 100)) {
			t.Errorf("v%d: zl:list = %q", version, got)
		}
		if got := x.query(0, "ZRANGE", "zl:zset", "0", "-1", "WITHSCORES"); !equalStrings(got, "c", "-inf", "a", "1", "b", "2.5", "99", "100") {
			t.Errorf("v%d: zl:zset = %q", version, got)
		}
		if got := x.query(0, "HGET", "zm:free", "long"); got != strings.Repeat("l", 300) {
			t.Errorf("v%d: zm:free long = %q", version, got)
		}
		if got := x.query(0, "PEXPIRETIME", "exp:seconds"); got != int64(2000000000000) {
			t.Errorf("v%d: exp:seconds expires at %v", version, got)
		}
	}
}

func equalStrings(v any, want ...string) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) != len(want) {
		return false
	}
	for i := range arr {
		if arr[i] != want[i] {
			return false
		}
	}
	return true
}

// TestLegacyAgainstRedis: redis-check-rdb accepts the legacy files, and a
// real redis-server loads them into the dataset our decoder produces.
func TestLegacyAgainstRedis(t *testing.T) {
	needTool(t, "redis-server")
	for _, version := range []int{6, 9} {
		dir := t.TempDir()
		file := legacyDump(version, false)
		path := filepath.Join(dir, "dump.rdb")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		checkRDB(t, path)
		real := startRedis(t, dir, "dump.rdb")
		ks, _ := loadBytes(t, file, LoadOptions{Checksum: true, Now: time.Now().UnixMilli()})
		ours := newTesterWith(t, ks)
		ours.now = time.Now().UnixMilli()
		compareSnapshots(t, "v"+strconv.Itoa(version), snapshot(t, ours, 16), snapshot(t, real, 16))
	}
}

// TestRedisFunctionsAndStreams: a real 7.0 dump holding a function library
// is refused unless functions are skipped; one holding a stream is refused
// naming the type and the offset.
func TestRedisFunctionsAndStreams(t *testing.T) {
	needTool(t, "redis-server")
	dir := t.TempDir()
	real := startRedis(t, dir, "dump.rdb")
	real.run(0, "FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f', function() return 1 end)")
	real.run(0, "SET", "k", "v")
	real.run(0, "SAVE")
	file, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(bytes.NewReader(file), newTester(t).ks, LoadOptions{Checksum: true})
	if !errors.Is(err, ErrUnsupported) || IsCorrupt(err) || !strings.Contains(err.Error(), "function") {
		t.Fatalf("Load of a dump with functions = %v, want ErrUnsupported", err)
	}
	ks, info := loadBytes(t, file, LoadOptions{Checksum: true, SkipFunctions: true})
	if len(info.Functions) != 1 || !strings.HasPrefix(string(info.Functions[0]), "#!lua name=mylib") || ks.DB(0).Size() != 1 {
		t.Fatalf("SkipFunctions: %d functions, %d keys", len(info.Functions), ks.DB(0).Size())
	}
	real.run(0, "FUNCTION", "FLUSH")
	real.run(0, "XADD", "stream", "*", "a", "1")
	real.run(0, "SAVE")
	if file, err = os.ReadFile(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bytes.NewReader(file), newTester(t).ks, LoadOptions{Checksum: true})
	var e *Error
	if !errors.Is(err, ErrUnsupported) || !errors.As(err, &e) || e.Offset <= 9 || !strings.Contains(err.Error(), "unsupported type 19 (stream)") {
		t.Fatalf("Load of a dump with a stream = %v", err)
	}
}

// TestSetListpack: RDB 11 (Redis 7.2) stores small sets as listpacks.
func TestSetListpack(t *testing.T) {
	var w lpWriter
	build := func(members ...string) string {
		w.reset(nil)
		for _, m := range members {
			w.add([]byte(m))
		}
		return string(w.finish())
	}
	file := newLegacyFile(11, false).raw(opSelectDB).length(0).
		key(typeSetListpack, "s").str(build("a", "1", "b", "-70000")).
		key(typeSetListpack, "ints").str(build("3", "1", "2")).finish(11)
	ks, _ := loadBytes(t, file, LoadOptions{Checksum: true})
	x := newTesterWith(t, ks)
	if got := sortedStrings(x.query(0, "SMEMBERS", "s")); strings.Join(got, ",") != "-70000,1,a,b" {
		t.Errorf("SMEMBERS s = %q", got)
	}
	if got := x.query(0, "OBJECT", "ENCODING", "ints"); got != "intset" {
		t.Errorf("a set listpack of integers loads as %v, want intset", got)
	}
	dup := newLegacyFile(11, false).raw(opSelectDB).length(0).key(typeSetListpack, "s").str(build("a", "a")).finish(11)
	if _, err := Load(bytes.NewReader(dup), newTester(t).ks, LoadOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("duplicate member: %v, want ErrCorrupt", err)
	}
}

// TestLoadRedisFixture loads a dump a real redis-server 7.0.15 saved (with
// rdbcompression, LZF-compressed quicklist nodes and a plain node), so the
// decoder meets Redis's own output even where redis-server is missing.
func TestLoadRedisFixture(t *testing.T) {
	file, err := os.ReadFile("testdata/redis-7.0.15.rdb")
	if err != nil {
		t.Fatal(err)
	}
	ks, info := loadBytes(t, file, LoadOptions{Checksum: true, Now: time.Now().UnixMilli()})
	if info.RedisVer != "7.0.15" || info.Keys != 14 || info.Checksum == 0 || info.Size != int64(len(file)) {
		t.Errorf("info %+v", info)
	}
	x := newTesterWith(t, ks)
	x.now = time.Now().UnixMilli()
	var biglist []string
	for i := 1; i <= 1200; i++ {
		biglist = append(biglist, "item-"+strconv.Itoa(i%40))
	}
	cases := []struct {
		args []string
		want any
	}{
		{args: []string{"GET", "str"}, want: "hello"},
		{args: []string{"OBJECT", "ENCODING", "int"}, want: "int"},
		{args: []string{"GET", "comp"}, want: strings.Repeat("compress", 20)},
		{args: []string{"LRANGE", "list", "0", "-1"}, want: []string{"a", "b", "1", "2"}},
		{args: []string{"LRANGE", "biglist", "0", "-1"}, want: biglist},
		{args: []string{"LRANGE", "plain", "0", "-1"}, want: []string{"x", strings.Repeat("p", 150), "y"}},
		{args: []string{"OBJECT", "ENCODING", "iset"}, want: "intset"},
		{args: []string{"OBJECT", "ENCODING", "sset"}, want: "hashtable"},
		{args: []string{"HGET", "h", "n"}, want: "7"},
		{args: []string{"OBJECT", "ENCODING", "h"}, want: "listpack"},
		{args: []string{"OBJECT", "ENCODING", "hbig"}, want: "hashtable"},
		{args: []string{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, want: []string{"a", "1", "b", "2.5"}},
		{args: []string{"ZRANGE", "zbig", "0", "-1", "WITHSCORES"}, want: []string{"a", "1", strings.Repeat("m", 70), "2"}},
		{args: []string{"OBJECT", "ENCODING", "zbig"}, want: "skiplist"},
		{args: []string{"TTL", "exp"}, want: int64(-3)}, // any positive TTL; checked below
	}
	for _, tc := range cases {
		got := x.query(0, tc.args...)
		switch want := tc.want.(type) {
		case []string:
			if !equalStrings(got, want...) {
				t.Errorf("%q = %.200q", tc.args, got)
			}
		case int64:
			if ttl, ok := got.(int64); !ok || ttl <= 0 {
				t.Errorf("%q = %v, want a positive TTL", tc.args, got)
			}
		default:
			if got != want {
				t.Errorf("%q = %q, want %q", tc.args, got, want)
			}
		}
	}
	if got := x.query(2, "GET", "db2"); got != "two" {
		t.Errorf("db 2: GET db2 = %v", got)
	}
}
