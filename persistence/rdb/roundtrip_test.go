package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"redis-fast/db"
	"redis-fast/persistence/crc64"
)

// sourceKeyspace builds the shared dataset in a fresh keyspace of ours.
func sourceKeyspace(t *testing.T, seed uint64) *tester {
	t.Helper()
	x := newTester(t)
	populate(func(dbi int, args ...string) {
		if reply := x.do(dbi, args...); strings.HasPrefix(reply, "-") {
			t.Fatalf("%q: %s", args, reply)
		}
	}, seed)
	return x
}

func TestRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	src := sourceKeyspace(t, seed)
	want := snapshot(t, src, db.DefaultDatabases)
	cases := []struct {
		name string
		opts Options
	}{
		{name: "compressed, checksummed", opts: Options{Format: Format{Compression: true}, Checksum: true}},
		{name: "plain, no checksum", opts: Options{}},
		{name: "plain nodes and small nodes", opts: Options{Format: Format{Compression: true, PlainThreshold: 4000, ListMaxListpackSize: 5}, Checksum: true}},
		{name: "replication fields", opts: Options{Checksum: true, AOFBase: true, UsedMem: 12345, CTime: 1700000000,
			Repl: &ReplInfo{ID: strings.Repeat("ab", 20), Offset: 987654321, StreamDB: 3}}},
	}
	for _, tc := range cases {
		file := encodeKeyspace(t, src.ks, tc.opts)
		ks, info := loadBytes(t, file, LoadOptions{Checksum: true})
		compareSnapshots(t, tc.name, snapshot(t, newTesterWith(t, ks), db.DefaultDatabases), want)
		if info.Version != Version || info.RedisVer != RedisVersion || info.RedisBits != 64 || info.Size != int64(len(file)) {
			t.Errorf("%s: info %+v", tc.name, info)
		}
		if info.Keys != int64(len(want)) || info.Expired != 0 {
			t.Errorf("%s: loaded %d keys, %d expired; want %d, 0", tc.name, info.Keys, info.Expired, len(want))
		}
		stored := binary.LittleEndian.Uint64(file[len(file)-8:])
		if tc.opts.Checksum != (stored != 0) || tc.opts.Checksum && stored != crc64.Checksum(file[:len(file)-8]) {
			t.Errorf("%s: trailer %016x", tc.name, stored)
		}
		if r := tc.opts.Repl; r != nil {
			if info.ReplID != r.ID || info.ReplOffset != r.Offset || info.ReplStreamDB != r.StreamDB || !info.AOFBase ||
				info.UsedMem != 12345 || info.CTime != 1700000000 {
				t.Errorf("%s: replication info %+v", tc.name, info)
			}
		} else if info.ReplID != "" || info.ReplOffset != -1 || info.ReplStreamDB != -1 || info.AOFBase {
			t.Errorf("%s: replication info %+v without replication fields", tc.name, info)
		}
	}
}

// TestEncodings checks the type byte written for each encoding, and that
// compression and integer encoding happen where Redis applies them.
func TestEncodings(t *testing.T) {
	x := newTester(t)
	for _, cmd := range [][]string{
		{"SET", "s", "hello"}, {"RPUSH", "l", "a"}, {"SADD", "si", "1"}, {"SADD", "sh", "a"},
		{"HSET", "hl", "f", "v"}, {"HSET", "hh", "f", strings.Repeat("v", 65)},
		{"ZADD", "zl", "1", "m"}, {"ZADD", "zs", "1", strings.Repeat("m", 65)},
	} {
		x.do(0, cmd...)
	}
	want := map[string]byte{
		"s": typeString, "l": typeListQuicklist2, "si": typeSetIntset, "sh": typeSet,
		"hl": typeHashListpack, "hh": typeHash, "zl": typeZSetListpack, "zs": typeZSet2,
	}
	c := x.ks.LoadCtx(testNow)
	for key, typ := range want {
		o := x.ks.DB(0).LookupRead(c, []byte(key))
		rec, err := (&valueWriter{}).appendRecord(nil, []byte(key), o, 0)
		if err != nil || rec[0] != typ {
			t.Errorf("%s: record starts %v (%v), want type %d", key, rec[:1], err, typ)
		}
	}
	strCases := []struct {
		name     string
		in       string
		compress bool
		want     []byte
	}{
		{name: "int8", in: "-5", want: []byte{0xC0, 0xFB}},
		{name: "int16", in: "300", want: []byte{0xC1, 0x2C, 0x01}},
		{name: "int32", in: "70000", want: []byte{0xC2, 0x70, 0x11, 0x01, 0x00}},
		{name: "too big for int32", in: "5000000000", want: append([]byte{10}, "5000000000"...)},
		{name: "not canonical", in: "007", want: append([]byte{3}, "007"...)},
		{name: "20 bytes stay raw", in: strings.Repeat("a", 20), compress: true, want: append([]byte{20}, strings.Repeat("a", 20)...)},
		{name: "compressible", in: strings.Repeat("a", 21), compress: true}, // LZF: checked by decoding
		{name: "compression off", in: strings.Repeat("a", 21), want: append([]byte{21}, strings.Repeat("a", 21)...)},
	}
	for _, tc := range strCases {
		w := valueWriter{f: Format{Compression: tc.compress}}
		got := w.appendString(nil, []byte(tc.in))
		if tc.want == nil && got[0] != 0xC3 || tc.want != nil && !bytes.Equal(got, tc.want) {
			t.Errorf("%s: appendString(%q) = % x, want % x", tc.name, tc.in, got, tc.want)
		}
		d := decoder{rd: newBytesReader(got)}
		if back, err := d.readString(nil); err != nil || string(back) != tc.in {
			t.Errorf("%s: reads back as %q, %v", tc.name, back, err)
		}
	}
	lenCases := []struct {
		n    uint64
		want []byte
	}{
		{63, []byte{0x3F}}, {64, []byte{0x40, 0x40}}, {16383, []byte{0x7F, 0xFF}},
		{16384, []byte{0x80, 0, 0, 0x40, 0}}, {1 << 32, []byte{0x81, 0, 0, 0, 1, 0, 0, 0, 0}},
	}
	for _, tc := range lenCases {
		if got := appendLen(nil, tc.n); !bytes.Equal(got, tc.want) {
			t.Errorf("appendLen(%d) = % x, want % x", tc.n, got, tc.want)
		}
	}
}

// TestListpackBytes checks entries against Redis's listpack layout.
func TestListpackBytes(t *testing.T) {
	cases := []struct {
		in   string
		want []byte // entry + backlen
	}{
		{"0", []byte{0x00, 0x01}},
		{"127", []byte{0x7F, 0x01}},
		{"128", []byte{0xC0, 0x80, 0x02}},
		{"-1", []byte{0xDF, 0xFF, 0x02}},
		{"-4096", []byte{0xD0, 0x00, 0x02}},
		{"4096", []byte{0xF1, 0x00, 0x10, 0x03}},
		{"-32769", []byte{0xF2, 0xFF, 0x7F, 0xFF, 0x04}},
		{"8388608", []byte{0xF3, 0x00, 0x00, 0x80, 0x00, 0x05}},
		{"2147483648", []byte{0xF4, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x09}},
		{"abc", []byte{0x83, 'a', 'b', 'c', 0x04}},
		{"", []byte{0x80, 0x01}},
		{"01", []byte{0x82, '0', '1', 0x03}},
	}
	for _, tc := range cases {
		var w lpWriter
		w.reset(nil)
		w.add([]byte(tc.in))
		lp := w.finish()
		body := lp[lpHeaderSize : len(lp)-1]
		if !bytes.Equal(body, tc.want) || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[4] != 1 {
			t.Errorf("listpack of %q = % x, want entry % x", tc.in, lp, tc.want)
		}
		err := lpEach(lp, func(e lpEntry) error {
			var num [20]byte
			if got := string(e.text(&num)); got != tc.in {
				t.Errorf("listpack entry %q reads back as %q", tc.in, got)
			}
			return nil
		})
		if err != nil {
			t.Errorf("listpack of %q: %v", tc.in, err)
		}
	}
	// More entries than the 16-bit count holds: the count says 65535,
	// "unknown", and readers count for themselves.
	var many lpWriter
	many.reset(nil)
	for i := range 70000 {
		many.add([]byte(strconv.Itoa(i % 100)))
	}
	lp := many.finish()
	if n, err := lpCount(lp); err != nil || n != 70000 || binary.LittleEndian.Uint16(lp[4:]) != 65535 {
		t.Errorf("listpack of 70000 entries: count field %d, read %d, %v", binary.LittleEndian.Uint16(lp[4:]), n, err)
	}
	// Long strings: the 12-bit and 32-bit forms, and multi-byte backlens.
	for _, n := range []int{63, 64, 4095, 4096, 16383, 20000} {
		var w lpWriter
		w.reset(nil)
		w.add(bytes.Repeat([]byte("x"), n))
		lp := w.finish()
		count := 0
		if err := lpEach(lp, func(e lpEntry) error { count++; return nil }); err != nil || count != 1 {
			t.Errorf("listpack of a %d-byte string: %v (%d entries)", n, err, count)
		}
	}
}

// TestExpiredKeys: keys whose expiry passed before the load are skipped,
// unless KeepExpired.
func TestExpiredKeys(t *testing.T) {
	x := newTester(t)
	x.do(0, "SET", "gone", "v")
	x.do(0, "SET", "kept", "v")
	c := x.ks.LoadCtx(testNow)
	var out bytes.Buffer
	enc := NewEncoder(&out, Options{Checksum: true})
	enc.SelectDB(0, 2, 2)
	enc.WriteKey([]byte("gone"), x.ks.DB(0).LookupRead(c, []byte("gone")), testNow-1)
	enc.WriteKey([]byte("kept"), x.ks.DB(0).LookupRead(c, []byte("kept")), testNow+1000)
	if err := enc.Finish(); err != nil {
		t.Fatal(err)
	}
	ks, info := loadBytes(t, out.Bytes(), LoadOptions{Checksum: true})
	if info.Keys != 1 || info.Expired != 1 || ks.DB(0).Size() != 1 {
		t.Errorf("load: %d keys, %d expired, size %d; want 1, 1, 1", info.Keys, info.Expired, ks.DB(0).Size())
	}
	ks, info = loadBytes(t, out.Bytes(), LoadOptions{Checksum: true, KeepExpired: true})
	if info.Keys != 2 || info.Expired != 0 || ks.DB(0).Size() != 2 {
		t.Errorf("KeepExpired load: %d keys, %d expired, size %d; want 2, 0, 2", info.Keys, info.Expired, ks.DB(0).Size())
	}
}

// TestDuplicateKey: a dump that repeats a key is corrupt.
func TestDuplicateKey(t *testing.T) {
	x := newTester(t)
	x.do(0, "SET", "k", "v")
	o := x.ks.DB(0).LookupRead(x.ks.LoadCtx(testNow), []byte("k"))
	var out bytes.Buffer
	enc := NewEncoder(&out, Options{})
	enc.SelectDB(0, 1, 0)
	enc.WriteKey([]byte("k"), o, 0)
	enc.WriteKey([]byte("k"), o, 0)
	enc.Finish()
	_, err := Load(bytes.NewReader(out.Bytes()), db.NewKeyspace(16), LoadOptions{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "duplicated key") {
		t.Fatalf("Load = %v, want a duplicated key error", err)
	}
}

// TestReplace: with LoadOptions.Replace (DEBUG RELOAD MERGE) the file's
// value takes the place of a key already in the keyspace, expiry and all,
// and of a key met earlier in the file; the other keys stay.
func TestReplace(t *testing.T) {
	src := newTester(t)
	src.do(0, "SET", "k", "from the file")
	src.do(0, "RPUSH", "twice", "a")
	c := src.ks.LoadCtx(testNow)
	k := src.ks.DB(0).LookupRead(c, []byte("k"))
	twice := src.ks.DB(0).LookupRead(c, []byte("twice"))
	var out bytes.Buffer
	enc := NewEncoder(&out, Options{Checksum: true})
	enc.SelectDB(0, 3, 0)
	enc.WriteKey([]byte("k"), k, 0)
	enc.WriteKey([]byte("twice"), k, 0)
	enc.WriteKey([]byte("twice"), twice, 0)
	if err := enc.Finish(); err != nil {
		t.Fatal(err)
	}

	x := newTester(t)
	x.do(0, "SET", "k", "in memory", "PX", "100000")
	x.do(0, "SET", "mine", "kept")
	info, err := Load(bytes.NewReader(out.Bytes()), x.ks, LoadOptions{Checksum: true, Replace: true})
	if err != nil {
		t.Fatalf("Load with Replace: %v", err)
	}
	if info.Keys != 3 {
		t.Errorf("Load with Replace: Keys = %d, want 3", info.Keys)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args: []string{"GET", "k"}, want: "$13\r\nfrom the file\r\n"},
		{args: []string{"PTTL", "k"}, want: ":-1\r\n"},
		{args: []string{"TYPE", "twice"}, want: "+list\r\n"},
		{args: []string{"GET", "mine"}, want: "$4\r\nkept\r\n"},
	} {
		if got := x.do(0, tc.args...); got != tc.want {
			t.Errorf("after the load, %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	if _, err := Load(bytes.NewReader(out.Bytes()), x.ks, LoadOptions{Checksum: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Load without Replace into a keyspace holding the keys = %v, want ErrCorrupt", err)
	}
}

// TestEncoderErrors: a failing writer's error is sticky; Finish ends the
// file once.
func TestEncoderErrors(t *testing.T) {
	enc := NewEncoder(failWriter{}, Options{})
	if err := enc.Flush(); err == nil {
		t.Fatal("Flush to a failing writer succeeded")
	}
	if err := enc.SelectDB(0, 0, 0); err == nil {
		t.Fatal("SelectDB after a write error succeeded")
	}
	var out bytes.Buffer
	enc = NewEncoder(&out, Options{})
	if err := enc.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := enc.Finish(); err == nil {
		t.Fatal("second Finish succeeded")
	}
	// An empty dataset is a valid file: header, AUX, EOF, checksum.
	if _, err := Load(bytes.NewReader(out.Bytes()), db.NewKeyspace(16), LoadOptions{Checksum: true}); err != nil {
		t.Fatal(err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestPreamble: Info.Size is where the RDB data ends, so an AOF tail after
// it can be found.
func TestPreamble(t *testing.T) {
	x := newTester(t)
	x.do(0, "SET", "k", "v")
	file := encodeKeyspace(t, x.ks, Options{Checksum: true})
	withTail := append(append([]byte{}, file...), "*1\r\n$4\r\nPING\r\n"...)
	_, info := loadBytes(t, withTail, LoadOptions{Checksum: true})
	if info.Size != int64(len(file)) {
		t.Fatalf("Size = %d, want %d", info.Size, len(file))
	}
}

// TestEmptyMemberBigZSet: a big sorted set whose lowest member is empty
// loads (db's zset arena once panicked on an empty first member).
func TestEmptyMemberBigZSet(t *testing.T) {
	file := newLegacyFile(10, false).raw(opSelectDB).length(0).
		raw(typeZSet2).str("z").length(2).str("").raw(make([]byte, 8)...).
		str(strings.Repeat("m", 65)).raw(0, 0, 0, 0, 0, 0, 0xF0, 0x3F).finish(10)
	ks, _ := loadBytes(t, file, LoadOptions{})
	if got := newTesterWith(t, ks).query(0, "ZRANGE", "z", "0", "-1"); !equalStrings(got, "", strings.Repeat("m", 65)) {
		t.Fatalf("ZRANGE = %q", got)
	}
}
