package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"redis-fast/persistence/crc64"
)

// reader is the decoder's buffered view of its input. It tracks the offset
// of every byte and sums the CRC64 of the bytes consumed, lazily, a buffer
// at a time. It reads ahead of what it consumed, so the underlying reader
// is left past the end of the RDB data; Info.Size says where that ended.
type reader struct {
	src   io.Reader // nil: buf is the whole input
	buf   []byte
	r, w  int   // buf[r:w] is unread
	base  int64 // input offset of buf[0]
	sum   bool  // compute the CRC
	crc   uint64
	crcAt int // buf[:crcAt] is summed into crc
}

const readBuffer = 64 << 10

// readChunk bounds one step of a long read, so that a length field lying
// about a huge string costs memory only for the bytes actually present.
const readChunk = 1 << 20

func newReader(src io.Reader, sum bool) *reader {
	return &reader{src: src, buf: make([]byte, readBuffer), sum: sum}
}

// newBytesReader reads from b alone.
func newBytesReader(b []byte) *reader {
	return &reader{buf: b, w: len(b)}
}

// offset is the input offset of the next unread byte.
func (rd *reader) offset() int64 { return rd.base + int64(rd.r) }

// fail builds the error for a fault at offset off.
func fail(off int64, sentinel error, format string, args ...any) error {
	return &Error{Offset: off, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

// fill makes at least n (<= len(buf)) unread bytes available.
func (rd *reader) fill(n int) error {
	if rd.w-rd.r >= n {
		return nil
	}
	if rd.src == nil {
		return fail(int64(rd.w), ErrTruncated, "%d more bytes needed", n-(rd.w-rd.r))
	}
	rd.summed()
	copy(rd.buf, rd.buf[rd.r:rd.w])
	rd.base += int64(rd.r)
	rd.w -= rd.r
	rd.r, rd.crcAt = 0, 0
	for empty := 0; rd.w < n; {
		m, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += m
		switch {
		case rd.w >= n:
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return fail(rd.base+int64(rd.w), ErrTruncated, "%d more bytes needed", n-rd.w)
		case err != nil:
			return &Error{Offset: rd.base + int64(rd.w), Err: err, Detail: "reading"}
		case m == 0:
			if empty++; empty >= 100 {
				return &Error{Offset: rd.base + int64(rd.w), Err: io.ErrNoProgress, Detail: "reading"}
			}
		}
	}
	return nil
}

// summed adds the consumed bytes not yet summed to the CRC.
func (rd *reader) summed() {
	if rd.sum && rd.crcAt < rd.r {
		rd.crc = crc64.Update(rd.crc, rd.buf[rd.crcAt:rd.r])
	}
	rd.crcAt = rd.r
}

// checksum returns the CRC64 of everything consumed so far.
func (rd *reader) checksum() uint64 {
	rd.summed()
	return rd.crc
}

func (rd *reader) readByte() (byte, error) {
	if rd.r == rd.w {
		if err := rd.fill(1); err != nil {
			return 0, err
		}
	}
	b := rd.buf[rd.r]
	rd.r++
	return b, nil
}

// next consumes n (<= readBuffer) bytes and returns them; the slice is
// valid until the next read.
func (rd *reader) next(n int) ([]byte, error) {
	if err := rd.fill(n); err != nil {
		return nil, err
	}
	b := rd.buf[rd.r : rd.r+n]
	rd.r += n
	return b, nil
}

func (rd *reader) uint32LE() (uint32, error) {
	b, err := rd.next(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (rd *reader) uint64LE() (uint64, error) {
	b, err := rd.next(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// appendN consumes n bytes, appending them to dst; memory grows with the
// bytes that actually arrive, not with n.
func (rd *reader) appendN(dst []byte, n uint64) ([]byte, error) {
	for n > 0 {
		if rd.r == rd.w {
			if err := rd.fill(1); err != nil {
				return dst, err
			}
		}
		k := min(uint64(rd.w-rd.r), n, readChunk)
		dst = append(dst, rd.buf[rd.r:rd.r+int(k)]...)
		rd.r += int(k)
		n -= k
	}
	return dst, nil
}
