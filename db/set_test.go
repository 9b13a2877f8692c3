package db

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

var setSeed = flag.Uint64("set.seed", 0, "seed of the randomized set tests (0: random)")

// setTestRand returns a generator seeded from -set.seed or at random, and
// logs the seed so a failure can be replayed.
func setTestRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *setSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (replay with -set.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// setMembers returns x's members, sorted.
func setMembers(x *Set) []string {
	var out []string
	x.each(func(m []byte) bool {
		out = append(out, string(m))
		return true
	})
	slices.Sort(out)
	return out
}

func TestIntsetWidthsAndOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		adds  []int64
		width int
		want  []int64
	}{
		{name: "empty", width: 2},
		{name: "int16", adds: []int64{3, -1, 32767, -32768, 3}, width: 2, want: []int64{-32768, -1, 3, 32767}},
		{name: "int32 above", adds: []int64{1, 2, 32768}, width: 4, want: []int64{1, 2, 32768}},
		{name: "int32 below", adds: []int64{1, 2, -32769}, width: 4, want: []int64{-32769, 1, 2}},
		{name: "int64 above", adds: []int64{5, 1 << 31}, width: 8, want: []int64{5, 1 << 31}},
		{name: "int64 below", adds: []int64{5, -1<<31 - 1, math.MinInt64, math.MaxInt64}, width: 8,
			want: []int64{math.MinInt64, -1<<31 - 1, 5, math.MaxInt64}},
		{name: "two upgrades", adds: []int64{0, 40000, -1 << 40, 7}, width: 8, want: []int64{-1 << 40, 0, 7, 40000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s intset
			for _, v := range tc.adds {
				s.insert(v)
			}
			if s.width() != tc.width {
				t.Errorf("width %d, want %d", s.width(), tc.width)
			}
			var got []int64
			for i := 0; i < s.len(); i++ {
				got = append(got, s.get(i))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("members %v, want %v", got, tc.want)
			}
			for _, v := range tc.want {
				if _, ok := s.search(v); !ok {
					t.Errorf("search(%d) misses it", v)
				}
			}
			if _, ok := s.search(123456); ok {
				t.Errorf("search finds a non-member")
			}
		})
	}
}

// TestSetAgainstModel runs random adds and removes of integers and strings
// against a map, checking membership, size, contents and the encoding
// rule: intset while every member ever added is an integer and the set
// never grew past the limit, hashtable for good after.
func TestSetAgainstModel(t *testing.T) {
	r := setTestRand(t)
	for round := 0; round < 20; round++ {
		lim := []int{0, 1, 4, 16, 512}[r.IntN(5)]
		x := &Set{}
		model := map[string]bool{}
		big := false
		for op := 0; op < 3000; op++ {
			m := setRandomMember(r)
			switch r.IntN(3) {
			case 0, 1:
				if _, isInt := parseSetInt(m); !isInt {
					big = true
				}
				if got, want := x.add([]byte(m), lim), !model[m]; got != want {
					t.Fatalf("round %d op %d: add(%q) = %v, want %v", round, op, m, got, want)
				}
				model[m] = true
				if len(model) > lim {
					big = true
				}
			default:
				if got, want := x.remove([]byte(m)), model[m]; got != want {
					t.Fatalf("round %d op %d: remove(%q) = %v, want %v", round, op, m, got, want)
				}
				delete(model, m)
			}
			if x.has([]byte(m)) != model[m] {
				t.Fatalf("round %d op %d: has(%q) = %v", round, op, m, !model[m])
			}
			if x.Len() != len(model) {
				t.Fatalf("round %d op %d: Len %d, want %d", round, op, x.Len(), len(model))
			}
			if x.isIntset() == big {
				t.Fatalf("round %d op %d (limit %d): encoding %s", round, op, lim, x.encoding())
			}
		}
		var want []string
		for m := range model {
			want = append(want, m)
		}
		slices.Sort(want)
		if got := setMembers(x); !slices.Equal(got, want) {
			t.Fatalf("round %d: members differ from the model", round)
		}
	}
}

func parseSetInt(m string) (int64, bool) {
	v, err := strconv.ParseInt(m, 10, 64)
	return v, err == nil && strconv.FormatInt(v, 10) == m
}

// setRandomMember draws from a small pool, so that adds and removes meet:
// small and large integers, strings, binary and big members.
func setRandomMember(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return strconv.Itoa(r.IntN(200) - 100)
	case 1:
		return strconv.FormatInt(int64(r.IntN(50))<<40-1<<44, 10)
	case 2:
		return "m:" + strconv.Itoa(r.IntN(300))
	case 3:
		return "b\x00\r\n" + strconv.Itoa(r.IntN(20))
	case 4:
		return string(bytes.Repeat([]byte{byte('a' + r.IntN(3))}, 100+r.IntN(2000)))
	}
	return strconv.Itoa(r.IntN(10)) + "x"
}

// TestSetTableChurn grows and empties a table many times over, with
// removals in random order, so that resizes, back-shifted runs and
// compactions all happen.
func TestSetTableChurn(t *testing.T) {
	r := setTestRand(t)
	t1 := newSetTable(0)
	live := map[string]bool{}
	for round := 0; round < 5; round++ {
		n := 1 + r.IntN(20000)
		for i := 0; i < n; i++ {
			m := strconv.Itoa(r.IntN(50000)) + ":" + strconv.Itoa(round)
			if t1.add(setHash([]byte(m)), []byte(m)) == live[m] {
				t.Fatalf("add(%q) disagrees with the model", m)
			}
			live[m] = true
		}
		keys := make([]string, 0, len(live))
		for m := range live {
			keys = append(keys, m)
		}
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		for i, m := range keys[:len(keys)*(1+r.IntN(3))/3] {
			at := t1.find(setHash([]byte(m)), []byte(m))
			if at < 0 {
				t.Fatalf("round %d: %q (removal %d) not found", round, m, i)
			}
			t1.removeAt(at)
			delete(live, m)
		}
		if t1.n != len(live) {
			t.Fatalf("round %d: %d members, want %d", round, t1.n, len(live))
		}
		for m := range live {
			if t1.find(setHash([]byte(m)), []byte(m)) < 0 {
				t.Fatalf("round %d: %q lost", round, m)
			}
		}
		if t1.dead*2 > t1.used && t1.dead >= 1024 {
			t.Fatalf("round %d: %d dead bytes of %d not compacted", round, t1.dead, t1.used)
		}
		if t1.n > 0 && t1.n*8 < len(t1.slots) && len(t1.slots) > setMinSlots {
			t.Fatalf("round %d: %d members in %d slots not shrunk", round, t1.n, len(t1.slots))
		}
	}
}

// TestSetTableBigMembers checks members kept apart (big ones, and every
// member once the chunks are full) and the reuse of their indexes.
func TestSetTableBigMembers(t *testing.T) {
	t1 := newSetTable(0)
	big := func(i int) []byte { return bytes.Repeat([]byte{byte('A' + i)}, setBigMember+i) }
	for i := 0; i < 5; i++ {
		t1.add(setHash(big(i)), big(i))
	}
	if len(t1.big) != 5 || t1.used != 0 {
		t.Fatalf("%d members apart, %d chunk bytes; want 5 and 0", len(t1.big), t1.used)
	}
	t1.removeAt(t1.find(setHash(big(2)), big(2)))
	t1.add(setHash(big(7)), big(7))
	if len(t1.big) != 5 {
		t.Errorf("a freed index was not reused: %d members apart", len(t1.big))
	}
	// Pretend the chunks are all full: small members go apart too.
	full := make([]byte, setChunkSize)
	t1.chunks = make([][]byte, setMaxChunks)
	for i := range t1.chunks {
		t1.chunks[i] = full
	}
	t1.add(setHash([]byte("small")), []byte("small"))
	if at := t1.find(setHash([]byte("small")), []byte("small")); at < 0 || uint32(t1.slots[at])-1 < setBigBase {
		t.Errorf("a member added to full chunks is not kept apart")
	}
	for _, i := range []int{0, 1, 3, 4, 7} {
		if t1.find(setHash(big(i)), big(i)) < 0 {
			t.Errorf("big member %d lost", i)
		}
	}
}

// TestSetScanGuarantee checks SSCAN's promise across resizes: a member
// present from the first call to the last is returned at least once.
func TestSetScanGuarantee(t *testing.T) {
	r := setTestRand(t)
	for round := 0; round < 30; round++ {
		x := &Set{}
		for i := 0; i < 1+r.IntN(3000); i++ {
			x.add([]byte("k"+strconv.Itoa(i)), 0)
		}
		stable := map[string]bool{}
		x.each(func(m []byte) bool {
			stable[string(m)] = true
			return true
		})
		seen := map[string]bool{}
		extra := 0
		var cursor uint64
		for calls := 0; ; calls++ {
			cursor = x.scan(cursor, int64(1+r.IntN(50)), func(m []byte) { seen[string(m)] = true })
			if cursor == 0 {
				break
			}
			// Grow or shrink the table between calls, never touching
			// the members present from the start.
			if r.IntN(2) == 0 {
				for i := 0; i < r.IntN(4000); i++ {
					x.add([]byte("e"+strconv.Itoa(extra)), 0)
					extra++
				}
			} else {
				for i := 0; i < extra; i++ {
					x.remove([]byte("e" + strconv.Itoa(i)))
				}
			}
			if calls > 1_000_000 {
				t.Fatal("the scan does not end")
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Fatalf("round %d: %q, present throughout, was never returned", round, m)
			}
		}
	}
}

func TestSetRandomIsUniform(t *testing.T) {
	for _, members := range [][]string{
		{"1", "2", "3", "4", "5"},
		{"a", "b", "c", "d", "e", "f", "g"},
	} {
		x := &Set{}
		for _, m := range members {
			x.add([]byte(m), 512)
		}
		counts := map[string]int{}
		const draws = 70000
		var buf [20]byte
		for i := 0; i < draws; i++ {
			counts[string(x.memberAt(x.randomPos(), &buf))]++
		}
		want := draws / len(members)
		for _, m := range members {
			if c := counts[m]; c < want*8/10 || c > want*12/10 {
				t.Errorf("%s set: %q drawn %d times of %d, want about %d", x.encoding(), m, c, draws, want)
			}
		}
	}
}

func TestSetCloneIsDeep(t *testing.T) {
	for _, members := range [][]string{{"1", "-7", "300000"}, {"a", "1", string(bytes.Repeat([]byte("z"), 5000))}} {
		x := &Set{}
		for _, m := range members {
			x.add([]byte(m), 512)
		}
		y := x.clone()
		if y.encoding() != x.encoding() {
			t.Errorf("clone is %s, original %s", y.encoding(), x.encoding())
		}
		x.add([]byte("new"), 512)
		x.remove([]byte(members[0]))
		if !slices.Equal(setMembers(y), sortedStrings(members)) {
			t.Errorf("changing the original changed the clone: %q", setMembers(y))
		}
	}
}

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestIntsetBlob(t *testing.T) {
	x := &Set{}
	for _, v := range []string{"5", "-3", "70000"} {
		x.add([]byte(v), 512)
	}
	blob := x.appendIntsetBlob(nil)
	want := []byte{4, 0, 0, 0, 3, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0x70, 0x11, 1, 0}
	if !bytes.Equal(blob, want) {
		t.Fatalf("blob % x, want % x", blob, want)
	}
	y, ok := setFromIntsetBlob(blob, 512)
	if !ok || !slices.Equal(setMembers(y), setMembers(x)) || !y.isIntset() {
		t.Fatalf("round trip gave %v (ok %v)", setMembers(y), ok)
	}
	for _, bad := range [][]byte{
		nil,
		{2, 0, 0, 0, 1, 0, 0, 0},             // short body
		{3, 0, 0, 0, 0, 0, 0, 0},             // bad width
		{2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 5, 0}, // not strictly ascending
		{2, 0, 0, 0, 1, 0, 0, 0, 5, 0, 5, 0, 1, 2}, // long body
	} {
		if _, ok := setFromIntsetBlob(bad, 512); ok {
			t.Errorf("blob % x accepted", bad)
		}
	}
	if y, _ := setFromIntsetBlob(blob, 2); y.isIntset() || !slices.Equal(setMembers(y), setMembers(x)) {
		t.Errorf("a blob over the limit loads as %s %v", y.encoding(), setMembers(y))
	}
	if y := newSetSized(600, 512); y.isIntset() || len(y.ht.slots) < 800 {
		t.Errorf("newSetSized(600, 512) is not a presized hashtable")
	}
	if y := newSetSized(10, 512); !y.isIntset() {
		t.Errorf("newSetSized(10, 512) is not an intset")
	}
}

func TestSetEntrySize(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{0, 4}, {3, 4}, {4, 8}, {127, 128}, {128, 132}, {1000, 1004}} {
		if got := setEntrySize(tc.n); got != tc.want {
			t.Errorf("setEntrySize(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}
