package db

import (
	"sort"
	"unsafe"

	"redis-fast/proto"
)

// The set operations of the sorted_set group: ZUNION, ZINTER, ZDIFF, their
// STORE forms and ZINTERCARD, as Redis's zunionInterDiffGenericCommand does
// them. Plain sets may be inputs too, every member scoring 1.

type zsetOp uint8

const (
	zopUnion zsetOp = iota
	zopInter
	zopDiff
)

// zsetopEvents are the keyspace events of the STORE forms, by operation.
var zsetopEvents = [...]string{zopUnion: "zunionstore", zopInter: "zinterstore", zopDiff: "zdiffstore"}

type zaggregate uint8

const (
	zaggSum zaggregate = iota
	zaggMin
	zaggMax
)

// zsrc is one input: a sorted set, a set, or nothing (a missing key).
type zsrc struct {
	obj    *Object
	z      *ZSet
	set    *Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.set != nil:
		return s.set.Len()
	}
	return 0
}

// score returns m's score in the input, 1 for a set member.
func (s *zsrc) score(m []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(m)
	case s.set != nil:
		return 1, s.set.has(m)
	}
	return 0, false
}

// each calls fn for every element until it returns false. A member may be
// valid only during the call.
func (s *zsrc) each(fn func(m []byte, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.each(fn)
	case s.set != nil:
		s.set.each(func(m []byte) bool { return fn(m, 1) })
	}
}

// zres is an element of a result.
type zres struct {
	m string
	s float64
}

// zaggregateInto folds v into *target as Redis's zunionInterAggregate: a
// sum that is NaN (inf + -inf) is 0.
func zaggregateInto(target *float64, v float64, agg zaggregate) {
	switch agg {
	case zaggSum:
		*target += v
		if *target != *target {
			*target = 0
		}
	case zaggMin:
		if v < *target {
			*target = v
		}
	case zaggMax:
		if v > *target {
			*target = v
		}
	}
}

// zsetopKeys finds the keys of ZUNION, ZINTER, ZDIFF and ZINTERCARD:
// numkeys of them after numkeys. A bad numkeys gives none; the command then
// replies the error.
func zsetopKeys(dst []int, argv [][]byte) []int { return zsetNumkeys(dst, argv, 1) }

// zsetopStoreKeys finds the keys of the STORE forms: the destination, then
// numkeys inputs.
func zsetopStoreKeys(dst []int, argv [][]byte) []int {
	return zsetNumkeys(append(dst, 1), argv, 2)
}

func zsetNumkeys(dst []int, argv [][]byte, at int) []int {
	n, ok := proto.ParseInt(argv[at])
	if !ok || n < 1 || n > int64(len(argv)-at-1) {
		return dst
	}
	for i := at + 1; i <= at+int(n); i++ {
		dst = append(dst, i)
	}
	return dst
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]]
// [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
func cmdZunion(c *Ctx, argv [][]byte) { zsetopGeneric(c, argv, nil, zopUnion, false, "zunion") }

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]]
// [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
func cmdZinter(c *Ctx, argv [][]byte) { zsetopGeneric(c, argv, nil, zopInter, false, "zinter") }

// ZDIFF numkeys key [key ...] [WITHSCORES]
func cmdZdiff(c *Ctx, argv [][]byte) { zsetopGeneric(c, argv, nil, zopDiff, false, "zdiff") }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdZintercard(c *Ctx, argv [][]byte) {
	zsetopGeneric(c, argv, nil, zopInter, true, "zintercard")
}

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight
// [weight ...]] [AGGREGATE SUM | MIN | MAX]
func cmdZunionstore(c *Ctx, argv [][]byte) {
	zsetopGeneric(c, argv, argv[1], zopUnion, false, "zunionstore")
}

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight
// [weight ...]] [AGGREGATE SUM | MIN | MAX]
func cmdZinterstore(c *Ctx, argv [][]byte) {
	zsetopGeneric(c, argv, argv[1], zopInter, false, "zinterstore")
}

// ZDIFFSTORE destination numkeys key [key ...]
func cmdZdiffstore(c *Ctx, argv [][]byte) {
	zsetopGeneric(c, argv, argv[1], zopDiff, false, "zdiffstore")
}

// zsetopOpts are the options after the keys.
type zsetopOpts struct {
	agg        zaggregate
	withScores bool
	limit      int64
}

// zsetopGeneric runs a set operation: numkeys is argv[2] with a
// destination (the STORE forms), argv[1] without; card (ZINTERCARD)
// replies only the size of an intersection. name is the command's, for
// its numkeys error.
func zsetopGeneric(c *Ctx, argv [][]byte, dst []byte, op zsetOp, card bool, name string) {
	at := 1
	if dst != nil {
		at = 2
	}
	n, ok := proto.ParseInt(argv[at])
	switch {
	case !ok:
		c.W.Error(msgNotInteger)
		return
	case n < 1:
		c.W.Error(msgZsetNoKeys(name))
		return
	case n > int64(len(argv)-at-1):
		c.W.Error(msgSyntax)
		return
	}
	srcs, ok := zsetopInputs(c, argv[at+1:at+1+int(n)], dst != nil)
	if !ok {
		return
	}
	opt, ok := zsetopParse(c, argv[at+1+int(n):], srcs, op, dst != nil, card)
	if !ok {
		return
	}
	if op != zopDiff { // smallest first, stably, as Redis's qsort (a merge sort in glibc) orders them
		sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].len() < srcs[j].len() })
	}
	var res []zres
	count := 0
	switch op {
	case zopInter:
		res, count = zinter(srcs, opt, card)
	case zopUnion:
		res = zunion(srcs, opt)
	case zopDiff:
		res = zdiff(srcs)
	}
	switch {
	case card:
		c.W.Int(int64(count))
	case dst != nil:
		zstoreResult(c, dst, zsetFromResult(res, zsetLimits(c)), zsetopEvents[op])
	default:
		zsetopReply(c, res, opt.withScores)
	}
}

// zsetopInputs looks the input keys up, in order, replying WRONGTYPE for
// the first that is neither a sorted set nor a set.
func zsetopInputs(c *Ctx, keys [][]byte, store bool) ([]zsrc, bool) {
	srcs := make([]zsrc, len(keys))
	for i, key := range keys {
		var o *Object
		if store {
			o = lookupSource(c, key)
		} else {
			o = c.DB.lookup(c, key)
		}
		srcs[i] = zsrc{obj: o, weight: 1}
		switch {
		case o == nil:
		case o.typ == TypeZSet:
			srcs[i].z = (*ZSet)(o.p)
		case o.typ == TypeSet:
			srcs[i].set = (*Set)(o.p)
		default:
			c.W.Error(msgWrongType)
			return nil, false
		}
	}
	return srcs, true
}

// zsetopParse reads the options after the keys as Redis does: WEIGHTS and
// AGGREGATE (not for ZDIFF and ZINTERCARD), WITHSCORES (not for the STORE
// forms and ZINTERCARD), LIMIT (ZINTERCARD only).
func zsetopParse(c *Ctx, args [][]byte, srcs []zsrc, op zsetOp, store, card bool) (zsetopOpts, bool) {
	var opt zsetopOpts
	for j := 0; j < len(args); {
		left := len(args) - j
		switch a := args[j]; {
		case op != zopDiff && !card && left >= len(srcs)+1 && isOpt(a, "WEIGHTS"):
			j++
			for i := range srcs {
				w, ok := proto.ParseFloat(args[j])
				if !ok {
					c.W.Error(msgZsetWeight)
					return opt, false
				}
				srcs[i].weight = w
				j++
			}
		case op != zopDiff && !card && left >= 2 && isOpt(a, "AGGREGATE"):
			switch v := args[j+1]; {
			case isOpt(v, "SUM"):
				opt.agg = zaggSum
			case isOpt(v, "MIN"):
				opt.agg = zaggMin
			case isOpt(v, "MAX"):
				opt.agg = zaggMax
			default:
				c.W.Error(msgSyntax)
				return opt, false
			}
			j += 2
		case !store && !card && isOpt(a, "WITHSCORES"):
			opt.withScores = true
			j++
		case card && left >= 2 && isOpt(a, "LIMIT"):
			l, ok := proto.ParseInt(args[j+1])
			if !ok || l < 0 {
				c.W.Error(msgZsetLimitNeg)
				return opt, false
			}
			opt.limit = l
			j += 2
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	return opt, true
}

// zinter intersects the inputs, smallest first: each element of the first
// that every other holds, with the aggregate of its weighted scores (taken
// in input order). With card it only counts them, up to opt.limit (0: no
// limit).
func zinter(srcs []zsrc, opt zsetopOpts, card bool) ([]zres, int) {
	var res []zres
	count := 0
	if srcs[0].len() == 0 {
		return nil, 0
	}
	first := &srcs[0]
	first.each(func(m []byte, s float64) bool {
		score := first.weight * s
		if score != score {
			score = 0
		}
		for j := 1; j < len(srcs); j++ {
			var v float64
			if srcs[j].obj == first.obj {
				v = s * srcs[j].weight
			} else if found, ok := srcs[j].score(m); ok {
				v = found * srcs[j].weight
			} else {
				return true
			}
			zaggregateInto(&score, v, opt.agg)
		}
		if card {
			count++
			return opt.limit == 0 || int64(count) < opt.limit
		}
		res = append(res, zres{string(m), score})
		return true
	})
	return res, count
}

// zunion adds up the inputs: every member of any, with the aggregate of its
// weighted scores, taken in input order.
func zunion(srcs []zsrc, opt zsetopOpts) []zres {
	var res []zres
	index := map[string]int{}
	for i := range srcs {
		src := &srcs[i]
		src.each(func(m []byte, s float64) bool {
			score := src.weight * s
			if score != score {
				score = 0
			}
			if k, ok := index[string(m)]; ok {
				zaggregateInto(&res[k].s, score, opt.agg)
				return true
			}
			key := string(m)
			index[key] = len(res)
			res = append(res, zres{key, score})
			return true
		})
	}
	return res
}

// zdiff subtracts the other inputs from the first, whose scores the result
// keeps.
func zdiff(srcs []zsrc) []zres {
	var res []zres
	for j := 1; j < len(srcs); j++ {
		if srcs[j].obj != nil && srcs[j].obj == srcs[0].obj {
			return nil
		}
	}
	srcs[0].each(func(m []byte, s float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, ok := srcs[j].score(m); ok {
				return true
			}
		}
		res = append(res, zres{string(m), s})
		return true
	})
	return res
}

// zsortResult puts a result in sorted set order.
func zsortResult(res []zres) {
	sort.Slice(res, func(i, j int) bool {
		if res[i].s != res[j].s {
			return res[i].s < res[j].s
		}
		return res[i].m < res[j].m
	})
}

// zsetopReply writes a result in order, with its scores when asked:
// member-score pairs in RESP3, one flat array in RESP2.
func zsetopReply(c *Ctx, res []zres, withScores bool) {
	zsortResult(res)
	if withScores && !c.W.RESP3 {
		c.W.ArrayLen(2 * len(res))
	} else {
		c.W.ArrayLen(len(res))
	}
	for _, e := range res {
		if withScores && c.W.RESP3 {
			c.W.ArrayLen(2)
		}
		c.W.BulkString(e.m)
		if withScores {
			zreplyScore(c.W, e.s)
		}
	}
}

// zsetFromResult builds the sorted set a STORE form stores: a listpack when
// it fits the limits, as Redis's zsetConvertToListpackIfNeeded decides.
func zsetFromResult(res []zres, lim zlimits) *ZSet {
	zsortResult(res)
	longest, total := 0, 0
	for _, e := range res {
		longest = max(longest, len(e.m))
		total += len(e.m)
	}
	out := &ZSet{}
	if len(res) <= lim.entries && longest <= lim.value && total+32*len(res) < zlpMaxSafe {
		for _, e := range res {
			out.lp = zlpAppend(out.lp, zbytes(e.m), e.s)
		}
		out.n = len(res)
		return out
	}
	out.big = newZbig(len(res))
	for _, e := range res {
		out.big.insert(zbytes(e.m), e.s)
	}
	return out
}

// zbytes returns the bytes of s without copying them; they must not be
// changed.
func zbytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
