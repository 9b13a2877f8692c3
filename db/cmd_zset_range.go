package db

import (
	"math"
	"strconv"

	"redis-fast/proto"
)

// The range commands of the sorted_set group: ZRANGE and its older forms,
// ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBY*, with the score and
// lexicographic range syntax they share.

// --- range syntax ----------------------------------------------------------

// zparseScoreRange reads min and max as Redis's zslParseRange: "(" makes a
// bound exclusive, and the rest is read by C's strtod, so leading blanks,
// hexadecimal, "inf" and out-of-range values (which become inf or 0) are
// accepted, an empty bound is 0, and the argument ends at a NUL byte.
func zparseScoreRange(min, max []byte) (zrangeSpec, bool) {
	var r zrangeSpec
	var ok1, ok2 bool
	r.min, r.minex, ok1 = zparseScoreBound(min)
	r.max, r.maxex, ok2 = zparseScoreBound(max)
	return r, ok1 && ok2
}

func zparseScoreBound(b []byte) (v float64, ex, ok bool) {
	b = cString(b)
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	v, ok = zstrtod(b)
	return v, ex, ok && !math.IsNaN(v)
}

// zstrtod converts b as C's strtod does and reports whether it used all of
// b (or b is empty, which strtod leaves unconverted at its end).
func zstrtod(b []byte) (float64, bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	j := i
	if j < len(b) && (b[j] == '+' || b[j] == '-') {
		j++
	}
	end, hex := zstrtodScan(b, j)
	switch {
	case end < 0:
		return 0, len(b) == 0
	case end != len(b):
		return 0, false
	}
	num := string(b[i:end])
	if hex && !hasBinaryExponent(num) {
		num += "p0"
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func hasBinaryExponent(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 'p' || s[i] == 'P' {
			return true
		}
	}
	return false
}

// zstrtodScan returns where the number that starts at b[j] (after any
// sign) ends, as strtod finds it, -1 when there is none, and whether it is
// hexadecimal. "nan" counts as no number: Redis refuses it anyway.
func zstrtodScan(b []byte, j int) (end int, hex bool) {
	rest := b[j:]
	switch {
	case hasPrefixFold(rest, "INFINITY"):
		return j + 8, false
	case hasPrefixFold(rest, "INF"):
		return j + 3, false
	case len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'):
		k := j + 2
		digits := 0
		for ; k < len(b) && isHexDigit(b[k]); k++ {
			digits++
		}
		if k < len(b) && b[k] == '.' {
			k++
			for ; k < len(b) && isHexDigit(b[k]); k++ {
				digits++
			}
		}
		if digits == 0 {
			return j + 1, false // just the 0
		}
		return zstrtodExponent(b, k, 'p'), true
	}
	k, digits := j, 0
	for ; k < len(b) && isDigit(b[k]); k++ {
		digits++
	}
	if k < len(b) && b[k] == '.' {
		k++
		for ; k < len(b) && isDigit(b[k]); k++ {
			digits++
		}
	}
	if digits == 0 {
		return -1, false
	}
	return zstrtodExponent(b, k, 'e'), false
}

// zstrtodExponent returns where an exponent marked e (or its upper case)
// at b[k] ends: it counts only when digits follow it, after a sign.
func zstrtodExponent(b []byte, k int, e byte) int {
	if k >= len(b) || b[k]|0x20 != e {
		return k
	}
	d := k + 1
	if d < len(b) && (b[d] == '+' || b[d] == '-') {
		d++
	}
	if d >= len(b) || !isDigit(b[d]) {
		return k
	}
	for d < len(b) && isDigit(b[d]) {
		d++
	}
	return d
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// hasPrefixFold reports whether b starts with the upper-case word, in any
// case.
func hasPrefixFold(b []byte, word string) bool {
	return len(b) >= len(word) && proto.EqualFold(b[:len(word)], word)
}

// zparseLexRange reads min and max as Redis's zslParseLexRange: "[" and
// "(" open an inclusive and an exclusive bound, "-" and "+" alone are the
// lowest and highest. The members alias the arguments.
func zparseLexRange(min, max []byte) (zlexSpec, bool) {
	var r zlexSpec
	var ok1, ok2 bool
	r.min, r.minInf, r.minex, ok1 = zparseLexBound(min)
	r.max, r.maxInf, r.maxex, ok2 = zparseLexBound(max)
	return r, ok1 && ok2
}

func zparseLexBound(b []byte) (m []byte, inf int, ex, ok bool) {
	if len(b) == 0 {
		return nil, 0, false, false
	}
	alone := len(b) == 1 || b[1] == 0 // C sees a NUL as the end
	switch b[0] {
	case '+':
		return nil, 1, true, alone
	case '-':
		return nil, -1, true, alone
	case '(':
		return b[1:], 0, true, true
	case '[':
		return b[1:], 0, false, true
	}
	return nil, 0, false, false
}

// --- ZRANGE and its forms ----------------------------------------------------

type zrangeKind uint8

const (
	zrankRange zrangeKind = iota
	zscoreRange
	zlexRange
)

// zrangeReq is a parsed range request.
type zrangeReq struct {
	kind          zrangeKind
	rev           bool
	withScores    bool
	offset, limit int64 // limit -1: no limit
	start, end    int64
	score         zrangeSpec
	lex           zlexSpec
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count]
// [WITHSCORES]
func cmdZrange(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, nil, -1, -1) }

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
func cmdZrangestore(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 2, argv[1], -1, -1) }

// ZREVRANGE key start stop [WITHSCORES]
func cmdZrevrange(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, nil, int(zrankRange), 1) }

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
func cmdZrangebyscore(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, nil, int(zscoreRange), 0) }

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
func cmdZrevrangebyscore(c *Ctx, argv [][]byte) {
	zrangeGeneric(c, argv, 1, nil, int(zscoreRange), 1)
}

// ZRANGEBYLEX key min max [LIMIT offset count]
func cmdZrangebylex(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, nil, int(zlexRange), 0) }

// ZREVRANGEBYLEX key max min [LIMIT offset count]
func cmdZrevrangebylex(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, nil, int(zlexRange), 1) }

// zrangeGeneric is Redis's zrangeGenericCommand: argv[src] is the source
// key, followed by the two bounds and the options. kind and dir (0 forward,
// 1 reverse) are -1 when the options choose them (ZRANGE, ZRANGESTORE).
// With dst it stores the range there (ZRANGESTORE) instead of replying it.
func zrangeGeneric(c *Ctx, argv [][]byte, src int, dst []byte, kind, dir int) {
	q, ok := zparseRangeReq(c, argv, src, dst != nil, kind, dir)
	if !ok {
		return
	}
	var o *Object
	if dst != nil {
		o = lookupSource(c, argv[src])
	} else {
		o = c.DB.lookup(c, argv[src])
	}
	switch {
	case o != nil && o.typ != TypeZSet:
		c.W.Error(msgWrongType)
	case dst != nil:
		zrangeStore(c, dst, o, &q)
	case o == nil:
		c.W.ArrayLen(0)
	default:
		zrangeReply(c, (*ZSet)(o.p), &q)
	}
}

// zparseRangeReq parses the options, then the bounds, in Redis's order,
// replying with the error of the first bad token.
func zparseRangeReq(c *Ctx, argv [][]byte, src int, store bool, kind, dir int) (zrangeReq, bool) {
	q := zrangeReq{limit: -1}
	for j := src + 3; j < len(argv); j++ {
		a, left := argv[j], len(argv)-j-1
		switch {
		case !store && isOpt(a, "WITHSCORES"):
			q.withScores = true
		case isOpt(a, "LIMIT") && left >= 2:
			var ok bool
			if q.offset, ok = proto.ParseInt(argv[j+1]); ok {
				q.limit, ok = proto.ParseInt(argv[j+2])
			}
			if !ok {
				c.W.Error(msgNotInteger)
				return q, false
			}
			j += 2
		case dir < 0 && isOpt(a, "REV"):
			dir = 1
		case kind < 0 && isOpt(a, "BYLEX"):
			kind = int(zlexRange)
		case kind < 0 && isOpt(a, "BYSCORE"):
			kind = int(zscoreRange)
		default:
			c.W.Error(msgSyntax)
			return q, false
		}
	}
	q.kind, q.rev = zrangeKind(max(kind, 0)), dir == 1
	switch {
	case q.limit != -1 && q.kind == zrankRange:
		c.W.Error(msgZsetLimitRank)
		return q, false
	case q.withScores && q.kind == zlexRange:
		c.W.Error(msgZsetLexScores)
		return q, false
	}
	lo, hi := argv[src+1], argv[src+2]
	if q.rev && q.kind != zrankRange {
		lo, hi = hi, lo
	}
	ok := true
	switch q.kind {
	case zrankRange:
		if q.start, ok = proto.ParseInt(lo); ok {
			q.end, ok = proto.ParseInt(hi)
		}
		if !ok {
			c.W.Error(msgNotInteger)
		}
	case zscoreRange:
		if q.score, ok = zparseScoreRange(lo, hi); !ok {
			c.W.Error(msgZsetNotFloatRange)
		}
	case zlexRange:
		if q.lex, ok = zparseLexRange(lo, hi); !ok {
			c.W.Error(msgZsetLexRange)
		}
	}
	return q, ok
}

// zrangeReply writes the elements of the range.
func zrangeReply(c *Ctx, z *ZSet, q *zrangeReq) {
	n := zrangeWalk(z, q, nil)
	if q.withScores && !c.W.RESP3 {
		c.W.ArrayLen(2 * n)
	} else {
		c.W.ArrayLen(n)
	}
	if n == 0 {
		return
	}
	zrangeWalk(z, q, func(m []byte, s float64) {
		if q.withScores && c.W.RESP3 {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(m)
		if q.withScores {
			zreplyScore(c.W, s)
		}
	})
}

// zrangeStore stores the range of the sorted set in o (nil: missing) at
// dst, adding element by element as Redis's ZRANGESTORE does: to a new
// skiplist when a range of ranks is known to be longer than the listpack
// limit, else to a new listpack, which converts once it no longer fits
// (the difference shows: a listpack keeps a -0 score as 0). An empty range
// deletes dst.
func zrangeStore(c *Ctx, dst []byte, o *Object, q *zrangeReq) {
	out := &ZSet{}
	if o != nil {
		z, lim := (*ZSet)(o.p), zsetLimits(c)
		if q.kind == zrankRange {
			if n := zrankWalk(z, q, nil); n > lim.entries {
				out.big = newZbig(n)
			}
		}
		zrangeWalk(z, q, func(m []byte, s float64) { out.insertNew(m, s, lim) })
	}
	zstoreResult(c, dst, out, "zrangestore")
}

// zstoreResult ends a command that stores a sorted set: a non-empty out
// replaces dst (and fires event), an empty one deletes it; the reply is the
// size stored, and a change is logged as the command came.
func zstoreResult(c *Ctx, dst []byte, out *ZSet, event string) {
	if out.Len() > 0 {
		storeZSet(c, dst, out)
		c.W.Int(int64(out.Len()))
		c.Notify(NotifyZSet, event, dst)
		c.Changed()
		return
	}
	c.W.Int(0)
	if c.DB.deleteKey(c, dst) {
		c.Notify(NotifyGeneric, "del", dst)
		c.Changed()
	}
}

// zrangeWalk calls fn (when not nil) for the elements of the range, in
// reply order, and returns how many there are.
func zrangeWalk(z *ZSet, q *zrangeReq, fn func(m []byte, s float64)) int {
	if q.kind == zrankRange {
		return zrankWalk(z, q, fn)
	}
	var p zpos
	var r int
	var ok bool
	switch {
	case q.kind == zscoreRange && !q.rev:
		p, r, ok = z.firstInRange(&q.score)
	case q.kind == zscoreRange:
		p, r, ok = z.lastInRange(&q.score)
	case !q.rev:
		p, r, ok = z.firstInLex(&q.lex)
	default:
		p, r, ok = z.lastInLex(&q.lex)
	}
	if !ok || q.offset < 0 {
		return 0 // Redis walks a negative offset off the end
	}
	if q.rev {
		if int64(r) < q.offset {
			return 0
		}
		p = zskip(z, p, r, -int(q.offset))
	} else {
		if q.offset >= int64(z.Len()-r) {
			return 0
		}
		p = zskip(z, p, r, int(q.offset))
	}
	n := 0
	for lim := q.limit; p.valid() && lim != 0; lim-- {
		m, s := p.member(), p.score()
		switch {
		case q.kind == zscoreRange && !q.rev && !q.score.lteMax(s),
			q.kind == zscoreRange && q.rev && !q.score.gteMin(s),
			q.kind == zlexRange && !q.rev && !q.lex.lteMax(m),
			q.kind == zlexRange && q.rev && !q.lex.gteMin(m):
			return n
		}
		if fn != nil {
			fn(m, s)
		}
		n++
		if q.rev {
			p.prev()
		} else {
			p.next()
		}
	}
	return n
}

// zskip moves p, of rank r, by k elements (backwards when k < 0): through
// the tree in a skiplist, step by step in a listpack.
func zskip(z *ZSet, p zpos, r, k int) zpos {
	if z.big != nil && k != 0 {
		return z.at(r + k)
	}
	for ; k > 0; k-- {
		p.next()
	}
	for ; k < 0; k++ {
		p.prev()
	}
	return p
}

// zrankWalk is zrangeWalk for a range of ranks, which Redis clamps to the
// set: negative ranks count from the end.
func zrankWalk(z *ZSet, q *zrangeReq, fn func(m []byte, s float64)) int {
	start, n := zclampRanks(q.start, q.end, int64(z.Len()))
	if n == 0 || fn == nil {
		return n
	}
	if q.rev {
		p := z.at(z.Len() - 1 - int(start))
		for k := 0; k < n; k++ {
			fn(p.member(), p.score())
			p.prev()
		}
		return n
	}
	p := z.at(int(start))
	for k := 0; k < n; k++ {
		fn(p.member(), p.score())
		p.next()
	}
	return n
}

// zclampRanks applies Redis's index rules to start..end over llen elements
// and returns the clamped start and the length (0: empty).
func zclampRanks(start, end, llen int64) (int64, int) {
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		return 0, 0
	}
	if end >= llen {
		end = llen - 1
	}
	return start, int(end - start + 1)
}

// --- ZCOUNT, ZLEXCOUNT -----------------------------------------------------

// ZCOUNT key min max
func cmdZcount(c *Ctx, argv [][]byte) {
	rg, ok := zparseScoreRange(argv[2], argv[3])
	if !ok {
		c.W.Error(msgZsetNotFloatRange)
		return
	}
	z, ok := zsetRead(c, argv[1])
	switch {
	case !ok:
		return
	case z == nil:
		c.W.Int(0)
		return
	}
	_, first, found := z.firstInRange(&rg)
	if !found {
		c.W.Int(0)
		return
	}
	_, last, _ := z.lastInRange(&rg)
	c.W.Int(int64(last - first + 1))
}

// ZLEXCOUNT key min max
func cmdZlexcount(c *Ctx, argv [][]byte) {
	rg, ok := zparseLexRange(argv[2], argv[3])
	if !ok {
		c.W.Error(msgZsetLexRange)
		return
	}
	z, ok := zsetRead(c, argv[1])
	switch {
	case !ok:
		return
	case z == nil:
		c.W.Int(0)
		return
	}
	p, first, found := z.firstInLex(&rg)
	switch {
	case !found:
		c.W.Int(0)
	case z.big != nil:
		_, last, _ := z.lastInLex(&rg)
		c.W.Int(int64(last - first + 1))
	default: // a listpack is walked, as Redis walks it
		n := 0
		for ; p.valid() && rg.lteMax(p.member()); p.next() {
			n++
		}
		c.W.Int(int64(n))
	}
}

// --- ZREMRANGEBY* ----------------------------------------------------------

// ZREMRANGEBYRANK key start stop
func cmdZremrangebyrank(c *Ctx, argv [][]byte) {
	start, ok := proto.ParseInt(argv[2])
	var end int64
	if ok {
		end, ok = proto.ParseInt(argv[3])
	}
	if !ok {
		c.W.Error(msgNotInteger)
		return
	}
	zremRange(c, argv[1], "zremrangebyrank", func(z *ZSet) (int, int) {
		first, n := zclampRanks(start, end, int64(z.Len()))
		return int(first), n
	})
}

// ZREMRANGEBYSCORE key min max
func cmdZremrangebyscore(c *Ctx, argv [][]byte) {
	rg, ok := zparseScoreRange(argv[2], argv[3])
	if !ok {
		c.W.Error(msgZsetNotFloatRange)
		return
	}
	zremRange(c, argv[1], "zremrangebyscore", func(z *ZSet) (int, int) {
		p, first, found := z.firstInRange(&rg)
		n := 0
		for ; found && p.valid() && rg.lteMax(p.score()); p.next() {
			n++
		}
		return first, n
	})
}

// ZREMRANGEBYLEX key min max
func cmdZremrangebylex(c *Ctx, argv [][]byte) {
	rg, ok := zparseLexRange(argv[2], argv[3])
	if !ok {
		c.W.Error(msgZsetLexRange)
		return
	}
	zremRange(c, argv[1], "zremrangebylex", func(z *ZSet) (int, int) {
		p, first, found := z.firstInLex(&rg)
		n := 0
		for ; found && p.valid() && rg.lteMax(p.member()); p.next() {
			n++
		}
		return first, n
	})
}

// zremRange removes from the sorted set at key the elements that span
// finds (n from rank first on), deleting the key when none is left, and
// fires event (and del).
func zremRange(c *Ctx, key []byte, event string, span func(z *ZSet) (first, n int)) {
	z, ok := zsetWrite(c, key)
	switch {
	case !ok:
		return
	case z == nil:
		c.W.Int(0)
		return
	}
	first, n := span(z)
	if n > 0 {
		z.removeRange(first, n)
		c.Notify(NotifyZSet, event, key)
		if z.Len() == 0 {
			c.DB.removeEmpty(key)
			c.Notify(NotifyGeneric, "del", key)
		}
		c.changedBy(n)
	}
	c.W.Int(int64(n))
}
