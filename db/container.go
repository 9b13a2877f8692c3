package db

import (
	"sync/atomic"
	"unsafe"
)

// The helpers every collection type (list, hash, set, sorted set) builds
// on. They require the key's shard lock, as lookup does.

// lookupKind returns key's object for reading when it holds a value of type
// t. A missing key gives nil and true; a key of another type replies
// WRONGTYPE and gives nil and false.
func (d *DB) lookupKind(c *Ctx, key []byte, t Type) (*Object, bool) {
	o := d.lookup(c, key)
	if o != nil && o.typ != t {
		c.W.Error(msgWrongType)
		return nil, false
	}
	return o, true
}

// lookupKindWrite is lookupKind for a command that changes the value.
func (d *DB) lookupKindWrite(c *Ctx, key []byte, t Type) (*Object, bool) {
	o := d.lookupWrite(c, key)
	if o != nil && o.typ != t {
		c.W.Error(msgWrongType)
		return nil, false
	}
	return o, true
}

// createContainer adds key, which must not exist, holding the collection
// ptr of type t.
func (d *DB) createContainer(c *Ctx, key []byte, t Type, ptr unsafe.Pointer) *Object {
	o := d.create(c, key)
	o.setContainer(t, ptr)
	return o
}

// removeEmpty deletes key, whose collection has just become empty: Redis
// never keeps an empty collection, so neither does the keyspace.
func (d *DB) removeEmpty(key []byte) { d.remove(key) }

// cloneContainer returns a deep copy of o's collection, for COPY.
func cloneContainer(o *Object) unsafe.Pointer {
	switch o.typ {
	case TypeList:
		return unsafe.Pointer((*List)(o.p).clone())
	case TypeHash:
		return unsafe.Pointer((*Hash)(o.p).clone())
	case TypeSet:
		return unsafe.Pointer((*Set)(o.p).clone())
	case TypeZSet:
		return unsafe.Pointer((*ZSet)(o.p).clone())
	}
	return nil
}

// EncodingLimits are the sizes under which Redis keeps a collection in its
// compact form (listpack, intset) and OBJECT ENCODING says so; the
// collections here follow the same thresholds. They are config directives,
// so they may change while commands run: safe for concurrent use.
type EncodingLimits struct {
	HashMaxListpackEntries atomic.Int64
	HashMaxListpackValue   atomic.Int64
	SetMaxIntsetEntries    atomic.Int64
	ZSetMaxListpackEntries atomic.Int64
	ZSetMaxListpackValue   atomic.Int64
	// ListMaxListpackSize is list-max-listpack-size: a positive number of
	// entries per node, or -1..-5 for 4 KiB..64 KiB per node.
	ListMaxListpackSize atomic.Int64
}

// Redis 7.0's defaults for the encoding limits.
const (
	DefaultHashMaxListpackEntries = 512
	DefaultHashMaxListpackValue   = 64
	DefaultSetMaxIntsetEntries    = 512
	DefaultZSetMaxListpackEntries = 128
	DefaultZSetMaxListpackValue   = 64
	DefaultListMaxListpackSize    = -2
)

// CopyFrom sets every limit to o's.
func (l *EncodingLimits) CopyFrom(o *EncodingLimits) {
	l.HashMaxListpackEntries.Store(o.HashMaxListpackEntries.Load())
	l.HashMaxListpackValue.Store(o.HashMaxListpackValue.Load())
	l.SetMaxIntsetEntries.Store(o.SetMaxIntsetEntries.Load())
	l.ZSetMaxListpackEntries.Store(o.ZSetMaxListpackEntries.Load())
	l.ZSetMaxListpackValue.Store(o.ZSetMaxListpackValue.Load())
	l.ListMaxListpackSize.Store(o.ListMaxListpackSize.Load())
}

func (l *EncodingLimits) setDefaults() {
	l.HashMaxListpackEntries.Store(DefaultHashMaxListpackEntries)
	l.HashMaxListpackValue.Store(DefaultHashMaxListpackValue)
	l.SetMaxIntsetEntries.Store(DefaultSetMaxIntsetEntries)
	l.ZSetMaxListpackEntries.Store(DefaultZSetMaxListpackEntries)
	l.ZSetMaxListpackValue.Store(DefaultZSetMaxListpackValue)
	l.ListMaxListpackSize.Store(DefaultListMaxListpackSize)
}
