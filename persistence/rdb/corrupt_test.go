package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"redis-fast/db"
)

// smallFile is a short dump holding one key of each encoding, compressed
// and checksummed: small enough to damage at every offset.
func smallFile(t testing.TB) []byte {
	t.Helper()
	x := newTester(t)
	for _, cmd := range [][]string{
		{"SET", "s", "hello"}, {"SET", "n", "12345"}, {"SET", "c", strings.Repeat("abc", 20)},
		{"RPUSH", "l", "a", "1", strings.Repeat("x", 70)}, {"SADD", "si", "1", "2"}, {"SADD", "sh", "a", "b"},
		{"HSET", "hl", "f", "v", "g", "7"}, {"HSET", "hh", "f", strings.Repeat("v", 65)},
		{"ZADD", "zl", "1", "m", "2.5", "n"}, {"ZADD", "zs", "1", strings.Repeat("m", 65)},
		{"PEXPIREAT", "s", farFuture},
	} {
		x.do(0, cmd...)
	}
	x.do(1, "SET", "k", "v")
	return encodeKeyspace(t, x.ks, Options{Format: Format{Compression: true}, Checksum: true})
}

// sentinel returns which sentinel err wraps, or nil.
func sentinel(err error) error {
	for _, s := range []error{ErrTruncated, ErrChecksum, ErrSignature, ErrVersion, ErrUnsupported, ErrCorrupt} {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

func loadErr(file []byte, opts LoadOptions) error {
	if opts.Now == 0 {
		opts.Now = testNow
	}
	_, err := Load(bytes.NewReader(file), db.NewKeyspace(db.DefaultDatabases), opts)
	return err
}

// TestTruncated: every proper prefix of a file is refused as truncated.
func TestTruncated(t *testing.T) {
	file := smallFile(t)
	for n := range len(file) {
		err := loadErr(file[:n], LoadOptions{Checksum: true})
		if !errors.Is(err, ErrTruncated) || !IsCorrupt(err) {
			t.Fatalf("prefix of %d/%d bytes: %v, want ErrTruncated", n, len(file), err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Offset > int64(n) {
			t.Fatalf("prefix of %d bytes: offset of %v", n, err)
		}
	}
}

// TestFlippedBytes: with checksums on, any damaged byte is refused with
// one of the sentinels; with them off, damage never panics.
func TestFlippedBytes(t *testing.T) {
	file := smallFile(t)
	damaged := make([]byte, len(file))
	for i := range file {
		for _, mask := range []byte{0x01, 0x80, 0xFF} {
			copy(damaged, file)
			damaged[i] ^= mask
			err := loadErr(damaged, LoadOptions{Checksum: true})
			trailer := binary.LittleEndian.Uint64(damaged[len(damaged)-8:])
			if err == nil && trailer != 0 {
				t.Fatalf("byte %d ^ %#x: loaded without error", i, mask)
			}
			if err != nil && sentinel(err) == nil {
				t.Fatalf("byte %d ^ %#x: %v wraps no sentinel", i, mask, err)
			}
			if err := loadErr(damaged, LoadOptions{}); err != nil && sentinel(err) == nil {
				t.Fatalf("byte %d ^ %#x, no checksum: %v wraps no sentinel", i, mask, err)
			}
		}
	}
}

func TestHeaderAndTrailer(t *testing.T) {
	file := smallFile(t)
	with := func(prefix string) []byte { return append([]byte(prefix), file[9:]...) }
	badSum := append([]byte{}, file...)
	badSum[len(badSum)-1] ^= 1
	noSum := append([]byte{}, file...)
	copy(noSum[len(noSum)-8:], make([]byte, 8))
	cases := []struct {
		name string
		file []byte
		opts LoadOptions
		want error
	}{
		{name: "version 12", file: with("REDIS0012"), want: ErrVersion},
		{name: "version 0", file: with("REDIS0000"), want: ErrVersion},
		{name: "version not a number", file: with("REDIS00a1"), want: ErrVersion},
		{name: "signature", file: with("REDXS0010"), want: ErrSignature},
		{name: "empty", file: nil, want: ErrTruncated},
		{name: "bad checksum", file: badSum, opts: LoadOptions{Checksum: true}, want: ErrChecksum},
		{name: "bad checksum, not checked", file: badSum},
		{name: "checksum not computed", file: noSum, opts: LoadOptions{Checksum: true}},
		{name: "version 11 is read", file: with("REDIS0011")},
	}
	for _, tc := range cases {
		err := loadErr(tc.file, tc.opts)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: Load = %v, want %v", tc.name, err, tc.want)
		}
	}
	if IsCorrupt(loadErr(with("REDIS0012"), LoadOptions{})) {
		t.Error("IsCorrupt(version error) = true")
	}
	if !IsCorrupt(loadErr(badSum, LoadOptions{Checksum: true})) {
		t.Error("IsCorrupt(checksum error) = false")
	}
}

// TestHostileLengths: lengths that promise far more than the input holds
// cost no more memory than the input, and end as truncated or corrupt.
func TestHostileLengths(t *testing.T) {
	head := func() *legacyFile { return newLegacyFile(10, false).raw(opSelectDB).length(0) }
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{name: "huge string", file: head().raw(typeString).str("k").length(1 << 62).raw('x').b, want: ErrUnsupported},
		{name: "4 GiB string", file: head().raw(typeString).str("k").length(1<<32 - 1).raw('x').b, want: ErrTruncated},
		{name: "huge list", file: head().raw(typeList).str("k").length(1 << 60).str("a").b, want: ErrTruncated},
		{name: "huge set", file: head().raw(typeSet).str("k").length(1 << 60).str("a").b, want: ErrTruncated},
		{name: "huge zset", file: head().raw(typeZSet2).str("k").length(1 << 60).b, want: ErrTruncated},
		{name: "huge LZF", file: head().raw(typeString).str("k").raw(0xC3).length(2).length(1<<40).raw(0, 'a').b, want: ErrCorrupt},
		{name: "zero LZF", file: head().raw(typeString).str("k").raw(0xC3).length(2).length(0).raw(0, 'a').b, want: ErrCorrupt},
		{name: "bad length byte", file: head().raw(typeString).str("k").raw(0x82).b, want: ErrCorrupt},
		{name: "bad string encoding", file: head().raw(typeString).str("k").raw(0xC4).b, want: ErrCorrupt},
		{name: "unknown type", file: head().raw(8).str("k").b, want: ErrCorrupt},
		{name: "stream", file: head().raw(typeStreamListpacks).str("k").b, want: ErrUnsupported},
		{name: "module", file: head().raw(typeModule2).str("k").length(12345 << 10).b, want: ErrUnsupported},
		{name: "module aux", file: newLegacyFile(10, false).raw(opModuleAux).length(99 << 10).b, want: ErrUnsupported},
		{name: "database out of range", file: newLegacyFile(10, false).raw(opSelectDB).length(16).b, want: ErrUnsupported},
		{name: "quicklist container", file: head().raw(typeListQuicklist2).str("k").length(1).length(3).b, want: ErrCorrupt},
		{name: "empty quicklist node", file: head().raw(typeListQuicklist2).str("k").length(1).length(2).str("").b, want: ErrCorrupt},
		{name: "NaN score", file: head().raw(typeZSet).str("k").length(1).str("m").raw(253).b, want: ErrCorrupt},
		{name: "text score", file: head().raw(typeZSet).str("k").length(1).str("m").raw(3, 'a', 'b', 'c').b, want: ErrCorrupt},
		{name: "duplicate member", file: head().raw(typeSet).str("k").length(2).str("a").str("a").b, want: ErrCorrupt},
		{name: "duplicate field", file: head().raw(typeHash).str("k").length(2).str("a").str("1").str("a").str("2").b, want: ErrCorrupt},
		{name: "empty intset", file: head().raw(typeSetIntset).str("k").str(string([]byte{2, 0, 0, 0, 0, 0, 0, 0})).b, want: ErrCorrupt},
		{name: "intset out of order", file: head().raw(typeSetIntset).str("k").str(string([]byte{2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1, 0})).b, want: ErrCorrupt},
		{name: "listpack count", file: head().raw(typeHashListpack).str("k").str(string([]byte{9, 0, 0, 0, 3, 0, 1, 1, 0xFF})).b, want: ErrCorrupt},
		{name: "odd hash listpack", file: head().raw(typeHashListpack).str("k").str(string([]byte{9, 0, 0, 0, 1, 0, 1, 1, 0xFF})).b, want: ErrCorrupt},
		{name: "zipmap empty", file: head().raw(typeHashZipmap).str("k").str(string([]byte{0, 0xFF})).b, want: ErrCorrupt},
	}
	for _, tc := range cases {
		if err := loadErr(tc.file, LoadOptions{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: Load = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestReaderErrors: an I/O error of the reader comes back wrapped, naming
// the offset, and is not mistaken for corruption.
func TestReaderErrors(t *testing.T) {
	file := smallFile(t)
	failing := io.MultiReader(bytes.NewReader(file[:100]), errReader{})
	_, err := Load(failing, db.NewKeyspace(16), LoadOptions{})
	var e *Error
	if !errors.Is(err, errBroken) || !errors.As(err, &e) || e.Offset != 100 || IsCorrupt(err) {
		t.Fatalf("Load = %v", err)
	}
}

var errBroken = errors.New("broken pipe")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// TestListpackValidation damages listpacks and ziplists directly.
func TestListpackValidation(t *testing.T) {
	var w lpWriter
	w.reset(nil)
	for _, s := range []string{"a", "12345", strings.Repeat("x", 200), "-7"} {
		w.add([]byte(s))
	}
	good := append([]byte{}, w.finish()...)
	if _, err := lpCount(good); err != nil {
		t.Fatal(err)
	}
	for i := range good {
		for _, mask := range []byte{0x01, 0x40, 0xFF} {
			bad := append([]byte{}, good...)
			bad[i] ^= mask
			lpCount(bad) // must not panic; many damages are caught
		}
	}
	for n := range len(good) {
		if _, err := lpCount(good[:n]); err == nil {
			t.Fatalf("listpack cut at %d accepted", n)
		}
	}
	zl := buildZiplist([]zlItem{zs("a"), zi(5), zs(strings.Repeat("y", 300)), zi(1 << 40)})
	count := 0
	if err := zlEach(zl, func(lpEntry) error { count++; return nil }); err != nil || count != 4 {
		t.Fatalf("ziplist: %v, %d entries", err, count)
	}
	for n := range len(zl) {
		if err := zlEach(zl[:n], func(lpEntry) error { return nil }); err == nil {
			t.Fatalf("ziplist cut at %d accepted", n)
		}
	}
	for i := range zl {
		bad := append([]byte{}, zl...)
		bad[i] ^= 0xFF
		zlEach(bad, func(lpEntry) error { return nil })
	}
}
