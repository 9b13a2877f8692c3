package db

import (
	"strconv"
	"testing"
)

// TestReserve: a dump's RESIZEDB hint sizes each empty shard once, so the
// keys load without a resize; the hint is capped, and a shard that holds
// keys already is left alone.
func TestReserve(t *testing.T) {
	ks := NewKeyspace(1)
	d := ks.DB(0)
	const n = 100 * NumShards
	d.Reserve(n)
	for i := range d.shards {
		if got := len(d.shards[i].dict.tab[0]); got < n/NumShards {
			t.Fatalf("shard %d has %d buckets for %d keys", i, got, n/NumShards)
		}
	}
	c := ks.LoadCtx(now)
	for i := 0; i < n; i++ {
		key := []byte("key:" + strconv.Itoa(i))
		if d.LoadNew(c, key, StringValue([]byte("v")), 0) == nil {
			t.Fatalf("key %s loaded twice", key)
		}
		if s, _ := d.shardFor(key); s.dict.rehashing() {
			t.Fatalf("a reserved shard resized after %d keys", i+1)
		}
	}
	if d.Size() != n {
		t.Fatalf("size %d, want %d", d.Size(), n)
	}
	before := len(d.shards[0].dict.tab[0])
	d.Reserve(1 << 40)
	if got := len(d.shards[0].dict.tab[0]); got != before {
		t.Fatalf("a shard with keys was resized by a hint: %d -> %d buckets", before, got)
	}
	empty := NewKeyspace(1).DB(0)
	empty.Reserve(1 << 40)
	if got := len(empty.shards[0].dict.tab[0]); got > maxReserve/NumShards*2 {
		t.Fatalf("a huge hint made %d buckets per shard", got)
	}
}
