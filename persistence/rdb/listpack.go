package rdb

import (
	"encoding/binary"
	"strconv"

	"redis-fast/proto"
)

// Listpacks, byte for byte as Redis's listpack.c lays them out (see doc.go
// for the diagram). The writer chooses each entry's encoding as lpAppend
// does, so the blobs equal what Redis would hold for the same elements.

const (
	lpHeaderSize  = 6     // total bytes (u32) + number of entries (u16)
	lpEOF         = 0xFF  // the last byte
	lpCountAbsent = 65535 // the entry count when it does not fit in 16 bits
	lpMaxSafe     = 1 << 30
)

// lpWriter builds one listpack in b.
type lpWriter struct {
	b []byte
	n int
}

// reset starts an empty listpack, reusing buf's memory.
func (w *lpWriter) reset(buf []byte) {
	w.b = append(buf[:0], 0, 0, 0, 0, 0, 0)
	w.n = 0
}

// bytes returns the size the listpack has once finished.
func (w *lpWriter) bytes() int { return len(w.b) + 1 }

// add appends s, as an integer entry when s is the canonical text of an
// int64 (lpStringToInt64 is string2ll), else as a string entry.
func (w *lpWriter) add(s []byte) {
	if len(s) <= 20 {
		if v, ok := proto.ParseInt(s); ok {
			w.addInt(v)
			return
		}
	}
	start := len(w.b)
	switch n := len(s); {
	case n < 64:
		w.b = append(w.b, 0x80|byte(n))
	case n < 4096:
		w.b = append(w.b, 0xE0|byte(n>>8), byte(n))
	default:
		w.b = append(w.b, 0xF0)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(n))
	}
	w.b = append(w.b, s...)
	w.backlen(len(w.b) - start)
}

// addInt appends v in the narrowest integer encoding.
func (w *lpWriter) addInt(v int64) {
	start := len(w.b)
	switch {
	case v >= 0 && v <= 127:
		w.b = append(w.b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		w.b = append(w.b, 0xC0|byte(u>>8), byte(u))
	case v >= -32768 && v <= 32767:
		w.b = append(w.b, 0xF1, byte(v), byte(v>>8))
	case v >= -8388608 && v <= 8388607:
		w.b = append(w.b, 0xF2, byte(v), byte(v>>8), byte(v>>16))
	case v >= -2147483648 && v <= 2147483647:
		w.b = append(w.b, 0xF3)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(v))
	default:
		w.b = append(w.b, 0xF4)
		w.b = binary.LittleEndian.AppendUint64(w.b, uint64(v))
	}
	w.backlen(len(w.b) - start)
}

// backlen appends the entry's length written backwards: read from its last
// byte towards the front, 7 bits per byte, the high bit saying "more".
func (w *lpWriter) backlen(l int) {
	switch {
	case l <= 127:
		w.b = append(w.b, byte(l))
	case l < 16383:
		w.b = append(w.b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		w.b = append(w.b, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435455:
		w.b = append(w.b, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	default:
		w.b = append(w.b, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	w.n++
}

// backlenSize is how many bytes backlen writes for l.
func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// finish terminates the listpack, fills in its header and returns it.
func (w *lpWriter) finish() []byte {
	w.b = append(w.b, lpEOF)
	binary.LittleEndian.PutUint32(w.b, uint32(len(w.b)))
	binary.LittleEndian.PutUint16(w.b[4:], uint16(min(w.n, lpCountAbsent)))
	return w.b
}

// lpEntry is one decoded entry: a string (s) or an integer (v).
type lpEntry struct {
	s     []byte // aliases the blob
	v     int64
	isInt bool
}

// text returns the entry as bytes, formatting an integer into buf.
func (e lpEntry) text(buf *[20]byte) []byte {
	if e.isInt {
		return strconv.AppendInt(buf[:0], e.v, 10)
	}
	return e.s
}

// lpEach validates blob as a listpack, as Redis's lpValidateIntegrity does
// with deep checking (the header's size and count, each entry's encoding
// and back-length, the terminator), calling fn for each entry. A failure is
// a *blobError naming the position inside the blob.
func lpEach(blob []byte, fn func(e lpEntry) error) error {
	if len(blob) < lpHeaderSize+1 {
		return blobErrorf("listpack of %d bytes is shorter than its header", len(blob))
	}
	if total := binary.LittleEndian.Uint32(blob); uint64(total) != uint64(len(blob)) {
		return blobErrorf("listpack header says %d bytes, blob has %d", total, len(blob))
	}
	if blob[len(blob)-1] != lpEOF {
		return blobErrorf("listpack does not end with 0xFF")
	}
	want := int(binary.LittleEndian.Uint16(blob[4:]))
	n, p := 0, lpHeaderSize
	for blob[p] != lpEOF {
		e, size, err := lpDecode(blob, p)
		if err != nil {
			return err
		}
		bl := backlenSize(size)
		if p+size+bl > len(blob)-1 {
			return blobErrorf("listpack entry at %d overruns the blob", p)
		}
		if got, ok := lpBacklen(blob[p+size : p+size+bl]); !ok || got != size {
			return blobErrorf("listpack entry at %d has a bad back-length", p)
		}
		if err := fn(e); err != nil {
			return err
		}
		p += size + bl
		n++
	}
	if p != len(blob)-1 {
		return blobErrorf("listpack terminator at %d, before the end", p)
	}
	if want != lpCountAbsent && want != n {
		return blobErrorf("listpack header counts %d entries, found %d", want, n)
	}
	return nil
}

// lpDecode decodes the entry at p (not the terminator) and returns it with
// its size without the back-length.
func lpDecode(blob []byte, p int) (lpEntry, int, error) {
	b := blob[p]
	end := len(blob) - 1 // entries end before the terminator
	need := func(k int) bool { return p+k <= end }
	switch {
	case b&0x80 == 0:
		return lpEntry{v: int64(b), isInt: true}, 1, nil
	case b&0xC0 == 0x80:
		n := int(b & 0x3F)
		if !need(1 + n) {
			break
		}
		return lpEntry{s: blob[p+1 : p+1+n]}, 1 + n, nil
	case b&0xE0 == 0xC0:
		if !need(2) {
			break
		}
		u := int64(b&0x1F)<<8 | int64(blob[p+1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		return lpEntry{v: u, isInt: true}, 2, nil
	case b&0xF0 == 0xE0:
		if !need(2) {
			break
		}
		n := int(b&0x0F)<<8 | int(blob[p+1])
		if !need(2 + n) {
			break
		}
		return lpEntry{s: blob[p+2 : p+2+n]}, 2 + n, nil
	case b == 0xF0:
		if !need(5) {
			break
		}
		n := uint64(binary.LittleEndian.Uint32(blob[p+1:]))
		if uint64(p)+5+n > uint64(end) {
			break
		}
		return lpEntry{s: blob[p+5 : p+5+int(n)]}, 5 + int(n), nil
	case b >= 0xF1 && b <= 0xF4:
		size := [...]int{3, 4, 5, 9}[b-0xF1]
		if !need(size) {
			break
		}
		var u uint64
		for i := size - 1; i >= 1; i-- {
			u = u<<8 | uint64(blob[p+i])
		}
		bits := uint(8 * (size - 1))
		v := int64(u<<(64-bits)) >> (64 - bits) // sign-extend
		return lpEntry{v: v, isInt: true}, size, nil
	default:
		return lpEntry{}, 0, blobErrorf("listpack entry at %d has an invalid encoding byte %#x", p, b)
	}
	return lpEntry{}, 0, blobErrorf("listpack entry at %d overruns the blob", p)
}

// lpBacklen decodes a back-length stored in b (exactly its bytes).
func lpBacklen(b []byte) (int, bool) {
	v, shift := 0, 0
	for i := len(b) - 1; i >= 0; i-- {
		v |= int(b[i]&127) << shift
		more := b[i]&128 != 0
		if more != (i > 0) {
			return 0, false
		}
		shift += 7
	}
	return v, true
}

// lpPairs walks a listpack of field-value pairs (a hash or a sorted set),
// calling fn with each pair; an odd number of entries is an error. The
// bytes are valid during the call only.
func lpPairs(blob []byte, fn func(a, b lpEntry) error) error {
	return pairs("listpack", lpEach, blob, fn)
}

// pairs walks the entries each yields of blob two at a time; what names
// the encoding in the error about a lone last entry.
func pairs(what string, each func([]byte, func(lpEntry) error) error, blob []byte, fn func(a, b lpEntry) error) error {
	var first lpEntry
	odd := false
	err := each(blob, func(e lpEntry) error {
		if !odd {
			first, odd = e, true
			return nil
		}
		odd = false
		return fn(first, e)
	})
	if err == nil && odd {
		err = blobErrorf("%s of pairs has an odd number of entries", what)
	}
	return err
}
