package db

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

var hashSeedFlag = flag.Uint64("hashseed", 0, "seed for the randomized hash tests (0: random)")

// hashTestRand returns a seeded generator and logs the seed.
func hashTestRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *hashSeedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -hashseed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// checkHash verifies h's invariants and that it holds exactly model.
func checkHash(t *testing.T, h *Hash, model map[string]string) {
	t.Helper()
	if h.len() != len(model) {
		t.Fatalf("len %d, model has %d", h.len(), len(model))
	}
	seen := map[string]bool{}
	h.each(func(f, v []byte) bool {
		if seen[string(f)] {
			t.Fatalf("field %q twice", f)
		}
		seen[string(f)] = true
		if want, ok := model[string(f)]; !ok || want != string(v) {
			t.Fatalf("field %q = %q, model has %q (%v)", f, v, want, ok)
		}
		return true
	})
	for f, want := range model {
		if v, ok := h.get([]byte(f)); !ok || string(v) != want {
			t.Fatalf("get %q = %q %v, want %q", f, v, ok, want)
		}
	}
	if h.tab != nil {
		checkHashTable(t, h.tab)
	} else if n := len(h.positions(nil)); n != h.lpCount() {
		t.Fatalf("compact form has %d pairs, n says %d", n, h.lpCount())
	}
}

// checkHashTable verifies a table's internal invariants: chains, free list,
// records and byte accounting.
func checkHashTable(t *testing.T, tab *hashTable) {
	t.Helper()
	mask := uint32(len(tab.buckets) - 1)
	if len(tab.buckets)&(len(tab.buckets)-1) != 0 || len(tab.buckets) < hashMinBuckets {
		t.Fatalf("%d buckets", len(tab.buckets))
	}
	inChain := make([]bool, len(tab.ents))
	for b, head := range tab.buckets {
		for i := head; i != 0; i = tab.ents[i-1].next {
			e := &tab.ents[i-1]
			if e.chunk == hashFreeEnt || inChain[i-1] || e.hash&mask != uint32(b) {
				t.Fatalf("entry %d misplaced in bucket %d", i-1, b)
			}
			inChain[i-1] = true
		}
	}
	live, free := 0, 0
	for i := tab.free; i != 0; i = tab.ents[i-1].next {
		if tab.ents[i-1].chunk != hashFreeEnt {
			t.Fatalf("live entry %d on the free list", i-1)
		}
		free++
	}
	liveBytes := make([]int, len(tab.chunks))
	for i := range tab.ents {
		e := &tab.ents[i]
		if e.chunk == hashFreeEnt {
			continue
		}
		live++
		if !inChain[i] {
			t.Fatalf("entry %d in no chain", i)
		}
		if hashOf(tab.field(e)) != e.hash {
			t.Fatalf("entry %d: stored hash is stale", i)
		}
		chunk := tab.chunks[e.chunk]
		if owner := binary.LittleEndian.Uint32(chunk[e.off:]); owner != uint32(i) {
			t.Fatalf("entry %d: record says owner %d", i, owner)
		}
		room := int(binary.LittleEndian.Uint32(chunk[e.off+4:]))
		if int(e.flen+e.vlen) > room {
			t.Fatalf("entry %d: %d bytes in a record of %d", i, e.flen+e.vlen, room)
		}
		liveBytes[e.chunk] += hashRecordHeader + room
	}
	if live != tab.used || live+free != len(tab.ents) {
		t.Fatalf("used %d, live %d, free %d, entries %d", tab.used, live, free, len(tab.ents))
	}
	total := 0
	for ci, n := range liveBytes {
		if n != tab.live[ci] {
			t.Fatalf("chunk %d: %d live bytes, accounted %d", ci, n, tab.live[ci])
		}
		total += n
	}
	if total != tab.bytes {
		t.Fatalf("%d live bytes, accounted %d", total, tab.bytes)
	}
	for _, ci := range tab.spare {
		if tab.chunks[ci] != nil {
			t.Fatalf("spare chunk %d is in use", ci)
		}
	}
}

// TestHashMatchesModel runs random sets and deletes against a map, across
// both encodings and the conversion between them, checking everything
// after every step.
func TestHashMatchesModel(t *testing.T) {
	r := hashTestRand(t)
	for _, tc := range []struct {
		name           string
		entries, value int64
		keys, valueLen int
		fieldPad       int
	}{
		{name: "compact", entries: 1 << 20, value: 1 << 20, keys: 50, valueLen: 20},
		{name: "converts by count", entries: 30, value: 64, keys: 80, valueLen: 10},
		{name: "converts by length", entries: 512, value: 16, keys: 40, valueLen: 40},
		{name: "table", entries: 0, value: 64, keys: 3000, valueLen: 300},
		{name: "big values", entries: 0, value: 64, keys: 40, valueLen: 40000},
		{name: "compact long strings", entries: 1 << 20, value: 1 << 20, keys: 30, valueLen: 1000, fieldPad: 200},
		{name: "long fields", entries: 100, value: 1 << 20, keys: 200, valueLen: 300, fieldPad: 20000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := hashLimits{entries: tc.entries, value: tc.value}
			h := newHash()
			model := map[string]string{}
			for step := 0; step < 4000; step++ {
				f := fmt.Sprintf("f%d", r.IntN(tc.keys)) + strings.Repeat("p", tc.fieldPad)
				if r.IntN(10) < 3 {
					_, want := model[f]
					if got := h.del([]byte(f)); got != want {
						t.Fatalf("step %d: del %q = %v, want %v", step, f, got, want)
					}
					delete(model, f)
				} else {
					v := string(bytes.Repeat([]byte{byte('a' + r.IntN(26))}, r.IntN(tc.valueLen+1)))
					_, existed := model[f]
					if created := h.set([]byte(f), []byte(v), lim); created == existed {
						t.Fatalf("step %d: set %q created=%v, existed=%v", step, f, created, existed)
					}
					model[f] = v
				}
				if step%97 == 0 || h.len() < 20 {
					checkHash(t, h, model)
				}
				if h.tab == nil && (int64(h.lpCount()) > lim.entries) {
					t.Fatalf("step %d: %d pairs still compact", step, h.lpCount())
				}
			}
			checkHash(t, h, model)
			c := h.clone()
			checkHash(t, c, model)
			if c.encoding() != h.encoding() {
				t.Fatalf("clone is %s, original %s", c.encoding(), h.encoding())
			}
			for f := range model {
				c.del([]byte(f))
			}
			checkHash(t, h, model)
		})
	}
}

// A hash that grew big and lost most of its fields gives the memory back:
// the table shrinks, entries are packed, and sparse chunks are evacuated.
func TestHashTableGivesMemoryBack(t *testing.T) {
	h := newHash()
	lim := hashLimits{entries: 0, value: 64}
	val := bytes.Repeat([]byte("v"), 50)
	model := map[string]string{}
	for i := 0; i < 100000; i++ {
		f := fmt.Sprintf("field:%d", i)
		h.set([]byte(f), val, lim)
		model[f] = string(val)
	}
	checkHash(t, h, model)
	peak := hashChunkBytes(h.tab)
	for i := 0; i < 100000; i++ {
		if i%100 == 0 {
			continue
		}
		f := fmt.Sprintf("field:%d", i)
		h.del([]byte(f))
		delete(model, f)
	}
	checkHash(t, h, model)
	if got := hashChunkBytes(h.tab); got > 4*h.tab.bytes+2*hashMaxChunk {
		t.Errorf("after deleting 99%%: %d bytes of chunks for %d live (peak %d)", got, h.tab.bytes, peak)
	}
	if len(h.tab.buckets) > 4*h.len() || cap(h.tab.ents) > 4*h.len() {
		t.Errorf("after deleting 99%%: %d buckets, %d entries for %d fields", len(h.tab.buckets), cap(h.tab.ents), h.len())
	}
}

func hashChunkBytes(t *hashTable) int {
	n := 0
	for _, c := range t.chunks {
		n += cap(c)
	}
	return n
}

// The memory a table costs per field stays close to its bytes: under 48
// bytes of overhead for a 10-byte field and 10-byte value (Redis spends
// about 70).
func TestHashTableOverhead(t *testing.T) {
	h := newHash()
	lim := hashLimits{entries: 0, value: 64}
	const n = 50000
	for i := 0; i < n; i++ {
		h.set(fmt.Appendf(nil, "f:%08d", i), fmt.Appendf(nil, "v:%08d", i), lim)
	}
	tab := h.tab
	total := hashChunkBytes(tab) + 4*len(tab.buckets) + 24*cap(tab.ents)
	if per := total/n - 20; per > 48 {
		t.Errorf("%d bytes of overhead per field", per)
	}
}

// Every field present for a whole HSCAN is returned at least once, while
// fields are added and removed between the steps and the table grows and
// shrinks.
func TestHashScanGuarantee(t *testing.T) {
	r := hashTestRand(t)
	lim := hashLimits{entries: 0, value: 64}
	for round := 0; round < 20; round++ {
		h := newHash()
		stable := map[string]bool{}
		for i := 0; i < 300; i++ {
			f := fmt.Sprintf("s%d", i)
			h.set([]byte(f), []byte("v"), lim)
			stable[f] = true
		}
		var churn []string
		seen := map[string]bool{}
		cursor := uint64(0)
		for steps := 0; ; steps++ {
			cursor = h.scan(cursor, int64(1+r.IntN(20)), func(f, _ []byte) { seen[string(f)] = true })
			if cursor == 0 {
				break
			}
			if steps > 100000 {
				t.Fatal("scan does not end")
			}
			// Grow by up to 4x, or shrink back, between steps.
			if r.IntN(2) == 0 {
				for i := 0; i < r.IntN(400); i++ {
					f := fmt.Sprintf("c%d-%d", round, r.Uint64())
					h.set([]byte(f), []byte("v"), lim)
					churn = append(churn, f)
				}
			} else {
				for len(churn) > 0 && r.IntN(50) != 0 {
					h.del([]byte(churn[len(churn)-1]))
					churn = churn[:len(churn)-1]
				}
			}
		}
		for f := range stable {
			if !seen[f] {
				t.Fatalf("round %d: %q was never returned", round, f)
			}
		}
	}
}

// A scan with no change in between returns every field exactly once.
func TestHashScanOnce(t *testing.T) {
	h := newHash()
	lim := hashLimits{entries: 0, value: 64}
	for i := 0; i < 1000; i++ {
		h.set(fmt.Appendf(nil, "%d", i), []byte("v"), lim)
	}
	count := map[string]int{}
	cursor := uint64(0)
	for {
		cursor = h.scan(cursor, 7, func(f, _ []byte) { count[string(f)]++ })
		if cursor == 0 {
			break
		}
	}
	if len(count) != 1000 {
		t.Fatalf("%d fields returned, want 1000", len(count))
	}
	for f, n := range count {
		if n != 1 {
			t.Fatalf("%q returned %d times", f, n)
		}
	}
}

// The compact form keeps insertion order; replacing a value keeps the
// field's place, whatever the new value's length.
func TestHashCompactOrder(t *testing.T) {
	h := newHash()
	lim := hashLimits{entries: 512, value: 1 << 20}
	for _, f := range []string{"a", "b", "c", "d"} {
		h.set([]byte(f), []byte(f+f), lim)
	}
	h.set([]byte("b"), bytes.Repeat([]byte("x"), 300), lim) // the length prefix grows to 2 bytes
	h.set([]byte("c"), nil, lim)
	h.del([]byte("a"))
	h.set([]byte("a"), []byte("1"), lim)
	h.set([]byte("b"), []byte("2"), lim)
	var got []string
	h.each(func(f, v []byte) bool { got = append(got, string(f)+"="+string(v)); return true })
	want := []string{"b=2", "c=", "d=dd", "a=1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("order %q, want %q", got, want)
	}
}

// Random draws cover the whole hash in both encodings.
func TestHashRandomPos(t *testing.T) {
	for _, entries := range []int64{512, 0} {
		h := newHash()
		lim := hashLimits{entries: entries, value: 64}
		for i := 0; i < 50; i++ {
			h.set(fmt.Appendf(nil, "%d", i), []byte("v"), lim)
		}
		for i := 0; i < 50; i += 3 {
			h.del(fmt.Appendf(nil, "%d", i))
		}
		all := hashAllPositions(h)
		seen := map[string]bool{}
		for i := 0; i < 5000; i++ {
			f, _ := h.at(h.randomPos(all))
			seen[string(f)] = true
		}
		if len(seen) != h.len() {
			t.Errorf("%s: %d of %d fields drawn", h.encoding(), len(seen), h.len())
		}
		var pos []string
		for _, p := range h.positions(nil) {
			f, _ := h.at(p)
			pos = append(pos, string(f))
		}
		sort.Strings(pos)
		if len(pos) != h.len() || len(pos) != len(seen) {
			t.Errorf("%s: positions %q", h.encoding(), pos)
		}
	}
}
