package db

import (
	"unsafe"

	"redis-fast/proto"
)

// What persistence (RDB, AOF rewrite, DUMP/RESTORE) and replication see of
// the keyspace: read views of a key's value, and builders that make values
// from loaded elements. Reading requires the key's shard lock (a snapshot
// holds it for the key it hands out); a value being built belongs to its
// builder alone.

// Encoding returns OBJECT ENCODING's answer for o's value, which tells the
// RDB writer which of Redis's representations matches it.
func (o *Object) Encoding() string { return encoding(o) }

// Len returns the number of elements of a collection value (0 for a
// string).
func (o *Object) Len() int {
	switch o.typ {
	case TypeList:
		return (*List)(o.p).Len()
	case TypeHash:
		return (*Hash)(o.p).len()
	case TypeSet:
		return (*Set)(o.p).Len()
	case TypeZSet:
		return (*ZSet)(o.p).Len()
	}
	return 0
}

// EachList calls fn for every element of a list value, head to tail, until
// fn returns false. The bytes are valid during the call only.
func (o *Object) EachList(fn func(elem []byte) bool) { (*List)(o.p).each(fn) }

// EachHash calls fn for every field and value of a hash value, in the
// hash's order (insertion order while it is compact).
func (o *Object) EachHash(fn func(field, value []byte) bool) { (*Hash)(o.p).each(fn) }

// EachSet calls fn for every member of a set value (ascending while it is
// an intset).
func (o *Object) EachSet(fn func(member []byte) bool) { (*Set)(o.p).each(fn) }

// EachZSet calls fn for every member and score of a sorted set value, by
// ascending score.
func (o *Object) EachZSet(fn func(member []byte, score float64) bool) { (*ZSet)(o.p).each(fn) }

// IntsetBlob appends Redis's intset bytes for a set value whose encoding is
// "intset".
func (o *Object) IntsetBlob(dst []byte) []byte { return (*Set)(o.p).appendIntsetBlob(dst) }

// ZSetListpackScore appends score as a sorted set listpack holds it (an
// integer when it is integral and small, else %.17g), which is what an RDB
// listpack blob of a sorted set stores.
func ZSetListpackScore(dst []byte, score float64) []byte { return zlpScoreText(dst, score) }

// Value is a value made by a builder, ready to be stored with DB.Load.
type Value struct {
	typ Type
	p   unsafe.Pointer
	str []byte
}

// Type returns the value's type.
func (v Value) Type() Type { return v.typ }

// StringValue makes a string value holding a copy of b.
func StringValue(b []byte) Value {
	return Value{typ: TypeString, str: append([]byte(nil), b...)}
}

// ListBuilder makes a list from elements added in order, head first.
type ListBuilder struct{ l *List }

// NewListBuilder starts a list with the keyspace's list-max-listpack-size.
func (ks *Keyspace) NewListBuilder() *ListBuilder {
	return &ListBuilder{l: newList(ks.Limits.ListMaxListpackSize.Load())}
}

// Add appends elem (copied) at the tail.
func (b *ListBuilder) Add(elem []byte) { b.l.pushRight(elem) }

// Value returns the list.
func (b *ListBuilder) Value() Value { return Value{typ: TypeList, p: unsafe.Pointer(b.l)} }

// HashBuilder makes a hash; it ends in the encoding Redis gives a freshly
// loaded hash.
type HashBuilder struct {
	h   *Hash
	lim hashLimits
}

// NewHashBuilder starts a hash under the keyspace's hash limits.
func (ks *Keyspace) NewHashBuilder() *HashBuilder {
	return &HashBuilder{h: newHash(), lim: hashLimits{
		entries: ks.Limits.HashMaxListpackEntries.Load(),
		value:   ks.Limits.HashMaxListpackValue.Load(),
	}}
}

// Add sets field to value (both copied) and reports whether field was new;
// a repeated field in a dump is corruption.
func (b *HashBuilder) Add(field, value []byte) bool { return b.h.set(field, value, b.lim) }

// Value returns the hash.
func (b *HashBuilder) Value() Value { return Value{typ: TypeHash, p: unsafe.Pointer(b.h)} }

// SetBuilder makes a set, as Redis rebuilds one on load.
type SetBuilder struct {
	s   *Set
	lim int
}

// NewSetBuilder starts a set expected to receive n members.
func (ks *Keyspace) NewSetBuilder(n int) *SetBuilder {
	lim := int(ks.Limits.SetMaxIntsetEntries.Load())
	return &SetBuilder{s: newSetSized(n, lim), lim: lim}
}

// Add adds member (copied) and reports whether it was new.
func (b *SetBuilder) Add(member []byte) bool { return b.s.add(member, b.lim) }

// Value returns the set.
func (b *SetBuilder) Value() Value { return Value{typ: TypeSet, p: unsafe.Pointer(b.s)} }

// SetFromIntset makes a set from Redis's intset bytes, or reports false
// when they are malformed.
func (ks *Keyspace) SetFromIntset(blob []byte) (Value, bool) {
	s, ok := setFromIntsetBlob(blob, int(ks.Limits.SetMaxIntsetEntries.Load()))
	if !ok {
		return Value{}, false
	}
	return Value{typ: TypeSet, p: unsafe.Pointer(s)}, true
}

// ZSetBuilder makes a sorted set.
type ZSetBuilder struct {
	z            *ZSet
	lim          zlimits
	fromListpack bool
}

// NewZSetBuilder starts a sorted set expected to receive n elements;
// fromListpack says whether the dump stored it as a listpack or ziplist,
// which decides its final encoding as in Redis's loader.
func (ks *Keyspace) NewZSetBuilder(n int, fromListpack bool) *ZSetBuilder {
	lim := zlimits{
		entries: int(max(ks.Limits.ZSetMaxListpackEntries.Load(), 0)),
		value:   int(max(ks.Limits.ZSetMaxListpackValue.Load(), 0)),
	}
	return &ZSetBuilder{z: newZSetSized(n, lim), lim: lim, fromListpack: fromListpack}
}

// Add adds member (copied) with score and reports false on a repeated
// member.
func (b *ZSetBuilder) Add(member []byte, score float64) bool { return b.z.load(member, score) }

// Value returns the sorted set, in its final encoding.
func (b *ZSetBuilder) Value() Value {
	b.z.loaded(b.lim, b.fromListpack)
	return Value{typ: TypeZSet, p: unsafe.Pointer(b.z)}
}

// Load stores v under key with expiry exp (Unix ms; 0 for none), replacing
// whatever key held. It is for loading (a dump at start-up, RESTORE, a
// replica's full sync): the key's shard must be locked for writing, or the
// keyspace not yet serving.
func (d *DB) Load(c *Ctx, key []byte, v Value, exp int64) {
	if old := d.lookupWrite(c, key); old != nil {
		d.remove(key)
	}
	d.put(c, key, v, exp)
}

// put adds key, which must not exist, holding v with expiry exp.
func (d *DB) put(c *Ctx, key []byte, v Value, exp int64) *Object {
	o := d.createWithRoom(c, key, 0, exp != 0)
	if v.typ == TypeString {
		o.setBlock(v.str)
	} else {
		o.setContainer(v.typ, v.p)
	}
	if exp != 0 {
		d.setExpire(o, exp)
	}
	return o
}

// LoadCtx returns a context for loading keys outside any command (a dump at
// start-up, a replica's full sync): its time is now, its changes are not
// logged and count no dirty changes. Reply text goes to a scratch writer.
func (ks *Keyspace) LoadCtx(now int64) *Ctx {
	return &Ctx{W: &proto.Writer{}, DB: ks.DB(0), KS: ks, Now: now, Stats: &Stats{}}
}
