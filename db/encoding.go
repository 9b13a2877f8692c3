package db

import "redis-fast/proto"

// Redis stores a string in one of three encodings and OBJECT ENCODING names
// the one it chose; redis-fast stores every string as bytes but reports what
// Redis would have chosen for the same value, since clients and tests look.

const (
	// embstrMax is the longest string Redis embeds in its object header
	// (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
	embstrMax = 44
	// sharedIntegers is how many small integers (0 up to this, exclusive)
	// Redis shares between keys instead of allocating (OBJ_SHARED_INTEGERS).
	sharedIntegers = 10000
	// sharedRefcount is the reference count OBJECT REFCOUNT shows for a
	// shared object (OBJ_SHARED_REFCOUNT, INT_MAX).
	sharedRefcount = 1<<31 - 1
)

// encoding returns OBJECT ENCODING's answer for o. o's shard must be locked.
func encoding(o *Object) string {
	switch o.typ {
	case TypeString:
		return stringEncoding(o)
	case TypeList:
		return (*List)(o.p).encoding()
	case TypeHash:
		return (*Hash)(o.p).encoding()
	case TypeSet:
		return (*Set)(o.p).encoding()
	case TypeZSet:
		return (*ZSet)(o.p).encoding()
	}
	return "unknown"
}

// stringEncoding is what Redis's tryObjectEncoding picks for a string value:
// "int" for a number string2l accepts (at most 20 characters), "embstr" up
// to 44 bytes, "raw" beyond, and "raw" for a string changed in place (APPEND
// and SETRANGE leave Redis's value raw whatever it holds).
func stringEncoding(o *Object) string {
	if o.flags&flagRaw != 0 {
		return "raw"
	}
	if _, ok := stringInt(o); ok {
		return "int"
	}
	if o.n <= embstrMax {
		return "embstr"
	}
	return "raw"
}

// stringInt returns the integer a string value holds when Redis would
// encode it as "int".
func stringInt(o *Object) (int64, bool) {
	if o.flags&(flagRaw|flagNotInt) != 0 || o.n > 20 {
		return 0, false
	}
	return proto.ParseInt(o.Str())
}

// refcount returns OBJECT REFCOUNT's answer for o: Redis shares the objects
// of the integers 0 to 9999 (with maxmemory unset, its default), and reports
// INT_MAX for them; every other value has one reference.
func refcount(o *Object) int64 {
	switch o.typ {
	case TypeString:
		if v, ok := stringInt(o); ok && v >= 0 && v < sharedIntegers && o.flags&flagUnshared == 0 {
			return sharedRefcount
		}
	}
	return 1
}
