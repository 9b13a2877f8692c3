package db

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"redis-fast/proto"
)

// KeyCommands are the commands of Redis's generic (keyspace) group.
var KeyCommands = []Command{
	{Name: "copy", Arity: -3, Flags: Write | DenyOOM | MultiDB, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Since: "6.2.0", Summary: "Copy a key", Run: cmdCopy},
	{Name: "dbsize", Arity: 1, Flags: ReadOnly | Fast, Group: "server", Since: "1.0.0", Summary: "Return the number of keys in the selected database", Run: cmdDbsize},
	{Name: "del", Arity: -2, Flags: Write, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Delete a key", Run: cmdDel},
	{Name: "exists", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Determine if a key exists", Run: cmdExists},
	{Name: "expire", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Set a key's time to live in seconds", Run: cmdExpire},
	{Name: "expireat", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.2.0", Summary: "Set the expiration for a key as a UNIX timestamp", Run: cmdExpireat},
	{Name: "expiretime", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "7.0.0", Summary: "Get the expiration Unix timestamp for a key", Run: cmdExpiretime},
	{Name: "flushall", Arity: -1, Flags: Write | MultiDB, Group: "server", Since: "1.0.0", Summary: "Remove all keys from all databases", Run: cmdFlushall},
	{Name: "flushdb", Arity: -1, Flags: Write | AllShards, Group: "server", Since: "1.0.0", Summary: "Remove all keys from the current database", Run: cmdFlushdb},
	{Name: "keys", Arity: 2, Flags: ReadOnly | AllShards, Group: "generic", Since: "1.0.0", Summary: "Find all keys matching the given pattern", Run: cmdKeys},
	{Name: "move", Arity: 3, Flags: Write | Fast | MultiDB, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Move a key to another database", Run: cmdMove},
	{Name: "object", Arity: -2, Group: "generic", Since: "2.2.3", Summary: "A container for object introspection commands", Sub: objectCommands, Run: cmdObject},
	{Name: "persist", Arity: 2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.2.0", Summary: "Remove the expiration from a key", Run: cmdPersist},
	{Name: "pexpire", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0", Summary: "Set a key's time to live in milliseconds", Run: cmdPexpire},
	{Name: "pexpireat", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0", Summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", Run: cmdPexpireat},
	{Name: "pexpiretime", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "7.0.0", Summary: "Get the expiration Unix timestamp for a key in milliseconds", Run: cmdPexpiretime},
	{Name: "pttl", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0", Summary: "Get the time to live for a key in milliseconds", Run: cmdPttl},
	{Name: "randomkey", Arity: 1, Flags: ReadOnly | AllShards, Group: "generic", Since: "1.0.0", Summary: "Return a random key from the keyspace", Run: cmdRandomkey},
	{Name: "rename", Arity: 3, Flags: Write, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Rename a key", Run: cmdRename},
	{Name: "renamenx", Arity: 3, Flags: Write | Fast, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Rename a key, only if the new key does not exist", Run: cmdRenamenx},
	{Name: "scan", Arity: -2, Flags: ReadOnly | AllShards, Group: "generic", Since: "2.8.0", Summary: "Incrementally iterate the keys space", Run: cmdScan},
	{Name: "swapdb", Arity: 3, Flags: Write | Fast | MultiDB, Group: "server", Since: "4.0.0", Summary: "Swaps two Redis databases", Run: cmdSwapdb},
	{Name: "touch", Arity: -2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "3.2.1", Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", Run: cmdTouch},
	{Name: "ttl", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Get the time to live for a key in seconds", Run: cmdTTL},
	{Name: "type", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Determine the type stored at key", Run: cmdType},
	{Name: "unlink", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "4.0.0", Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", Run: cmdUnlink},
}

// objectCommands are OBJECT's subcommands.
var objectCommands = []Command{
	{Name: "encoding", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Inspect the internal encoding of a Redis object", Run: cmdObjectEncoding},
	{Name: "freq", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "4.0.0", Summary: "Get the logarithmic access frequency counter of a Redis object", Run: cmdObjectFreq},
	{Name: "help", Arity: 2, Flags: Loading | Stale, Group: "generic", Since: "6.2.0", Summary: "Show helpful text about the different subcommands", Run: cmdObjectHelp},
	{Name: "idletime", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Get the time since a Redis object was last accessed", Run: cmdObjectIdletime},
	{Name: "refcount", Arity: 3, Flags: ReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Get the number of references to the value of the key", Run: cmdObjectRefcount},
}

// Reply texts of the generic group, byte for byte as Redis 7.0 sends them.
const (
	msgInvalidCursor = "ERR invalid cursor"
	msgExpireNX      = "ERR NX and XX, GT or LT options at the same time are not compatible"
	msgExpireGTLT    = "ERR GT and LT options at the same time are not compatible"
	msgFirstDBIndex  = "ERR invalid first DB index"
	msgSecondDBIndex = "ERR invalid second DB index"
	msgIntRange      = "ERR value is out of range, value must between -2147483648 and 2147483647"
	msgNoLFU         = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. " +
		"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// msgUnsupportedOption is EXPIRE's reply to an unknown flag, which Redis
// prints with %s (so it ends at a NUL byte).
func msgUnsupportedOption(opt []byte) string {
	return "ERR Unsupported option " + string(cString(opt))
}

var pexpireatWord = []byte("PEXPIREAT")

// lookupNoTouch returns key's live object and counts a hit or a miss, but
// records no access (Redis's LOOKUP_NOTOUCH): EXISTS, TYPE, TTL and OBJECT
// must not change what OBJECT IDLETIME reports.
func (d *DB) lookupNoTouch(c *Ctx, key []byte) *Object {
	o := d.peek(c, key)
	if o == nil {
		c.miss(key)
	} else {
		c.Stats.Hits.Add(1)
	}
	return o
}

// deleteKey removes key and reports whether a live key was removed. An
// expired key is reclaimed (and logged) as lazy expiry does, and does not
// count, as in Redis's DEL.
func (d *DB) deleteKey(c *Ctx, key []byte) bool {
	s, h := d.shardFor(key)
	o := s.dict.find(h, key)
	switch {
	case o == nil:
		return false
	case expired(c, o):
		d.expireNow(c, s, h, o)
		return false
	}
	s.remove(h, key)
	return true
}

// adopt adds a new object under a copy of key to d, holding src's value (the
// value is moved, not copied: src must be removed afterwards), its access
// time and its expiry exp, as Redis's RENAME and MOVE re-link the same
// value.
func (d *DB) adopt(c *Ctx, key []byte, src *Object, exp int64) *Object {
	o := d.createWithRoom(c, key, 0, exp != 0)
	o.typ, o.p, o.n, o.c = src.typ, src.p, src.n, src.c
	o.takeValueFlags(src)
	o.lru = src.lru
	if exp != 0 {
		d.setExpire(o, exp)
	}
	return o
}

// duplicate adds a new object under a copy of key to d holding a deep copy
// of src's value and its expiry exp, as Redis's COPY does.
func (d *DB) duplicate(c *Ctx, key []byte, src *Object, exp int64) *Object {
	var o *Object
	if src.typ == TypeString {
		o = d.createString(c, key, src.Str(), exp != 0)
	} else {
		o = d.createWithRoom(c, key, 0, exp != 0)
		o.setContainer(src.typ, cloneContainer(src))
	}
	o.takeValueFlags(src)
	o.flags |= flagUnshared
	if exp != 0 {
		d.setExpire(o, exp)
	}
	return o
}

// changedN logs the command as it came and counts n changes (DEL of n keys
// adds n to Redis's dirty counter).
func (c *Ctx) changedN(n int) {
	c.Stats.Dirty.Add(int64(n - 1))
	c.Changed()
}

// DEL key [key ...]
func cmdDel(c *Ctx, argv [][]byte) { delKeys(c, argv) }

// UNLINK key [key ...]
func cmdUnlink(c *Ctx, argv [][]byte) { delKeys(c, argv) }

// delKeys is DEL and UNLINK: the memory goes back to Go's collector either
// way, so there is nothing to do in the background.
func delKeys(c *Ctx, argv [][]byte) {
	n := 0
	for _, key := range argv[1:] {
		if c.DB.deleteKey(c, key) {
			c.Notify(NotifyGeneric, "del", key)
			n++
		}
	}
	c.W.Int(int64(n))
	if n > 0 {
		c.changedN(n)
	}
}

// EXISTS key [key ...]
func cmdExists(c *Ctx, argv [][]byte) {
	n := 0
	for _, key := range argv[1:] {
		if c.DB.lookupNoTouch(c, key) != nil {
			n++
		}
	}
	c.W.Int(int64(n))
}

// TOUCH key [key ...]
func cmdTouch(c *Ctx, argv [][]byte) {
	n := 0
	for _, key := range argv[1:] {
		if c.DB.lookup(c, key) != nil {
			n++
		}
	}
	c.W.Int(int64(n))
}

// TYPE key
func cmdType(c *Ctx, argv [][]byte) {
	o := c.DB.lookupNoTouch(c, argv[1])
	if o == nil {
		c.W.Simple("none")
		return
	}
	c.W.Simple(o.typ.String())
}

// KEYS pattern
func cmdKeys(c *Ctx, argv [][]byte) {
	pattern := argv[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	var keys []string
	for i := range c.DB.shards {
		c.DB.shards[i].dict.each(func(o *Object) {
			if (all || Match(pattern, o.keyBytes(), false /* nocase */)) && !expired(c, o) {
				keys = append(keys, o.Key())
			}
		})
	}
	c.W.ArrayLen(len(keys))
	for _, k := range keys {
		c.W.BulkString(k)
	}
}

// scanOptions are SCAN's options, parsed as Redis's scanGenericCommand does.
type scanOptions struct {
	count           int64
	match, withType bool
	pattern         []byte
	typ             []byte
}

// parseScanOptions reads the options of SCAN (withType: TYPE too) and of
// HSCAN, SSCAN and ZSCAN, replying Redis's error on the first bad one.
// MATCH * matches everything, so it sets no pattern to test.
func parseScanOptions(c *Ctx, args [][]byte, withType bool) (scanOptions, bool) {
	opt := scanOptions{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.W.Error(msgSyntax)
			return opt, false
		}
		switch val := args[i+1]; {
		case isOpt(args[i], "COUNT"):
			n, ok := proto.ParseInt(val)
			if !ok {
				c.W.Error(msgNotInteger)
				return opt, false
			}
			if n < 1 {
				c.W.Error(msgSyntax)
				return opt, false
			}
			opt.count = n
		case isOpt(args[i], "MATCH"):
			opt.pattern = val
			opt.match = len(val) != 1 || val[0] != '*'
		case withType && isOpt(args[i], "TYPE"):
			opt.typ, opt.withType = cString(val), true
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	return opt, true
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
func cmdScan(c *Ctx, argv [][]byte) {
	cursor, ok := parseCursor(argv[1])
	if !ok {
		c.W.Error(msgInvalidCursor)
		return
	}
	opt, ok := parseScanOptions(c, argv[2:], true /* TYPE */)
	if !ok {
		return
	}
	var found []*Object
	found, cursor = c.DB.scanKeys(cursor, opt.count, found)
	keys := found[:0]
	for _, o := range found {
		if scanKeeps(c, o, &opt) {
			keys = append(keys, o)
		}
	}
	c.W.ArrayLen(2)
	var num [20]byte
	c.W.Bulk(strconv.AppendUint(num[:0], cursor, 10))
	c.W.ArrayLen(len(keys))
	for _, o := range keys {
		c.W.BulkString(o.Key())
	}
}

// scanKeys collects into keys the objects of the buckets from cursor on,
// until it has count of them, the scan is complete (cursor 0), or it has
// visited count*10 buckets, as Redis's SCAN loop does, and returns the next
// cursor. The cursor walks the shards in order: its low ShardBits bits are
// the shard, the rest that shard's own reverse-binary bucket cursor, so a
// key present for the whole scan is returned at least once. Empty shards
// are stepped over without counting as visits. Every shard must be locked.
func (d *DB) scanKeys(cursor uint64, count int64, keys []*Object) ([]*Object, uint64) {
	i, v := int(cursor&(NumShards-1)), cursor>>ShardBits
	budget := int64(math.MaxInt64)
	if count <= math.MaxInt64/10 {
		budget = count * 10
	}
	collect := func(o *Object) { keys = append(keys, o) }
	for {
		if dict := &d.shards[i].dict; dict.len() > 0 {
			v = dict.scan(v, collect)
			budget--
		} else {
			v = 0
		}
		if v == 0 {
			if i++; i == NumShards {
				return keys, 0
			}
		}
		if int64(len(keys)) >= count || budget < 0 {
			return keys, v<<ShardBits | uint64(i)
		}
	}
}

// scanKeeps applies SCAN's filters to a key it collected, in Redis's order:
// the pattern, the type (a lookup, which counts a hit or a miss), expiry.
// An expired key is skipped, and reclaimed after the command (SCAN holds
// read locks), as Redis's SCAN deletes the expired keys it meets.
func scanKeeps(c *Ctx, o *Object, opt *scanOptions) bool {
	if opt.match && !Match(opt.pattern, o.keyBytes(), false /* nocase */) {
		return false
	}
	dead := expired(c, o)
	if dead {
		c.noteExpired(c.DB, o)
	}
	if opt.withType {
		name := "none"
		if dead {
			c.miss(o.keyBytes())
		} else {
			c.Stats.Hits.Add(1)
			name = o.typ.String()
		}
		if !strings.EqualFold(string(opt.typ), name) {
			return false
		}
	}
	return !dead
}

// parseCursor reads a SCAN cursor as Redis does with strtoul: an optional
// sign (a '-' negates modulo 2^64), decimal digits, and then the end of the
// argument or a NUL byte. No leading space; an empty cursor is 0; a value
// over 2^64-1 is an error.
func parseCursor(b []byte) (uint64, bool) {
	b = cString(b)
	if len(b) == 0 {
		return 0, true
	}
	neg := b[0] == '-'
	digits := b
	if b[0] == '-' || b[0] == '+' {
		digits = b[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var v uint64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// RANDOMKEY
func cmdRandomkey(c *Ctx, argv [][]byte) {
	if o := c.DB.randomLive(c); o != nil {
		c.W.BulkString(o.Key())
		return
	}
	c.W.Null()
}

// randomLive returns a random key that has not expired, or nil. A shard is
// chosen with a probability in proportion to its size, then a key in it, so
// every key is about as likely as in Redis's single table. Expired keys are
// skipped (the shards are only read-locked); after a few unlucky draws it
// falls back to looking for any live key, so a database of expired keys
// still answers. Every shard of d must be locked.
func (d *DB) randomLive(c *Ctx) *Object {
	total := d.Size()
	if total == 0 {
		return nil
	}
	for try := 0; try < 100; try++ {
		n := rand.IntN(total)
		for i := range d.shards {
			dict := &d.shards[i].dict
			if n >= dict.len() {
				n -= dict.len()
				continue
			}
			o := dict.random()
			if !expired(c, o) {
				return o
			}
			c.noteExpired(d, o)
			break
		}
	}
	var live *Object
	for i := range d.shards {
		d.shards[i].dict.each(func(o *Object) {
			if live == nil && !expired(c, o) {
				live = o
			}
		})
	}
	return live
}

// RENAME key newkey
func cmdRename(c *Ctx, argv [][]byte) { renameGeneric(c, argv, false /* nx */) }

// RENAMENX key newkey
func cmdRenamenx(c *Ctx, argv [][]byte) { renameGeneric(c, argv, true /* nx */) }

// renameGeneric is RENAME and, with nx, RENAMENX.
func renameGeneric(c *Ctx, argv [][]byte, nx bool) {
	d, key, newkey := c.DB, argv[1], argv[2]
	o := d.lookupWrite(c, key)
	if o == nil {
		c.W.Error(msgNoSuchKey)
		return
	}
	if bytes.Equal(key, newkey) {
		if nx {
			c.W.Int(0)
		} else {
			c.W.OK()
		}
		return
	}
	if d.lookupWrite(c, newkey) != nil {
		if nx {
			c.W.Int(0)
			return
		}
		d.remove(newkey)
	}
	d.adopt(c, newkey, o, o.Expire())
	d.remove(key)
	c.Notify(NotifyGeneric, "rename_from", key)
	c.Notify(NotifyGeneric, "rename_to", newkey)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
	c.Changed()
}

// parseDBIndex reads a database number as Redis's getIntFromObjectOrReply
// does (an int, else an error), then checks that the database exists.
func parseDBIndex(c *Ctx, arg []byte) (*DB, bool) {
	n, ok := proto.ParseInt(arg)
	switch {
	case !ok:
		c.W.Error(msgNotInteger)
	case n < -1<<31 || n > 1<<31-1:
		c.W.Error(msgIntRange)
	case n < 0 || n >= int64(c.KS.Len()):
		c.W.Error(msgDBIndex)
	default:
		return c.KS.DB(int(n)), true
	}
	return nil, false
}

// MOVE key db
func cmdMove(c *Ctx, argv [][]byte) {
	src, key := c.DB, argv[1]
	dst, ok := parseDBIndex(c, argv[2])
	if !ok {
		return
	}
	if dst == src {
		c.W.Error(msgSameObject)
		return
	}
	mask := ShardMask(key)
	c.lockPair(src, mask, dst, mask)
	defer c.unlockPair(src, mask, dst, mask)
	o := src.lookupWrite(c, key)
	if o == nil || dst.lookupWrite(c, key) != nil {
		c.W.Int(0)
		return
	}
	c.preserveObject(src, o, true /* copy: adopt shares the value */)
	dst.adopt(c, key, o, o.Expire())
	src.remove(key)
	src.touchKey(key)
	dst.touchKey(key)
	c.NotifyIn(src.ID, NotifyGeneric, "move_from", key)
	c.NotifyIn(dst.ID, NotifyGeneric, "move_to", key)
	c.W.Int(1)
	c.Changed()
}

// copyOptions are COPY's options.
type copyOptions struct {
	dst     *DB
	replace bool
}

// COPY source destination [DB destination-db] [REPLACE]
func cmdCopy(c *Ctx, argv [][]byte) {
	opt := copyOptions{dst: c.DB}
	for j := 3; j < len(argv); j++ {
		switch {
		case isOpt(argv[j], "REPLACE"):
			opt.replace = true
		case isOpt(argv[j], "DB") && j+1 < len(argv):
			var ok bool
			if opt.dst, ok = parseDBIndex(c, argv[j+1]); !ok {
				return
			}
			j++
		default:
			c.W.Error(msgSyntax)
			return
		}
	}
	src, dst, key, newkey := c.DB, opt.dst, argv[1], argv[2]
	if src == dst && bytes.Equal(key, newkey) {
		c.W.Error(msgSameObject)
		return
	}
	srcMask, dstMask := ShardMask(key), ShardMask(newkey)
	c.lockPair(src, srcMask, dst, dstMask)
	defer c.unlockPair(src, srcMask, dst, dstMask)
	o := src.lookupWrite(c, key)
	if o == nil {
		c.miss(key)
		c.W.Int(0)
		return
	}
	c.Stats.Hits.Add(1)
	if old := dst.lookupWrite(c, newkey); old != nil {
		if !opt.replace {
			c.W.Int(0)
			return
		}
		c.preserveObject(dst, old, false /* it leaves the keyspace */)
		dst.remove(newkey)
	}
	dst.duplicate(c, newkey, o, o.Expire())
	dst.touchKey(newkey)
	c.NotifyIn(dst.ID, NotifyGeneric, "copy_to", newkey)
	c.W.Int(1)
	c.Changed()
}

// SWAPDB index1 index2
func cmdSwapdb(c *Ctx, argv [][]byte) {
	id1, ok1 := proto.ParseInt(argv[1])
	if !ok1 || id1 < -1<<31 || id1 > 1<<31-1 {
		c.W.Error(msgFirstDBIndex)
		return
	}
	id2, ok2 := proto.ParseInt(argv[2])
	if !ok2 || id2 < -1<<31 || id2 > 1<<31-1 {
		c.W.Error(msgSecondDBIndex)
		return
	}
	n := int64(c.KS.Len())
	if id1 < 0 || id1 >= n || id2 < 0 || id2 >= n {
		c.W.Error(msgDBIndex)
		return
	}
	a, b := c.KS.DB(int(id1)), c.KS.DB(int(id2))
	c.lockPair(a, EveryShard, b, EveryShard)
	defer c.unlockPair(a, EveryShard, b, EveryShard)
	if a != b {
		c.preserveDB(a, false)
		c.preserveDB(b, false)
		a.swapContents(b)
	}
	c.W.OK()
	c.Changed()
}

// DBSIZE
func cmdDbsize(c *Ctx, argv [][]byte) { c.W.Int(int64(c.DB.Size())) }

// parseFlushMode checks FLUSHDB's and FLUSHALL's optional ASYNC | SYNC.
// Both free the same way here: the collector reclaims the old tables.
func parseFlushMode(c *Ctx, argv [][]byte) bool {
	if len(argv) == 1 || len(argv) == 2 && (isOpt(argv[1], "SYNC") || isOpt(argv[1], "ASYNC")) {
		return true
	}
	c.W.Error(msgSyntax)
	return false
}

// FLUSHDB [ASYNC | SYNC]
func cmdFlushdb(c *Ctx, argv [][]byte) {
	if !parseFlushMode(c, argv) {
		return
	}
	c.preserveDB(c.DB, true /* moving */)
	removed := c.DB.flush()
	c.W.OK()
	c.Stats.Dirty.Add(int64(removed))
	c.Changed()
}

// FLUSHALL [ASYNC | SYNC]
func cmdFlushall(c *Ctx, argv [][]byte) {
	if !parseFlushMode(c, argv) {
		return
	}
	c.lockAll()
	defer c.unlockAll()
	removed := 0
	for _, d := range c.KS.dbs {
		c.preserveDB(d, true /* moving */)
		removed += d.flush()
	}
	c.W.OK()
	c.Stats.Dirty.Add(int64(removed))
	c.Changed()
}

// expireFlags are the conditions of the EXPIRE family.
type expireFlags struct{ nx, xx, gt, lt bool }

// parseExpireFlags reads argv[3:] as Redis's
// parseExtendedExpireArgumentsOrReply does: every word must be a flag, then
// the combinations are checked.
func parseExpireFlags(c *Ctx, argv [][]byte) (f expireFlags, ok bool) {
	for _, a := range argv[3:] {
		switch {
		case isOpt(a, "NX"):
			f.nx = true
		case isOpt(a, "XX"):
			f.xx = true
		case isOpt(a, "GT"):
			f.gt = true
		case isOpt(a, "LT"):
			f.lt = true
		default:
			c.W.Error(msgUnsupportedOption(a))
			return f, false
		}
	}
	switch {
	case f.nx && (f.xx || f.gt || f.lt):
		c.W.Error(msgExpireNX)
		return f, false
	case f.gt && f.lt:
		c.W.Error(msgExpireGTLT)
		return f, false
	}
	return f, true
}

// allows reports whether the flags let an expiry at when (ms) replace the
// current one (0 for none, which counts as infinite).
func (f expireFlags) allows(current, when int64) bool {
	switch {
	case f.nx && current != 0, f.xx && current == 0:
		return false
	case f.gt && (current == 0 || when <= current):
		return false
	case f.lt && current != 0 && when >= current:
		return false
	}
	return true
}

// EXPIRE key seconds [NX | XX | GT | LT]
func cmdExpire(c *Ctx, argv [][]byte) { expireGeneric(c, argv, c.Now, true /* seconds */, "expire") }

// PEXPIRE key milliseconds [NX | XX | GT | LT]
func cmdPexpire(c *Ctx, argv [][]byte) { expireGeneric(c, argv, c.Now, false /* seconds */, "pexpire") }

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
func cmdExpireat(c *Ctx, argv [][]byte) {
	expireGeneric(c, argv, 0 /* base */, true /* seconds */, "expireat")
}

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
func cmdPexpireat(c *Ctx, argv [][]byte) {
	expireGeneric(c, argv, 0 /* base */, false /* seconds */, "pexpireat")
}

// expireGeneric is the EXPIRE family, Redis's expireGenericCommand: the
// time is base plus the argument, in seconds or ms. A time already past
// deletes the key, logged as DEL; otherwise the command is logged as
// PEXPIREAT with the absolute time in ms and the same flags.
func expireGeneric(c *Ctx, argv [][]byte, base int64, seconds bool, name string) {
	flags, ok := parseExpireFlags(c, argv)
	if !ok {
		return
	}
	when, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.W.Error(msgInvalidExpire(name))
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.W.Error(msgInvalidExpire(name))
		return
	}
	when += base
	key := argv[1]
	o := c.DB.lookupWrite(c, key)
	if o == nil || !flags.allows(o.Expire(), when) {
		c.W.Int(0)
		return
	}
	if when <= c.Now {
		c.DB.remove(key)
		c.Notify(NotifyGeneric, "del", key)
		c.W.Int(1)
		c.Propagate(delName, key)
		return
	}
	c.W.Int(1)
	c.DB.setExpire(o, when)
	c.Notify(NotifyGeneric, "expire", key)
	if name == "pexpireat" {
		c.Changed()
		return
	}
	var num [20]byte
	var buf [8][]byte
	prop := append(buf[:0], pexpireatWord, key, strconv.AppendInt(num[:0], when, 10))
	c.Propagate(append(prop, argv[3:]...)...)
}

// TTL key
func cmdTTL(c *Ctx, argv [][]byte) { ttlGeneric(c, argv[1], false /* ms */, false /* abs */) }

// PTTL key
func cmdPttl(c *Ctx, argv [][]byte) { ttlGeneric(c, argv[1], true /* ms */, false /* abs */) }

// EXPIRETIME key
func cmdExpiretime(c *Ctx, argv [][]byte) { ttlGeneric(c, argv[1], false /* ms */, true /* abs */) }

// PEXPIRETIME key
func cmdPexpiretime(c *Ctx, argv [][]byte) { ttlGeneric(c, argv[1], true /* ms */, true /* abs */) }

// ttlGeneric replies with key's time to live (or, abs, its expiry time),
// in ms or rounded to seconds: -2 for no key, -1 for no expiry.
func ttlGeneric(c *Ctx, key []byte, ms, abs bool) {
	o := c.DB.lookupNoTouch(c, key)
	var exp int64
	if o != nil {
		exp = o.Expire()
	}
	switch {
	case o == nil:
		c.W.Int(-2)
	case exp == 0:
		c.W.Int(-1)
	default:
		t := exp
		if !abs {
			t = max(exp-c.Now, 0)
		}
		if !ms {
			// (t+500)/1000 without overflowing near MaxInt64, as Redis's
			// compiled arithmetic answers.
			t = t/1000 + (t%1000+500)/1000
		}
		c.W.Int(t)
	}
}

// PERSIST key
func cmdPersist(c *Ctx, argv [][]byte) {
	o := c.DB.lookupWrite(c, argv[1])
	if o == nil || o.flags&flagExpires == 0 {
		c.W.Int(0)
		return
	}
	c.DB.setExpire(o, 0)
	c.Notify(NotifyGeneric, "persist", argv[1])
	c.W.Int(1)
	c.Changed()
}

// OBJECT <ENCODING | FREQ | HELP | IDLETIME | REFCOUNT> ...
//
// The server resolves subcommands itself; this runs one for callers that
// hand over the whole command (tests), with the server's errors.
func cmdObject(c *Ctx, argv [][]byte) {
	for i := range objectCommands {
		sub := &objectCommands[i]
		if !strings.EqualFold(string(argv[1]), sub.Name) {
			continue
		}
		if sub.Arity > 0 && len(argv) != sub.Arity || len(argv) < -sub.Arity {
			c.W.Error("ERR wrong number of arguments for 'object|" + sub.Name + "' command")
			return
		}
		sub.Run(c, argv)
		return
	}
	c.W.Error("ERR unknown subcommand '" + string(cString(argv[1])) + "'. Try OBJECT HELP.")
}

// objectLookup is OBJECT's lookup: no access recorded, a null reply when the
// key does not exist, and no keymiss event (Redis's LOOKUP_NONOTIFY).
func objectLookup(c *Ctx, key []byte) *Object {
	o := c.DB.peek(c, key)
	if o == nil {
		c.Stats.Misses.Add(1)
		c.W.Null()
	} else {
		c.Stats.Hits.Add(1)
	}
	return o
}

// OBJECT ENCODING key
func cmdObjectEncoding(c *Ctx, argv [][]byte) {
	if o := objectLookup(c, argv[2]); o != nil {
		c.W.BulkString(encoding(o))
	}
}

// OBJECT REFCOUNT key
func cmdObjectRefcount(c *Ctx, argv [][]byte) {
	if o := objectLookup(c, argv[2]); o != nil {
		c.W.Int(refcount(o))
	}
}

// OBJECT IDLETIME key
func cmdObjectIdletime(c *Ctx, argv [][]byte) {
	if o := objectLookup(c, argv[2]); o != nil {
		c.W.Int(int64(o.idle(c.clock())))
	}
}

// OBJECT FREQ key
//
// Access frequency is tracked only under an LFU maxmemory policy, which
// redis-fast does not have, so the answer is always Redis's error for the
// other policies.
func cmdObjectFreq(c *Ctx, argv [][]byte) {
	if o := objectLookup(c, argv[2]); o != nil {
		c.W.Error(msgNoLFU)
	}
}

// objectHelp is OBJECT HELP's text, as Redis's addReplyHelp frames it.
var objectHelp = [...]string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

// OBJECT HELP
func cmdObjectHelp(c *Ctx, argv [][]byte) {
	c.W.ArrayLen(len(objectHelp))
	for _, line := range objectHelp {
		c.W.Simple(line)
	}
}
