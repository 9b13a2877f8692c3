package rdb

import (
	"encoding/binary"
	"fmt"
	"math"

	"redis-fast/db"
	"redis-fast/persistence/lzf"
	"redis-fast/proto"
)

// Format holds the settings that shape how values are written. The zero
// value writes as Redis 7.0 does with rdbcompression no and the default
// list-max-listpack-size.
type Format struct {
	// Compression is rdbcompression: a string (or blob) longer than 20
	// bytes is written LZF-compressed when the compressed form fits in its
	// length minus 4, as Redis does.
	Compression bool
	// ListMaxListpackSize is list-max-listpack-size, which sizes the
	// quicklist nodes written for a list: -1..-5 for 4..64 KiB per node, a
	// positive number for entries per node. 0 means Redis's default, -2.
	ListMaxListpackSize int
	// PlainThreshold is the element size from which a list element gets a
	// plain quicklist node of its own; 0 means Redis's 1 GiB.
	PlainThreshold int
}

// valueWriter encodes values, reusing its buffers between calls. It is not
// safe for concurrent use.
type valueWriter struct {
	f       Format
	lzf     lzf.Compressor
	lp      lpWriter
	blob    []byte // an intset's blob
	nodes   []byte // a list's encoded quicklist nodes
	members []byte // a skiplist's members, for writing them backwards
	zsets   []zsetRef
}

type zsetRef struct {
	end   int // members[start:end] is the member; start is the previous end
	score float64
}

// trim drops buffers a huge value grew, so that one big value does not pin
// its size while the writer lives.
func (w *valueWriter) trim() {
	const keep = 1 << 20
	if cap(w.lp.b) > keep {
		w.lp.b = nil
	}
	if cap(w.blob) > keep {
		w.blob = nil
	}
	if cap(w.nodes) > keep {
		w.nodes = nil
	}
	if cap(w.members) > keep || cap(w.zsets) > keep/16 {
		w.members, w.zsets = nil, nil
	}
}

// appendLen appends n in RDB's length encoding.
func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14<<6, byte(n))
	case n <= math.MaxUint32:
		dst = append(dst, len32)
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	dst = append(dst, len64)
	return binary.BigEndian.AppendUint64(dst, n)
}

// appendIntEncoded appends v as an int8/16/32 special string encoding and
// reports whether it fit (rdbEncodeInteger).
func appendIntEncoded(dst []byte, v int64) ([]byte, bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(dst, lenEncVal<<6|encInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return append(dst, lenEncVal<<6|encInt16, byte(v), byte(v>>8)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		dst = append(dst, lenEncVal<<6|encInt32)
		return binary.LittleEndian.AppendUint32(dst, uint32(v)), true
	}
	return dst, false
}

// appendString appends s as rdbSaveRawString does: as an integer when it
// is the canonical text of one that fits in 32 bits, LZF-compressed when
// compression is on, s is longer than 20 bytes and compression saves
// space, else as a length and the bytes.
func (w *valueWriter) appendString(dst, s []byte) []byte {
	if len(s) <= 11 {
		if v, ok := proto.ParseInt(s); ok {
			if out, ok := appendIntEncoded(dst, v); ok {
				return out
			}
		}
	}
	if w.f.Compression && len(s) > 20 {
		if out, ok := w.appendLZF(dst, s); ok {
			return out
		}
	}
	dst = appendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendLZF appends s compressed, if it compresses into len(s)-4 bytes.
func (w *valueWriter) appendLZF(dst, s []byte) ([]byte, bool) {
	// Compress behind room for the longest header, then move it up.
	const room = 1 + 9 + 9
	base := len(dst)
	buf, ok := w.lzf.Compress(append(dst, make([]byte, room)...), s, len(s)-4)
	if !ok {
		return dst[:base], false
	}
	clen := len(buf) - base - room
	hdr := append(make([]byte, 0, room), lenEncVal<<6|encLZF)
	hdr = appendLen(hdr, uint64(clen))
	hdr = appendLen(hdr, uint64(len(s)))
	copy(buf[base+len(hdr):], buf[base+room:])
	copy(buf[base:], hdr)
	return buf[:base+len(hdr)+clen], true
}

// typeOf returns the RDB type Redis 7.0 writes for o's value in its
// present encoding.
func typeOf(o *db.Object) (byte, error) {
	switch o.Type() {
	case db.TypeString:
		return typeString, nil
	case db.TypeList:
		return typeListQuicklist2, nil
	case db.TypeSet:
		if o.Encoding() == "intset" {
			return typeSetIntset, nil
		}
		return typeSet, nil
	case db.TypeZSet:
		if o.Encoding() == "listpack" {
			return typeZSetListpack, nil
		}
		return typeZSet2, nil
	case db.TypeHash:
		if o.Encoding() == "listpack" {
			return typeHashListpack, nil
		}
		return typeHash, nil
	}
	return 0, fmt.Errorf("rdb: cannot encode a value of type %v", o.Type())
}

// plan decides the RDB type of o's value and, for the blob encodings,
// builds the blob (in the writer's buffers, valid until the next call). A
// listpack too big for Redis's 1 GiB limit (never, at Redis's thresholds)
// is planned in the plain form, which loads back the same.
func (w *valueWriter) plan(o *db.Object) (byte, []byte, error) {
	t, err := typeOf(o)
	if err != nil {
		return 0, nil, err
	}
	switch t {
	case typeHashListpack:
		if lp := w.hashListpack(o); lp != nil {
			return t, lp, nil
		}
		return typeHash, nil, nil
	case typeZSetListpack:
		if lp := w.zsetListpack(o); lp != nil {
			return t, lp, nil
		}
		return typeZSet2, nil, nil
	case typeSetIntset:
		w.blob = o.IntsetBlob(w.blob[:0])
		return t, w.blob, nil
	}
	return t, nil, nil
}

// appendValue appends o's value as plan decided: type t, blob if any. o's
// shard must be locked (for reading at least) during the call.
func (w *valueWriter) appendValue(dst []byte, o *db.Object, t byte, blob []byte) []byte {
	switch t {
	case typeHashListpack, typeZSetListpack, typeSetIntset:
		return w.appendString(dst, blob)
	case typeString:
		return w.appendString(dst, o.Str())
	case typeListQuicklist2:
		return w.appendList(dst, o)
	case typeSet:
		dst = appendLen(dst, uint64(o.Len()))
		o.EachSet(func(m []byte) bool {
			dst = w.appendString(dst, m)
			return true
		})
		return dst
	case typeHash:
		dst = appendLen(dst, uint64(o.Len()))
		o.EachHash(func(f, v []byte) bool {
			dst = w.appendString(dst, f)
			dst = w.appendString(dst, v)
			return true
		})
		return dst
	}
	return w.appendSkiplist(dst, o)
}

// appendObject appends o's type byte and value: a DUMP payload's body.
func (w *valueWriter) appendObject(dst []byte, o *db.Object) ([]byte, error) {
	t, blob, err := w.plan(o)
	if err != nil {
		return dst, err
	}
	return w.appendValue(append(dst, t), o, t, blob), nil
}

// hashListpack builds a listpack hash's blob, fields and values in the
// hash's order; nil if it would pass Redis's 1 GiB listpack limit.
func (w *valueWriter) hashListpack(o *db.Object) []byte {
	w.lp.reset(w.lp.b)
	ok := true
	o.EachHash(func(f, v []byte) bool {
		w.lp.add(f)
		w.lp.add(v)
		ok = w.lp.bytes() <= lpMaxSafe
		return ok
	})
	if !ok {
		return nil
	}
	return w.lp.finish()
}

// zsetListpack builds a listpack sorted set's blob: member, score, in
// ascending order, each score as Redis's listpack holds it.
func (w *valueWriter) zsetListpack(o *db.Object) []byte {
	w.lp.reset(w.lp.b)
	var num [32]byte
	ok := true
	o.EachZSet(func(m []byte, s float64) bool {
		w.lp.add(m)
		w.lp.add(db.ZSetListpackScore(num[:0], s))
		ok = w.lp.bytes() <= lpMaxSafe
		return ok
	})
	if !ok {
		return nil
	}
	return w.lp.finish()
}

// appendSkiplist writes a big sorted set as ZSET_2: the count, then
// member and binary score from the highest score to the lowest, as Redis
// walks its skiplist from the tail (the loader then always inserts at the
// head).
func (w *valueWriter) appendSkiplist(dst []byte, o *db.Object) []byte {
	w.members, w.zsets = w.members[:0], w.zsets[:0]
	o.EachZSet(func(m []byte, s float64) bool {
		w.members = append(w.members, m...)
		w.zsets = append(w.zsets, zsetRef{end: len(w.members), score: s})
		return true
	})
	dst = appendLen(dst, uint64(len(w.zsets)))
	for i := len(w.zsets) - 1; i >= 0; i-- {
		start := 0
		if i > 0 {
			start = w.zsets[i-1].end
		}
		dst = w.appendString(dst, w.members[start:w.zsets[i].end])
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(w.zsets[i].score))
	}
	w.trim()
	return dst
}

// appendList writes a list as QUICKLIST_2: the number of nodes, then each
// node's container and blob. The nodes are cut as Redis's quicklist cuts
// them when the elements are pushed at the tail one by one (the shape
// Redis itself gives a list it loads from an older format).
func (w *valueWriter) appendList(dst []byte, o *db.Object) []byte {
	w.nodes = w.nodes[:0]
	count := 0
	w.lp.reset(w.lp.b)
	flush := func() {
		if w.lp.n > 0 {
			w.nodes = appendLen(w.nodes, containerPacked)
			w.nodes = w.appendString(w.nodes, w.lp.finish())
			count++
			w.lp.reset(w.lp.b)
		}
	}
	plain := w.f.PlainThreshold
	if plain <= 0 {
		plain = plainThreshold
	}
	o.EachList(func(e []byte) bool {
		if len(e) >= plain {
			flush()
			w.nodes = appendLen(w.nodes, containerPlain)
			w.nodes = w.appendString(w.nodes, e)
			count++
			return true
		}
		if w.lp.n > 0 && !w.nodeTakes(len(e)) {
			flush()
		}
		w.lp.add(e)
		return true
	})
	flush()
	dst = appendLen(dst, uint64(count))
	dst = append(dst, w.nodes...)
	w.trim()
	return dst
}

// nodeTakes reports whether the current node may take one more element of
// n bytes: Redis 7.0's _quicklistNodeAllowInsert, which estimates the new
// size as the node's bytes plus the element plus 8.
func (w *valueWriter) nodeTakes(n int) bool {
	fill := w.f.ListMaxListpackSize
	if fill == 0 {
		fill = db.DefaultListMaxListpackSize
	}
	grown := w.lp.bytes() + n + 8
	if fill < 0 {
		level := min(-fill-1, 4)
		return grown <= 4096<<level
	}
	return grown <= 8192 && w.lp.n < fill
}

// appendRecord appends one key as it appears in a database section:
// [EXPIRETIME_MS ms] type key value.
func (w *valueWriter) appendRecord(dst, key []byte, o *db.Object, expireMs int64) ([]byte, error) {
	t, blob, err := w.plan(o)
	if err != nil {
		return dst, err
	}
	if expireMs != 0 {
		dst = append(dst, opExpireTimeMS)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(expireMs))
	}
	dst = append(dst, t)
	dst = w.appendString(dst, key)
	return w.appendValue(dst, o, t, blob), nil
}
