package db

import (
	"math"

	"redis-fast/proto"
)

// LCS, the longest common subsequence of two strings, with Redis's dynamic
// programming table. Its row is in StringCommands (cmd_string.go).

const (
	msgLCSNotString = "ERR The specified keys must contain string values"
	msgLCSLenAndIdx = "ERR If you want both the length and indexes, please just use IDX."
	msgLCSTooLong   = "ERR String too long for LCS"
	msgLCSMemory    = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// lcsOptions are LCS's options.
type lcsOptions struct {
	length, idx, withMatchLen bool
	minMatchLen               int64
}

// lcsMatch is one range that IDX reports: a[aStart..aEnd] equals
// b[bStart..bEnd].
type lcsMatch struct{ aStart, aEnd, bStart, bEnd int }

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
func cmdLcs(c *Ctx, argv [][]byte) {
	oa, ob := c.DB.lookup(c, argv[1]), c.DB.lookup(c, argv[2])
	if oa != nil && oa.typ != TypeString || ob != nil && ob.typ != TypeString {
		c.W.Error(msgLCSNotString)
		return
	}
	var a, b []byte
	if oa != nil {
		a = oa.Str()
	}
	if ob != nil {
		b = ob.Str()
	}
	opt, ok := parseLcsOptions(c, argv)
	if !ok {
		return
	}
	if len(a) >= math.MaxUint32-1 || len(b) >= math.MaxUint32-1 {
		c.W.Error(msgLCSTooLong)
		return
	}
	// The table has (len(a)+1)*(len(b)+1) entries of 4 bytes, which may not
	// pass proto-max-bulk-len (the product fits in 64 bits; times 4 might not).
	if uint64(len(a)+1)*uint64(len(b)+1) > uint64(c.KS.MaxBulkLen.Load())/4 {
		c.W.Error(msgLCSMemory)
		return
	}
	if opt.length {
		c.W.Int(int64(lcsLength(a, b)))
		return
	}
	table := lcsTable(a, b)
	common, matches := lcsWalk(a, b, table, opt)
	if !opt.idx {
		c.W.Bulk(common)
		return
	}
	c.W.MapLen(2)
	c.W.BulkString("matches")
	c.W.ArrayLen(len(matches))
	for _, m := range matches {
		if opt.withMatchLen {
			c.W.ArrayLen(3)
		} else {
			c.W.ArrayLen(2)
		}
		c.W.ArrayLen(2)
		c.W.Int(int64(m.aStart))
		c.W.Int(int64(m.aEnd))
		c.W.ArrayLen(2)
		c.W.Int(int64(m.bStart))
		c.W.Int(int64(m.bEnd))
		if opt.withMatchLen {
			c.W.Int(int64(m.aEnd - m.aStart + 1))
		}
	}
	c.W.BulkString("len")
	c.W.Int(int64(len(common)))
}

// parseLcsOptions reads LCS's options, replying with Redis's error on the
// first bad one.
func parseLcsOptions(c *Ctx, argv [][]byte) (opt lcsOptions, ok bool) {
	for j := 3; j < len(argv); j++ {
		a := cString(argv[j])
		switch {
		case proto.EqualFold(a, "IDX"):
			opt.idx = true
		case proto.EqualFold(a, "LEN"):
			opt.length = true
		case proto.EqualFold(a, "WITHMATCHLEN"):
			opt.withMatchLen = true
		case proto.EqualFold(a, "MINMATCHLEN") && j+1 < len(argv):
			n, ok := proto.ParseInt(argv[j+1])
			if !ok {
				c.W.Error(msgNotInteger)
				return opt, false
			}
			opt.minMatchLen = max(n, 0)
			j++
		default:
			c.W.Error(msgSyntax)
			return opt, false
		}
	}
	if opt.length && opt.idx {
		c.W.Error(msgLCSLenAndIdx)
		return opt, false
	}
	return opt, true
}

// lcsTable returns the table whose entry (i, j), at i*(len(b)+1)+j, is the
// length of the LCS of a[:i] and b[:j].
func lcsTable(a, b []byte) []uint32 {
	w := len(b) + 1
	t := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		row, prev := t[i*w:(i+1)*w], t[(i-1)*w:i*w]
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	return t
}

// lcsLength is the last entry of lcsTable, computed with two rows.
func lcsLength(a, b []byte) uint32 {
	prev, row := make([]uint32, len(b)+1), make([]uint32, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
		prev, row = row, prev
	}
	return prev[len(b)]
}

// lcsWalk walks the table back from its last entry as Redis does, building
// the common subsequence and, for IDX, the ranges of consecutive matches
// (from the end of the strings to their start) at least opt.minMatchLen
// long.
func lcsWalk(a, b []byte, t []uint32, opt lcsOptions) (common []byte, matches []lcsMatch) {
	w := len(b) + 1
	at := func(i, j int) uint32 { return t[i*w+j] }
	idx := int(at(len(a), len(b)))
	common = make([]byte, idx)
	unset := len(a) // aStart == unset: no range in progress
	r := lcsMatch{aStart: unset}
	i, j := len(a), len(b)
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			common[idx-1] = a[i-1]
			switch {
			case r.aStart == unset:
				r = lcsMatch{aStart: i - 1, aEnd: i - 1, bStart: j - 1, bEnd: j - 1}
			case r.aStart == i && r.bStart == j:
				r.aStart--
				r.bStart--
			default:
				emit = true
			}
			if r.aStart == 0 || r.bStart == 0 {
				emit = true
			}
			idx, i, j = idx-1, i-1, j-1
		} else {
			if at(i-1, j) > at(i, j-1) {
				i--
			} else {
				j--
			}
			if r.aStart != unset {
				emit = true
			}
		}
		if emit {
			if opt.idx && int64(r.aEnd-r.aStart+1) >= opt.minMatchLen {
				matches = append(matches, r)
			}
			r.aStart = unset
		}
	}
	return common, matches
}
