package db

import (
	"strconv"

	"redis-fast/proto"
)

// StringCommands are the commands of Redis's string group.
var StringCommands = []Command{
	{Name: "get", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Run: cmdGet},
	{Name: "set", Arity: -3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0", Run: cmdSet},
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
		a := argv[j]
		hasNext := j+1 < len(argv)
		hasExpire := opt.expireFlag != ""
		switch {
		case forSet && equalFold(a, "NX") && !opt.xx:
			opt.nx = true
		case forSet && equalFold(a, "XX") && !opt.nx:
			opt.xx = true
		case forSet && equalFold(a, "GET"):
			opt.get = true
		case forSet && equalFold(a, "KEEPTTL") && !hasExpire:
			opt.keepTTL = true
		case !forSet && equalFold(a, "PERSIST") && !hasExpire && !opt.keepTTL:
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
		if equalFold(a, f) {
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
	o := c.DB.setString(c, key, val, opt.keepTTL)
	if !opt.get {
		c.W.OK()
	}
	switch {
	case opt.expireFlag != "":
		c.DB.setExpire(o, at)
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
		if i >= 3 && equalFold(a, "GET") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// equalFold reports whether b equals the upper-case ASCII word s, ignoring
// case, without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
