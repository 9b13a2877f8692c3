package lzf

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func roundTrip(t *testing.T, c *Compressor, name string, src []byte) {
	t.Helper()
	out, ok := c.Compress(nil, src, len(src)-4)
	if !ok {
		// Incompressible input: still valid with room to spare.
		out, ok = c.Compress(nil, src, len(src)+len(src)/32+8)
		if !ok {
			t.Fatalf("%s: len %d does not compress even with slack", name, len(src))
		}
	}
	got := make([]byte, len(src))
	if err := Decompress(got, out); err != nil {
		t.Fatalf("%s: len %d: Decompress: %v", name, len(src), err)
	}
	if !bytes.Equal(got, src) {
		t.Fatalf("%s: len %d: round trip differs", name, len(src))
	}
}

func TestRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	var c Compressor
	cases := []struct {
		name string
		src  []byte
	}{
		{name: "repeated a", src: bytes.Repeat([]byte("a"), 100)},
		{name: "text", src: []byte(strings.Repeat("hello world, hello redis! ", 40))},
		{name: "long run", src: bytes.Repeat([]byte{0}, 100000)},
		{name: "short", src: []byte("abcabcabcabcabcabcabcabc")},
	}
	for _, tc := range cases {
		roundTrip(t, &c, tc.name, tc.src)
	}
	for i := range 300 {
		n := r.IntN(3000) + 1
		alphabet := r.IntN(255) + 1
		src := make([]byte, n)
		for j := range src {
			src[j] = byte(r.IntN(alphabet))
		}
		roundTrip(t, &c, "random", src)
		_ = i
	}
}

func TestCompressLimit(t *testing.T) {
	var c Compressor
	src := []byte(strings.Repeat("abcdefgh", 100))
	out, ok := c.Compress([]byte("prefix"), src, len(src)-4)
	if !ok || !bytes.HasPrefix(out, []byte("prefix")) || len(out)-6 > len(src)-4 {
		t.Fatalf("Compress = %d bytes, %v", len(out), ok)
	}
	// Random bytes do not shrink: the limit is refused and dst kept.
	r := rand.New(rand.NewPCG(7, 7))
	noise := make([]byte, 1000)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	dst := []byte("x")
	if out, ok := c.Compress(dst, noise, len(noise)-4); ok || string(out) != "x" {
		t.Fatalf("noise compressed to %d bytes (ok=%v)", len(out), ok)
	}
	for limit := 1; limit < 60; limit++ {
		if out, ok := c.Compress(nil, src, limit); ok && len(out) > limit {
			t.Fatalf("limit %d: got %d bytes", limit, len(out))
		}
	}
}

// TestDeterministic: the output depends on the input alone, not on what
// the Compressor compressed before.
func TestDeterministic(t *testing.T) {
	var a, b Compressor
	src := []byte(strings.Repeat("the quick brown fox ", 30))
	b.Compress(nil, []byte(strings.Repeat("jumps over the lazy dog ", 50)), 1000)
	x, _ := a.Compress(nil, src, len(src))
	y, _ := b.Compress(nil, src, len(src))
	if !bytes.Equal(x, y) {
		t.Fatal("same input, different output after other work")
	}
}

func TestDecompressErrors(t *testing.T) {
	cases := []struct {
		name string
		src  []byte
		size int
		want error
	}{
		{name: "literal overruns input", src: []byte{5, 'a'}, size: 6, want: ErrCorrupt},
		{name: "literal overruns output", src: []byte{2, 'a', 'b', 'c'}, size: 2, want: ErrSize},
		{name: "reference before start", src: []byte{0, 'a', 0x20, 5}, size: 4, want: ErrCorrupt},
		{name: "reference cut short", src: []byte{0, 'a', 0x20}, size: 4, want: ErrCorrupt},
		{name: "long reference cut short", src: []byte{0, 'a', 0xe0, 1}, size: 20, want: ErrCorrupt},
		{name: "too short", src: []byte{0, 'a'}, size: 2, want: ErrSize},
	}
	for _, tc := range cases {
		if err := Decompress(make([]byte, tc.size), tc.src); err != tc.want {
			t.Errorf("%s: Decompress = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func FuzzDecompress(f *testing.F) {
	var c Compressor
	seed, _ := c.Compress(nil, []byte(strings.Repeat("abc", 30)), 100)
	f.Add(seed, 90)
	f.Add([]byte{0xe0, 0xff, 0}, 10)
	f.Fuzz(func(t *testing.T, src []byte, size int) {
		if size < 0 || size > 1<<16 {
			return
		}
		_ = Decompress(make([]byte, size), src)
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	f.Fuzz(func(t *testing.T, src []byte) {
		var c Compressor
		out, ok := c.Compress(nil, src, len(src)+len(src)/32+8)
		if len(src) == 0 {
			return
		}
		if !ok {
			t.Fatalf("len %d: no room even with slack", len(src))
		}
		got := make([]byte, len(src))
		if err := Decompress(got, out); err != nil || !bytes.Equal(got, src) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func BenchmarkCompress(b *testing.B) {
	src := []byte(strings.Repeat("some moderately repetitive text 12345 ", 100))
	var c Compressor
	dst := make([]byte, 0, len(src))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		c.Compress(dst[:0], src, len(src)-4)
	}
}
