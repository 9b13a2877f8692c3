package replication

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBacklogKeepsTheTail appends random chunks and checks that every
// offset still held reads back the right bytes, and that older ones are
// refused.
func TestBacklogKeepsTheTail(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	const size = 97
	b := NewBacklog(size, 1000)
	var all []byte // every byte appended, all[i] at offset 1000+i
	for round := 0; round < 500; round++ {
		chunk := make([]byte, rng.IntN(150))
		for i := range chunk {
			chunk[i] = byte(rng.IntN(256))
		}
		all = append(all, chunk...)
		b.Append(chunk, 1000+int64(len(all)))
		start, end := b.Range()
		if end != 1000+int64(len(all)) || end-start != int64(min(len(all), size)) {
			t.Fatalf("round %d: range [%d, %d) after %d bytes", round, start, end, len(all))
		}
		off := start + int64(rng.IntN(int(end-start)+1))
		got, ok := b.From(nil, off)
		if !ok || !bytes.Equal(got, all[off-1000:]) {
			t.Fatalf("round %d: From(%d) = %v, %v", round, off, ok, len(got))
		}
		if _, ok := b.From(nil, start-1); ok && start > 1000 {
			t.Fatalf("round %d: an offset no longer held was served", round)
		}
	}
}

func TestCanContinue(t *testing.T) {
	x := NewIDs()
	id, _, _ := x.Get()
	if !x.CanContinue(id, 150, 100, 200) || x.CanContinue(id, 99, 100, 200) || x.CanContinue(id, 201, 100, 200) {
		t.Fatal("own id: wrong window")
	}
	if x.CanContinue(NewID(), 150, 100, 200) {
		t.Fatal("an unknown id continued")
	}
	x.Shift(180) // promoted with 180 bytes of the old history
	if !x.CanContinue(id, 180, 100, 300) || x.CanContinue(id, 181, 100, 300) {
		t.Fatal("previous id: a sibling may continue with at most the 180 bytes we had")
	}
	// A replica told +CONTINUE under a promoted master's new id.
	y := NewIDs()
	old, _, _ := y.Get()
	newID := NewID()
	y.ContinueAs(newID, 50)
	if !y.CanContinue(old, 50, 0, 100) || y.CanContinue(old, 51, 0, 100) || !y.CanContinue(newID, 70, 0, 100) {
		t.Fatal("after ContinueAs: the old id must continue up to offset 50, the new one anywhere")
	}
}

func TestBacklogResize(t *testing.T) {
	b := NewBacklog(10, 0)
	b.Append([]byte("0123456789abcdef"), 16)
	b.Resize(4)
	if got, ok := b.From(nil, 12); !ok || string(got) != "cdef" {
		t.Fatalf("after shrinking: %q %v", got, ok)
	}
	b.Resize(8)
	b.Append([]byte("gh"), 18)
	if got, ok := b.From(nil, 12); !ok || string(got) != "cdefgh" {
		t.Fatalf("after growing: %q %v", got, ok)
	}
}
