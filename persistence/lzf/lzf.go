// Package lzf is the LZF compression Redis uses for strings in RDB files
// (rdbcompression yes) and DUMP payloads: liblzf 3.6's format, compressed
// the way Redis's build of lzf_c.c does (a 2^16-slot hash of 3-byte
// prefixes, the VERY_FAST variant that re-hashes the last two positions of
// every match), so a dump compresses about as Redis's would.
//
// The format is a sequence of runs:
//
//	000LLLLL <L+1 literal bytes>                 literal run, 1..32 bytes
//	LLLooooo oooooooo                            copy L+2 bytes (L 1..6) from
//	                                             distance o+1 back in the output
//	111ooooo LLLLLLLL oooooooo                   copy L+9 bytes (9..264)
//
// A Compressor holds the hash table (256 KiB) and is reused across calls;
// it is not safe for concurrent use. Decompress needs no state.
package lzf

import "errors"

const (
	hashLog = 16
	hashLen = 1 << hashLog
	maxLit  = 1 << 5      // longest literal run
	maxOff  = 1 << 13     // farthest back reference
	maxRef  = 1<<8 + 1<<3 // longest back reference
)

// Compressor compresses with a reusable hash table. The zero value is
// ready to use.
type Compressor struct {
	// htab maps a hash of 3 bytes to the last input position (plus 0: a
	// position of 0 is never used as a reference, as in liblzf, so 0 means
	// empty). It is all zero between calls.
	htab *[hashLen]uint32
}

// slot is liblzf's VERY_FAST hash of the 3 bytes at p.
func slot(p []byte) uint32 {
	h := uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
	return (h>>(24-hashLog) - h*5) & (hashLen - 1)
}

// Compress appends src compressed to dst and returns the extended slice
// and true, or dst unchanged and false when the result would be longer
// than limit bytes (or src is empty). Redis asks for at most len(src)-4
// bytes, so that compression saves something.
func (c *Compressor) Compress(dst, src []byte, limit int) ([]byte, bool) {
	if len(src) == 0 || limit <= 0 {
		return dst, false
	}
	if c.htab == nil {
		c.htab = new([hashLen]uint32)
	}
	base := len(dst)
	// One spare byte past limit: a literal run may open its header byte
	// there just before the output ends, as liblzf's does (Redis allocates
	// limit+1 for that reason); the header is removed again if unused.
	dst = grow(dst, limit+1)
	n := compress(c.htab, dst[base:base+limit+1], src, limit)
	c.reset(src)
	if n == 0 {
		return dst[:base], false
	}
	return dst[:base+n], true
}

// reset zeroes the slots src's positions may have written, which is
// cheaper than clearing the whole table for short inputs and keeps the
// output a function of src alone.
func (c *Compressor) reset(src []byte) {
	if len(src) > hashLen/4 {
		clear(c.htab[:])
		return
	}
	for i := 0; i+2 < len(src); i++ {
		c.htab[slot(src[i:])] = 0
	}
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, len(b)+n+len(b)/4)
	copy(nb, b)
	return nb
}

// compress is lzf_compress: it writes into out (at least limit+1 bytes)
// and returns the compressed length, or 0 when it does not fit in limit.
func compress(htab *[hashLen]uint32, out, in []byte, limit int) int {
	n := len(in)
	ip, op, lit := 0, 1, 0 // out[0] is the first literal run's header
	for ip < n-2 {
		h := slot(in[ip:])
		ref := int(htab[h])
		htab[h] = uint32(ip)
		off := ip - ref - 1
		if ref > 0 && off >= 0 && off < maxOff &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			if op+4 >= limit && op-b2i(lit == 0)+4 >= limit {
				return 0
			}
			out[op-lit-1] = byte(lit - 1) // close the literal run
			op -= b2i(lit == 0)           // or drop it when empty
			length := matchLen(in, ref, ip)
			length -= 2 // stored as bytes-2, after the implicit first +1
			ip++
			if length < 7 {
				out[op] = byte(off>>8 + length<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op += 2 // the byte after it opens the next literal run
			lit = 0
			ip += length + 1
			if ip >= n-2 {
				break
			}
			// Hash the match's last two positions too (VERY_FAST).
			ip -= 2
			htab[slot(in[ip:])] = uint32(ip)
			ip++
			htab[slot(in[ip:])] = uint32(ip)
			ip++
			continue
		}
		if op >= limit {
			return 0
		}
		out[op] = in[ip]
		op, ip, lit = op+1, ip+1, lit+1
		if lit == maxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > limit {
		return 0
	}
	for ip < n {
		out[op] = in[ip]
		op, ip, lit = op+1, ip+1, lit+1
		if lit == maxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	op -= b2i(lit == 0)
	return op
}

// matchLen returns how many bytes match at ref and ip (at least 3, which
// the caller checked), as liblzf's loop counts them: with more than 16
// bytes of room it first compares 16 bytes without looking at the limit
// (room-2, capped at maxRef), so a match may run to the very end of the
// input.
func matchLen(in []byte, ref, ip int) int {
	length, limit := 2, min(len(in)-ip-2, maxRef)
	if limit > 16 {
		for range 16 {
			length++
			if in[ref+length] != in[ip+length] {
				return length
			}
		}
	}
	for {
		length++
		if length >= limit || in[ref+length] != in[ip+length] {
			return length
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Errors of Decompress.
var (
	// ErrCorrupt: the input is not valid LZF (a run overruns the input, or a
	// reference points before the start of the output).
	ErrCorrupt = errors.New("lzf: corrupt input")
	// ErrSize: the input does not decompress to exactly the expected size.
	ErrSize = errors.New("lzf: wrong decompressed size")
)

// Decompress decompresses src into dst, which must be exactly as long as
// the uncompressed data (RDB stores that length beside the compressed
// bytes). It fails on malformed input or a size mismatch, never panics,
// and writes nothing outside dst.
func Decompress(dst, src []byte) error {
	ip, op := 0, 0
	for ip < len(src) {
		ctrl := int(src[ip])
		ip++
		if ctrl < 1<<5 {
			run := ctrl + 1
			if op+run > len(dst) {
				return ErrSize
			}
			if ip+run > len(src) {
				return ErrCorrupt
			}
			copy(dst[op:], src[ip:ip+run])
			op, ip = op+run, ip+run
			continue
		}
		length := ctrl >> 5
		ref := op - (ctrl&0x1f)<<8 - 1
		if ip >= len(src) {
			return ErrCorrupt
		}
		if length == 7 {
			length += int(src[ip])
			ip++
			if ip >= len(src) {
				return ErrCorrupt
			}
		}
		ref -= int(src[ip])
		ip++
		length += 2
		if op+length > len(dst) {
			return ErrSize
		}
		if ref < 0 {
			return ErrCorrupt
		}
		for i := range length { // the copy may overlap its own output
			dst[op+i] = dst[ref+i]
		}
		op += length
	}
	if op != len(dst) {
		return ErrSize
	}
	return nil
}

// MaxRatio bounds how many times bigger than its compressed form LZF data
// can decompress to (a 3-byte reference yields at most 264 bytes); a
// stored length beyond len(src)*MaxRatio is corrupt, which lets a reader
// refuse it before allocating.
const MaxRatio = 88
