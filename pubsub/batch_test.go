package pubsub

import (
	"testing"

	"redis-fast/db"
)

// A batching publisher's messages wait until FlushBatch, then reach each
// subscriber in the order published, whatever the mix of channels and
// patterns.
func TestBatchDefersUntilFlush(t *testing.T) {
	r := New(db.Match)
	pub, _ := testSub(r, 1, false)
	pub.EnableBatch()
	a, kicksA := testSub(r, 2, false)
	b, _ := testSub(r, 3, true)
	r.Subscribe(a, Channel, []byte("x"))
	r.Subscribe(b, Channel, []byte("x"))
	r.PSubscribe(b, []byte("*"))
	for i, msg := range []string{"1", "2", "3"} {
		if n := r.Publish(Channel, []byte("x"), []byte(msg), pub); n != 3 {
			t.Fatalf("publish %d: %d receivers, want 3", i, n)
		}
	}
	if a.Out.Size() != 0 || kicksA.Load() != 0 {
		t.Fatalf("before FlushBatch: outbox holds %d bytes, %d kicks", a.Out.Size(), kicksA.Load())
	}
	r.FlushBatch(pub)
	if pub.Batched() {
		t.Fatal("FlushBatch left entries")
	}
	wantA := "*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\n1\r\n" +
		"*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\n2\r\n" +
		"*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\n3\r\n"
	if got := taken(a); got != wantA || kicksA.Load() != 1 {
		t.Fatalf("subscriber a: %q (kicks %d)\nwant %q (one kick)", got, kicksA.Load(), wantA)
	}
	wantB := ""
	for _, m := range []string{"1", "2", "3"} {
		wantB += ">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\n" + m + "\r\n" +
			">4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\nx\r\n$1\r\n" + m + "\r\n"
	}
	if got := taken(b); got != wantB {
		t.Fatalf("subscriber b: %q\nwant %q", got, wantB)
	}
}

// A subscriber that unsubscribes between a batched publish and the flush
// (and has sent its confirmation) never gets the messages of what it left,
// but still gets the rest.
func TestBatchRespectsUnsubscribe(t *testing.T) {
	r := New(db.Match)
	pub, _ := testSub(r, 1, false)
	pub.EnableBatch()
	s, _ := testSub(r, 2, false)
	r.Subscribe(s, Channel, []byte("keep"))
	r.Subscribe(s, Channel, []byte("leave"))
	r.PSubscribe(s, []byte("p*"))
	r.PSubscribe(s, []byte("l*"))
	for _, ch := range []string{"keep", "leave", "pz", "keep"} {
		r.Publish(Channel, []byte(ch), []byte("m"), pub)
	}
	r.Unsubscribe(s, Channel, []byte("leave"))
	r.PUnsubscribe(s, []byte("l*"))
	if got := taken(s); got != "" {
		t.Fatalf("before the flush the outbox already holds %q", got)
	}
	r.FlushBatch(pub)
	want := "*3\r\n$7\r\nmessage\r\n$4\r\nkeep\r\n$1\r\nm\r\n" +
		"*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npz\r\n$1\r\nm\r\n" +
		"*3\r\n$7\r\nmessage\r\n$4\r\nkeep\r\n$1\r\nm\r\n"
	if got := taken(s); got != want {
		t.Fatalf("after unsubscribing:\n got %q\nwant %q", got, want)
	}
}

// A batch remembers a subscriber list only while it is unchanged.
func TestBatchListChanges(t *testing.T) {
	r := New(db.Match)
	pub, _ := testSub(r, 1, false)
	pub.EnableBatch()
	a, _ := testSub(r, 2, false)
	b, _ := testSub(r, 3, false)
	r.Subscribe(a, Channel, []byte("c"))
	r.Publish(Channel, []byte("c"), []byte("1"), pub)
	r.Subscribe(b, Channel, []byte("c"))
	r.Publish(Channel, []byte("c"), []byte("2"), pub)
	r.FlushBatch(pub)
	if got := taken(b); got != "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\n2\r\n" {
		t.Fatalf("the subscriber that joined mid-batch got %q", got)
	}
	if got := taken(a); len(got) != 2*len("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\n1\r\n") {
		t.Fatalf("the first subscriber got %q", got)
	}
}
