package db

import (
	"math"
	"strconv"

	"redis-fast/proto"
)

// StringCommands are the commands of Redis's string group.
var StringCommands = []Command{
	{Name: "append", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.0.0", Summary: "Append a value to a key", Run: cmdAppend},
	{Name: "decr", Arity: 2, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Decrement the integer value of a key by one", Run: cmdDecr},
	{Name: "decrby", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Decrement the integer value of a key by the given number", Run: cmdDecrby},
	{Name: "get", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Get the value of a key", Run: cmdGet},
	{Name: "getdel", Arity: 2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "6.2.0", Summary: "Get the value of a key and delete the key", Run: cmdGetdel},
	{Name: "getex", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "6.2.0", Summary: "Get the value of a key and optionally set its expiration", Run: cmdGetex},
	{Name: "getrange", Arity: 4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.4.0", Summary: "Get a substring of the string stored at a key", Run: cmdGetrange},
	{Name: "getset", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Set the string value of a key and return its old value", Run: cmdGetset},
	{Name: "incr", Arity: 2, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Increment the integer value of a key by one", Run: cmdIncr},
	{Name: "incrby", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Increment the integer value of a key by the given amount", Run: cmdIncrby},
	{Name: "incrbyfloat", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.6.0", Summary: "Increment the float value of a key by the given amount", Run: cmdIncrbyfloat},
	{Name: "lcs", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 2, Step: 1, Group: "string", Since: "7.0.0", Summary: "Find longest common substring", Run: cmdLcs},
	{Name: "mget", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: -1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Get the values of all the given keys", Run: cmdMget},
	{Name: "mset", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Since: "1.0.1", Summary: "Set multiple keys to multiple values", Run: cmdMset},
	{Name: "msetnx", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Since: "1.0.1", Summary: "Set multiple keys to multiple values, only if none of the keys exist", Run: cmdMsetnx},
	{Name: "psetex", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.6.0", Summary: "Set the value and expiration in milliseconds of a key", Run: cmdPsetex},
	{Name: "set", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Set the string value of a key", Run: cmdSet},
	{Name: "setex", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.0.0", Summary: "Set the value and expiration of a key", Run: cmdSetex},
	{Name: "setnx", Arity: 3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Set the value of a key, only if the key does not exist", Run: cmdSetnx},
	{Name: "setrange", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.2.0", Summary: "Overwrite part of a string at key starting at the specified offset", Run: cmdSetrange},
	{Name: "strlen", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "2.2.0", Summary: "Get the length of the value stored in a key", Run: cmdStrlen},
	{Name: "substr", Arity: 4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Get a substring of the string stored at a key", Run: cmdSubstr},
}

// getString returns the string stored at key for reading. A missing key gives
// ok with a nil value; a key of another type replies WRONGTYPE and gives !ok.
func getString(c *Ctx, key []byte) (val []byte, found, ok bool) {
	o := c.DB.lookup(c, key)
	if o == nil {
		return nil, false, true
	}
	if o.typ != TypeString {
		c.W.Error(msgWrongType)
		return nil, true, false
	}
	return o.Str(), true, true
}

// GET key
func cmdGet(c *Ctx, argv [][]byte) {
	val, found, ok := getString(c, argv[1])
	switch {
	case !ok:
	case !found:
		c.W.Null()
	default:
		c.W.Bulk(val)
	}
}

// setOptions are SET's and GETEX's options, parsed as Redis's
// parseExtendedStringArgumentsOrReply does.
type setOptions struct {
	nx, xx, get, keepTTL, persist bool
	expireFlag                    string // "EX", "PX", "EXAT", "PXAT" or ""
	expire                        []byte
}

// parseSetOptions reads argv[from:]. forSet chooses SET's options over
// GETEX's. It replies with the error and returns false on a bad token.
func parseSetOptions(c *Ctx, argv [][]byte, from int, forSet bool) (opt setOptions, ok bool) {
	for j := from; j < len(argv); j++ {
		a := cString(argv[j])
		hasNext := j+1 < len(argv)
		hasExpire := opt.expireFlag != ""
		switch {
		case forSet && proto.EqualFold(a, "NX") && !opt.xx:
			opt.nx = true
		case forSet && proto.EqualFold(a, "XX") && !opt.nx:
			opt.xx = true
		case forSet && proto.EqualFold(a, "GET"):
			opt.get = true
		case forSet && proto.EqualFold(a, "KEEPTTL") && !hasExpire:
			opt.keepTTL = true
		case !forSet && proto.EqualFold(a, "PERSIST") && !hasExpire && !opt.keepTTL:
			opt.persist = true
		case hasNext && !opt.keepTTL && !opt.persist && isExpireFlag(a, opt.expireFlag):
			opt.expireFlag = upperExpireFlag(a)
			opt.expire = argv[j+1]
			j++
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	return opt, true
}

// isExpireFlag reports whether a is EX, PX, EXAT or PXAT, and not a second,
// different one of them (the same one twice is allowed, as in Redis).
func isExpireFlag(a []byte, seen string) bool {
	f := upperExpireFlag(a)
	return f != "" && (seen == "" || seen == f)
}

func upperExpireFlag(a []byte) string {
	for _, f := range [...]string{"EX", "PX", "EXAT", "PXAT"} {
		if proto.EqualFold(a, f) {
			return f
		}
	}
	return ""
}

// expireAt turns SET's or GETEX's expire argument into absolute Unix ms, or
// replies with Redis's error and returns false.
func expireAt(c *Ctx, opt *setOptions, name string) (int64, bool) {
	n, ok := proto.ParseInt(opt.expire)
	if !ok {
		c.W.Error(msgNotInteger)
		return 0, false
	}
	seconds := opt.expireFlag == "EX" || opt.expireFlag == "EXAT"
	if n <= 0 || seconds && n > maxInt64/1000 {
		c.W.Error(msgInvalidExpire(name))
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if opt.expireFlag == "EX" || opt.expireFlag == "PX" {
		n += c.Now
	}
	if n <= 0 {
		c.W.Error(msgInvalidExpire(name))
		return 0, false
	}
	return n, true
}

const maxInt64 = 1<<63 - 1

var (
	setName  = []byte("SET")
	pxatName = []byte("PXAT")
)

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func cmdSet(c *Ctx, argv [][]byte) {
	opt, ok := parseSetOptions(c, argv, 3, true /* forSet */)
	if !ok {
		return
	}
	var at int64
	if opt.expireFlag != "" {
		if at, ok = expireAt(c, &opt, "set"); !ok {
			return
		}
	}
	key, val := argv[1], argv[2]
	if opt.get {
		old, found, ok := getString(c, key)
		if !ok {
			return
		}
		if found {
			c.W.Bulk(old)
		} else {
			c.W.Null()
		}
	}
	found := c.DB.lookupWrite(c, key) != nil
	if opt.nx && found || opt.xx && !found {
		if !opt.get {
			c.W.Null()
		}
		return
	}
	var exp int64
	if opt.expireFlag != "" {
		exp = at
	}
	c.DB.setString(c, key, val, opt.keepTTL, exp)
	c.Notify(NotifyString, "set", key)
	if exp != 0 {
		c.Notify(NotifyGeneric, "expire", key)
	}
	if !opt.get {
		c.W.OK()
	}
	switch {
	case opt.expireFlag != "":
		var ms [20]byte
		c.Propagate(setName, key, val, pxatName, strconv.AppendInt(ms[:0], at, 10))
	case opt.get:
		c.Propagate(withoutGet(argv)...)
	default:
		c.Changed()
	}
}

// withoutGet returns SET's argv without its GET options, which a replay must
// not repeat.
func withoutGet(argv [][]byte) [][]byte {
	out := make([][]byte, 0, len(argv))
	for i, a := range argv {
		if i >= 3 && proto.EqualFold(cString(a), "GET") {
			continue
		}
		out = append(out, a)
	}
	return out
}

var (
	strPexpireat = []byte("PEXPIREAT")
	strPersist   = []byte("PERSIST")
	strKeepTTL   = []byte("KEEPTTL")
)

// msgMsetArity is Redis's addReplyErrorArity, for the commands whose handler
// checks the argument count beyond what the table's arity can say (MSET).
func msgMsetArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// lookupCounted returns key's object as Redis's lookupKeyRead does on a
// master, for commands that read a value and then change the key (GETSET,
// GETDEL, GETEX): an expired key is deleted (and the DEL logged), and the
// lookup counts as a keyspace hit or miss. Needs the shard's write lock.
func lookupCounted(c *Ctx, key []byte) *Object {
	o := c.DB.lookupWrite(c, key)
	if o == nil {
		c.miss(key)
	} else {
		c.Stats.Hits.Add(1)
	}
	return o
}

// checkStringLength reports whether a string of size bytes may grow by add
// more, replying Redis's error if it may not: the result may not pass
// proto-max-bulk-len (nor overflow).
func checkStringLength(c *Ctx, size, add int64) bool {
	total := uint64(size) + uint64(add)
	if total > uint64(c.KS.MaxBulkLen.Load()) || total < uint64(size) {
		c.W.Error(msgStringTooLong)
		return false
	}
	return true
}

// growString makes o's string n bytes long, keeping its bytes and filling
// the new ones with zeros, and returns it. The block grows as Redis's sds
// does (doubling below 1 MB, by 1 MB above) so that repeated APPENDs copy
// little.
func growString(o *Object, n int) []byte {
	b := o.strBlock()
	if n <= len(b) {
		return b
	}
	if n <= cap(b) {
		b = b[:n]
		clear(b[o.n:])
		o.n = uint32(n)
		return b
	}
	room := n + 1<<20
	if n < 1<<20 {
		room = 2 * n
	}
	if room > math.MaxUint32 {
		room = max(n, math.MaxUint32)
	}
	nb := make([]byte, n, room)
	copy(nb, b)
	o.setBlock(nb)
	return nb
}

// SETNX key value
func cmdSetnx(c *Ctx, argv [][]byte) {
	key := argv[1]
	if c.DB.lookupWrite(c, key) != nil {
		c.W.Int(0)
		return
	}
	c.DB.setString(c, key, argv[2], false /* keepTTL */, 0)
	c.Notify(NotifyString, "set", key)
	c.W.Int(1)
	c.Changed()
}

// SETEX key seconds value
func cmdSetex(c *Ctx, argv [][]byte) { setWithExpire(c, argv, "EX", "setex") }

// PSETEX key milliseconds value
func cmdPsetex(c *Ctx, argv [][]byte) { setWithExpire(c, argv, "PX", "psetex") }

// setWithExpire is SETEX and PSETEX: SET key value with an EX or PX option,
// logged as SET key value PXAT ms.
func setWithExpire(c *Ctx, argv [][]byte, flag, name string) {
	opt := setOptions{expireFlag: flag, expire: argv[2]}
	at, ok := expireAt(c, &opt, name)
	if !ok {
		return
	}
	key, val := argv[1], argv[3]
	c.DB.setString(c, key, val, false /* keepTTL */, at)
	c.Notify(NotifyString, "set", key)
	c.Notify(NotifyGeneric, "expire", key)
	c.W.OK()
	var ms [20]byte
	c.Propagate(setName, key, val, pxatName, strconv.AppendInt(ms[:0], at, 10))
}

// GETSET key value
func cmdGetset(c *Ctx, argv [][]byte) {
	key, val := argv[1], argv[2]
	o := lookupCounted(c, key)
	switch {
	case o == nil:
		c.W.Null()
	case o.typ != TypeString:
		c.W.Error(msgWrongType)
		return
	default:
		c.W.Bulk(o.Str())
	}
	c.DB.setString(c, key, val, false /* keepTTL */, 0)
	c.Notify(NotifyString, "set", key)
	c.Propagate(setName, key, val)
}

// GETDEL key
func cmdGetdel(c *Ctx, argv [][]byte) {
	key := argv[1]
	o := lookupCounted(c, key)
	switch {
	case o == nil:
		c.W.Null()
	case o.typ != TypeString:
		c.W.Error(msgWrongType)
	default:
		c.W.Bulk(o.Str())
		c.DB.remove(key)
		c.Notify(NotifyGeneric, "del", key)
		c.Propagate(delName, key)
	}
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
// PXAT unix-time-milliseconds | PERSIST]
//
// GETEX is never logged as it came: a new expiry is logged as PEXPIREAT, an
// expiry already in the past as DEL, PERSIST as PERSIST (when there was an
// expiry to remove).
func cmdGetex(c *Ctx, argv [][]byte) {
	opt, ok := parseSetOptions(c, argv, 2, false /* forSet */)
	if !ok {
		return
	}
	key := argv[1]
	o := lookupCounted(c, key)
	if o == nil {
		c.W.Null()
		return
	}
	if o.typ != TypeString {
		c.W.Error(msgWrongType)
		return
	}
	var at int64
	if opt.expireFlag != "" {
		if at, ok = expireAt(c, &opt, "getex"); !ok {
			return
		}
	}
	c.W.Bulk(o.Str())
	absolute := opt.expireFlag == "EXAT" || opt.expireFlag == "PXAT"
	switch {
	case absolute && at <= c.Now:
		c.DB.remove(key)
		c.Notify(NotifyGeneric, "del", key)
		c.Propagate(delName, key)
	case opt.expireFlag != "":
		c.DB.setExpire(o, at)
		c.Notify(NotifyGeneric, "expire", key)
		var ms [20]byte
		c.Propagate(strPexpireat, key, strconv.AppendInt(ms[:0], at, 10))
	case opt.persist && o.flags&flagExpires != 0:
		c.DB.setExpire(o, 0)
		c.Notify(NotifyGeneric, "persist", key)
		c.Propagate(strPersist, key)
	}
}

// MGET key [key ...]
func cmdMget(c *Ctx, argv [][]byte) {
	c.W.ArrayLen(len(argv) - 1)
	for _, key := range argv[1:] {
		o := c.DB.lookup(c, key)
		if o == nil || o.typ != TypeString {
			c.W.Null()
			continue
		}
		c.W.Bulk(o.Str())
	}
}

// MSET key value [key value ...]
func cmdMset(c *Ctx, argv [][]byte) {
	if len(argv)%2 == 0 {
		c.W.Error(msgMsetArity("mset"))
		return
	}
	msetAll(c, argv)
	c.W.OK()
}

// MSETNX key value [key value ...]
func cmdMsetnx(c *Ctx, argv [][]byte) {
	if len(argv)%2 == 0 {
		c.W.Error(msgMsetArity("msetnx"))
		return
	}
	for i := 1; i < len(argv); i += 2 {
		if c.DB.lookupWrite(c, argv[i]) != nil {
			c.W.Int(0)
			return
		}
	}
	msetAll(c, argv)
	c.W.Int(1)
}

// msetAll stores every pair of MSET's argv, logs the command as it came and
// counts one change per key, as Redis does.
func msetAll(c *Ctx, argv [][]byte) {
	for i := 1; i < len(argv); i += 2 {
		c.DB.setString(c, argv[i], argv[i+1], false /* keepTTL */, 0)
		c.Notify(NotifyString, "set", argv[i])
	}
	c.Changed()
	c.Stats.Dirty.Add(int64(len(argv)/2 - 1))
}

// APPEND key value
func cmdAppend(c *Ctx, argv [][]byte) {
	key, val := argv[1], argv[2]
	o := c.DB.lookupWrite(c, key)
	if o == nil {
		c.DB.createString(c, key, val, false)
		c.Notify(NotifyString, "append", key)
		c.W.Int(int64(len(val)))
		c.Changed()
		return
	}
	if o.typ != TypeString {
		c.W.Error(msgWrongType)
		return
	}
	old := int64(o.n)
	if !checkStringLength(c, old, int64(len(val))) {
		return
	}
	b := growString(o, int(old)+len(val))
	copy(b[old:], val)
	o.flags |= flagRaw
	c.Notify(NotifyString, "append", key)
	c.W.Int(int64(len(b)))
	c.Changed()
}

// STRLEN key
func cmdStrlen(c *Ctx, argv [][]byte) {
	val, _, ok := getString(c, argv[1])
	if ok {
		c.W.Int(int64(len(val)))
	}
}

// GETRANGE key start end
func cmdGetrange(c *Ctx, argv [][]byte) {
	start, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	end, ok := proto.ParseInt(argv[3])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	val, _, ok := getString(c, argv[1])
	if ok {
		c.W.Bulk(substring(val, start, end))
	}
}

// SUBSTR key start end
func cmdSubstr(c *Ctx, argv [][]byte) { cmdGetrange(c, argv) }

// substring returns s[start..end], both inclusive, where a negative index
// counts from the end, clamped to s, as GETRANGE does.
func substring(s []byte, start, end int64) []byte {
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return nil
	}
	return s[start : end+1]
}

// SETRANGE key offset value
func cmdSetrange(c *Ctx, argv [][]byte) {
	key, val := argv[1], argv[3]
	offset, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	if offset < 0 {
		c.W.Error(msgOffsetRange)
		return
	}
	o := c.DB.lookupWrite(c, key)
	if o != nil && o.typ != TypeString {
		c.W.Error(msgWrongType)
		return
	}
	if len(val) == 0 {
		if o == nil {
			c.W.Int(0)
		} else {
			c.W.Int(int64(o.n))
		}
		return
	}
	if !checkStringLength(c, offset, int64(len(val))) {
		return
	}
	if o == nil {
		o = c.DB.create(c, key)
		o.setBlock(make([]byte, int(offset)+len(val)))
	}
	b := growString(o, max(int(o.n), int(offset)+len(val)))
	copy(b[offset:], val)
	o.flags |= flagRaw
	c.Notify(NotifyString, "setrange", key)
	c.W.Int(int64(len(b)))
	c.Changed()
}
