package db

// The blocking commands. Each first tries to serve as its non-blocking
// sibling would; finding nothing, it asks to block (Ctx.block) and writes no
// reply. The dispatcher parks the client and, when one of the keys is
// created, runs the command again on its behalf with Ctx.Retrying set: then
// a key of another type is passed over instead of answered WRONGTYPE (Redis
// leaves such a client blocked), and finding nothing again leaves it
// waiting. Inside a transaction a blocking command cannot block and answers
// as a timeout would, as Redis does.

// BlockingCommands are the blocking list and sorted set commands.
var BlockingCommands = []Command{
	{Name: "blmove", Arity: 6, Flags: Write | DenyOOM | NoScript | Blocking, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Since: "6.2.0", Summary: "Pop an element from a list, push it to another list and return it; or block until one is available", Run: cmdBlmove},
	{Name: "blmpop", Arity: -5, Flags: Write | Blocking | MovableKeys, Keys: MpopKeys(2), Group: "list", Since: "7.0.0", Summary: "Pop elements from a list, or block until one is available", Run: cmdBlmpop},
	{Name: "blpop", Arity: -3, Flags: Write | NoScript | Blocking, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Since: "2.0.0", Summary: "Remove and get the first element in a list, or block until one is available", Run: cmdBlpop},
	{Name: "brpop", Arity: -3, Flags: Write | NoScript | Blocking, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Since: "2.0.0", Summary: "Remove and get the last element in a list, or block until one is available", Run: cmdBrpop},
	{Name: "brpoplpush", Arity: 4, Flags: Write | DenyOOM | NoScript | Blocking, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Since: "2.2.0", Summary: "Pop an element from a list, push it to another list and return it; or block until one is available", Run: cmdBrpoplpush},
	{Name: "bzmpop", Arity: -5, Flags: Write | Blocking | MovableKeys, Keys: MpopKeys(2), Group: "sorted_set", Since: "7.0.0", Summary: "Remove and return members with scores in a sorted set or block until one is available", Run: cmdBzmpop},
	{Name: "bzpopmax", Arity: -3, Flags: Write | NoScript | Blocking | Fast, FirstKey: 1, LastKey: -2, Step: 1, Group: "sorted_set", Since: "5.0.0", Summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", Run: cmdBzpopmax},
	{Name: "bzpopmin", Arity: -3, Flags: Write | NoScript | Blocking | Fast, FirstKey: 1, LastKey: -2, Step: 1, Group: "sorted_set", Since: "5.0.0", Summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", Run: cmdBzpopmin},
}

// readyKind reports whether key holds a value of type t that can serve a
// pop. A key of another type replies WRONGTYPE and ends the command (ok
// false), except on a retry, where it is simply not ready.
func readyKind(c *Ctx, key []byte, t Type) (ready, ok bool) {
	o := c.DB.lookupWrite(c, key)
	switch {
	case o == nil:
		return false, true
	case o.typ == t:
		return true, true
	case c.Retrying:
		return false, true
	}
	c.W.Error(msgWrongType)
	return false, false
}

// readyList is readyKind for lists.
func readyList(c *Ctx, key []byte) (ready, ok bool) { return readyKind(c, key, TypeList) }

// BLPOP key [key ...] timeout
func cmdBlpop(c *Ctx, argv [][]byte) { blockingPop(c, argv, true /* left */) }

// BRPOP key [key ...] timeout
func cmdBrpop(c *Ctx, argv [][]byte) { blockingPop(c, argv, false /* left */) }

func blockingPop(c *Ctx, argv [][]byte, left bool) {
	deadline, ok := parseTimeout(c, argv[len(argv)-1])
	if !ok {
		return
	}
	keys := argv[1 : len(argv)-1]
	for _, key := range keys {
		ready, ok := readyList(c, key)
		if !ok {
			return
		}
		if ready {
			ServeListPop(c, key, left, 0)
			return
		}
	}
	if !c.block(keys, deadline, true /* nullArray */) {
		c.W.NullArray()
	}
}

// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
func cmdBlmpop(c *Ctx, argv [][]byte) {
	deadline, ok := parseTimeout(c, argv[1])
	if !ok {
		return
	}
	a, ok := ParseListMpop(c, argv, 2)
	if !ok {
		return
	}
	for _, key := range a.Keys {
		ready, ok := readyList(c, key)
		if !ok {
			return
		}
		if ready {
			ServeListPop(c, key, a.Left, a.Count)
			return
		}
	}
	if !c.block(a.Keys, deadline, true /* nullArray */) {
		c.W.NullArray()
	}
}

// BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout
func cmdBlmove(c *Ctx, argv [][]byte) {
	from, ok := listWhere(c, argv[3])
	if !ok {
		return
	}
	to, ok := listWhere(c, argv[4])
	if !ok {
		return
	}
	blockingMove(c, argv[1], argv[2], from, to, argv[5], false /* rpoplpush */)
}

// BRPOPLPUSH source destination timeout
func cmdBrpoplpush(c *Ctx, argv [][]byte) {
	blockingMove(c, argv[1], argv[2], false /* from left */, true /* to left */, argv[3], true /* rpoplpush */)
}

func blockingMove(c *Ctx, src, dst []byte, fromLeft, toLeft bool, timeout []byte, rpoplpush bool) {
	deadline, ok := parseTimeout(c, timeout)
	if !ok {
		return
	}
	ready, ok := readyList(c, src)
	if !ok {
		return
	}
	if ready {
		// A destination of another type answers WRONGTYPE, also to a
		// client that waited, whose wait it ends, as in Redis.
		ServeListMove(c, src, dst, fromLeft, toLeft, rpoplpush)
		return
	}
	if !c.block([][]byte{src}, deadline, true /* nullArray: Redis 7.0 times out with *-1 */) {
		c.W.Null()
	}
}

// BZPOPMIN key [key ...] timeout
func cmdBzpopmin(c *Ctx, argv [][]byte) { blockingZPop(c, argv, false /* max */) }

// BZPOPMAX key [key ...] timeout
func cmdBzpopmax(c *Ctx, argv [][]byte) { blockingZPop(c, argv, true /* max */) }

func blockingZPop(c *Ctx, argv [][]byte, max bool) {
	deadline, ok := parseTimeout(c, argv[len(argv)-1])
	if !ok {
		return
	}
	keys := argv[1 : len(argv)-1]
	if !serveFirstZSet(c, keys, max, 0) {
		return
	}
	if !c.block(keys, deadline, true /* nullArray */) {
		c.W.NullArray()
	}
}

// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
func cmdBzmpop(c *Ctx, argv [][]byte) {
	// Redis reads numkeys, MIN|MAX and COUNT before the timeout here.
	a, ok := ParseZSetMpop(c, argv, 2)
	if !ok {
		return
	}
	deadline, ok := parseTimeout(c, argv[1])
	if !ok {
		return
	}
	if !serveFirstZSet(c, a.Keys, a.Max, a.Count) {
		return
	}
	if !c.block(a.Keys, deadline, true /* nullArray */) {
		c.W.NullArray()
	}
}

// serveFirstZSet pops from the first of keys that holds a sorted set. It
// returns true when nothing was replied (no key could serve), false when
// the command is over (served, or WRONGTYPE).
func serveFirstZSet(c *Ctx, keys [][]byte, max bool, count int64) bool {
	for _, key := range keys {
		ready, ok := readyKind(c, key, TypeZSet)
		if !ok {
			return false
		}
		if ready {
			ServeZSetPop(c, key, max, count)
			return false
		}
	}
	return true
}
