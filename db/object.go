package db

import (
	"sync/atomic"
	"unsafe"
)

// Type is a value's Redis type, as TYPE names it.
type Type uint8

// The value types.
const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

func (t Type) String() string { return typeNames[t] }

// Object is one key of a database: the key, its value and its place in the
// shard's hash table. It lives in exactly one shard and is read and written
// only under that shard's lock.
//
// The value is held in p, whose meaning depends on typ: for a string it
// points to the first of n bytes (in a block of c); for the other types it
// points to the container (*List, *Hash, ...). The key is kp and klen
// rather than a string, and a key's expiry lives in a header in front of
// its bytes (keyBlock), only for keys that have had one: together that
// keeps an Object at 48 bytes, a size class of Go's allocator, where a
// string header and an expiry field in every Object made it 64. Most keys
// have no expiry, and with millions of them the 16 bytes are a sixth of
// what a small key costs.
type Object struct {
	kp   unsafe.Pointer // the key's first byte (see keyBlock)
	next *Object        // the next Object in the same hash bucket
	p    unsafe.Pointer
	klen uint32 // the key's length
	n, c uint32 // string length and capacity
	lru  uint32 // last access, in LRU clock seconds
	// snapEpoch is the epoch of the snapshot that has this key's state
	// already (written, or preserved before a change), or that began
	// before the key was created; see snapshot.go.
	snapEpoch uint32
	typ       Type
	flags     uint8
}

// Object flags.
const (
	// flagRaw marks a string changed in place (APPEND, SETRANGE), which
	// OBJECT ENCODING reports as "raw" whatever its length, as Redis does.
	flagRaw uint8 = 1 << iota
	// flagNotInt marks a number Redis stores as plain text without trying
	// the integer encoding (INCRBYFLOAT's result): "embstr", not "int".
	flagNotInt
	// flagUnshared marks a small integer Redis keeps in an object of its own
	// rather than its shared one (a COPY's): OBJECT REFCOUNT says 1.
	flagUnshared
	// flagExpires marks a key with an expiry: its key header holds it,
	// and its place in the shard's ttl list.
	flagExpires
	// flagKeyHeader marks a key block with a header (see keyBlock); it
	// stays when the expiry is removed.
	flagKeyHeader
)

// keyFlags are the flags about the key rather than the value: they stay
// with an Object whose value is replaced, and are not copied with a value.
const keyFlags = flagExpires | flagKeyHeader

// takeValueFlags gives o the flags of src's value, keeping its own key
// flags.
func (o *Object) takeValueFlags(src *Object) {
	o.flags = o.flags&keyFlags | src.flags&^keyFlags
}

// maxKeyBlock is the largest key and string value kept in one block.
// Go rounds every allocation up to a size class, 16 bytes apart up to
// 128, so two small blocks waste up to two roundings and one block at
// most one: a 10-byte value under an 11-byte key takes 24 bytes instead
// of 32. Past 128 bytes the classes grow further apart, and one block
// could cost more than two.
const maxKeyBlock = 128

// keyBlock gives the Object its own copy of key, and room for a string
// value of n bytes: in the same block, right after the key, when the two
// together are small enough (maxKeyBlock). With header, the block begins
// with keyHeader bytes for an expiry (see withKeyHeader). The key's bytes
// are never written again; the value's room is an ordinary string block
// (setStr fills it, APPEND grows it in place), and one that setStr
// replaces stays allocated, unused, as long as the key does.
//
//	[ expiry int64 | ttl list index int32 | 4 spare ][ key ][ value room ]
//	 ^ only with a header                            ^ kp   ^ p
func (o *Object) keyBlock(key []byte, n int, header bool) {
	o.klen = uint32(len(key))
	hdr := 0
	if header {
		hdr = keyHeader
		o.flags |= flagKeyHeader
	}
	room := 0
	if n > 0 && len(key)+n <= maxKeyBlock {
		room = n
	}
	if hdr+len(key)+room == 0 {
		return // an empty key: nothing to point at
	}
	// kp must point into the block even for an empty key after a header.
	b := make([]byte, max(hdr+len(key)+room, hdr+1))
	copy(b[hdr:], key)
	o.kp = unsafe.Pointer(&b[hdr])
	if room > 0 {
		o.typ = TypeString
		o.p, o.n, o.c = unsafe.Pointer(&b[hdr+len(key)]), 0, uint32(room)
	}
}

// keyHeader is the size of the header in front of the key of a key that
// has had an expiry: the expiry (Unix ms) and the key's index in its
// shard's ttl list, which untracking needs. Keeping them here, rather than
// in every Object, costs a key without an expiry nothing, and one with an
// expiry a header instead of a map entry.
const keyHeader = 16

// withKeyHeader moves the key into a block with a header, unless it has
// one already; a string value that shared the old block moves with it.
func (o *Object) withKeyHeader() {
	if o.flags&flagKeyHeader != 0 {
		return
	}
	key := o.keyBytes() // the old block stays as it is
	p, n, c := o.p, o.n, o.c
	shared := c > 0 && uintptr(p) == uintptr(o.kp)+uintptr(o.klen)
	if !shared {
		o.keyBlock(key, 0, true)
		return
	}
	o.keyBlock(key, int(c), true)
	if o.p == p {
		// No room made: the value was a block of its own that merely
		// followed the key's in memory, and too big to share; it stays.
		o.n, o.c = n, c
		return
	}
	copy(unsafe.Slice((*byte)(o.p), c), unsafe.Slice((*byte)(p), c))
	o.n = n
}

// expireAt is the expiry field of the key's header.
func (o *Object) expireAt() *int64 { return (*int64)(unsafe.Add(o.kp, -keyHeader)) }

// ttlPos is the ttl list index field of the key's header.
func (o *Object) ttlPos() *int32 { return (*int32)(unsafe.Add(o.kp, -keyHeader+8)) }

// Expire returns the expiry time in Unix ms, or 0 when the key persists.
func (o *Object) Expire() int64 {
	if o.flags&flagExpires == 0 {
		return 0
	}
	return *o.expireAt()
}

// Key returns the key. The string is the Object's own copy.
func (o *Object) Key() string { return unsafe.String((*byte)(o.kp), o.klen) }

// keyBytes returns the key as bytes, without copying them: nothing writes
// a key's bytes once keyBlock has, and a caller must not either.
func (o *Object) keyBytes() []byte { return unsafe.Slice((*byte)(o.kp), o.klen) }

// Type returns the value's type.
func (o *Object) Type() Type { return o.typ }

// Str returns a string value's bytes. They belong to the Object: a caller
// that keeps them past the shard lock must copy them.
func (o *Object) Str() []byte {
	if o.n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(o.p), o.c)[:o.n]
}

// setStr stores a copy of v as the string value, reusing the current block
// when v fits in it and it is not more than twice as big as v.
func (o *Object) setStr(v []byte) {
	o.typ = TypeString
	o.flags &^= flagRaw | flagNotInt | flagUnshared
	if len(v) == 0 {
		o.p, o.n, o.c = nil, 0, 0
		return
	}
	if o.p != nil && uint32(len(v)) <= o.c && uint32(len(v)) >= o.c/2 {
		copy(unsafe.Slice((*byte)(o.p), o.c), v)
		o.n = uint32(len(v))
		return
	}
	b := make([]byte, len(v))
	copy(b, v)
	o.setBlock(b)
}

// setBlock makes b (its length and capacity) the string value; the Object
// owns b from now on.
func (o *Object) setBlock(b []byte) {
	o.typ = TypeString
	if cap(b) == 0 {
		o.p, o.n, o.c = nil, 0, 0
		return
	}
	o.p = unsafe.Pointer(unsafe.SliceData(b[:cap(b)]))
	o.n, o.c = uint32(len(b)), uint32(cap(b))
}

// strBlock returns the string value's whole block, length n and capacity c,
// for commands that grow a string in place (APPEND, SETRANGE).
func (o *Object) strBlock() []byte {
	if o.c == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(o.p), o.c)[:o.n]
}

// setContainer makes ptr (a *List, *Hash, ...) the value, of type t.
func (o *Object) setContainer(t Type, ptr unsafe.Pointer) {
	o.typ, o.p, o.n, o.c = t, ptr, 0, 0
}

// touch records an access for OBJECT IDLETIME. Readers of one shard may run
// at the same time, so the clock is stored atomically, and only when it
// changed.
func (o *Object) touch(clock uint32) {
	if atomic.LoadUint32(&o.lru) != clock {
		atomic.StoreUint32(&o.lru, clock)
	}
}

// idle returns the seconds since the last access.
func (o *Object) idle(clock uint32) uint32 {
	return clock - atomic.LoadUint32(&o.lru)
}
