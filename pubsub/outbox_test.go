package pubsub

import (
	"sync/atomic"
	"testing"
)

func TestLimitExceeded(t *testing.T) {
	l := Limit{Hard: 100, Soft: 50, SoftSeconds: 10}
	steps := []struct {
		name    string
		pending int64
		now     int64
		want    bool
		since   int64
	}{
		{name: "under both", pending: 10, now: 1000, want: false, since: 0},
		{name: "soft reached: the clock starts", pending: 50, now: 1000, want: false, since: 1000},
		{name: "soft held 10 s: not yet", pending: 60, now: 1010, want: false, since: 1000},
		{name: "soft held 11 s: over", pending: 60, now: 1011, want: true, since: 1000},
		{name: "back under: the clock stops", pending: 49, now: 1012, want: false, since: 0},
		{name: "soft again: the clock restarts", pending: 70, now: 1013, want: false, since: 1013},
		{name: "hard: at once", pending: 100, now: 1013, want: true, since: 1013},
	}
	var since int64
	for _, s := range steps {
		got := l.Exceeded(s.pending, s.now, &since)
		if got != s.want || since != s.since {
			t.Errorf("step=%q: exceeded=%v softSince=%d, want %v and %d", s.name, got, since, s.want, s.since)
		}
	}
	var zero int64
	if (Limit{}).Exceeded(1<<40, 1, &zero) {
		t.Error("a zero limit closed a client")
	}
}

func TestOutboxKicksOnceUntilTaken(t *testing.T) {
	var kicks atomic.Int64
	o := NewOutbox(nil, func() { kicks.Add(1) })
	o.Push([]byte("a"))
	o.Push([]byte("b"))
	if kicks.Load() != 1 || o.Size() != 2 {
		t.Fatalf("after two pushes: kicks=%d size=%d, want 1 and 2", kicks.Load(), o.Size())
	}
	buf, closing := o.Take()
	if string(buf) != "ab" || closing || o.Size() != 0 {
		t.Fatalf("Take: %q closing=%v size=%d", buf, closing, o.Size())
	}
	o.Recycle(buf)
	o.Push([]byte("c"))
	if kicks.Load() != 2 {
		t.Fatalf("a push after Take did not kick: kicks=%d", kicks.Load())
	}
	if got := string(o.DrainTo([]byte("x"))); got != "xc" {
		t.Fatalf("DrainTo: %q, want \"xc\"", got)
	}
}

// TestOutboxKeepsBuffersItsFlushesFill: a buffer over maxKeptOutbox is
// reused while the flushes fill a quarter of it, and dropped once they do
// not, or when it is over maxKeptBurst.
func TestOutboxKeepsBuffersItsFlushesFill(t *testing.T) {
	o := NewOutbox(nil, func() {})
	reused := func(flush, capacity int) bool {
		t.Helper()
		o.Recycle(make([]byte, flush, capacity))
		o.Take() // the kept buffer, if any, is now the one pushes fill
		o.Push([]byte("x"))
		buf, _ := o.Take()
		return cap(buf) == capacity
	}
	big := 4 * maxKeptOutbox
	for _, tc := range []struct {
		flush, capacity int
		want            bool
	}{
		{flush: 10, capacity: maxKeptOutbox, want: true},
		{flush: big / 3, capacity: big, want: true},
		{flush: big/4 - 1, capacity: big, want: false},
		{flush: maxKeptBurst, capacity: 2 * maxKeptBurst, want: false},
	} {
		if got := reused(tc.flush, tc.capacity); got != tc.want {
			t.Errorf("a flush of %d bytes from a buffer of %d: reused %v, want %v", tc.flush, tc.capacity, got, tc.want)
		}
	}
}

func TestOutboxHardLimit(t *testing.T) {
	var limits Limits
	limits.Store([NumClasses]Limit{PubSub: {Hard: 10}})
	var kicks atomic.Int64
	o := NewOutbox(&limits, func() { kicks.Add(1) })
	o.Push([]byte("0123456789abc")) // normal class: no limit
	if o.Size() != 13 {
		t.Fatalf("the normal class has no limit, yet size=%d", o.Size())
	}
	buf, _ := o.Take()
	o.Recycle(buf)
	o.SetClass(PubSub)
	o.Push([]byte("01234"))
	o.Push([]byte("56789"))
	if _, closing := o.Take(); !closing {
		t.Fatal("an outbox pushed to its hard limit is not closing")
	}
	o.Push([]byte("more"))
	if o.Size() != 0 {
		t.Fatalf("a closing outbox took %d bytes", o.Size())
	}
	if !o.Limited() {
		t.Fatal("the pubsub class reports no limit")
	}
	if !o.Check(10, 1) {
		t.Fatal("Check let 10 pending bytes pass a hard limit of 10")
	}
	if o.Shut() {
		t.Fatal("Shut of a closing outbox reported it open")
	}
}
