package rdb

import (
	"bytes"
	"os"
	"testing"

	"redis-fast/db"
)

// FuzzLoad: whatever the input, Load returns nil or an error wrapping one
// of the sentinels, and never panics. What it loads, we can write and load
// again.
func FuzzLoad(f *testing.F) {
	f.Add(smallFile(f))
	f.Add(legacyDump(9, true))
	f.Add(legacyDump(4, false))
	f.Add([]byte("REDIS0010\xff"))
	if real, err := os.ReadFile("testdata/redis-7.0.15.rdb"); err == nil {
		f.Add(real)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ks := db.NewKeyspace(4)
		_, err := Load(bytes.NewReader(data), ks, LoadOptions{Now: testNow})
		if err != nil {
			if sentinel(err) == nil {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		again := encodeKeyspace(t, ks, Options{Format: Format{Compression: true}, Checksum: true})
		if _, err := Load(bytes.NewReader(again), db.NewKeyspace(4), LoadOptions{Checksum: true, Now: testNow}); err != nil {
			t.Fatalf("reloading what we loaded: %v", err)
		}
	})
}

// FuzzRestore: a RESTORE payload decodes or is refused with a sentinel;
// the command answers without panicking.
func FuzzRestore(f *testing.F) {
	x := newTester(f)
	populate(func(dbi int, args ...string) { x.do(dbi, args...) }, 9)
	for _, key := range []string{"int16", "compressible", "list:small", "list:fat", "set:int32", "set:strings",
		"hash:small", "hash:longvalue", "zset:small", "zset:longmember"} {
		f.Add([]byte(x.query(0, "DUMP", key).(string)))
	}
	ks := db.NewKeyspace(1)
	f.Fuzz(func(t *testing.T, payload []byte) {
		if _, err := DecodeDump(payload, ks); err != nil && sentinel(err) == nil {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		r := newTesterWith(t, ks)
		r.do(0, "RESTORE", "k", "0", string(payload), "REPLACE")
	})
}
