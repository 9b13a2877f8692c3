package rdb

import "encoding/binary"

// Readers for the encodings Redis wrote before 7.0 and still loads:
// ziplists (lists, hashes and sorted sets up to RDB 9, quicklist nodes up
// to RDB 9) and zipmaps (hashes up to Redis 2.4). See doc.go for their
// layouts. Both are validated as Redis's deep integrity checks do.

const (
	zlHeaderSize  = 10 // total bytes (u32) + tail offset (u32) + count (u16)
	zlEnd         = 0xFF
	zlBigPrevLen  = 254
	zlCountAbsent = 65535
)

// zlEach validates blob as a ziplist and calls fn for each entry, as
// ziplistValidateIntegrity with deep checking: the header's size, tail
// offset and count, each entry's previous-length and encoding.
func zlEach(blob []byte, fn func(e lpEntry) error) error {
	if len(blob) < zlHeaderSize+1 {
		return blobErrorf("ziplist of %d bytes is shorter than its header", len(blob))
	}
	if total := binary.LittleEndian.Uint32(blob); uint64(total) != uint64(len(blob)) {
		return blobErrorf("ziplist header says %d bytes, blob has %d", total, len(blob))
	}
	if blob[len(blob)-1] != zlEnd {
		return blobErrorf("ziplist does not end with 0xFF")
	}
	tail := int(binary.LittleEndian.Uint32(blob[4:]))
	if tail > len(blob)-1 {
		return blobErrorf("ziplist tail offset %d is outside the blob", tail)
	}
	want := int(binary.LittleEndian.Uint16(blob[8:]))
	n, p, prevSize, last := 0, zlHeaderSize, 0, -1
	for blob[p] != zlEnd {
		e, size, err := zlDecode(blob, p, prevSize)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		last, prevSize = p, size
		p += size
		n++
	}
	if p != len(blob)-1 {
		return blobErrorf("ziplist terminator at %d, before the end", p)
	}
	if last >= 0 && last != tail {
		return blobErrorf("ziplist tail offset %d, last entry at %d", tail, last)
	}
	if want != zlCountAbsent && want != n {
		return blobErrorf("ziplist header counts %d entries, found %d", want, n)
	}
	return nil
}

// zlDecode decodes the entry at p, checking that its previous-length is
// prevSize, and returns it with its whole size.
func zlDecode(blob []byte, p, prevSize int) (lpEntry, int, error) {
	end := len(blob) - 1
	q := p
	var prev int
	if blob[q] < zlBigPrevLen {
		prev = int(blob[q])
		q++
	} else {
		if q+5 > end {
			return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
		}
		prev = int(binary.LittleEndian.Uint32(blob[q+1:]))
		q += 5
	}
	if prev != prevSize {
		return lpEntry{}, 0, blobErrorf("ziplist entry at %d says the previous one has %d bytes, not %d", p, prev, prevSize)
	}
	if q >= end {
		return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
	}
	b := blob[q]
	var hdr, n int // encoding header size, string length
	switch b >> 6 {
	case 0:
		hdr, n = 1, int(b&0x3F)
	case 1:
		if q+2 > end {
			return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
		}
		hdr, n = 2, int(b&0x3F)<<8|int(blob[q+1])
	case 2:
		if q+5 > end {
			return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
		}
		l := uint64(binary.BigEndian.Uint32(blob[q+1:]))
		if uint64(q)+5+l > uint64(end) {
			return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
		}
		hdr, n = 5, int(l)
	default:
		return zlDecodeInt(blob, p, q)
	}
	if q+hdr+n > end {
		return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
	}
	return lpEntry{s: blob[q+hdr : q+hdr+n]}, q + hdr + n - p, nil
}

// zlDecodeInt decodes an integer entry whose encoding byte is at q.
func zlDecodeInt(blob []byte, p, q int) (lpEntry, int, error) {
	b := blob[q]
	if b >= 0xF1 && b <= 0xFD { // 4-bit immediate, 0..12
		return lpEntry{v: int64(b&0x0F) - 1, isInt: true}, q + 1 - p, nil
	}
	var size int
	switch b {
	case 0xFE:
		size = 1
	case 0xC0:
		size = 2
	case 0xF0:
		size = 3
	case 0xD0:
		size = 4
	case 0xE0:
		size = 8
	default:
		return lpEntry{}, 0, blobErrorf("ziplist entry at %d has an invalid encoding byte %#x", p, b)
	}
	if q+1+size > len(blob)-1 {
		return lpEntry{}, 0, blobErrorf("ziplist entry at %d overruns the blob", p)
	}
	var u uint64
	for i := size; i >= 1; i-- {
		u = u<<8 | uint64(blob[q+i])
	}
	bits := uint(8 * size)
	v := int64(u<<(64-bits)) >> (64 - bits)
	return lpEntry{v: v, isInt: true}, q + 1 + size - p, nil
}

// zlPairs walks a ziplist of pairs (a hash or a sorted set).
func zlPairs(blob []byte, fn func(a, b lpEntry) error) error {
	return pairs("ziplist", zlEach, blob, fn)
}

const (
	zmBigLen = 254
	zmEnd    = 255
)

// zmPairs validates blob as a zipmap, as zipmapValidateIntegrity with deep
// checking does, and calls fn for each field and value.
func zmPairs(blob []byte, fn func(field, value []byte) error) error {
	if len(blob) < 2 {
		return blobErrorf("zipmap of %d bytes is too short", len(blob))
	}
	if blob[len(blob)-1] != zmEnd {
		return blobErrorf("zipmap does not end with 0xFF")
	}
	end := len(blob) - 1
	count, p := 0, 1
	str := func(free bool) ([]byte, bool) {
		l, hdr := int(blob[p]), 1
		if l >= zmBigLen {
			if p+5 > end {
				return nil, false
			}
			l, hdr = int(binary.LittleEndian.Uint32(blob[p+1:])), 5
		}
		p += hdr
		skip := 0
		if free {
			if p >= end {
				return nil, false
			}
			skip = int(blob[p])
			p++
		}
		if l > end-p || skip > end-p-l {
			return nil, false
		}
		s := blob[p : p+l]
		p += l + skip
		return s, true
	}
	for blob[p] != zmEnd {
		field, ok := str(false)
		if !ok || p >= end {
			return blobErrorf("zipmap entry %d overruns the blob", count)
		}
		value, ok := str(true)
		if !ok {
			return blobErrorf("zipmap entry %d overruns the blob", count)
		}
		if err := fn(field, value); err != nil {
			return err
		}
		count++
	}
	if p != end {
		return blobErrorf("zipmap terminator at %d, before the end", p)
	}
	if count == 0 {
		return blobErrorf("zipmap is empty")
	}
	if blob[0] != zmBigLen && int(blob[0]) != count {
		return blobErrorf("zipmap header counts %d entries, found %d", blob[0], count)
	}
	return nil
}
