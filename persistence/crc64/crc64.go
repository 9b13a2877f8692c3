// Package crc64 is the CRC-64 that Redis puts at the end of an RDB file and
// of a DUMP payload: the Jones polynomial (0xad93d23594c935a9), bit-reflected
// input and output, initial value 0 and no final xor, as Redis's crc64.c
// computes it. The standard library's hash/crc64 cannot produce it (it
// inverts the register before and after), hence this package.
//
// The check value, for "123456789", is 0xe9c6d914c4b8d9ca.
//
// Update processes eight bytes per step (slicing-by-8), as Redis's
// crcspeed does. Everything here is safe for concurrent use: the tables are
// built once, when the package is initialised, and never written again.
package crc64

import "encoding/binary"

// Poly is the Jones polynomial in Redis's (normal, MSB-first) notation.
const Poly = 0xad93d23594c935a9

// tables[k][b] is the CRC of byte b followed by k zero bytes; tables[0] is
// the classic byte-at-a-time table. Never written after initialisation.
var tables = makeTables()

func makeTables() *[8][256]uint64 {
	rev := reverse(Poly)
	t := new([8][256]uint64)
	for b := range 256 {
		crc := uint64(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ rev
			} else {
				crc >>= 1
			}
		}
		t[0][b] = crc
	}
	for k := 1; k < 8; k++ {
		for b := range 256 {
			prev := t[k-1][b]
			t[k][b] = prev>>8 ^ t[0][byte(prev)]
		}
	}
	return t
}

// reverse returns x with its 64 bits in the opposite order.
func reverse(x uint64) uint64 {
	var r uint64
	for range 64 {
		r = r<<1 | x&1
		x >>= 1
	}
	return r
}

// Update returns the CRC of the bytes already summed into crc followed by
// p. Update(0, p) is the CRC of p.
func Update(crc uint64, p []byte) uint64 {
	t := tables
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][byte(crc)] ^ t[6][byte(crc>>8)] ^ t[5][byte(crc>>16)] ^
			t[4][byte(crc>>24)] ^ t[3][byte(crc>>32)] ^ t[2][byte(crc>>40)] ^
			t[1][byte(crc>>48)] ^ t[0][byte(crc>>56)]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// Checksum returns the CRC of p.
func Checksum(p []byte) uint64 { return Update(0, p) }
