// Package rdb is Redis's RDB format: the encoder that writes a dump file
// as Redis 7.0 writes it (version 10, every value in the representation
// that matches its encoding, CRC64 trailer), the decoder that loads the
// files of every Redis version into a keyspace (RDB 1 to 11), and DUMP and
// RESTORE, which use the same value encoding. redis-check-rdb accepts what
// this package writes, a real redis-server loads it, and this package
// loads what a real redis-server saves.
//
// # Using it
//
// Writing (SAVE, BGSAVE, a full sync, an AOF base file):
//
//	enc := rdb.NewEncoder(w, rdb.Options{Format: rdb.Format{Compression: true}, Checksum: true})
//	for each database i that has keys:
//	    enc.SelectDB(i, keys, expires)
//	    for each key: enc.WriteKey(key, o, expireMs) // o's shard locked; no I/O
//	    enc.Flush()                                  // no lock needed; writes to w
//	enc.Finish()                                     // EOF + checksum, flushed
//
// Reading (start-up, a replica's full sync):
//
//	ks := db.NewKeyspace(n)
//	info, err := rdb.Load(r, ks, rdb.LoadOptions{Checksum: true})
//	// on error: discard ks. IsCorrupt(err) tells a damaged file from an
//	// unsupported one; the error names the offset.
//
// # Promises
//
//   - The encoder writes only what Redis 7.0 writes: strings int-encoded
//     when they are small integers, LZF-compressed when rdbcompression is on,
//     the string is longer than 20 bytes and compression saves space, raw
//     otherwise; lists as QUICKLIST_2 of listpack nodes (a plain node for an
//     element of 1 GiB or more); sets as an intset blob or a plain SET;
//     hashes and sorted sets as a listpack blob or plain HASH / ZSET_2. The
//     listpack and intset blobs are byte for byte Redis's layouts.
//   - The decoder never panics and never allocates much more than the input
//     it actually reads, whatever the input says. Every failure is an *Error
//     with the offset, wrapping ErrTruncated, ErrChecksum, ErrSignature,
//     ErrVersion, ErrUnsupported or ErrCorrupt (or the reader's I/O error).
//   - A failed Load leaves the keyspace partly loaded: load into a fresh
//     keyspace and swap it in only when Load succeeds.
//   - Keys already expired when the file is loaded are skipped, as Redis's
//     master does (LoadOptions.KeepExpired keeps them, as a replica and an
//     AOF base file need); empty collections are skipped, as Redis does.
//   - A key met twice, or already in the keyspace, is corrupt, unless
//     LoadOptions.Replace (DEBUG RELOAD MERGE) lets the file's value win.
//
// # The file
//
//	+-----------+---------------+------------------------------+-----+----------+
//	| REDIS0010 | AUX fields... | databases...                 | EOF | CRC64    |
//	| 9 bytes   |               |                              | 0xFF| 8 bytes  |
//	+-----------+---------------+------------------------------+-----+----------+
//
// The header is "REDIS" and the version as four decimal digits. The CRC64
// (Jones polynomial, reflected, see package crc64) covers every byte from
// the header to the EOF opcode, and is stored little-endian; it is zero
// when the writer had rdbchecksum off, and absent before RDB 5.
//
// An AUX field is an opcode and two strings:
//
//	+------+----------+------------+
//	| 0xFA | key: str | value: str |   redis-ver, redis-bits, ctime, used-mem,
//	+------+----------+------------+   repl-stream-db, repl-id, repl-offset, aof-base
//
// A database section (only for databases that have keys):
//
//	+------+-----------+------+------------+---------------+
//	| 0xFE | db: len   | 0xFB | keys: len  | expires: len  |   SELECTDB, RESIZEDB
//	+------+-----------+------+------------+---------------+
//	then per key:
//	+------+----------------------+------+----------+--------+
//	| 0xFC | expiry, Unix ms, u64 | type | key: str | value  |   the expiry only if set
//	|      | little-endian        | 1 B  |          |        |
//	+------+----------------------+------+----------+--------+
//
// Other opcodes a file may hold before a key or between sections: 0xFD
// EXPIRETIME (seconds, u32 little-endian, before RDB 3), 0xF8 IDLE (len:
// LRU idle seconds), 0xF9 FREQ (1 byte, LFU counter), 0xF7 MODULE_AUX, 0xF5
// FUNCTION2 (str: a library's code; 0xF6 in the 7.0 release candidates).
//
// # Lengths
//
//	00xxxxxx                       6-bit length
//	01xxxxxx xxxxxxxx              14-bit length, big-endian
//	10000000 [4 bytes]             32-bit length, big-endian
//	10000001 [8 bytes]             64-bit length, big-endian
//	11xxxxxx                       not a length: a special string encoding
//
// # Strings
//
//	len [bytes]                                raw
//	11000000 [1 byte]                          int8, the decimal text of it
//	11000001 [2 bytes, little-endian]          int16
//	11000010 [4 bytes, little-endian]          int32
//	11000011 clen:len ulen:len [clen bytes]    LZF-compressed (package lzf)
//
// # Values, by type byte
//
//	0  STRING            str
//	1  LIST              len, then len strs
//	2  SET               len, then len strs
//	3  ZSET              len, then (member str, score as text: a length
//	                     byte, 253 NaN, 254 +inf, 255 -inf, then the digits)
//	4  HASH              len, then (field str, value str) pairs
//	5  ZSET_2            len, then (member str, score: float64 little-endian),
//	                     written from the highest score to the lowest
//	9  HASH_ZIPMAP       str holding a zipmap
//	10 LIST_ZIPLIST      str holding a ziplist
//	11 SET_INTSET        str holding an intset
//	12 ZSET_ZIPLIST      str holding a ziplist of member, score pairs
//	13 HASH_ZIPLIST      str holding a ziplist of field, value pairs
//	14 LIST_QUICKLIST    len nodes, each a str holding a ziplist
//	16 HASH_LISTPACK     str holding a listpack of field, value pairs
//	17 ZSET_LISTPACK     str holding a listpack of member, score pairs
//	18 LIST_QUICKLIST_2  len nodes, each: container len (1 plain, 2 packed),
//	                     str (the element itself, or a listpack)
//	20 SET_LISTPACK      str holding a listpack of members (RDB 11)
//	6, 7 module values and 15, 19, 21 streams: refused (ErrUnsupported)
//
// # Listpack (listpack.c)
//
//	+--------------------+------------------+---------+-----+---------+------+
//	| total bytes, u32 LE| entries, u16 LE  | entry 1 | ... | entry N | 0xFF |
//	|                    | (65535: unknown) |         |     |         |      |
//	+--------------------+------------------+---------+-----+---------+------+
//	entry: encoding+data, then backlen = the size of encoding+data, in 1-5
//	bytes to be read backwards (7 bits each, high bit set on all but the first)
//	0xxxxxxx                        7-bit unsigned int
//	10xxxxxx [bytes]                string, length < 64
//	110xxxxx yyyyyyyy               13-bit signed int
//	1110xxxx yyyyyyyy [bytes]       string, length < 4096 (12 bits, big-endian)
//	11110000 [u32 LE] [bytes]       string, 32-bit length
//	11110001 / 0010 / 0011 / 0100   int16 / int24 / int32 / int64, little-endian
//
// A string that is the canonical decimal text of an int64 is stored as an
// integer entry. A sorted set's score is stored as an integer when it is
// integral and within ±2^62, else as its %.17g text.
//
// # Ziplist (ziplist.c, read only)
//
//	+-------------+--------------+-------------+---------+-----+------+
//	| bytes u32LE | tail u32LE   | count u16LE | entries | ... | 0xFF |
//	+-------------+--------------+-------------+---------+-----+------+
//	entry: prevlen (1 byte < 254, or 0xFE + u32 LE), encoding, data
//	00xxxxxx / 01xxxxxx yyyyyyyy / 10000000 [u32 BE]   string, 6/14/32-bit length
//	11000000 int16  11010000 int32  11100000 int64  11110000 int24
//	11111110 int8   1111xxxx (xxxx 0001..1101) the value xxxx-1, 0..12
//
// # Zipmap (zipmap.c, read only)
//
//	zmlen(1 byte, 254: unknown) then (len field len free value [free bytes])*, 0xFF
//	len: 1 byte < 254, or 254 + u32 LE; free: 1 byte, unused bytes after value
//
// # Intset (intset.c)
//
//	+----------------------+-------------------+--------------------------+
//	| width u32 LE (2,4,8) | count u32 LE      | members, ascending, LE   |
//	+----------------------+-------------------+--------------------------+
//
// # Safety
//
// An Encoder is not safe for concurrent use, and one Load runs on one
// goroutine; AppendDump, DecodeDump, VerifyDump and the commands are safe
// for concurrent use. Bytes the encoder reads from an Object are read
// during the call only; values the decoder builds own their memory.
package rdb
