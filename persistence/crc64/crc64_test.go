package crc64

import (
	"math/rand/v2"
	"testing"
)

// slow is the bit-at-a-time definition the tables are checked against.
func slow(crc uint64, p []byte) uint64 {
	rev := reverse(Poly)
	for _, b := range p {
		crc ^= uint64(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ rev
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestCheckValue(t *testing.T) {
	// Redis's crc64.c test: crc64(0, "123456789", 9) == e9c6d914c4b8d9ca.
	if got := Checksum([]byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("Checksum(123456789) = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
	// The footer of the DUMP payload real Redis 7.0 gives for the string
	// "bar": type 0, length 3, "bar", RDB version 10, then this CRC,
	// little-endian (e6 be 49 60 ee 66 fd 17).
	if got := Checksum([]byte("\x00\x03bar\x0a\x00")); got != 0x17fd66ee6049bee6 {
		t.Fatalf("Checksum(DUMP of bar) = %#x, want 0x17fd66ee6049bee6", got)
	}
	if got := Checksum(nil); got != 0 {
		t.Fatalf("Checksum(nil) = %#x, want 0", got)
	}
}

func TestMatchesBitwise(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for n := range 200 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.IntN(256))
		}
		if got, want := Checksum(p), slow(0, p); got != want {
			t.Fatalf("len %d: Checksum = %#x, bitwise = %#x", n, got, want)
		}
		// Summing in two pieces equals summing at once.
		cut := 0
		if n > 0 {
			cut = r.IntN(n)
		}
		if got := Update(Update(0, p[:cut]), p[cut:]); got != slow(0, p) {
			t.Fatalf("len %d cut %d: split Update = %#x, want %#x", n, cut, got, slow(0, p))
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		Update(0, p)
	}
}
