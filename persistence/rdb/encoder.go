package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"redis-fast/db"
	"redis-fast/persistence/crc64"
)

// Options configure an Encoder.
type Options struct {
	// Format shapes the values: rdbcompression, list-max-listpack-size.
	Format
	// Checksum is rdbchecksum: when false the trailer is 8 zero bytes,
	// which loaders take as "not computed".
	Checksum bool
	// CTime is the ctime AUX field, Unix seconds; 0 means now.
	CTime int64
	// UsedMem is the used-mem AUX field, bytes.
	UsedMem int64
	// AOFBase marks the file as an AOF base (aof-base 1).
	AOFBase bool
	// Repl, when set, adds the replication AUX fields Redis writes for a
	// replica's full sync and for SAVE on a server with a replication ID.
	Repl *ReplInfo
}

// ReplInfo is the replication state recorded in a dump.
type ReplInfo struct {
	ID       string // repl-id, the master replication ID (40 hex digits)
	Offset   int64  // repl-offset, the offset the dump corresponds to
	StreamDB int    // repl-stream-db, the database the stream last selected
}

// Encoder writes one RDB file. Header and AUX fields are produced by
// NewEncoder; then, for each database that has keys, SelectDB and the keys
// (WriteKey); then Finish.
//
// Encoding and writing are separate steps, so that a snapshot can encode
// keys while it holds a shard lock and write without it: SelectDB and
// WriteKey only append to the encoder's buffer, and Flush writes the
// buffer to w (summing the checksum on the way). Finish flushes. A caller
// that never calls Flush before Finish holds the whole file in memory.
//
// Errors are sticky: after w fails, every method returns that error. An
// Encoder is not safe for concurrent use.
type Encoder struct {
	w        io.Writer
	buf      []byte
	checksum bool
	crc      uint64
	written  int64
	err      error
	done     bool
	vw       valueWriter
}

// errFinished is returned by calls after Finish.
var errFinished = errors.New("rdb: encoder already finished")

// NewEncoder starts a file: the "REDIS0010" header and the AUX fields
// redis-ver, redis-bits, ctime, used-mem, then the replication fields when
// opts.Repl is set, then aof-base, in Redis 7.0's order. Nothing is
// written to w until Flush.
func NewEncoder(w io.Writer, opts Options) *Encoder {
	e := &Encoder{w: w, checksum: opts.Checksum, vw: valueWriter{f: opts.Format}}
	e.buf = append(e.buf, fmt.Sprintf("REDIS%04d", Version)...)
	ctime := opts.CTime
	if ctime == 0 {
		ctime = time.Now().Unix()
	}
	e.aux("redis-ver", RedisVersion)
	e.auxInt("redis-bits", strconv.IntSize)
	e.auxInt("ctime", ctime)
	e.auxInt("used-mem", opts.UsedMem)
	if r := opts.Repl; r != nil {
		e.auxInt("repl-stream-db", int64(r.StreamDB))
		e.aux("repl-id", r.ID)
		e.auxInt("repl-offset", r.Offset)
	}
	aofBase := int64(0)
	if opts.AOFBase {
		aofBase = 1
	}
	e.auxInt("aof-base", aofBase)
	return e
}

func (e *Encoder) aux(key, value string) {
	e.buf = append(e.buf, opAux)
	e.buf = e.vw.appendString(e.buf, []byte(key))
	e.buf = e.vw.appendString(e.buf, []byte(value))
}

func (e *Encoder) auxInt(key string, v int64) { e.aux(key, strconv.FormatInt(v, 10)) }

// SelectDB starts database i, which holds keys keys of which expires have
// an expiry: SELECTDB then RESIZEDB (the counts are only a hint for the
// loader's tables). Redis skips databases without keys; so should the
// caller.
func (e *Encoder) SelectDB(i, keys, expires int) error {
	if err := e.usable(); err != nil {
		return err
	}
	e.buf = append(e.buf, opSelectDB)
	e.buf = appendLen(e.buf, uint64(i))
	e.buf = append(e.buf, opResizeDB)
	e.buf = appendLen(e.buf, uint64(max(keys, 0)))
	e.buf = appendLen(e.buf, uint64(max(expires, 0)))
	return nil
}

// WriteKey encodes one key with its value and expiry (Unix ms, 0 for
// none) into the buffer, in the RDB type that matches the value's present
// encoding. o's shard must be locked (for reading at least) during the
// call; nothing of o is kept after it. A value this format cannot hold (a
// stream) is an error that leaves the buffer unchanged and the encoder
// usable.
func (e *Encoder) WriteKey(key []byte, o *db.Object, expireMs int64) error {
	if err := e.usable(); err != nil {
		return err
	}
	out, err := e.vw.appendRecord(e.buf, key, o, expireMs)
	if err != nil {
		return err
	}
	e.buf = out
	return nil
}

// WriteKeyString is WriteKey for a key held as a string (Object.Key).
func (e *Encoder) WriteKeyString(key string, o *db.Object, expireMs int64) error {
	return e.WriteKey([]byte(key), o, expireMs)
}

// Buffered returns the number of encoded bytes not yet written to w.
func (e *Encoder) Buffered() int { return len(e.buf) }

// Written returns the number of bytes written to w so far.
func (e *Encoder) Written() int64 { return e.written }

// Flush writes the buffered bytes to w.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	return e.flush()
}

func (e *Encoder) flush() error {
	if len(e.buf) == 0 {
		return nil
	}
	if e.checksum {
		e.crc = crc64.Update(e.crc, e.buf)
	}
	n, err := e.w.Write(e.buf)
	e.written += int64(n)
	if err == nil && n < len(e.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		e.err = fmt.Errorf("rdb: writing: %w", err)
		return e.err
	}
	if cap(e.buf) > 4<<20 { // one huge value: do not keep its buffer
		e.buf = nil
	} else {
		e.buf = e.buf[:0]
	}
	return nil
}

// Finish ends the file, EOF then the CRC64 of everything before it
// (little-endian; zero when checksums are off), and flushes. It does not
// sync or close w.
func (e *Encoder) Finish() error {
	if err := e.usable(); err != nil {
		return err
	}
	e.buf = append(e.buf, opEOF)
	if err := e.flush(); err != nil {
		return err
	}
	var sum uint64
	if e.checksum {
		sum = e.crc
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, sum)
	e.done = true
	checksum := e.checksum
	e.checksum = false // the trailer is not part of the sum
	err := e.flush()
	e.checksum = checksum
	return err
}

func (e *Encoder) usable() error {
	if e.err != nil {
		return e.err
	}
	if e.done {
		return errFinished
	}
	return nil
}
