package db

import (
	"crypto/sha1"
	"encoding/binary"
	"math"
	"strconv"
)

// DEBUG DIGEST and DEBUG DIGEST-VALUE: a checksum of the dataset that is
// the same bytes Redis computes for the same data, so a master, its
// replicas and a real Redis holding a copy can be compared with one
// command. Each key's digest folds in its name, type, elements and whether
// it has an expiry; the keys' digests are xored together, so their order
// does not matter, while the elements of a list are chained in order.

// Digest is a 20-byte SHA1-based checksum.
type Digest [20]byte

// xorHash xors the SHA1 of b into d: the order-free way to add an element.
func (d *Digest) xorHash(b []byte) {
	h := sha1.Sum(b)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mix adds b in an order-dependent way: xor its hash in, then replace d
// with the hash of the result.
func (d *Digest) mix(b []byte) {
	d.xorHash(b)
	*d = sha1.Sum(d[:])
}

// mixUint32 mixes n in network byte order, as Redis mixes a type or a
// database number.
func (d *Digest) mixUint32(n uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	d.mix(b[:])
}

// DatasetDigest computes DEBUG DIGEST over every database, holding each
// database's shards while it is read (the command stops the world, as it
// does in Redis). An empty dataset digests to zeros.
func (ks *Keyspace) DatasetDigest() Digest {
	var final Digest
	for j, d := range ks.dbs {
		d.Lock(EveryShard, false)
		if d.Size() > 0 {
			final.mixUint32(uint32(j))
			for i := range d.shards {
				var cursor uint64
				for {
					cursor = d.shards[i].dict.scan(cursor, func(o *Object) {
						var kd Digest
						kd.mix(o.keyBytes())
						o.digestInto(&kd)
						final.xorHash(kd[:])
					})
					if cursor == 0 {
						break
					}
				}
			}
		}
		d.Unlock(EveryShard, false)
	}
	return final
}

// ValueDigest computes DEBUG DIGEST-VALUE's digest of one key's value (and
// expiry flag), zeros for a missing key. Like Redis's, it looks at the
// stored key without expiring it.
func (d *DB) ValueDigest(key []byte) Digest {
	var dg Digest
	sh, h := d.shardFor(key)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if o := sh.dict.find(h, key); o != nil {
		o.digestInto(&dg)
	}
	return dg
}

// digestInto adds o's type, value and expiry flag to dg, element by
// element in the forms Redis hashes: list elements chained in order, set
// members xored, hash fields and sorted-set members each digested with
// their value or score (as "%.17g" prints it) and xored.
func (o *Object) digestInto(dg *Digest) {
	dg.mixUint32(uint32(o.typ))
	switch o.typ {
	case TypeString:
		dg.mix(o.Str())
	case TypeList:
		o.EachList(func(e []byte) bool { dg.mix(e); return true })
	case TypeSet:
		o.EachSet(func(m []byte) bool { dg.xorHash(m); return true })
	case TypeZSet:
		var buf []byte
		o.EachZSet(func(m []byte, score float64) bool {
			var ed Digest
			ed.mix(m)
			buf = appendG17(buf[:0], score)
			ed.mix(buf)
			dg.xorHash(ed[:])
			return true
		})
	case TypeHash:
		o.EachHash(func(f, v []byte) bool {
			var ed Digest
			ed.mix(f)
			ed.mix(v)
			dg.xorHash(ed[:])
			return true
		})
	}
	if o.flags&flagExpires != 0 {
		dg.xorHash([]byte("!!expire!!"))
	}
}

// appendG17 formats f as C's "%.17g" does, infinities as "inf" and "-inf".
func appendG17(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}
