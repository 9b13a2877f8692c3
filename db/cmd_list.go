package db

import (
	"strconv"
	"unsafe"

	"redis-fast/proto"
)

// ListCommands are the commands of Redis's list group (the blocking ones
// live with the server, on top of ServeListPop and ServeListMove).
var ListCommands = []Command{
	{Name: "lindex", Arity: 3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Get an element from a list by its index", Run: cmdLindex},
	{Name: "linsert", Arity: 5, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "2.2.0", Summary: "Insert an element before or after another element in a list", Run: cmdLinsert},
	{Name: "llen", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Get the length of a list", Run: cmdLlen},
	{Name: "lmove", Arity: 5, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Since: "6.2.0", Summary: "Pop an element from a list, push it to another list and return it", Run: cmdLmove},
	{Name: "lmpop", Arity: -4, Flags: Write | MovableKeys, Keys: MpopKeys(1), Group: "list", Since: "7.0.0", Summary: "Pop elements from a list", Run: cmdLmpop},
	{Name: "lpop", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Remove and get the first elements in a list", Run: cmdLpop},
	{Name: "lpos", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "6.0.6", Summary: "Return the index of matching elements on a list", Run: cmdLpos},
	{Name: "lpush", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Prepend one or multiple elements to a list", Run: cmdLpush},
	{Name: "lpushx", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "2.2.0", Summary: "Prepend an element to a list, only if the list exists", Run: cmdLpushx},
	{Name: "lrange", Arity: 4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Get a range of elements from a list", Run: cmdLrange},
	{Name: "lrem", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Remove elements from a list", Run: cmdLrem},
	{Name: "lset", Arity: 4, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Set the value of an element in a list by its index", Run: cmdLset},
	{Name: "ltrim", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Trim a list to the specified range", Run: cmdLtrim},
	{Name: "rpop", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Remove and get the last elements in a list", Run: cmdRpop},
	{Name: "rpoplpush", Arity: 3, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Since: "1.2.0", Summary: "Remove the last element in a list, prepend it to another list and return it", Run: cmdRpoplpush},
	{Name: "rpush", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Append one or multiple elements to a list", Run: cmdRpush},
	{Name: "rpushx", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Since: "2.2.0", Summary: "Append an element to a list, only if the list exists", Run: cmdRpushx},
}

// Reply texts of the list group, byte for byte as Redis 7.0 sends them.
const (
	msgListPositive  = "ERR value is out of range, must be positive"
	msgListRankZero  = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	msgListCountNeg  = "ERR COUNT can't be negative"
	msgListMaxlenNeg = "ERR MAXLEN can't be negative"
	msgListNumkeys   = "ERR numkeys should be greater than 0"
	msgListMpopCount = "ERR count should be greater than 0"
	msgListLpopArity = "ERR wrong number of arguments for 'lpop' command"
	msgListRpopArity = "ERR wrong number of arguments for 'rpop' command"
)

const (
	listReplyArrayMax  = 24 // bytes of the longest array header
	listMoveStackBytes = 64 // elements up to this size rotate through the stack
)

// The words the list commands log in place of the command as it came,
// spelled as Redis's shared objects spell them.
var (
	listLpopWord      = []byte("LPOP")
	listRpopWord      = []byte("RPOP")
	listLmoveWord     = []byte("LMOVE")
	listRpoplpushWord = []byte("RPOPLPUSH")
	listLeftWord      = []byte("left")
	listRightWord     = []byte("right")
)

// listWrite returns key's list for changing it: nil and true when the key
// is missing, nil and false after replying WRONGTYPE.
func listWrite(c *Ctx, key []byte) (*List, bool) {
	o, ok := c.DB.lookupKindWrite(c, key, TypeList)
	if o == nil {
		return nil, ok
	}
	return (*List)(o.p), true
}

// listRead is listWrite for reading (it counts a keyspace hit or miss).
func listRead(c *Ctx, key []byte) (*List, bool) {
	o, ok := c.DB.lookupKind(c, key, TypeList)
	if o == nil {
		return nil, ok
	}
	return (*List)(o.p), true
}

// listCreate adds key, which must not exist, holding a new empty list.
func listCreate(c *Ctx, key []byte) *List {
	l := newList(c.KS.Limits.ListMaxListpackSize.Load())
	c.DB.createContainer(c, key, TypeList, unsafe.Pointer(l))
	return l
}

// addDirty counts n more changes than the one Changed or Propagate counts:
// Redis counts a change per element pushed or removed.
func addDirty(c *Ctx, n int) {
	if n > 1 {
		c.Stats.Dirty.Add(int64(n - 1))
	}
}

// LPUSH key element [element ...]
func cmdLpush(c *Ctx, argv [][]byte) { pushCommand(c, argv, true, false) }

// RPUSH key element [element ...]
func cmdRpush(c *Ctx, argv [][]byte) { pushCommand(c, argv, false, false) }

// LPUSHX key element [element ...]
func cmdLpushx(c *Ctx, argv [][]byte) { pushCommand(c, argv, true, true) }

// RPUSHX key element [element ...]
func cmdRpushx(c *Ctx, argv [][]byte) { pushCommand(c, argv, false, true) }

// pushCommand pushes argv[2:] at the head (left) or the tail, creating the
// list unless existing (the X forms), and replies with the new length.
func pushCommand(c *Ctx, argv [][]byte, left, existing bool) {
	key := argv[1]
	l, ok := listWrite(c, key)
	switch {
	case !ok:
		return
	case l == nil && existing:
		c.W.Int(0)
		return
	case l == nil:
		l = listCreate(c, key)
	}
	for _, v := range argv[2:] {
		l.push(v, left)
	}
	c.W.Int(int64(l.n))
	c.Notify(NotifyList, listPushEvent(left), key)
	c.Changed()
	addDirty(c, len(argv)-2)
}

// LPOP key [count]
func cmdLpop(c *Ctx, argv [][]byte) { popCommand(c, argv, true) }

// RPOP key [count]
func cmdRpop(c *Ctx, argv [][]byte) { popCommand(c, argv, false) }

// popCommand pops one element (a bulk reply) or, with a count, up to count
// of them (an array), from the head (left) or the tail.
func popCommand(c *Ctx, argv [][]byte, left bool) {
	if len(argv) > 3 {
		if left {
			c.W.Error(msgListLpopArity)
		} else {
			c.W.Error(msgListRpopArity)
		}
		return
	}
	hasCount := len(argv) == 3
	var count int64
	if hasCount {
		n, ok := proto.ParseInt(argv[2])
		if !ok || n < 0 {
			c.W.Error(msgListPositive)
			return
		}
		count = n
	}
	key := argv[1]
	l, ok := listWrite(c, key)
	switch {
	case !ok:
		return
	case l == nil && hasCount:
		c.W.NullArray()
		return
	case l == nil:
		c.W.Null()
		return
	case hasCount && count == 0:
		c.W.ArrayLen(0)
		return
	}
	n := 1
	if hasCount {
		n = int(min(count, int64(l.n)))
		listPopReply(c, l, left, n)
	} else {
		c.W.Bulk(l.pop(left))
	}
	listRemoved(c, key, l, left)
	c.Changed()
	addDirty(c, n)
}

// listPopReply pops n elements from the head (left) or the tail of l and
// replies with them as an array, in the order popped.
func listPopReply(c *Ctx, l *List, left bool, n int) {
	c.W.ArrayLen(n)
	for ; n > 0; n-- {
		c.W.Bulk(l.pop(left))
	}
}

// ListServe says what ServeListPop or ServeListMove did.
type ListServe uint8

const (
	// ListMissing: the key does not exist; nothing was replied or changed.
	// A blocking command tries its next key or blocks.
	ListMissing ListServe = iota
	// ListWrongType: a key holds another type; WRONGTYPE was replied and
	// nothing changed.
	ListWrongType
	// ListServed: the elements were popped (and pushed), replied and logged.
	ListServed
)

// ServeListPop pops from the list at key in c.DB, for LMPOP and for the
// blocking pops (BLPOP, BRPOP, BLMPOP), whether they are served at once or
// when a blocked client is woken. Its shard must be locked for writing.
//
// With count 0 (BLPOP, BRPOP) it pops one element from the head (left) or
// the tail, replies [key, element] and logs LPOP key or RPOP key. With a
// count > 0 (LMPOP, BLMPOP) it pops up to count elements, replies
// [key, [element ...]] and logs LPOP key n or RPOP key n, n being how many
// it popped. Either way it deletes the key when the list is left empty.
func ServeListPop(c *Ctx, key []byte, left bool, count int64) ListServe {
	l, ok := listWrite(c, key)
	if !ok {
		return ListWrongType
	}
	if l == nil {
		return ListMissing
	}
	word := listRpopWord
	if left {
		word = listLpopWord
	}
	c.W.ArrayLen(2)
	c.W.Bulk(key)
	n := 1
	if count <= 0 {
		c.W.Bulk(l.pop(left))
	} else {
		n = int(min(count, int64(l.n)))
		listPopReply(c, l, left, n)
	}
	listRemoved(c, key, l, left)
	if count <= 0 {
		c.Propagate(word, key)
	} else {
		var num [20]byte
		c.Propagate(word, key, strconv.AppendInt(num[:0], int64(n), 10))
	}
	addDirty(c, n)
	return ListServed
}

// ServeListMove moves an element from the head (fromLeft) or the tail of
// the list at src to the head (toLeft) or the tail of the list at dst, for
// BLMOVE and BRPOPLPUSH, served at once or when a blocked client is woken.
// Both keys' shards must be locked for writing.
//
// It replies with the element and logs the move as LMOVE src dst
// left|right left|right, or as RPOPLPUSH src dst when rpoplpush is set (the
// words Redis logs for a blocked client it serves). It creates dst when it
// does not exist and deletes src when it is left empty. When dst holds
// another type it replies WRONGTYPE and changes nothing.
func ServeListMove(c *Ctx, src, dst []byte, fromLeft, toLeft, rpoplpush bool) ListServe {
	r := moveList(c, src, dst, fromLeft, toLeft)
	if r != ListServed {
		return r
	}
	if rpoplpush {
		c.Propagate(listRpoplpushWord, src, dst)
	} else {
		c.Propagate(listLmoveWord, src, dst, listSide(fromLeft), listSide(toLeft))
	}
	return r
}

func listSide(left bool) []byte {
	if left {
		return listLeftWord
	}
	return listRightWord
}

// moveList is the move of LMOVE, RPOPLPUSH, BLMOVE and BRPOPLPUSH: it
// replies with the moved element (or WRONGTYPE), but replies nothing for a
// missing src, and logs nothing.
func moveList(c *Ctx, src, dst []byte, fromLeft, toLeft bool) ListServe {
	from, ok := listWrite(c, src)
	if !ok {
		return ListWrongType
	}
	if from == nil {
		return ListMissing
	}
	to, ok := listWrite(c, dst)
	if !ok {
		return ListWrongType
	}
	v := from.pop(fromLeft)
	if to == nil {
		to = listCreate(c, dst)
	}
	if to == from {
		// The push may write where the popped bytes still are.
		var buf [listMoveStackBytes]byte
		v = append(buf[:0], v...)
	}
	to.push(v, toLeft)
	c.Notify(NotifyList, listPushEvent(toLeft), dst)
	c.W.Bulk(v)
	listRemoved(c, src, from, fromLeft)
	return ListServed
}

// listPushEvent is the keyspace event of a push at the head or the tail.
func listPushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

// listRemoved follows elements popped from the head (left) or the tail of
// l, the list at key, as Redis's listElementsRemoved: it fires lpop or
// rpop, and deletes the key, firing del, when l is left empty.
func listRemoved(c *Ctx, key []byte, l *List, left bool) {
	event := "rpop"
	if left {
		event = "lpop"
	}
	c.Notify(NotifyList, event, key)
	if l.n == 0 {
		c.DB.removeEmpty(key)
		c.Notify(NotifyGeneric, "del", key)
	}
}

// listWhere parses LEFT or RIGHT, replying a syntax error for anything else.
func listWhere(c *Ctx, a []byte) (left, ok bool) {
	switch {
	case isOpt(a, "LEFT"):
		return true, true
	case isOpt(a, "RIGHT"):
		return false, true
	}
	c.W.Error(msgSyntax)
	return false, false
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
func cmdLmove(c *Ctx, argv [][]byte) {
	fromLeft, ok := listWhere(c, argv[3])
	if !ok {
		return
	}
	toLeft, ok := listWhere(c, argv[4])
	if !ok {
		return
	}
	lmove(c, argv, fromLeft, toLeft)
}

// RPOPLPUSH source destination
func cmdRpoplpush(c *Ctx, argv [][]byte) { lmove(c, argv, false, true) }

func lmove(c *Ctx, argv [][]byte, fromLeft, toLeft bool) {
	switch moveList(c, argv[1], argv[2], fromLeft, toLeft) {
	case ListMissing:
		c.W.Null()
	case ListServed:
		c.Changed()
	}
}

// ListMpopArgs are the arguments of LMPOP and BLMPOP after the timeout.
type ListMpopArgs struct {
	Keys  [][]byte // the keys, aliasing argv
	Left  bool     // LEFT, or RIGHT
	Count int64    // COUNT, 1 when not given
}

// ParseListMpop parses "numkeys key [key ...] LEFT|RIGHT [COUNT count]"
// from argv[at] on (at is 1 for LMPOP, 2 for BLMPOP), in Redis's order of
// checks. On a bad argument it replies Redis's error and returns false.
func ParseListMpop(c *Ctx, argv [][]byte, at int) (ListMpopArgs, bool) {
	var a ListMpopArgs
	n, ok := proto.ParseInt(argv[at])
	if !ok || n < 1 {
		c.W.Error(msgListNumkeys)
		return a, false
	}
	if n >= int64(len(argv)-at-1) {
		c.W.Error(msgSyntax)
		return a, false
	}
	where := at + int(n) + 1
	if a.Left, ok = listWhere(c, argv[where]); !ok {
		return a, false
	}
	a.Keys = argv[at+1 : where]
	a.Count, ok = parseMpopCount(c, argv, where+1, msgListMpopCount)
	return a, ok
}

// MpopKeys returns the Keys function of a command whose numkeys is argv[at]
// and whose keys follow it (LMPOP, ZMPOP: 1; BLMPOP, BZMPOP: 2). A numkeys
// the command will refuse gives no keys.
func MpopKeys(at int) func(dst []int, argv [][]byte) []int {
	return func(dst []int, argv [][]byte) []int {
		n, ok := proto.ParseInt(argv[at])
		if !ok || n < 1 || n >= int64(len(argv)-at-1) {
			return dst
		}
		for i := at + 1; i <= at+int(n); i++ {
			dst = append(dst, i)
		}
		return dst
	}
}

// parseMpopCount parses the optional "COUNT count" of the *MPOP commands
// from argv[from] on: 1 when absent; countErr when count is not a positive
// integer; a syntax error for anything else or a second COUNT.
func parseMpopCount(c *Ctx, argv [][]byte, from int, countErr string) (int64, bool) {
	count := int64(-1)
	for j := from; j < len(argv); j++ {
		if count != -1 || !isOpt(argv[j], "COUNT") || j+1 >= len(argv) {
			c.W.Error(msgSyntax)
			return 0, false
		}
		j++
		var ok bool
		if count, ok = proto.ParseInt(argv[j]); !ok || count < 1 {
			c.W.Error(countErr)
			return 0, false
		}
	}
	if count == -1 {
		count = 1
	}
	return count, true
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
func cmdLmpop(c *Ctx, argv [][]byte) {
	a, ok := ParseListMpop(c, argv, 1)
	if !ok {
		return
	}
	for _, key := range a.Keys {
		if ServeListPop(c, key, a.Left, a.Count) != ListMissing {
			return
		}
	}
	c.W.NullArray()
}

// LLEN key
func cmdLlen(c *Ctx, argv [][]byte) {
	l, ok := listRead(c, argv[1])
	switch {
	case !ok:
	case l == nil:
		c.W.Int(0)
	default:
		c.W.Int(int64(l.n))
	}
}

// listIndex turns a LINDEX/LSET index (negative from the tail) into a
// position in a list of n elements, or -1 when out of range.
func listIndex(i int64, n int) int {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return -1
	}
	return int(i)
}

// LINDEX key index
func cmdLindex(c *Ctx, argv [][]byte) {
	l, ok := listRead(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.W.Null()
		return
	}
	i, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	if at := listIndex(i, l.n); at >= 0 {
		c.W.Bulk(l.index(at))
	} else {
		c.W.Null()
	}
}

// LSET key index element
func cmdLset(c *Ctx, argv [][]byte) {
	l, ok := listWrite(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.W.Error(msgNoSuchKey)
		return
	}
	i, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	at := listIndex(i, l.n)
	if at < 0 {
		c.W.Error(msgOutOfRange)
		return
	}
	l.set(at, argv[3])
	c.W.OK()
	c.Notify(NotifyList, "lset", argv[1])
	c.Changed()
}

// LINSERT key BEFORE|AFTER pivot element
func cmdLinsert(c *Ctx, argv [][]byte) {
	var after bool
	switch {
	case isOpt(argv[2], "AFTER"):
		after = true
	case isOpt(argv[2], "BEFORE"):
	default:
		c.W.Error(msgSyntax)
		return
	}
	l, ok := listWrite(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.W.Int(0)
		return
	}
	ni, at, found := l.find(argv[3])
	if !found {
		c.W.Int(-1)
		return
	}
	l.insert(ni, at, argv[4], after)
	c.Notify(NotifyList, "linsert", argv[1])
	c.W.Int(int64(l.n))
	c.Changed()
}

// listRange clamps LRANGE's and LTRIM's start and end (inclusive, negative
// from the tail) to a list of n elements, as Redis does; ok is false when
// the range is empty.
func listRange(start, end int64, n int) (from, to int, ok bool) {
	if start < 0 {
		start += int64(n)
	}
	if end < 0 {
		end += int64(n)
	}
	start = max(start, 0)
	if start > end || start >= int64(n) {
		return 0, 0, false
	}
	end = min(end, int64(n)-1)
	return int(start), int(end), true
}

// parseRange parses argv[2] and argv[3] as integers, replying the error for
// the first bad one.
func parseRange(c *Ctx, argv [][]byte) (start, end int64, ok bool) {
	if start, ok = proto.ParseInt(argv[2]); ok {
		end, ok = proto.ParseInt(argv[3])
	}
	if !ok {
		c.W.Error(msgNotInteger)
	}
	return start, end, ok
}

// LRANGE key start stop
func cmdLrange(c *Ctx, argv [][]byte) {
	start, end, ok := parseRange(c, argv)
	if !ok {
		return
	}
	l, ok := listRead(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.W.ArrayLen(0)
		return
	}
	from, to, ok := listRange(start, end, l.n)
	if !ok {
		c.W.ArrayLen(0)
		return
	}
	n := to - from + 1
	c.W.ArrayLen(n)
	c.W.Buf = l.appendBulks(c.W.Buf, from, n)
}

// LTRIM key start stop
func cmdLtrim(c *Ctx, argv [][]byte) {
	start, end, ok := parseRange(c, argv)
	if !ok {
		return
	}
	l, ok := listWrite(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.W.OK()
		return
	}
	left, right := l.n, 0
	if from, to, ok := listRange(start, end, l.n); ok {
		left, right = from, l.n-to-1
	}
	l.delRange(0, left)
	l.delRange(l.n-right, right)
	c.Notify(NotifyList, "ltrim", argv[1])
	if l.n == 0 {
		c.DB.removeEmpty(argv[1])
		c.Notify(NotifyGeneric, "del", argv[1])
	}
	if left+right > 0 {
		c.Changed()
		addDirty(c, left+right)
	}
	c.W.OK()
}

// LREM key count element
func cmdLrem(c *Ctx, argv [][]byte) {
	count, ok := proto.ParseInt(argv[2])
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	l, ok := listWrite(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.W.Int(0)
		return
	}
	fromTail := count < 0
	if fromTail {
		count = -count // -MinInt64 stays negative, and removes all, as in Redis
	}
	limit := 0
	if count > 0 && count < int64(l.n) {
		limit = int(count)
	}
	removed := l.removeMatches(argv[3], limit, fromTail)
	if removed > 0 {
		c.Notify(NotifyList, "lrem", argv[1])
	}
	if l.n == 0 {
		c.DB.removeEmpty(argv[1])
		c.Notify(NotifyGeneric, "del", argv[1])
	}
	if removed > 0 {
		c.Changed()
		addDirty(c, removed)
	}
	c.W.Int(int64(removed))
}

// lposOptions are LPOS's options.
type lposOptions struct {
	rank, count, maxlen int64 // count -1: not given
}

// parseLpos parses LPOS's options from argv[3] on, replying the error for
// the first bad one.
func parseLpos(c *Ctx, argv [][]byte) (lposOptions, bool) {
	opt := lposOptions{rank: 1, count: -1}
	for j := 3; j < len(argv); j++ {
		more := j+1 < len(argv)
		var ok bool
		switch {
		case more && isOpt(argv[j], "RANK"):
			j++
			if opt.rank, ok = proto.ParseInt(argv[j]); !ok {
				c.W.Error(msgNotInteger)
				return opt, false
			}
			if opt.rank == 0 {
				c.W.Error(msgListRankZero)
				return opt, false
			}
		case more && isOpt(argv[j], "COUNT"):
			j++
			if opt.count, ok = proto.ParseInt(argv[j]); !ok || opt.count < 0 {
				c.W.Error(msgListCountNeg)
				return opt, false
			}
		case more && isOpt(argv[j], "MAXLEN"):
			j++
			if opt.maxlen, ok = proto.ParseInt(argv[j]); !ok || opt.maxlen < 0 {
				c.W.Error(msgListMaxlenNeg)
				return opt, false
			}
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	return opt, true
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
func cmdLpos(c *Ctx, argv [][]byte) {
	opt, ok := parseLpos(c, argv)
	if !ok {
		return
	}
	fromTail := opt.rank < 0
	if fromTail {
		opt.rank = -opt.rank // -MinInt64 stays negative, as in Redis
	}
	withCount := opt.count != -1
	l, ok := listRead(c, argv[1])
	switch {
	case !ok:
		return
	case l == nil && withCount:
		c.W.ArrayLen(0)
		return
	case l == nil:
		c.W.Null()
		return
	}
	mark := len(c.W.Buf)
	var it listIter
	if fromTail {
		it = l.iterBack(l.n - 1)
	} else {
		it = l.iter(0)
	}
	ele := argv[2]
	var index, matches, found int64
	match := int64(-1)
	for index < int64(l.n) && (opt.maxlen == 0 || index < opt.maxlen) {
		var v []byte
		if fromTail {
			v = it.prev()
		} else {
			v = it.next()
		}
		if string(v) == string(ele) {
			matches++
			match = index
			if fromTail {
				match = int64(l.n) - index - 1
			}
			if matches >= opt.rank {
				if !withCount {
					break
				}
				found++
				c.W.Int(match)
				if opt.count != 0 && matches-opt.rank+1 >= opt.count {
					break
				}
			}
		}
		index++
		match = -1
	}
	switch {
	case withCount:
		listInsertArrayLen(c, mark, int(found))
	case match != -1:
		c.W.Int(match)
	default:
		c.W.Null()
	}
}

// listInsertArrayLen inserts an array header for n elements at c.W.Buf[mark],
// before the elements already written there.
func listInsertArrayLen(c *Ctx, mark, n int) {
	var tmp [listReplyArrayMax]byte
	hdr := proto.AppendArrayLen(tmp[:0], n)
	end := len(c.W.Buf)
	c.W.Buf = append(c.W.Buf, hdr...)
	copy(c.W.Buf[mark+len(hdr):], c.W.Buf[mark:end])
	copy(c.W.Buf[mark:], hdr)
}
