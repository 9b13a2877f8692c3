package rdb

import (
	"encoding/binary"
	"strconv"
	"sync"

	"redis-fast/db"
	"redis-fast/persistence/crc64"
	"redis-fast/proto"
)

// DUMP and RESTORE: one value in RDB's value encoding, with a footer.
//
//	+-----------+------------------+------------------+-----------------+
//	| type byte | value (as in RDB) | RDB version, u16 | CRC64, u64      |
//	|           |                   | little-endian    | little-endian,  |
//	|           |                   |                  | of all before it|
//	+-----------+------------------+------------------+-----------------+

// dumpFooter is the version and checksum after the value.
const dumpFooter = 2 + 8

// writers keeps valueWriters (each with its 256 KiB LZF table) between
// DUMPs; a pool is shared, never-written state, safe for concurrent use.
var writers = sync.Pool{New: func() any { return new(valueWriter) }}

// AppendDump appends DUMP's payload for o's value to dst. o's shard must be
// locked, for reading at least. Safe for concurrent use.
func AppendDump(dst []byte, o *db.Object, f Format) ([]byte, error) {
	w := writers.Get().(*valueWriter)
	defer func() {
		w.trim()
		writers.Put(w)
	}()
	w.f = f
	base := len(dst)
	dst, err := w.appendObject(dst, o)
	if err != nil {
		return dst[:base], err
	}
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, crc64.Checksum(dst[base:])), nil
}

// VerifyDump checks a payload's footer as Redis 7.0's verifyDumpPayload
// does: at least the footer's 10 bytes (else ErrTruncated), a version no
// newer than 10 (else ErrVersion), a CRC64 that matches (else ErrChecksum).
func VerifyDump(payload []byte) error {
	if len(payload) < dumpFooter {
		return fail(int64(len(payload)), ErrTruncated, "a payload has at least %d bytes", dumpFooter)
	}
	footer := payload[len(payload)-dumpFooter:]
	if v := binary.LittleEndian.Uint16(footer); v > Version {
		return fail(int64(len(payload)-dumpFooter), ErrVersion, "payload of RDB version %d", v)
	}
	if stored, sum := binary.LittleEndian.Uint64(footer[2:]), crc64.Checksum(payload[:len(payload)-8]); stored != sum {
		return fail(int64(len(payload)-8), ErrChecksum, "stored %016x, computed %016x", stored, sum)
	}
	return nil
}

// DecodeDump verifies a payload and decodes its value into a value ks can
// store (with ks's encoding limits). As in Redis, the value is read from
// the whole payload: bytes after it are ignored, and a value cut short
// reads on into the footer. An empty collection is ErrCorrupt: RESTORE
// refuses it. Safe for concurrent use.
func DecodeDump(payload []byte, ks *db.Keyspace) (db.Value, error) {
	if err := VerifyDump(payload); err != nil {
		return db.Value{}, err
	}
	return decodeDumpBody(payload, ks)
}

// decodeDumpBody decodes the value at the start of a verified payload.
func decodeDumpBody(payload []byte, ks *db.Keyspace) (db.Value, error) {
	d := &decoder{rd: newBytesReader(payload), ks: ks, ver: Version}
	t, err := d.rd.readByte()
	if err != nil {
		return db.Value{}, err
	}
	if !isObjectType(t) {
		return db.Value{}, fail(0, ErrCorrupt, "unknown value type %d", t)
	}
	v, empty, err := d.value(t, 0)
	if err == nil && empty {
		err = fail(0, ErrCorrupt, "empty %s", typeName(t))
	}
	return v, err
}

// Reply texts of DUMP and RESTORE, byte for byte as Redis 7.0 sends them.
const (
	msgBusyKey     = "BUSYKEY Target key name already exists."
	msgBadTTL      = "ERR Invalid TTL value, must be >= 0"
	msgBadIdle     = "ERR Invalid IDLETIME value, must be >= 0"
	msgBadFreq     = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	msgBadPayload  = "ERR DUMP payload version or checksum are wrong"
	msgBadData     = "ERR Bad data format"
	msgSyntax      = "ERR syntax error"
	msgNotInteger  = "ERR value is not an integer or out of range"
	msgDumpFailure = "ERR DUMP cannot serialize this value"
)

// Commands are the rows of DUMP and RESTORE (Redis's generic group), for
// the server's command table. DUMP compresses as rdbcompression yes does;
// DumpCommands takes the setting from the server's configuration instead.
var Commands = DumpCommands(nil)

// DumpCommands returns the DUMP and RESTORE rows; format, when not nil, is
// called by each DUMP for the current rdbcompression (and list node size).
func DumpCommands(format func() Format) []db.Command {
	if format == nil {
		format = func() Format { return Format{Compression: true} }
	}
	return []db.Command{
		{Name: "dump", Arity: 2, Flags: db.ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Return a serialized version of the value stored at the specified key.",
			Run:     func(c *db.Ctx, argv [][]byte) { cmdDump(c, argv, format()) }},
		{Name: "restore", Arity: -4, Flags: db.Write | db.DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Create a key using the provided serialized value, previously obtained using DUMP.",
			Run:     cmdRestore},
	}
}

// DUMP key
func cmdDump(c *db.Ctx, argv [][]byte, f Format) {
	o := c.DB.LookupRead(c, argv[1])
	if o == nil {
		c.W.Null()
		return
	}
	payload, err := AppendDump(nil, o, f)
	if err != nil {
		c.W.Error(msgDumpFailure)
		return
	}
	c.W.Bulk(payload)
}

// restoreOptions are RESTORE's options after the payload.
type restoreOptions struct {
	replace, absTTL bool
	idle, freq      int64 // -1: not given
}

// parseRestoreOptions reads RESTORE's options as Redis 7.0 does, replying
// with the error of the first bad one. IDLETIME and FREQ exclude each
// other: the second one is a syntax error.
func parseRestoreOptions(c *db.Ctx, argv [][]byte) (restoreOptions, bool) {
	opt := restoreOptions{idle: -1, freq: -1}
	for j := 4; j < len(argv); j++ {
		more := len(argv) - j - 1
		switch {
		case isOpt(argv[j], "REPLACE"):
			opt.replace = true
		case isOpt(argv[j], "ABSTTL"):
			opt.absTTL = true
		case isOpt(argv[j], "IDLETIME") && more >= 1 && opt.freq == -1:
			v, ok := proto.ParseInt(argv[j+1])
			switch {
			case !ok:
				c.W.Error(msgNotInteger)
				return opt, false
			case v < 0:
				c.W.Error(msgBadIdle)
				return opt, false
			}
			opt.idle = v
			j++
		case isOpt(argv[j], "FREQ") && more >= 1 && opt.idle == -1:
			v, ok := proto.ParseInt(argv[j+1])
			switch {
			case !ok:
				c.W.Error(msgNotInteger)
				return opt, false
			case v < 0 || v > 255:
				c.W.Error(msgBadFreq)
				return opt, false
			}
			opt.freq = v
			j++
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	return opt, true
}

// isOpt reports whether argument a is the option word, compared as Redis's
// strcasecmp compares it: case-insensitively, up to a NUL byte.
func isOpt(a []byte, word string) bool {
	for i, b := range a {
		if b == 0 {
			a = a[:i]
			break
		}
	}
	return proto.EqualFold(a, word)
}

var (
	delWord    = []byte("DEL")
	absTTLWord = []byte("ABSTTL")
)

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
func cmdRestore(c *db.Ctx, argv [][]byte) {
	opt, ok := parseRestoreOptions(c, argv)
	if !ok {
		return
	}
	key := argv[1]
	if !opt.replace && c.DB.LookupWrite(c, key) != nil {
		c.W.Error(msgBusyKey)
		return
	}
	ttl, ok := proto.ParseInt(argv[2])
	switch {
	case !ok:
		c.W.Error(msgNotInteger)
		return
	case ttl < 0:
		c.W.Error(msgBadTTL)
		return
	}
	payload := argv[3]
	if VerifyDump(payload) != nil {
		c.W.Error(msgBadPayload)
		return
	}
	v, err := decodeDumpBody(payload, c.KS)
	if err != nil {
		c.W.Error(msgBadData)
		return
	}
	deleted := opt.replace && c.DB.Delete(c, key)
	if ttl != 0 && !opt.absTTL {
		ttl += c.Now
	}
	if ttl != 0 && ttl <= c.Now {
		// Already expired: nothing is stored; a replaced key is gone.
		if deleted {
			c.Propagate(delWord, key)
		}
		c.W.OK()
		return
	}
	o := c.DB.LoadNew(c, key, v, ttl)
	if o == nil { // cannot happen: the key was checked or deleted above
		c.DB.Load(c, key, v, ttl)
		o = c.DB.LookupWrite(c, key)
	}
	if opt.idle >= 0 && o != nil {
		o.SetIdle(c, opt.idle)
	}
	c.W.OK()
	if ttl != 0 && !opt.absTTL {
		// Propagate the expiry as an absolute time, as Redis does.
		rewritten := make([][]byte, 0, len(argv)+1)
		rewritten = append(rewritten, argv...)
		rewritten[2] = strconv.AppendInt(nil, ttl, 10)
		c.Propagate(append(rewritten, absTTLWord)...)
		return
	}
	c.Changed()
}
