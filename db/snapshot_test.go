package db

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// describe renders a key's value and expiry canonically, for comparing
// datasets.
func describe(o *Object, exp int64) string {
	var parts []string
	switch o.typ {
	case TypeString:
		parts = append(parts, string(o.Str()))
	case TypeList:
		o.EachList(func(e []byte) bool { parts = append(parts, string(e)); return true })
	case TypeHash:
		o.EachHash(func(f, v []byte) bool { parts = append(parts, string(f)+"="+string(v)); return true })
		sort.Strings(parts)
	case TypeSet:
		o.EachSet(func(m []byte) bool { parts = append(parts, string(m)); return true })
		sort.Strings(parts)
	case TypeZSet:
		o.EachZSet(func(m []byte, s float64) bool { parts = append(parts, fmt.Sprintf("%s:%g", m, s)); return true })
	}
	return fmt.Sprintf("%s exp=%d [%s]", o.typ, exp, strings.Join(parts, " "))
}

// dataset returns every live key of every database, described.
func dataset(x *tester) map[string]string {
	out := map[string]string{}
	for i := 0; i < x.ks.Len(); i++ {
		d := x.ks.DB(i)
		for j := range d.shards {
			s := &d.shards[j]
			s.dict.each(func(o *Object) {
				if exp := o.Expire(); !pastExpiry(exp, x.now) {
					out[fmt.Sprintf("%d/%s", i, o.Key())] = describe(o, exp)
				}
			})
		}
	}
	return out
}

// TestSnapshotIsPointInTime starts a snapshot, then changes the data in
// every way between the chunks the snapshot hands out: the snapshot must
// still see exactly the dataset of its beginning.
func TestSnapshotIsPointInTime(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	x := newTester(t)
	for db := 0; db < 4; db++ {
		x.selectDB(db)
		for i := 0; i < 3000; i++ {
			switch i % 5 {
			case 0:
				x.do(fmt.Sprintf("SET k%d v%d", i, i))
			case 1:
				x.do(fmt.Sprintf("RPUSH k%d a%d b%d c%d", i, i, i, i))
			case 2:
				x.do(fmt.Sprintf("HSET k%d f %d g %d", i, i, i+1))
			case 3:
				x.do(fmt.Sprintf("SADD k%d %d x%d", i, i, i))
			case 4:
				x.do(fmt.Sprintf("ZADD k%d %d m%d", i, i, i))
			}
			if i%7 == 0 {
				x.do(fmt.Sprintf("PEXPIRE k%d 100000", i))
			}
		}
	}
	want := dataset(x)
	snap, err := x.ks.BeginSnapshot(x.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.ks.BeginSnapshot(x.now, nil); err != ErrSnapshotRunning {
		t.Fatalf("a second snapshot: %v", err)
	}
	changes := []func(){
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("SET k%d changed", rng.IntN(3000))) },
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("DEL k%d", rng.IntN(3000))) },
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("SET new%d v", rng.IntN(100000))) },
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("RPUSH k%d more", rng.IntN(3000)/5*5+1)) },
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("HSET k%d f other", rng.IntN(3000)/5*5+2)) },
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("ZINCRBY k%d 5 m1", rng.IntN(3000)/5*5+4)) },
		func() {
			x.selectDB(rng.IntN(4))
			x.do(fmt.Sprintf("RENAME k%d renamed%d", rng.IntN(3000), rng.IntN(100)))
		},
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("MOVE k%d %d", rng.IntN(3000), rng.IntN(4))) },
		func() {
			x.selectDB(rng.IntN(4))
			x.do(fmt.Sprintf("COPY k%d k%d REPLACE", rng.IntN(3000), rng.IntN(3000)))
		},
		func() { x.selectDB(rng.IntN(4)); x.do(fmt.Sprintf("PEXPIRE k%d 1", rng.IntN(3000))) },
	}
	flushes := 0
	got := map[string]string{}
	err = snap.Each(func(d *DB, key string, o *Object, exp int64) error {
		id := fmt.Sprintf("%d/%s", d.ID, key)
		if _, dup := got[id]; dup {
			t.Errorf("%s handed out twice", id)
		}
		got[id] = describe(o, exp)
		return nil
	}, func() error {
		flushes++
		for n := 0; n < 20; n++ {
			changes[rng.IntN(len(changes))]()
		}
		x.advance(1)
		switch flushes {
		case 30:
			x.selectDB(2)
			x.do("FLUSHDB")
		case 60:
			x.do("SWAPDB 1 3")
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if x.ks.Snapshotting() {
		t.Fatal("the snapshot did not end")
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: snapshot has %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: snapshot has a key that came later: %q", k, v)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d keys, %d chunks", len(got), flushes)
	// Nothing is left behind in the shards.
	for i := 0; i < x.ks.Len(); i++ {
		for j := range x.ks.DB(i).shards {
			if x.ks.DB(i).shards[j].saved != nil {
				t.Fatalf("db %d shard %d still holds preserved keys", i, j)
			}
		}
	}
}

// TestSnapshotWithConcurrentWriters runs the snapshot on its own goroutine
// while another writes, as BGSAVE does; under -race it checks the locking.
func TestSnapshotWithConcurrentWriters(t *testing.T) {
	x := newTester(t)
	for i := 0; i < 20000; i++ {
		x.do(fmt.Sprintf("SET k%d v%d", i, i))
	}
	want := dataset(x)
	snap, err := x.ks.BeginSnapshot(x.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	done := make(chan error)
	go func() {
		done <- snap.Each(func(d *DB, key string, o *Object, exp int64) error {
			got[fmt.Sprintf("%d/%s", d.ID, key)] = describe(o, exp)
			return nil
		}, func() error { return nil }, nil)
	}()
	w := x.fork()
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("snapshot has %d keys, want %d (after %d concurrent writes)", len(got), len(want), i)
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("%s: snapshot has %q, want %q", k, got[k], v)
				}
			}
			return
		default:
			w.do(fmt.Sprintf("SET k%d w%d", i%20000, i))
			w.do(fmt.Sprintf("DEL k%d", (i*7)%20000))
		}
	}
}
