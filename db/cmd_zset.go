package db

import (
	"math"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"redis-fast/proto"
)

// ZSetCommands are the commands of Redis's sorted_set group (the blocking
// ones, BZPOPMIN BZPOPMAX BZMPOP, live with the server, on top of
// ServeZSetPop and ParseZSetMpop).
var ZSetCommands = []Command{
	{Name: "zadd", Arity: -4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Add one or more members to a sorted set, or update its score if it already exists", Run: cmdZadd},
	{Name: "zcard", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Get the number of members in a sorted set", Run: cmdZcard},
	{Name: "zcount", Arity: 4, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.0.0", Summary: "Count the members in a sorted set with scores within the given values", Run: cmdZcount},
	{Name: "zdiff", Arity: -3, Flags: ReadOnly | MovableKeys, Keys: zsetopKeys, Group: "sorted_set", Since: "6.2.0", Summary: "Subtract multiple sorted sets", Run: cmdZdiff},
	{Name: "zdiffstore", Arity: -4, Flags: Write | DenyOOM | MovableKeys, FirstKey: 1, LastKey: 1, Step: 1, Keys: zsetopStoreKeys, Group: "sorted_set", Since: "6.2.0", Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", Run: cmdZdiffstore},
	{Name: "zincrby", Arity: 4, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Increment the score of a member in a sorted set", Run: cmdZincrby},
	{Name: "zinter", Arity: -3, Flags: ReadOnly | MovableKeys, Keys: zsetopKeys, Group: "sorted_set", Since: "6.2.0", Summary: "Intersect multiple sorted sets", Run: cmdZinter},
	{Name: "zintercard", Arity: -3, Flags: ReadOnly | MovableKeys, Keys: zsetopKeys, Group: "sorted_set", Since: "7.0.0", Summary: "Intersect multiple sorted sets and return the cardinality of the result", Run: cmdZintercard},
	{Name: "zinterstore", Arity: -4, Flags: Write | DenyOOM | MovableKeys, FirstKey: 1, LastKey: 1, Step: 1, Keys: zsetopStoreKeys, Group: "sorted_set", Since: "2.0.0", Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", Run: cmdZinterstore},
	{Name: "zlexcount", Arity: 4, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.8.9", Summary: "Count the number of members in a sorted set between a given lexicographical range", Run: cmdZlexcount},
	{Name: "zmpop", Arity: -4, Flags: Write | MovableKeys, Keys: MpopKeys(1), Group: "sorted_set", Since: "7.0.0", Summary: "Remove and return members with scores in a sorted set", Run: cmdZmpop},
	{Name: "zmscore", Arity: -3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "6.2.0", Summary: "Get the score associated with the given members in a sorted set", Run: cmdZmscore},
	{Name: "zpopmax", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "5.0.0", Summary: "Remove and return members with the highest scores in a sorted set", Run: cmdZpopmax},
	{Name: "zpopmin", Arity: -2, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "5.0.0", Summary: "Remove and return members with the lowest scores in a sorted set", Run: cmdZpopmin},
	{Name: "zrandmember", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "6.2.0", Summary: "Get one or multiple random elements from a sorted set", Run: cmdZrandmember},
	{Name: "zrange", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Return a range of members in a sorted set", Run: cmdZrange},
	{Name: "zrangebylex", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.8.9", Summary: "Return a range of members in a sorted set, by lexicographical range", Run: cmdZrangebylex},
	{Name: "zrangebyscore", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.0.5", Summary: "Return a range of members in a sorted set, by score", Run: cmdZrangebyscore},
	{Name: "zrangestore", Arity: -5, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "sorted_set", Since: "6.2.0", Summary: "Store a range of members from sorted set into another key", Run: cmdZrangestore},
	{Name: "zrank", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.0.0", Summary: "Determine the index of a member in a sorted set", Run: cmdZrank},
	{Name: "zrem", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Remove one or more members from a sorted set", Run: cmdZrem},
	{Name: "zremrangebylex", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.8.9", Summary: "Remove all members in a sorted set between the given lexicographical range", Run: cmdZremrangebylex},
	{Name: "zremrangebyrank", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.0.0", Summary: "Remove all members in a sorted set within the given indexes", Run: cmdZremrangebyrank},
	{Name: "zremrangebyscore", Arity: 4, Flags: Write, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Remove all members in a sorted set within the given scores", Run: cmdZremrangebyscore},
	{Name: "zrevrange", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", Run: cmdZrevrange},
	{Name: "zrevrangebylex", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.8.9", Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", Run: cmdZrevrangebylex},
	{Name: "zrevrangebyscore", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.2.0", Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", Run: cmdZrevrangebyscore},
	{Name: "zrevrank", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.0.0", Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", Run: cmdZrevrank},
	{Name: "zscan", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "2.8.0", Summary: "Incrementally iterate sorted sets elements and associated scores", Run: cmdZscan},
	{Name: "zscore", Arity: 3, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted_set", Since: "1.2.0", Summary: "Get the score associated with the given member in a sorted set", Run: cmdZscore},
	{Name: "zunion", Arity: -3, Flags: ReadOnly | MovableKeys, Keys: zsetopKeys, Group: "sorted_set", Since: "6.2.0", Summary: "Add multiple sorted sets", Run: cmdZunion},
	{Name: "zunionstore", Arity: -4, Flags: Write | DenyOOM | MovableKeys, FirstKey: 1, LastKey: 1, Step: 1, Keys: zsetopStoreKeys, Group: "sorted_set", Since: "2.0.0", Summary: "Add multiple sorted sets and store the resulting sorted set in a new key", Run: cmdZunionstore},
}

// Reply texts of the sorted_set group, byte for byte as Redis 7.0 sends
// them.
const (
	msgZsetNaN           = "ERR resulting score is not a number (NaN)"
	msgZsetXXNX          = "ERR XX and NX options at the same time are not compatible"
	msgZsetGTLTNX        = "ERR GT, LT, and/or NX options at the same time are not compatible"
	msgZsetIncrPair      = "ERR INCR option supports a single increment-element pair"
	msgZsetNotFloatRange = "ERR min or max is not a float"
	msgZsetLexRange      = "ERR min or max not valid string range item"
	msgZsetPositive      = "ERR value is out of range, must be positive"
	msgZsetNumkeys       = "ERR numkeys should be greater than 0"
	msgZsetCount         = "ERR count should be greater than 0"
	msgZsetRandRange     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	msgZsetRandScores    = "ERR value is out of range"
	msgZsetWeight        = "ERR weight value is not a float"
	msgZsetLimitNeg      = "ERR LIMIT can't be negative"
	msgZsetLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	msgZsetLexScores     = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
)

// msgZsetNoKeys is the reply to a numkeys under 1 for the set operations.
func msgZsetNoKeys(name string) string {
	return "ERR at least 1 input key is needed for '" + name + "' command"
}

// zsetWrite returns key's sorted set for changing it: nil and true when the
// key is missing, false after replying WRONGTYPE.
func zsetWrite(c *Ctx, key []byte) (*ZSet, bool) {
	o, ok := c.DB.lookupKindWrite(c, key, TypeZSet)
	if o == nil {
		return nil, ok
	}
	return (*ZSet)(o.p), true
}

// zsetRead returns key's sorted set for reading, as zsetWrite.
func zsetRead(c *Ctx, key []byte) (*ZSet, bool) {
	o, ok := c.DB.lookupKind(c, key, TypeZSet)
	if o == nil {
		return nil, ok
	}
	return (*ZSet)(o.p), true
}

// lookupSource looks up a key a write command reads (ZRANGESTORE's source,
// the inputs of ZUNIONSTORE): it counts a hit or a miss, as Redis's
// lookupKeyRead does, and deletes an expired key at once, as that does on a
// master, so its DEL is logged before the command.
func lookupSource(c *Ctx, key []byte) *Object {
	o := c.DB.lookupWrite(c, key)
	if o == nil {
		c.miss(key)
	} else {
		c.Stats.Hits.Add(1)
	}
	return o
}

// storeZSet makes z the value of dst, replacing whatever dst held (its
// expiry included), as Redis's setKey.
func storeZSet(c *Ctx, dst []byte, z *ZSet) {
	existed := c.DB.lookupWrite(c, dst) != nil
	if existed {
		c.DB.remove(dst)
	}
	c.DB.storeContainer(c, dst, TypeZSet, unsafe.Pointer(z), existed)
}

// zreplyScore writes a score as c.W.Double does (Redis 7.0's %.17g), but
// prints an integral one, the common case, without the float formatter:
// below 1e17 in magnitude %.17g writes such a score's digits exactly.
func zreplyScore(w *proto.Writer, s float64) {
	if s != math.Trunc(s) || s <= -1e17 || s >= 1e17 || s == 0 && math.Signbit(s) {
		w.Double(s)
		return
	}
	var num [24]byte
	d := strconv.AppendInt(num[:0], int64(s), 10)
	if !w.RESP3 {
		w.Bulk(d)
		return
	}
	w.Buf = append(w.Buf, ',')
	w.Buf = append(w.Buf, d...)
	w.Buf = append(w.Buf, '\r', '\n')
}

// changedBy logs the command as it came and counts n changes.
func (c *Ctx) changedBy(n int) {
	c.Stats.Dirty.Add(int64(n - 1))
	c.Changed()
}

// --- ZADD, ZINCRBY ---------------------------------------------------------

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
func cmdZadd(c *Ctx, argv [][]byte) { zaddGeneric(c, argv, 0) }

// ZINCRBY key increment member
func cmdZincrby(c *Ctx, argv [][]byte) { zaddGeneric(c, argv, zaddIncr) }

// zaddGeneric is ZADD and ZINCRBY, which Redis parses alike: ZINCRBY too
// takes a leading NX, XX, ... as an option.
func zaddGeneric(c *Ctx, argv [][]byte, flags int) {
	idx, ch := 2, false
	for ; idx < len(argv); idx++ {
		a := argv[idx]
		switch {
		case isOpt(a, "NX"):
			flags |= zaddNX
		case isOpt(a, "XX"):
			flags |= zaddXX
		case isOpt(a, "CH"):
			ch = true
		case isOpt(a, "INCR"):
			flags |= zaddIncr
		case isOpt(a, "GT"):
			flags |= zaddGT
		case isOpt(a, "LT"):
			flags |= zaddLT
		default:
			goto parsed
		}
	}
parsed:
	pairs := len(argv) - idx
	nx, gt, lt := flags&zaddNX != 0, flags&zaddGT != 0, flags&zaddLT != 0
	switch {
	case pairs%2 != 0 || pairs == 0:
		c.W.Error(msgSyntax)
		return
	case nx && flags&zaddXX != 0:
		c.W.Error(msgZsetXXNX)
		return
	case gt && nx || lt && nx || gt && lt:
		c.W.Error(msgZsetGTLTNX)
		return
	case flags&zaddIncr != 0 && pairs > 2:
		c.W.Error(msgZsetIncrPair)
		return
	}
	for i := idx; i < len(argv); i += 2 {
		if _, ok := proto.ParseFloat(argv[i]); !ok {
			c.W.Error(msgNotFloat)
			return
		}
	}
	zaddApply(c, argv, idx, flags, ch)
}

// zaddApply runs ZADD on the pairs from argv[idx] on, which parsed.
func zaddApply(c *Ctx, argv [][]byte, idx, flags int, ch bool) {
	key := argv[1]
	z, ok := zsetWrite(c, key)
	if !ok {
		return
	}
	incr := flags&zaddIncr != 0
	var added, updated, processed int
	var score float64
	if z == nil && flags&zaddXX == 0 {
		z = &ZSet{}
		c.DB.createContainer(c, key, TypeZSet, unsafe.Pointer(z))
	}
	if z != nil {
		lim := zsetLimits(c)
		for i := idx; i < len(argv); i += 2 {
			s, _ := proto.ParseFloat(argv[i])
			out, ns := z.zadd(argv[i+1], s, flags, lim)
			if out&zaddNaN != 0 {
				c.W.Error(msgZsetNaN)
				return
			}
			switch {
			case out&zaddAdded != 0:
				added++
			case out&zaddUpdated != 0:
				updated++
			}
			if out&zaddNop == 0 {
				processed++
			}
			score = ns
		}
	}
	if added+updated > 0 {
		c.changedBy(added + updated)
	}
	switch {
	case incr && processed > 0:
		zreplyScore(c.W, score)
	case incr:
		c.W.Null()
	case ch:
		c.W.Int(int64(added + updated))
	default:
		c.W.Int(int64(added))
	}
	switch {
	case added+updated == 0:
	case incr:
		c.Notify(NotifyZSet, "zincr", key)
	default:
		c.Notify(NotifyZSet, "zadd", key)
	}
}

// --- single-element reads and ZREM -----------------------------------------

// ZREM key member [member ...]
func cmdZrem(c *Ctx, argv [][]byte) {
	z, ok := zsetWrite(c, argv[1])
	if !ok {
		return
	}
	deleted, removed := 0, false
	if z != nil {
		for _, m := range argv[2:] {
			if z.remove(m) {
				deleted++
			}
			if z.Len() == 0 {
				c.DB.removeEmpty(argv[1])
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		c.Notify(NotifyZSet, "zrem", argv[1])
		c.changedBy(deleted)
	}
	if removed {
		c.Notify(NotifyGeneric, "del", argv[1])
	}
	c.W.Int(int64(deleted))
}

// ZCARD key
func cmdZcard(c *Ctx, argv [][]byte) {
	z, ok := zsetRead(c, argv[1])
	switch {
	case !ok:
	case z == nil:
		c.W.Int(0)
	default:
		c.W.Int(int64(z.Len()))
	}
}

// ZSCORE key member
func cmdZscore(c *Ctx, argv [][]byte) {
	z, ok := zsetRead(c, argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if s, found := z.score(argv[2]); found {
		zreplyScore(c.W, s)
		return
	}
	c.W.Null()
}

// ZMSCORE key member [member ...]
func cmdZmscore(c *Ctx, argv [][]byte) {
	z, ok := zsetRead(c, argv[1])
	if !ok {
		return
	}
	c.W.ArrayLen(len(argv) - 2)
	for _, m := range argv[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.score(m)
		}
		if found {
			zreplyScore(c.W, s)
		} else {
			c.W.Null()
		}
	}
}

// ZRANK key member
func cmdZrank(c *Ctx, argv [][]byte) { zrankGeneric(c, argv, false) }

// ZREVRANK key member
func cmdZrevrank(c *Ctx, argv [][]byte) { zrankGeneric(c, argv, true) }

func zrankGeneric(c *Ctx, argv [][]byte, rev bool) {
	z, ok := zsetRead(c, argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	r, found := z.rank(argv[2])
	switch {
	case !found:
		c.W.Null()
	case rev:
		c.W.Int(int64(z.Len() - 1 - r))
	default:
		c.W.Int(int64(r))
	}
}

// --- ZRANDMEMBER -----------------------------------------------------------

// ZRANDMEMBER key [count [WITHSCORES]]
func cmdZrandmember(c *Ctx, argv [][]byte) {
	if len(argv) >= 3 {
		l, ok := proto.ParseInt(argv[2])
		switch {
		case !ok:
			c.W.Error(msgNotInteger)
			return
		case l == math.MinInt64:
			c.W.Error(msgZsetRandRange)
			return
		case len(argv) > 4 || len(argv) == 4 && !isOpt(argv[3], "WITHSCORES"):
			c.W.Error(msgSyntax)
			return
		case len(argv) == 4 && (l < -math.MaxInt64/2 || l > math.MaxInt64/2):
			c.W.Error(msgZsetRandScores)
			return
		}
		zrandWithCount(c, argv[1], l, len(argv) == 4)
		return
	}
	z, ok := zsetRead(c, argv[1])
	switch {
	case !ok:
	case z == nil:
		c.W.Null()
	default:
		c.W.Bulk(z.at(z.randomRank()).member())
	}
}

// zrandWithCount is ZRANDMEMBER with a count: distinct elements for a
// positive count (all of them, from the highest, when the count covers the
// set, as Redis's iteration goes), count elements picked independently for
// a negative one.
func zrandWithCount(c *Ctx, key []byte, l int64, withScores bool) {
	z, ok := zsetRead(c, key)
	switch {
	case !ok:
		return
	case z == nil || l == 0:
		c.W.ArrayLen(0)
		return
	}
	size := int64(z.Len())
	count := l
	if l < 0 {
		count = -l
	}
	emit := func(p zpos) {
		if withScores && c.W.RESP3 {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(p.member())
		if withScores {
			zreplyScore(c.W, p.score())
		}
	}
	header := func(n int64) {
		if withScores && !c.W.RESP3 {
			n *= 2
		}
		c.W.ArrayLen(int(n))
	}
	switch {
	case l < 0 || count == 1:
		header(count)
		for ; count > 0; count-- {
			emit(z.at(z.randomRank()))
		}
	case count >= size:
		header(size)
		for p := z.last(); p.valid(); p.prev() {
			emit(p)
		}
	default:
		header(count)
		for _, r := range zrandDistinct(int(size), int(count)) {
			emit(z.at(r))
		}
	}
}

// zrandDistinct returns k distinct ranks below n, in random order.
func zrandDistinct(n, k int) []int {
	out := make([]int, 0, k)
	if k*3 > n { // a partial shuffle of all the ranks
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		for i := 0; i < k; i++ {
			j := i + rand.IntN(n-i)
			all[i], all[j] = all[j], all[i]
		}
		return append(out, all[:k]...)
	}
	seen := make(map[int]struct{}, k)
	for len(out) < k {
		r := rand.IntN(n)
		if _, dup := seen[r]; !dup {
			seen[r] = struct{}{}
			out = append(out, r)
		}
	}
	return out
}

// --- ZSCAN ---------------------------------------------------------------------

// ZSCAN key cursor [MATCH pattern] [COUNT count]
func cmdZscan(c *Ctx, argv [][]byte) {
	cursor, ok := parseCursor(argv[2])
	if !ok {
		c.W.Error(msgInvalidCursor)
		return
	}
	z, ok := zsetRead(c, argv[1])
	switch {
	case !ok:
		return
	case z == nil:
		c.W.ArrayLen(2)
		c.W.BulkString("0")
		c.W.ArrayLen(0)
		return
	}
	opt, ok := parseScanOptions(c, argv[3:], false)
	if !ok {
		return
	}
	count, pattern, match := opt.count, opt.pattern, opt.match
	var found []zpos
	var ids []int32
	if z.big == nil {
		cursor = 0
		for p := z.first(); p.valid(); p.next() {
			found = append(found, p)
		}
	} else {
		budget := int64(math.MaxInt64)
		if count <= math.MaxInt64/10 {
			budget = count * 10
		}
		collect := func(id int32) { ids = append(ids, id) }
		for {
			cursor = z.big.dict.scan(z.big, cursor, collect)
			if budget--; cursor == 0 || budget <= 0 || int64(len(ids)) >= count {
				break
			}
		}
	}
	zscanReply(c, z, cursor, found, ids, pattern, match)
}

// zscanReply writes ZSCAN's reply: the next cursor and the member and score
// of the elements found (positions in a listpack, ids in a skiplist) whose
// member matches. Scores are strings, as Redis prints them in a scan: as a
// listpack holds them (zlpScoreText), or with %.17g from a skiplist.
func zscanReply(c *Ctx, z *ZSet, cursor uint64, found []zpos, ids []int32, pattern []byte, match bool) {
	type pair struct {
		m []byte
		s float64
	}
	var keep []pair
	for _, p := range found {
		keep = append(keep, pair{p.member(), p.score()})
	}
	for _, id := range ids {
		keep = append(keep, pair{z.big.member(id), z.big.els[id].score})
	}
	if match {
		kept := keep[:0]
		for _, e := range keep {
			if Match(pattern, e.m, false /* nocase */) {
				kept = append(kept, e)
			}
		}
		keep = kept
	}
	var num [32]byte
	c.W.ArrayLen(2)
	c.W.Bulk(strconv.AppendUint(num[:0], cursor, 10))
	c.W.ArrayLen(2 * len(keep))
	for _, e := range keep {
		c.W.Bulk(e.m)
		if z.big == nil {
			c.W.Bulk(zlpScoreText(num[:0], e.s))
		} else {
			c.W.Bulk(proto.AppendFloat17(num[:0], e.s))
		}
	}
}
