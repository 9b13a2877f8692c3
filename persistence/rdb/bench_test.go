package rdb

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"redis-fast/db"
)

// benchKeyspace holds n short string keys, the shape of the snapshot
// benchmark (memtier-style key:N and a small value).
func benchKeyspace(b *testing.B, n int) *db.Keyspace {
	b.Helper()
	ks := db.NewKeyspace(1)
	c := ks.LoadCtx(testNow)
	val := []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	for i := range n {
		ks.DB(0).Load(c, []byte("key:"+strconv.Itoa(i)), db.StringValue(val), 0)
	}
	return ks
}

// BenchmarkEncodeKeys encodes keys as a snapshot would: WriteKey under the
// lock, Flush every 256 keys.
func BenchmarkEncodeKeys(b *testing.B) {
	const n = 100_000
	ks := benchKeyspace(b, n)
	x := newTesterWith(b, ks)
	keys := x.query(0, "KEYS", "*").([]any)
	c := ks.LoadCtx(testNow)
	objs := make([]*db.Object, len(keys))
	for i, k := range keys {
		objs[i] = ks.DB(0).LookupRead(c, []byte(k.(string)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		enc := NewEncoder(io.Discard, Options{Format: Format{Compression: true}, Checksum: true})
		enc.SelectDB(0, n, 0)
		for i, o := range objs {
			enc.WriteKeyString(o.Key(), o, 0)
			if i%256 == 255 {
				enc.Flush()
			}
		}
		enc.Finish()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}

func BenchmarkLoadKeys(b *testing.B) {
	const n = 100_000
	file := encodeKeyspace(b, benchKeyspace(b, n), Options{Format: Format{Compression: true}, Checksum: true})
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(bytes.NewReader(file), db.NewKeyspace(1), LoadOptions{Checksum: true, Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}
