package rdb

// The numbers of the format, named as Redis's rdb.h names them.

// Version is the RDB version this package writes: Redis 7.0's.
const Version = 10

// maxReadVersion is the newest version Load reads: 11 (Redis 7.2) only
// adds encodings this package knows (the set listpack) and the stream
// form it refuses anyway; 12 (7.4) brings hash field expiry, which it does
// not know.
const maxReadVersion = 11

// RedisVersion is what the encoder writes as the redis-ver AUX field.
const RedisVersion = "7.0.15"

// Value types (RDB_TYPE_*): the byte before a key.
const (
	typeString          = 0
	typeList            = 1
	typeSet             = 2
	typeZSet            = 3
	typeHash            = 4
	typeZSet2           = 5 // doubles in binary
	typeModule          = 6
	typeModule2         = 7
	typeHashZipmap      = 9
	typeListZiplist     = 10
	typeSetIntset       = 11
	typeZSetZiplist     = 12
	typeHashZiplist     = 13
	typeListQuicklist   = 14 // of ziplists
	typeStreamListpacks = 15
	typeHashListpack    = 16
	typeZSetListpack    = 17
	typeListQuicklist2  = 18 // of listpacks (and plain nodes)
	typeStreamListpack2 = 19
	typeSetListpack     = 20 // RDB 11
	typeStreamListpack3 = 21 // RDB 11
)

// Opcodes: bytes that are not value types, in the same position.
const (
	opFunction2    = 245
	opFunction     = 246 // 7.0 release candidates
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMS = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Length encodings: the top two bits of a length's first byte.
const (
	len6      = 0    // 00xxxxxx
	len14     = 1    // 01xxxxxx xxxxxxxx
	len32     = 0x80 // 10000000 + 4 bytes big-endian
	len64     = 0x81 // 10000001 + 8 bytes big-endian
	lenEncVal = 3    // 11xxxxxx: a special string encoding follows
)

// Special string encodings (the low six bits after 11).
const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Quicklist node containers in a QUICKLIST_2 value.
const (
	containerPlain  = 1 // the node is one element, stored as is
	containerPacked = 2 // the node is a listpack
)

// plainThreshold is Redis's default packed_threshold: an element of 1 GiB
// or more gets a quicklist node of its own, stored plain.
const plainThreshold = 1 << 30

// isObjectType reports whether t is a value type a RESTORE payload may
// start with (Redis 7.0's rdbIsObjectType).
func isObjectType(t byte) bool {
	return t <= typeModule2 || t >= typeHashZipmap && t <= typeStreamListpack2
}

// typeName names a value type in errors.
func typeName(t byte) string {
	switch t {
	case typeString:
		return "string"
	case typeList, typeListZiplist, typeListQuicklist, typeListQuicklist2:
		return "list"
	case typeSet, typeSetIntset, typeSetListpack:
		return "set"
	case typeZSet, typeZSet2, typeZSetZiplist, typeZSetListpack:
		return "zset"
	case typeHash, typeHashZipmap, typeHashZiplist, typeHashListpack:
		return "hash"
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		return "stream"
	case typeModule, typeModule2:
		return "module"
	}
	return "unknown"
}
