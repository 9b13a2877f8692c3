package rdb

import (
	"encoding/binary"
	"math"
	"strconv"

	"redis-fast/db"
)

// sizeHint bounds the element count passed to a builder to presize it:
// a corrupt count must not allocate, and a true one above this only costs
// some growth.
func sizeHint(n uint64) int { return int(min(n, 1<<16)) }

// value reads a value of type t, which started at offset off. empty
// reports a collection with no elements, which Redis skips with a warning
// (old versions could write them).
func (d *decoder) value(t byte, off int64) (v db.Value, empty bool, err error) {
	switch t {
	case typeString:
		if d.str, err = d.readString(d.str[:0]); err != nil {
			return v, false, err
		}
		return db.StringValue(d.str), false, nil
	case typeList:
		return d.plainList()
	case typeSet:
		return d.plainSet(off)
	case typeZSet, typeZSet2:
		return d.plainZSet(off, t == typeZSet2)
	case typeHash:
		return d.plainHash(off)
	case typeListQuicklist, typeListQuicklist2:
		return d.quicklist(off, t == typeListQuicklist2)
	case typeHashZipmap, typeListZiplist, typeSetIntset, typeZSetZiplist,
		typeHashZiplist, typeHashListpack, typeZSetListpack, typeSetListpack:
		blobOff := d.rd.offset()
		if d.blob, err = d.readString(d.blob[:0]); err != nil {
			return v, false, err
		}
		v, empty, err = d.fromBlob(t, d.blob)
		if err != nil {
			if be, ok := err.(*blobError); ok {
				err = fail(blobOff, ErrCorrupt, "%s value: %s", typeName(t), be.detail)
			}
		}
		return v, empty, err
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		return v, false, fail(off, ErrUnsupported, "unsupported type %d (stream) for key %q", t, d.key)
	case typeModule, typeModule2:
		id, _ := d.readLen()
		return v, false, fail(off, ErrUnsupported, "unsupported type %d (module %q) for key %q", t, moduleName(id), d.key)
	}
	return v, false, fail(off, ErrCorrupt, "unknown value type %d", t)
}

func (d *decoder) plainList() (db.Value, bool, error) {
	n, err := d.readLen()
	if err != nil || n == 0 {
		return db.Value{}, n == 0 && err == nil, err
	}
	b := d.ks.NewListBuilder()
	for ; n > 0; n-- {
		if d.str, err = d.readString(d.str[:0]); err != nil {
			return db.Value{}, false, err
		}
		b.Add(d.str)
	}
	return b.Value(), false, nil
}

func (d *decoder) plainSet(off int64) (db.Value, bool, error) {
	n, err := d.readLen()
	if err != nil || n == 0 {
		return db.Value{}, n == 0 && err == nil, err
	}
	b := d.ks.NewSetBuilder(sizeHint(n))
	for ; n > 0; n-- {
		if d.str, err = d.readString(d.str[:0]); err != nil {
			return db.Value{}, false, err
		}
		if !b.Add(d.str) {
			return db.Value{}, false, fail(off, ErrCorrupt, "set with a repeated member %q", d.str)
		}
	}
	return b.Value(), false, nil
}

func (d *decoder) plainHash(off int64) (db.Value, bool, error) {
	n, err := d.readLen()
	if err != nil || n == 0 {
		return db.Value{}, n == 0 && err == nil, err
	}
	b := d.ks.NewHashBuilder()
	for ; n > 0; n-- {
		if d.field, err = d.readString(d.field[:0]); err != nil {
			return db.Value{}, false, err
		}
		if d.str, err = d.readString(d.str[:0]); err != nil {
			return db.Value{}, false, err
		}
		if !b.Add(d.field, d.str) {
			return db.Value{}, false, fail(off, ErrCorrupt, "hash with a repeated field %q", d.field)
		}
	}
	return b.Value(), false, nil
}

// plainZSet reads ZSET (scores as text) or ZSET_2 (binary doubles).
func (d *decoder) plainZSet(off int64, binaryScores bool) (db.Value, bool, error) {
	n, err := d.readLen()
	if err != nil || n == 0 {
		return db.Value{}, n == 0 && err == nil, err
	}
	// Redis loads these into a skiplist and converts after, which keeps a
	// -0 score in a set that stays big: start big (a hint over the listpack
	// limit), unless the limit is so high that presizing would cost.
	hint := sizeHint(n)
	if lim := d.ks.Limits.ZSetMaxListpackEntries.Load(); lim < 1<<16 {
		hint = max(hint, int(lim)+1)
	}
	b := d.ks.NewZSetBuilder(hint, false /* fromListpack */)
	for ; n > 0; n-- {
		if d.str, err = d.readString(d.str[:0]); err != nil {
			return db.Value{}, false, err
		}
		scoreOff := d.rd.offset()
		var score float64
		if binaryScores {
			u, err := d.rd.uint64LE()
			if err != nil {
				return db.Value{}, false, err
			}
			score = math.Float64frombits(u)
		} else if score, err = d.textScore(); err != nil {
			return db.Value{}, false, err
		}
		if math.IsNaN(score) {
			return db.Value{}, false, fail(scoreOff, ErrCorrupt, "sorted set score is NaN")
		}
		if !b.Add(d.str, score) {
			return db.Value{}, false, fail(off, ErrCorrupt, "sorted set with a repeated member %q", d.str)
		}
	}
	return b.Value(), false, nil
}

// textScore reads a score as RDB before version 8 stored it: a length byte
// (253 NaN, 254 +inf, 255 -inf) and that many characters.
func (d *decoder) textScore() (float64, error) {
	off := d.rd.offset()
	n, err := d.rd.readByte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	text, err := d.rd.next(int(n))
	if err != nil {
		return 0, err
	}
	s, ok := parseScore(text)
	if !ok {
		return 0, fail(off, ErrCorrupt, "sorted set score %q is not a number", text)
	}
	return s, nil
}

// parseScore parses a score stored as text.
func parseScore(text []byte) (float64, bool) {
	s, err := strconv.ParseFloat(string(text), 64)
	return s, err == nil && !math.IsNaN(s)
}

// quicklist reads QUICKLIST (nodes are ziplists) or QUICKLIST_2 (each node
// has a container: a listpack, or one plain element).
func (d *decoder) quicklist(off int64, v2 bool) (db.Value, bool, error) {
	n, err := d.readLen()
	if err != nil || n == 0 {
		return db.Value{}, n == 0 && err == nil, err
	}
	b := d.ks.NewListBuilder()
	var num [20]byte
	add := func(e lpEntry) error {
		b.Add(e.text(&num))
		return nil
	}
	count := 0
	for ; n > 0; n-- {
		container := uint64(containerPacked)
		if v2 {
			coff := d.rd.offset()
			if container, err = d.readLen(); err != nil {
				return db.Value{}, false, err
			}
			if container != containerPacked && container != containerPlain {
				return db.Value{}, false, fail(coff, ErrCorrupt, "quicklist node container %d", container)
			}
		}
		noff := d.rd.offset()
		if d.blob, err = d.readString(d.blob[:0]); err != nil {
			return db.Value{}, false, err
		}
		if len(d.blob) == 0 {
			return db.Value{}, false, fail(noff, ErrCorrupt, "empty quicklist node")
		}
		switch {
		case container == containerPlain:
			b.Add(d.blob)
			count++
			continue
		case v2:
			err = lpEach(d.blob, func(e lpEntry) error { count++; return add(e) })
		default:
			err = zlEach(d.blob, func(e lpEntry) error { count++; return add(e) })
		}
		if be, ok := err.(*blobError); ok {
			return db.Value{}, false, fail(noff, ErrCorrupt, "list node: %s", be.detail)
		}
	}
	// Empty nodes are skipped silently; a list of only empty nodes is an
	// empty key.
	return b.Value(), count == 0, nil
}

// fromBlob builds a value from one of the single-blob encodings.
func (d *decoder) fromBlob(t byte, blob []byte) (db.Value, bool, error) {
	var num, num2 [20]byte
	switch t {
	case typeSetIntset:
		if len(blob) >= 8 && binary.LittleEndian.Uint32(blob[4:]) == 0 {
			return db.Value{}, false, blobErrorf("intset is empty")
		}
		v, ok := d.ks.SetFromIntset(blob)
		if !ok {
			return v, false, blobErrorf("intset fails validation (width, length, order)")
		}
		return v, false, nil
	case typeListZiplist:
		b := d.ks.NewListBuilder()
		count := 0
		err := zlEach(blob, func(e lpEntry) error { count++; b.Add(e.text(&num)); return nil })
		return b.Value(), count == 0 && err == nil, err
	case typeSetListpack:
		count, err := lpCount(blob)
		if err != nil || count == 0 {
			return db.Value{}, count == 0 && err == nil, err
		}
		b := d.ks.NewSetBuilder(count)
		err = lpEach(blob, func(e lpEntry) error {
			if m := e.text(&num); !b.Add(m) {
				return blobErrorf("set with a repeated member %q", m)
			}
			return nil
		})
		return b.Value(), false, err
	case typeHashZipmap:
		b := d.ks.NewHashBuilder()
		err := zmPairs(blob, func(f, v []byte) error { return addField(b, f, v) })
		return b.Value(), false, err
	case typeHashZiplist, typeHashListpack:
		b := d.ks.NewHashBuilder()
		count := 0
		each := lpPairs
		if t == typeHashZiplist {
			each = zlPairs
		}
		err := each(blob, func(f, v lpEntry) error {
			count++
			return addField(b, f.text(&num), v.text(&num2))
		})
		return b.Value(), count == 0 && err == nil, err
	}
	return d.zsetBlob(t, blob)
}

func addField(b *db.HashBuilder, f, v []byte) error {
	if !b.Add(f, v) {
		return blobErrorf("hash with a repeated field %q", f)
	}
	return nil
}

// zsetBlob builds a sorted set from a ziplist or listpack of member-score
// pairs.
func (d *decoder) zsetBlob(t byte, blob []byte) (db.Value, bool, error) {
	each, count := lpPairs, 0
	if t == typeZSetZiplist {
		each = zlPairs
		if err := zlEach(blob, func(lpEntry) error { count++; return nil }); err != nil {
			return db.Value{}, false, err
		}
	} else {
		var err error
		if count, err = lpCount(blob); err != nil {
			return db.Value{}, false, err
		}
	}
	if count == 0 {
		return db.Value{}, true, nil
	}
	b := d.ks.NewZSetBuilder(count/2, true /* fromListpack */)
	var num [20]byte
	err := each(blob, func(m, s lpEntry) error {
		score := float64(s.v)
		if !s.isInt {
			var ok bool
			if score, ok = parseScore(s.s); !ok {
				return blobErrorf("sorted set score %q is not a number", s.s)
			}
		}
		if member := m.text(&num); !b.Add(member, score) {
			return blobErrorf("sorted set with a repeated member %q", member)
		}
		return nil
	})
	return b.Value(), false, err
}

// lpCount validates a listpack and returns its number of entries.
func lpCount(blob []byte) (int, error) {
	n := 0
	err := lpEach(blob, func(lpEntry) error { n++; return nil })
	return n, err
}
