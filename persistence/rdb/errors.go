package rdb

import (
	"errors"
	"fmt"
)

// The sentinel errors. Every error Load and the payload decoder return
// wraps exactly one of them (or, for Load, an I/O error of the reader), in
// an *Error that names the offset; test with errors.Is.
var (
	// ErrTruncated: the input ended in the middle of the file (or value).
	ErrTruncated = errors.New("rdb: unexpected end of file")
	// ErrChecksum: the CRC64 trailer does not match the contents.
	ErrChecksum = errors.New("rdb: bad checksum")
	// ErrSignature: the input does not start with "REDIS".
	ErrSignature = errors.New("rdb: not an RDB file")
	// ErrVersion: an RDB version this package does not read.
	ErrVersion = errors.New("rdb: unsupported RDB version")
	// ErrUnsupported: a well-formed part this server cannot hold: a stream
	// or module value, module AUX data, functions (unless skipped), a
	// database number beyond the keyspace's.
	ErrUnsupported = errors.New("rdb: unsupported content")
	// ErrCorrupt: a malformed encoding: a bad length or string encoding, a
	// listpack, ziplist, zipmap or intset that fails validation, an unknown
	// type byte, a duplicated key, member or field, a NaN score.
	ErrCorrupt = errors.New("rdb: corrupt encoding")
)

// Error is a failure at a place in the input. Offset counts bytes from the
// start of the input (of the payload, for RESTORE); for a fault inside a
// listpack or other blob it is the blob's own offset, and Detail says
// where inside.
type Error struct {
	Offset int64
	Err    error // one of the sentinels, or the reader's I/O error
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%v at offset %d", e.Err, e.Offset)
	}
	return fmt.Sprintf("%v at offset %d: %s", e.Err, e.Offset, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// IsCorrupt reports whether err says the data itself is damaged: truncated,
// a bad checksum, not an RDB file, or a malformed encoding. It is false for
// ErrVersion and ErrUnsupported (the data may be fine, this server cannot
// take it) and for I/O errors.
func IsCorrupt(err error) bool {
	return errors.Is(err, ErrTruncated) || errors.Is(err, ErrChecksum) ||
		errors.Is(err, ErrSignature) || errors.Is(err, ErrCorrupt)
}

// blobError is a fault found inside a blob (listpack, ziplist, zipmap,
// intset), where the reader's offset is not at hand; the caller turns it
// into an *Error at the blob's offset.
type blobError struct{ detail string }

func (e *blobError) Error() string { return e.detail }

func blobErrorf(format string, args ...any) error {
	return &blobError{detail: fmt.Sprintf(format, args...)}
}
