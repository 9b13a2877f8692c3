package db

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

var listSeed = flag.Uint64("list.seed", 0, "seed of the randomized list tests (0: from the clock)")

// checkList verifies l's invariants and that it holds exactly want.
func checkList(t *testing.T, l *List, want [][]byte, step string) {
	t.Helper()
	if l.Len() != len(want) {
		t.Fatalf("%s: Len %d, want %d", step, l.Len(), len(want))
	}
	total := 0
	for i, nd := range l.live() {
		if nd.n == 0 {
			t.Fatalf("%s: node %d of %d is empty", step, i, l.cnt)
		}
		k := 0
		at := int(nd.lo)
		for at < int(nd.hi) {
			_, at = listNext(nd.b, at)
			k++
		}
		if at != int(nd.hi) || k != int(nd.n) {
			t.Fatalf("%s: node %d parses to %d entries ending at %d, header says %d ending at %d", step, i, k, at, nd.n, nd.hi)
		}
		total += k
	}
	if total != l.n {
		t.Fatalf("%s: nodes hold %d entries, list says %d", step, total, l.n)
	}
	i := 0
	l.each(func(v []byte) bool {
		if !bytes.Equal(v, want[i]) {
			t.Fatalf("%s: element %d is %q, want %q", step, i, v, want[i])
		}
		i++
		return true
	})
	if len(want) == 0 {
		return
	}
	for _, r := range [][2]int{{0, len(want)}, {len(want) / 3, len(want) / 2}, {len(want) - 1, 1}} {
		var exp []byte
		for _, v := range want[r[0] : r[0]+r[1]] {
			exp = append(exp, "$"+strconv.Itoa(len(v))+"\r\n"+string(v)+"\r\n"...)
		}
		if got := l.appendBulks(nil, r[0], r[1]); !bytes.Equal(got, exp) {
			t.Fatalf("%s: appendBulks(%d, %d) = %q, want %q", step, r[0], r[1], got, exp)
		}
	}
	fwd, back := l.iter(0), l.iterBack(len(want)-1)
	for i := range want {
		if v := fwd.next(); !bytes.Equal(v, want[i]) {
			t.Fatalf("%s: iter: element %d is %q, want %q", step, i, v, want[i])
		}
		j := len(want) - 1 - i
		if v := back.prev(); !bytes.Equal(v, want[j]) {
			t.Fatalf("%s: iterBack: element %d is %q, want %q", step, j, v, want[j])
		}
	}
}

func randomElement(r *rand.Rand, small bool) []byte {
	switch n := r.IntN(100); {
	case small || n < 70:
		return []byte{byte('a' + r.IntN(4))}
	case n < 95:
		return bytes.Repeat([]byte{byte('a' + r.IntN(26))}, r.IntN(300))
	default:
		return bytes.Repeat([]byte{'x'}, 5000+r.IntN(12000))
	}
}

// TestListModel runs random operations on Lists of several node limits and
// compares them with a slice of elements after each one.
func TestListModel(t *testing.T) {
	seed := *listSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -list.seed=%d)", seed, seed)
	for _, fill := range []int64{-2, -1, -5, 0, 1, 2, 3, 7, 128} {
		t.Run(fmt.Sprintf("fill=%d", fill), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, uint64(fill+100)))
			l := newList(fill)
			var model [][]byte
			for step := 0; step < 4000; step++ {
				small := r.IntN(2) == 0
				var name string
				switch op := r.IntN(11); {
				case op == 0 && len(model) < 3000 || len(model) == 0:
					v := randomElement(r, small)
					l.pushLeft(v)
					model = append([][]byte{v}, model...)
					name = "pushLeft"
				case op == 1 && len(model) < 3000:
					v := randomElement(r, small)
					l.pushRight(v)
					model = append(model, v)
					name = "pushRight"
				case op == 2:
					v := l.popLeft()
					if !bytes.Equal(v, model[0]) {
						t.Fatalf("step %d: popLeft %q, want %q", step, v, model[0])
					}
					model = model[1:]
					name = "popLeft"
				case op == 3:
					v := l.popRight()
					if !bytes.Equal(v, model[len(model)-1]) {
						t.Fatalf("step %d: popRight %q, want %q", step, v, model[len(model)-1])
					}
					model = model[:len(model)-1]
					name = "popRight"
				case op == 4:
					i := r.IntN(len(model))
					if v := l.index(i); !bytes.Equal(v, model[i]) {
						t.Fatalf("step %d: index %d: %q, want %q", step, i, v, model[i])
					}
					v := randomElement(r, small)
					l.set(i, v)
					model[i] = v
					name = "set"
				case op == 5:
					pivot := model[r.IntN(len(model))]
					after := r.IntN(2) == 0
					ni, at, ok := l.find(pivot)
					if !ok {
						t.Fatalf("step %d: find %q: not found", step, pivot)
					}
					j := 0
					for !bytes.Equal(model[j], pivot) {
						j++
					}
					if after {
						j++
					}
					v := randomElement(r, small)
					l.insert(ni, at, v, after)
					model = append(model[:j], append([][]byte{v}, model[j:]...)...)
					name = "insert"
				case op == 6:
					start := r.IntN(len(model))
					count := r.IntN(len(model) - start + 1)
					if r.IntN(4) == 0 {
						count = min(count, 3)
					}
					l.delRange(start, count)
					model = append(model[:start], model[start+count:]...)
					name = fmt.Sprintf("delRange(%d, %d)", start, count)
				case op == 7:
					v := []byte{byte('a' + r.IntN(4))}
					limit := r.IntN(5)
					fromTail := r.IntN(2) == 0
					got := l.removeMatches(v, limit, fromTail)
					want := removeModel(&model, v, limit, fromTail)
					if got != want {
						t.Fatalf("step %d: removeMatches(%q, %d, %v) = %d, want %d", step, v, limit, fromTail, got, want)
					}
					name = "removeMatches"
				case op == 8:
					c := l.clone()
					checkList(t, c, model, "clone")
					l = c
					name = "clone"
				default:
					for k := r.IntN(50); k > 0; k-- {
						v := randomElement(r, true)
						l.pushRight(v)
						model = append(model, v)
					}
					name = "pushRight*"
				}
				if step%7 == 0 || len(model) < 50 {
					checkList(t, l, model, fmt.Sprintf("step %d (%s)", step, name))
				}
			}
			checkList(t, l, model, "end")
		})
	}
}

func removeModel(model *[][]byte, v []byte, limit int, fromTail bool) int {
	m := *model
	removed := 0
	if !fromTail {
		out := m[:0]
		for _, e := range m {
			if bytes.Equal(e, v) && (limit == 0 || removed < limit) {
				removed++
				continue
			}
			out = append(out, e)
		}
		*model = out
		return removed
	}
	keep := make([]bool, len(m))
	for i := len(m) - 1; i >= 0; i-- {
		if bytes.Equal(m[i], v) && (limit == 0 || removed < limit) {
			removed++
			continue
		}
		keep[i] = true
	}
	var out [][]byte
	for i, e := range m {
		if keep[i] {
			out = append(out, e)
		}
	}
	*model = out
	return removed
}

// TestListEntryEncoding round-trips entries of lengths around the varint
// boundaries in both directions.
func TestListEntryEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 129, 16383, 16384, 70000} {
		v := []byte(strings.Repeat("v", n))
		buf := make([]byte, 3+listEntrySize(n)+3)
		listPut(buf[3:3+listEntrySize(n)], v)
		got, next := listNext(buf, 3)
		if !bytes.Equal(got, v) || next != 3+listEntrySize(n) {
			t.Errorf("len %d: listNext gives %d bytes, next %d", n, len(got), next)
		}
		got, start := listPrev(buf, 3+listEntrySize(n))
		if !bytes.Equal(got, v) || start != 3 {
			t.Errorf("len %d: listPrev gives %d bytes, start %d", n, len(got), start)
		}
	}
}

// TestListNodesStayPacked checks that a long list of short elements costs
// about what Redis's listpacks cost: its entries and full 8 KiB nodes.
func TestListNodesStayPacked(t *testing.T) {
	for _, left := range []bool{true, false} {
		l := newList(DefaultListMaxListpackSize)
		for i := 0; i < 100000; i++ {
			l.push([]byte("xxx"), left)
		}
		bufBytes := 0
		for _, nd := range l.live() {
			bufBytes += len(nd.b)
		}
		perElement := float64(bufBytes) / float64(l.Len())
		if perElement > 5.5 {
			t.Errorf("left=%v: %.2f buffer bytes per 3-byte element, want about 5", left, perElement)
		}
		if int(l.cnt) > 100000*5/8000+2 {
			t.Errorf("left=%v: %d nodes for 100000 elements", left, l.cnt)
		}
	}
}

// TestListNewEndNodesStartFull: once a list has filled a node, a new node
// at either end is made at its full size at once (newEndRoom), so pushing
// big values costs one allocation per node, not one per doubling; a list
// of one node starts small, and a count-limited node is sized for its
// count.
func TestListNewEndNodesStartFull(t *testing.T) {
	v := bytes.Repeat([]byte("v"), 1024)
	for _, left := range []bool{true, false} {
		l := newList(DefaultListMaxListpackSize)
		l.push(v, left)
		size, _ := l.limits()
		if got := len(l.live()[0].b); got >= size {
			t.Fatalf("left=%v: a one-element list took a %d-byte node", left, got)
		}
		for l.cnt < 2 {
			l.push(v, left)
		}
		end := l.live()[0]
		if !left {
			end = l.live()[l.cnt-1]
		}
		if len(end.b) != size {
			t.Fatalf("left=%v: the new end node has %d bytes, want %d", left, len(end.b), size)
		}
		if !raceEnabled() {
			// One 8 KiB node per 7 entries of 1 KiB; doubling from one
			// entry took four allocations per node.
			if n := testing.AllocsPerRun(700, func() { l.push(v, left) }); n > 0.2 {
				t.Errorf("left=%v: %.2f allocations per 1 KiB push, want one per node", left, n)
			}
		}
		counted := newList(4)
		for counted.cnt < 2 {
			counted.push([]byte("xy"), left)
		}
		e := listEntrySize(2)
		for _, nd := range counted.live() {
			if len(nd.b) > 8*e {
				t.Fatalf("left=%v: a node of a 4-entry list has %d bytes for %d-byte entries", left, len(nd.b), e)
			}
		}
	}
}

// TestListAlternatingAtNodeBoundary checks that a push and a pop across a
// node boundary reuse the node's buffer.
func TestListAlternatingAtNodeBoundary(t *testing.T) {
	if raceEnabled() {
		t.Skip("-race allocates")
	}
	for _, left := range []bool{true, false} {
		l := newList(2)
		l.push([]byte("a"), left)
		l.push([]byte("b"), left)
		allocs := testing.AllocsPerRun(100, func() {
			l.push([]byte("c"), left)
			l.pop(left)
		})
		if allocs != 0 {
			t.Errorf("left=%v: %v allocations per push+pop, want 0", left, allocs)
		}
	}
}

// TestListArrayShrinks checks that a list which had many nodes gives back
// its node array once it has few left, and stays intact.
func TestListArrayShrinks(t *testing.T) {
	l := newList(1)
	var model [][]byte
	for i := 0; i < 1000; i++ {
		v := []byte(strconv.Itoa(i))
		l.pushRight(v)
		model = append(model, v)
	}
	big := len(l.arr)
	for i := 0; i < 990; i++ {
		if i%2 == 0 {
			l.popLeft()
			model = model[1:]
		} else {
			l.popRight()
			model = model[:len(model)-1]
		}
	}
	if len(l.arr) >= big/8 {
		t.Errorf("node array of %d slots for %d nodes (was %d)", len(l.arr), l.cnt, big)
	}
	checkList(t, l, model, "after shrinking")
	l.pushLeft([]byte("x"))
	l.pushRight([]byte("y"))
	model = append(append([][]byte{[]byte("x")}, model...), []byte("y"))
	checkList(t, l, model, "after pushing again")
}
