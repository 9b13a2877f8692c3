package proto

import (
	"bytes"
	"runtime"
	"testing"
)

func TestGrowKeepsTheBytes(t *testing.T) {
	for _, tt := range []struct{ have, more int }{
		{0, 10}, {100, 1000}, {1000, 40 << 10}, {60 << 10, 10 << 10}, {5 << 10, 3 << 10}, {100 << 10, 1 << 20}, {1 << 10, 20 << 20},
	} {
		b := bytes.Repeat([]byte{'x'}, tt.have)
		g := Grow(b, tt.more)
		if !bytes.Equal(g, b) {
			t.Fatalf("Grow(%d bytes, %d) changed the bytes", tt.have, tt.more)
		}
		if cap(g)-len(g) < tt.more {
			t.Fatalf("Grow(%d bytes, %d): room for %d", tt.have, tt.more, cap(g)-len(g))
		}
		if need := tt.have + tt.more; need > minPooled/2 && need <= 1<<maxPooledShift {
			if c := cap(g); c&(c-1) != 0 || c < minPooled {
				t.Fatalf("Grow to %d bytes: capacity %d, want a pooled size (a power of two from %d)", need, c, minPooled)
			}
		}
	}
}

func TestSizeClass(t *testing.T) {
	for _, tt := range []struct{ n, want int }{
		{1, 0}, {minPooled, 0}, {minPooled + 1, 1}, {2 * minPooled, 1}, {1 << maxPooledShift, maxPooledShift - minPooledShift}, {1<<maxPooledShift + 1, -1},
	} {
		if got := sizeClass(tt.n); got != tt.want {
			t.Errorf("sizeClass(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

// TestBigRepliesReuseBuffers: a big reply that is written and recycled
// leaves its buffer for the next one, so a stream of big replies does not
// allocate one each (the pool may drop buffers under the race detector).
func TestBigRepliesReuseBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops entries at random under the race detector")
	}
	elem := bytes.Repeat([]byte{'v'}, 1024)
	reply := func() {
		var w Writer
		w.ArrayLen(300)
		for i := 0; i < 300; i++ {
			w.Bulk(elem)
		}
		Recycle(w.Buf)
	}
	reply()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 50
	for i := 0; i < runs; i++ {
		reply()
	}
	runtime.ReadMemStats(&after)
	// What is left is the start below the pooled sizes, the boxed headers
	// and a refill when a collection empties the pool: about a tenth of
	// the reply. Grown by append alone, a reply leaves four times its size.
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 100<<10 {
		t.Fatalf("%d bytes allocated per 300 KiB reply, want under %d", per, 100<<10)
	}
}
