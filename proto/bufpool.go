package proto

import (
	"math/bits"
	"slices"
	"sync"
)

// Big reply buffers are reused, not left to the garbage collector.
//
// A reply of a few hundred kilobytes (LRANGE over a list of 1 KiB
// elements) would otherwise be a fresh allocation per request: measured
// at 5,000 such requests a second, the heap churned through 1.5 GB/s and
// the collector ran eighty times a second, and its pauses became the
// clients' tail latency. A connection's buffer is written out before the
// next request is served (the loop copies whatever the socket does not
// take at once), so after the write the buffer is free for any
// connection's next big reply.
//
// Buffers come in power-of-two sizes from minPooled to maxPooled, one
// sync.Pool per size; a reply larger than maxPooled is rare enough to be
// allocated.
const (
	minPooledShift = 14 // 16 KiB
	maxPooledShift = 24 // 16 MiB
	minPooled      = 1 << minPooledShift
)

var bigBuffers [maxPooledShift - minPooledShift + 1]sync.Pool

// sizeClass is the pool index of the smallest class that holds n bytes,
// or -1 when n is past the largest.
func sizeClass(n int) int {
	if n <= minPooled {
		return 0
	}
	c := bits.Len(uint(n-1)) - minPooledShift
	if c >= len(bigBuffers) {
		return -1
	}
	return c
}

// Grow returns b with room for n more bytes, at least doubling its
// capacity (append grows a big slice by a quarter at a time, and a reply
// built of 1 KiB elements would leave a trail of copies). Past half of
// minPooled the new buffer comes from the pool of big buffers (what b held
// is copied, and b, if it was a pooled size, goes back).
func Grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	need := len(b) + n
	c := sizeClass(need)
	if need <= minPooled/2 || c < 0 {
		return slices.Grow(b, max(n, cap(b)))
	}
	nb, _ := bigBuffers[c].Get().([]byte)
	if nb == nil {
		nb = make([]byte, 0, minPooled<<c)
	}
	nb = append(nb[:0], b...)
	Recycle(b)
	return nb
}

// Recycle hands a buffer that is no longer used back to the pool, if it
// is one of the pooled sizes; smaller or odd-sized ones are left to the
// collector. (The pool holds slices, not pointers to them: boxing the
// header costs 24 bytes, against the array of 64 KiB or more it saves.)
func Recycle(b []byte) {
	c := cap(b)
	if c < minPooled || c&(c-1) != 0 {
		return
	}
	if i := bits.Len(uint(c)) - 1 - minPooledShift; i < len(bigBuffers) {
		bigBuffers[i].Put(b[:0])
	}
}
