package db

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

var zsetSeed = flag.Uint64("zset.seed", 0, "seed for the randomized sorted set tests (0: random)")

func zsetRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *zsetSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -zset.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// zmodel is the reference: a map and a sort.
type zmodel map[string]float64

type zpair struct {
	m string
	s float64
}

func (mo zmodel) sorted() []zpair {
	out := make([]zpair, 0, len(mo))
	for m, s := range mo {
		out = append(out, zpair{m, s})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].s != out[j].s {
			return out[i].s < out[j].s
		}
		return out[i].m < out[j].m
	})
	return out
}

// checkZSet compares z with the model and checks the big encoding's
// invariants.
func checkZSet(t *testing.T, z *ZSet, mo zmodel, step string) {
	t.Helper()
	want := mo.sorted()
	if z.Len() != len(want) {
		t.Fatalf("%s: Len %d, want %d", step, z.Len(), len(want))
	}
	i := 0
	z.each(func(m []byte, s float64) bool {
		if i >= len(want) || string(m) != want[i].m || s != want[i].s {
			t.Fatalf("%s: element %d is (%q, %v), want %v", step, i, m, s, want[i])
		}
		i++
		return true
	})
	if i != len(want) {
		t.Fatalf("%s: each gave %d elements, want %d", step, i, len(want))
	}
	// Backwards, from last.
	i = len(want) - 1
	for p := z.last(); p.valid(); p.prev() {
		if string(p.member()) != want[i].m {
			t.Fatalf("%s: backwards element %d is %q, want %q", step, i, p.member(), want[i].m)
		}
		i--
	}
	if i != -1 {
		t.Fatalf("%s: backwards walk stopped at %d", step, i)
	}
	if z.big != nil {
		checkZbig(t, z.big, step)
	}
}

func checkZbig(t *testing.T, b *zbig, step string) {
	t.Helper()
	// Every element is found by its member, with its score.
	seen := 0
	for p := (&ZSet{big: b}).first(); p.valid(); p.next() {
		id := p.l.ids[p.i]
		if got := b.find(p.member()); got != id {
			t.Fatalf("%s: find(%q) = %d, want %d", step, p.member(), got, id)
		}
		if b.els[id].score != p.score() {
			t.Fatalf("%s: element %d score %v, leaf says %v", step, id, b.els[id].score, p.score())
		}
		seen++
	}
	if seen != b.n {
		t.Fatalf("%s: %d elements in the leaves, n = %d", step, seen, b.n)
	}
	var leaves []*zleaf
	total := checkNode(t, b, b.tree.root, b.tree.height, b.tree.height, &leaves, step)
	if total != b.n {
		t.Fatalf("%s: tree holds %d, n = %d", step, total, b.n)
	}
	if b.tree.head != leaves[0] || b.tree.tail != leaves[len(leaves)-1] {
		t.Fatalf("%s: head or tail is not the first or last leaf", step)
	}
	for i, l := range leaves {
		var prev, next *zleaf
		if i > 0 {
			prev = leaves[i-1]
		}
		if i+1 < len(leaves) {
			next = leaves[i+1]
		}
		if l.prev != prev || l.next != next {
			t.Fatalf("%s: leaf %d is linked wrong", step, i)
		}
	}
}

// checkNode checks the subtree at p and returns its size.
func checkNode(t *testing.T, b *zbig, p unsafe.Pointer, h, top int, leaves *[]*zleaf, step string) int {
	t.Helper()
	if h == 0 {
		l := (*zleaf)(p)
		if l.n == 0 && top > 0 {
			t.Fatalf("%s: empty leaf below the root", step)
		}
		for i := 1; i < l.n; i++ {
			if b.cmpKey(l.scores[i-1], b.member(l.ids[i-1]), l.scores[i], l.ids[i]) >= 0 {
				t.Fatalf("%s: leaf out of order at %d", step, i)
			}
		}
		*leaves = append(*leaves, l)
		return l.n
	}
	in := (*zinner)(p)
	if in.n < 1 || h == top && in.n < 2 {
		t.Fatalf("%s: inner node with %d children at height %d of %d", step, in.n, h, top)
	}
	total := 0
	for i := 0; i < in.n; i++ {
		n := checkNode(t, b, in.kids[i], h-1, top, leaves, step)
		if in.counts[i] != n {
			t.Fatalf("%s: count %d for a child of %d at height %d", step, in.counts[i], n, h)
		}
		s, id := firstKey(in.kids[i], h-1)
		if in.scores[i] != s || in.ids[i] != id {
			t.Fatalf("%s: stale separator %d at height %d", step, i, h)
		}
		total += n
	}
	for _, k := range in.kids[in.n:] {
		if k != nil {
			t.Fatalf("%s: a pointer left past the children", step)
		}
	}
	return total
}

func randMember(r *rand.Rand, universe int) []byte {
	return []byte("m" + strconv.Itoa(r.IntN(universe)))
}

func randScore(r *rand.Rand) float64 {
	switch r.IntN(10) {
	case 0:
		return math.Inf(1 - 2*r.IntN(2))
	case 1, 2, 3:
		return float64(r.IntN(5)) // many ties
	}
	return r.NormFloat64() * 100
}

// TestZSetModel runs random changes on sets of both encodings and compares
// them with the model after each.
func TestZSetModel(t *testing.T) {
	r := zsetRand(t)
	for _, tc := range []struct {
		name     string
		lim      zlimits
		universe int
		ops      int
	}{
		{name: "listpack", lim: zlimits{entries: 1 << 20, value: 1 << 20}, universe: 60, ops: 3000},
		{name: "converting", lim: zlimits{entries: 40, value: 1 << 20}, universe: 80, ops: 3000},
		{name: "skiplist small", lim: zlimits{entries: 0, value: 0}, universe: 200, ops: 5000},
		{name: "skiplist big", lim: zlimits{entries: 0, value: 0}, universe: 5000, ops: 40000},
		{name: "skiplist deep", lim: zlimits{entries: 0, value: 0}, universe: 60000, ops: 200000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ops > 100000 && testing.Short() {
				t.Skip("-short")
			}
			z := &ZSet{}
			mo := zmodel{}
			for op := 0; op < tc.ops; op++ {
				step := fmt.Sprintf("op %d", op)
				m := randMember(r, tc.universe)
				switch k := r.IntN(20); {
				case k < 11:
					s := randScore(r)
					flags := 0
					if r.IntN(4) == 0 {
						flags = zaddIncr
					}
					out, ns := z.zadd(m, s, flags, tc.lim)
					cur, had := mo[string(m)]
					if flags&zaddIncr != 0 {
						s += cur
					}
					switch {
					case math.IsNaN(s):
						if out != zaddNaN {
							t.Fatalf("%s: NaN not reported", step)
						}
					default:
						if ns != s || had && s != cur && out != zaddUpdated || !had && out != zaddAdded {
							t.Fatalf("%s: zadd gave %d %v for %v (had %v %v)", step, out, ns, s, had, cur)
						}
						if s == 0 && z.compact() {
							s = 0 // the listpack stores -0 as 0
						}
						if !had || s != cur {
							mo[string(m)] = s
						}
					}
				case k < 17:
					_, had := mo[string(m)]
					if z.remove(m) != had {
						t.Fatalf("%s: remove(%q) = %v", step, m, !had)
					}
					delete(mo, string(m))
				case k == 17 && z.Len() > 0:
					n := 1 + r.IntN(min(z.Len(), 8))
					rk := r.IntN(z.Len() - n + 1)
					var gone []string
					for p := z.at(rk); len(gone) < n; p.next() {
						gone = append(gone, string(p.member()))
					}
					z.removeRange(rk, n)
					for _, m := range gone {
						delete(mo, m)
					}
				case tc.universe < 10000 || op%1000 == 0:
					checkLookups(t, z, mo, r, step)
				}
				if op%97 == 0 && tc.universe < 10000 || op%9973 == 0 || tc.ops < 5000 {
					checkZSet(t, z, mo, step)
				}
			}
			checkZSet(t, z, mo, "end")
			if z.big != nil {
				t.Logf("%d elements, tree height %d", z.Len(), z.big.tree.height)
			}
			for z.Len() > 0 { // empty it from both ends
				if r.IntN(2) == 0 {
					z.removeRange(0, 1)
				} else {
					z.removeRange(z.Len()-1, 1)
				}
			}
			if z.big != nil {
				checkZbig(t, z.big, "emptied")
				z.big.insert([]byte("again"), 1)
				checkZbig(t, z.big, "refilled")
			}
		})
	}
}

// checkLookups compares score, rank, at and the range searches with the
// model.
func checkLookups(t *testing.T, z *ZSet, mo zmodel, r *rand.Rand, step string) {
	t.Helper()
	want := mo.sorted()
	for i, p := range want {
		if i%7 != 0 && len(want) > 50 {
			continue
		}
		if s, ok := z.score([]byte(p.m)); !ok || s != p.s {
			t.Fatalf("%s: score(%q) = %v %v, want %v", step, p.m, s, ok, p.s)
		}
		if rk, ok := z.rank([]byte(p.m)); !ok || rk != i {
			t.Fatalf("%s: rank(%q) = %d %v, want %d", step, p.m, rk, ok, i)
		}
		if pos := z.at(i); string(pos.member()) != p.m {
			t.Fatalf("%s: at(%d) = %q, want %q", step, i, pos.member(), p.m)
		}
	}
	if _, ok := z.rank([]byte("absent")); ok {
		t.Fatalf("%s: rank of an absent member", step)
	}
	for k := 0; k < 5; k++ {
		rg := zrangeSpec{min: randScore(r), max: randScore(r), minex: r.IntN(2) == 0, maxex: r.IntN(2) == 0}
		first, last := -1, -1
		for i, p := range want {
			if rg.gteMin(p.s) && rg.lteMax(p.s) {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		_, fr, fok := z.firstInRange(&rg)
		_, lr, lok := z.lastInRange(&rg)
		if fok != (first >= 0) || lok != (last >= 0) || fok && (fr != first || lr != last) {
			t.Fatalf("%s: range %+v gave %d..%d (%v %v), want %d..%d", step, rg, fr, lr, fok, lok, first, last)
		}
	}
}

func TestZSetLexRanges(t *testing.T) {
	for _, lim := range []zlimits{{128, 64}, {0, 0}} {
		z := &ZSet{}
		for _, m := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			z.zadd([]byte(m), 0, 0, lim)
		}
		for _, tc := range []struct {
			name        string
			spec        zlexSpec
			first, last int
		}{
			{name: "all", spec: zlexSpec{minInf: -1, maxInf: 1, minex: true, maxex: true}, first: 0, last: 6},
			{name: "closed", spec: zlexSpec{min: []byte("b"), max: []byte("d")}, first: 1, last: 3},
			{name: "open", spec: zlexSpec{min: []byte("b"), max: []byte("d"), minex: true, maxex: true}, first: 2, last: 2},
			{name: "between", spec: zlexSpec{min: []byte("bb"), max: []byte("dd")}, first: 2, last: 3},
			{name: "none", spec: zlexSpec{min: []byte("x"), maxInf: 1, maxex: true}, first: -1},
			{name: "inverted", spec: zlexSpec{min: []byte("d"), max: []byte("b")}, first: -1},
			{name: "minus minus", spec: zlexSpec{minInf: -1, maxInf: -1, minex: true, maxex: true}, first: -1},
		} {
			_, f, fok := z.firstInLex(&tc.spec)
			_, l, lok := z.lastInLex(&tc.spec)
			if tc.first < 0 {
				if fok || lok {
					t.Errorf("%s %s: found %d..%d, want none", z.encoding(), tc.name, f, l)
				}
				continue
			}
			if !fok || !lok || f != tc.first || l != tc.last {
				t.Errorf("%s %s: %d..%d, want %d..%d", z.encoding(), tc.name, f, l, tc.first, tc.last)
			}
		}
	}
}

// Ascending and descending inserts leave the leaves full.
func TestZbigSequentialFill(t *testing.T) {
	for _, desc := range []bool{false, true} {
		b := newZbig(0)
		const n = 100000
		for i := 0; i < n; i++ {
			s := float64(i)
			if desc {
				s = -s
			}
			b.insert([]byte(strconv.Itoa(i)), s)
		}
		checkZbig(t, b, "sequential")
		leaves := 0
		for l := b.tree.head; l != nil; l = l.next {
			leaves++
		}
		if min := (n + zLeafCap - 1) / zLeafCap; leaves > min+1 {
			t.Errorf("desc=%v: %d leaves for %d elements, want about %d", desc, leaves, n, min)
		}
	}
}

func TestZarenaClasses(t *testing.T) {
	for n := 1; n <= zSlotMax; n++ {
		c := zClassOf(n)
		if c < 0 || c >= zClasses || zClassSize(c) < n || c > 0 && zClassSize(c-1) >= n {
			t.Fatalf("size %d: class %d of %d bytes", n, c, zClassSize(c))
		}
	}
	var a zarena
	locs := map[uint64][]byte{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		if len(locs) > 0 && r.IntN(3) == 0 {
			for loc, want := range locs {
				if got := a.get(loc, uint32(len(want))); !bytes.Equal(got, want) {
					t.Fatalf("slot %x holds %q, want %q", loc, got, want)
				}
				a.release(loc, uint32(len(want)))
				delete(locs, loc)
				break
			}
			continue
		}
		n := r.IntN(100)
		if r.IntN(50) == 0 {
			n = zSlotMax + r.IntN(5000)
		}
		v := bytes.Repeat([]byte{byte(i)}, n)
		loc := a.alloc(n)
		copy(a.get(loc, uint32(n)), v)
		if n > 0 {
			locs[loc] = v
		}
	}
	for loc, want := range locs {
		if got := a.get(loc, uint32(len(want))); !bytes.Equal(got, want) {
			t.Fatalf("slot %x holds %q, want %q", loc, got, want)
		}
	}
}

// A set built from a dump ends in the encoding Redis's loader gives it.
func TestZSetLoad(t *testing.T) {
	lim := zlimits{entries: 3, value: 5}
	pairs := func(z *ZSet) string {
		var b strings.Builder
		z.each(func(m []byte, s float64) bool {
			fmt.Fprintf(&b, "%s=%v ", m, s)
			return true
		})
		return b.String()
	}
	for _, tc := range []struct {
		name         string
		members      []string
		fromListpack bool
		want         string
	}{
		{name: "pairs that fit", members: []string{"c", "a", "b"}, want: "listpack"},
		{name: "pairs, too many", members: []string{"d", "c", "a", "b"}, want: "skiplist"},
		{name: "pairs, too long", members: []string{"abcdef", "a"}, want: "skiplist"},
		{name: "listpack, too long", members: []string{"abcdef", "a"}, fromListpack: true, want: "listpack"},
		{name: "listpack, too many", members: []string{"d", "c", "a", "b"}, fromListpack: true, want: "skiplist"},
	} {
		z := newZSetSized(len(tc.members), lim)
		for i, m := range tc.members {
			if !z.load([]byte(m), float64(len(tc.members)-i)) {
				t.Fatalf("%s: load(%s) refused", tc.name, m)
			}
		}
		if z.load([]byte(tc.members[0]), 0) {
			t.Errorf("%s: a duplicate member loaded", tc.name)
		}
		before := pairs(z)
		z.loaded(lim, tc.fromListpack)
		if z.encoding() != tc.want || pairs(z) != before {
			t.Errorf("%s: %s %s, want %s %s", tc.name, z.encoding(), pairs(z), tc.want, before)
		}
	}
}

func TestZlpScoreText(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want string
	}{
		{1, "1"}, {-0.0, "0"}, {1.5, "1.5"}, {1e17, "100000000000000000"}, {1 << 62, "4611686018427387904"},
		{-(1 << 62), "-4611686018427387904"}, {1e19, "1e+19"}, {math.Inf(1), "inf"}, {0.1, "0.10000000000000001"},
	} {
		if got := string(zlpScoreText(nil, tc.s)); got != tc.want {
			t.Errorf("zlpScoreText(%v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
