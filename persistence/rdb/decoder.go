package rdb

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"time"

	"redis-fast/db"
	"redis-fast/persistence/lzf"
)

// LoadOptions configure Load.
type LoadOptions struct {
	// Checksum is rdbchecksum: verify the CRC64 trailer (a stored 0 means
	// the writer did not compute one, and is accepted).
	Checksum bool
	// Now is the load's time, Unix ms; 0 means now. Keys whose expiry is
	// before it are skipped.
	Now int64
	// KeepExpired loads keys that have expired too, as Redis does on a
	// replica and for an AOF base file (the log that follows expects them).
	KeepExpired bool
	// Replace lets a key of the file take the place of a key of the same
	// name already in the keyspace, or earlier in the file, as Redis's
	// DEBUG RELOAD MERGE does; otherwise a repeated key is corrupt.
	Replace bool
	// SkipFunctions skips function libraries (FUNCTION2), returning their
	// code in Info.Functions; otherwise a dump holding functions is refused
	// with ErrUnsupported, since this server cannot run them.
	SkipFunctions bool
}

// Info is what Load learned besides the keys.
type Info struct {
	Version int // the file's RDB version
	// Aux holds every AUX field as written, known or not.
	Aux map[string]string
	// The AUX fields Redis interprets, parsed; zero when absent.
	RedisVer  string
	RedisBits int
	CTime     int64 // Unix seconds
	UsedMem   int64
	AOFBase   bool
	// Replication: ReplID is empty and ReplOffset and ReplStreamDB are -1
	// when the file does not carry them.
	ReplID       string
	ReplOffset   int64
	ReplStreamDB int
	// Keys counts the keys loaded, Expired the keys skipped because they
	// had expired, Empty the empty collections skipped (which old Redis
	// versions could write).
	Keys, Expired, Empty int64
	// Functions holds the code of the function libraries skipped (see
	// LoadOptions.SkipFunctions).
	Functions [][]byte
	// Checksum is the trailer as stored (0: not computed, or version < 5).
	Checksum uint64
	// Size is the number of bytes the RDB data took, trailer included: an
	// RDB preamble's AOF tail starts there (Load reads ahead of it).
	Size int64
}

// Load reads an RDB file from r into ks: its header, AUX fields and
// databases, until the EOF opcode and the checksum trailer. It reads every
// version from 1 to 11 and every encoding Redis has written for strings,
// lists, sets, sorted sets and hashes; streams, module values, module AUX
// data and (unless skipped) functions are refused with ErrUnsupported.
//
// Keys go into ks as they are read, each under its shard's write lock. A
// failed load leaves ks holding part of the file: the caller must throw
// ks away (load into a fresh keyspace, and swap it in only on success).
// Every error is an *Error naming the offset, wrapping one of the package's
// sentinels or r's I/O error; no input makes Load panic.
func Load(r io.Reader, ks *db.Keyspace, opts LoadOptions) (Info, error) {
	d := &decoder{rd: newReader(r, opts.Checksum), ks: ks, opts: opts}
	if d.opts.Now == 0 {
		d.opts.Now = time.Now().UnixMilli()
	}
	d.info.ReplOffset, d.info.ReplStreamDB = -1, -1
	err := d.run()
	d.info.Size = d.rd.offset()
	return d.info, err
}

// decoder holds one load's state and scratch buffers.
type decoder struct {
	rd   *reader
	ks   *db.Keyspace
	opts LoadOptions
	info Info
	ctx  *db.Ctx
	ver  int
	// Scratch, reused for every key: the key, a string value or element,
	// a hash field, a blob (listpack, ziplist, intset), compressed bytes.
	key, str, field, blob, packed []byte
}

// The per-key state set by opcodes before a key.
type keyState struct {
	exp     int64
	hasExp  bool
	idle    int64 // -1: none
	typeOff int64
}

func (d *decoder) run() error {
	if err := d.header(); err != nil {
		return err
	}
	d.ctx = d.ks.LoadCtx(d.opts.Now)
	k := keyState{idle: -1}
	for {
		off := d.rd.offset()
		t, err := d.rd.readByte()
		if err != nil {
			return err
		}
		switch t {
		case opExpireTime:
			v, err := d.rd.uint32LE()
			if err != nil {
				return err
			}
			k.exp, k.hasExp = int64(int32(v))*1000, true
		case opExpireTimeMS:
			v, err := d.rd.uint64LE()
			if err != nil {
				return err
			}
			k.exp, k.hasExp = int64(v), true
		case opFreq:
			if _, err := d.rd.readByte(); err != nil {
				return err
			}
		case opIdle:
			v, err := d.readLen()
			if err != nil {
				return err
			}
			k.idle = int64(min(v, math.MaxUint32))
		case opEOF:
			return d.trailer()
		case opSelectDB:
			if err := d.selectDB(off); err != nil {
				return err
			}
		case opResizeDB:
			keys, err := d.readLen()
			if err != nil {
				return err
			}
			if _, err := d.readLen(); err != nil {
				return err
			}
			d.ctx.DB.Reserve(keys)
		case opAux:
			if err := d.aux(); err != nil {
				return err
			}
		case opModuleAux:
			return d.moduleAux(off)
		case opFunction, opFunction2:
			if err := d.function(off, t); err != nil {
				return err
			}
		default:
			k.typeOff = off
			if err := d.keyValue(t, k); err != nil {
				return err
			}
			k = keyState{idle: -1}
		}
	}
}

// header checks "REDIS" and the version.
func (d *decoder) header() error {
	b, err := d.rd.next(9)
	if err != nil {
		return err
	}
	if !bytes.Equal(b[:5], []byte("REDIS")) {
		return fail(0, ErrSignature, "header %q", b)
	}
	v, err := strconv.Atoi(string(b[5:]))
	if err != nil || v < 1 || v > maxReadVersion {
		return fail(5, ErrVersion, "version %q (this server reads 1 to %d)", b[5:], maxReadVersion)
	}
	d.ver, d.info.Version = v, v
	return nil
}

func (d *decoder) selectDB(off int64) error {
	n, err := d.readLen()
	if err != nil {
		return err
	}
	if n >= uint64(d.ks.Len()) {
		return fail(off, ErrUnsupported, "database %d, but the server has %d databases", n, d.ks.Len())
	}
	d.ctx.DB = d.ks.DB(int(n))
	return nil
}

// aux reads one AUX field into Info.
func (d *decoder) aux() error {
	key, err := d.readString(nil)
	if err != nil {
		return err
	}
	val, err := d.readString(nil)
	if err != nil {
		return err
	}
	if d.info.Aux == nil {
		d.info.Aux = make(map[string]string)
	}
	k, v := string(key), string(val)
	d.info.Aux[k] = v
	num, _ := strconv.ParseInt(v, 10, 64)
	switch k {
	case "redis-ver":
		d.info.RedisVer = v
	case "redis-bits":
		d.info.RedisBits = int(num)
	case "ctime":
		d.info.CTime = num
	case "used-mem":
		d.info.UsedMem = num
	case "aof-base":
		d.info.AOFBase = num != 0
	case "repl-id":
		if len(v) == 40 { // as Redis: only a well-formed ID counts
			d.info.ReplID = v
		}
	case "repl-offset":
		d.info.ReplOffset = num
	case "repl-stream-db":
		d.info.ReplStreamDB = int(num)
	}
	return nil
}

// moduleAux refuses module AUX data, as Redis does without the module.
func (d *decoder) moduleAux(off int64) error {
	id, err := d.readLen()
	if err != nil {
		return err
	}
	return fail(off, ErrUnsupported, "module AUX data of module %q", moduleName(id))
}

// moduleName decodes the 9-character name packed in a module type ID.
func moduleName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for i := 8; i >= 0; i-- {
		name[i] = charset[id&63]
		id >>= 6
	}
	return string(name[:])
}

// function reads a function library: FUNCTION2's code, or the 7.0 release
// candidates' FUNCTION (name, engine, optional description, code), turned
// into the same "#!engine name=..." form as Redis does.
func (d *decoder) function(off int64, t byte) error {
	var code []byte
	if t == opFunction2 {
		var err error
		if code, err = d.readString(nil); err != nil {
			return err
		}
	} else {
		name, err := d.readString(nil)
		if err != nil {
			return err
		}
		engine, err := d.readString(nil)
		if err != nil {
			return err
		}
		hasDesc, err := d.readLen()
		if err != nil {
			return err
		}
		if hasDesc != 0 {
			if _, err := d.readString(nil); err != nil {
				return err
			}
		}
		body, err := d.readString(nil)
		if err != nil {
			return err
		}
		code = append([]byte("#!"+string(engine)+" name="+string(name)+"\n"), body...)
	}
	if !d.opts.SkipFunctions {
		return fail(off, ErrUnsupported, "function library (functions are not supported; LoadOptions.SkipFunctions skips them)")
	}
	d.info.Functions = append(d.info.Functions, code)
	return nil
}

// trailer reads the checksum after EOF (RDB 5 and later) and checks it.
func (d *decoder) trailer() error {
	if d.ver < 5 {
		return nil
	}
	computed := d.rd.checksum()
	off := d.rd.offset()
	stored, err := d.rd.uint64LE()
	if err != nil {
		return err
	}
	d.info.Checksum = stored
	if d.opts.Checksum && stored != 0 && stored != computed {
		return fail(off, ErrChecksum, "stored %016x, computed %016x", stored, computed)
	}
	return nil
}

// keyValue reads one key and its value of type t and stores it.
func (d *decoder) keyValue(t byte, k keyState) error {
	var err error
	if d.key, err = d.readString(d.key[:0]); err != nil {
		return err
	}
	v, empty, err := d.value(t, k.typeOff)
	defer d.trim()
	if err != nil {
		return err
	}
	if empty {
		d.info.Empty++
		return nil
	}
	exp := int64(0)
	if k.hasExp {
		if !d.opts.KeepExpired && k.exp < d.opts.Now {
			d.info.Expired++
			return nil
		}
		exp = max(k.exp, 1) // 0 means "no expiry" in the keyspace
	}
	c, key := d.ctx, d.key
	mask := db.ShardMask(key)
	c.DB.Lock(mask, true)
	o := c.DB.LoadNew(c, key, v, exp)
	if o == nil && d.opts.Replace {
		c.DB.Delete(c, key)
		o = c.DB.LoadNew(c, key, v, exp)
	}
	if o != nil && k.idle >= 0 {
		o.SetIdle(c, k.idle)
	}
	c.DB.Unlock(mask, true)
	if o == nil {
		return fail(k.typeOff, ErrCorrupt, "duplicated key %q in database %d", key, c.DB.ID)
	}
	d.info.Keys++
	return nil
}

// trim drops scratch buffers a huge key or value grew, so that one big
// value does not pin its size for the rest of the load.
func (d *decoder) trim() {
	for _, b := range []*[]byte{&d.key, &d.str, &d.field, &d.blob, &d.packed} {
		if cap(*b) > scratchMax {
			*b = nil
		}
	}
}

// scratchMax is the largest scratch buffer kept between keys.
const scratchMax = 4 << 20

// readLen reads a length; a special string encoding there is corrupt.
func (d *decoder) readLen() (uint64, error) {
	off := d.rd.offset()
	n, special, err := d.readLenOrEnc()
	if err == nil && special {
		return 0, fail(off, ErrCorrupt, "string encoding %d where a length belongs", n)
	}
	return n, err
}

// readLenOrEnc reads a length, or reports special and the encoding number
// when the first two bits are 11.
func (d *decoder) readLenOrEnc() (n uint64, special bool, err error) {
	off := d.rd.offset()
	b, err := d.rd.readByte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case len6:
		return uint64(b & 0x3F), false, nil
	case len14:
		lo, err := d.rd.readByte()
		return uint64(b&0x3F)<<8 | uint64(lo), false, err
	case lenEncVal:
		return uint64(b & 0x3F), true, nil
	}
	switch b {
	case len32:
		v, err := d.rd.next(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(v)), false, nil
	case len64:
		v, err := d.rd.next(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(v), false, nil
	}
	return 0, false, fail(off, ErrCorrupt, "unknown length encoding %#x", b)
}

// readString reads a string in any of its encodings, appending it to dst.
func (d *decoder) readString(dst []byte) ([]byte, error) {
	off := d.rd.offset()
	n, special, err := d.readLenOrEnc()
	if err != nil {
		return dst, err
	}
	if !special {
		if n > math.MaxUint32 {
			return dst, fail(off, ErrUnsupported, "string of %d bytes", n)
		}
		return d.rd.appendN(dst, n)
	}
	switch n {
	case encInt8:
		b, err := d.rd.readByte()
		return strconv.AppendInt(dst, int64(int8(b)), 10), err
	case encInt16:
		b, err := d.rd.next(2)
		if err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case encInt32:
		v, err := d.rd.uint32LE()
		return strconv.AppendInt(dst, int64(int32(v)), 10), err
	case encLZF:
		return d.readLZF(dst, off)
	}
	return dst, fail(off, ErrCorrupt, "unknown string encoding %d", n)
}

// readLZF reads a compressed string: compressed length, length, bytes.
func (d *decoder) readLZF(dst []byte, off int64) ([]byte, error) {
	clen, err := d.readLen()
	if err != nil {
		return dst, err
	}
	ulen, err := d.readLen()
	if err != nil {
		return dst, err
	}
	if d.packed, err = d.rd.appendN(d.packed[:0], clen); err != nil {
		return dst, err
	}
	if ulen == 0 || ulen > math.MaxUint32 || ulen > clen*lzf.MaxRatio {
		return dst, fail(off, ErrCorrupt, "LZF string of %d bytes cannot hold %d", clen, ulen)
	}
	start := len(dst)
	dst = append(dst, make([]byte, ulen)...)
	if err := lzf.Decompress(dst[start:], d.packed); err != nil {
		return dst[:start], fail(off, ErrCorrupt, "LZF string: %v", err)
	}
	return dst, nil
}
