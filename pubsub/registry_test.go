package pubsub

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redis-fast/db"
)

// testSub returns a subscriber whose outbox counts its kicks.
func testSub(r *Registry, id int64, resp3 bool) (*Subscriber, *atomic.Int64) {
	kicks := new(atomic.Int64)
	s := NewSubscriber(id, NewOutbox(&r.Limits, func() { kicks.Add(1) }))
	s.SetRESP3(resp3)
	return s, kicks
}

// taken empties s's outbox and returns what it held.
func taken(s *Subscriber) string {
	buf, _ := s.Out.Take()
	out := string(buf)
	s.Out.Recycle(buf)
	return out
}

func TestSubscribeCounts(t *testing.T) {
	r := New(db.Match)
	a, _ := testSub(r, 1, false)
	b, _ := testSub(r, 2, false)
	steps := []struct {
		name string
		do   func() bool
		want bool
	}{
		{name: "a subscribes x", do: func() bool { return r.Subscribe(a, Channel, []byte("x")) }, want: true},
		{name: "a subscribes x again", do: func() bool { return r.Subscribe(a, Channel, []byte("x")) }, want: false},
		{name: "b subscribes x", do: func() bool { return r.Subscribe(b, Channel, []byte("x")) }, want: true},
		{name: "a subscribes shard x", do: func() bool { return r.Subscribe(a, Shard, []byte("x")) }, want: true},
		{name: "a psubscribes x*", do: func() bool { return r.PSubscribe(a, []byte("x*")) }, want: true},
		{name: "b psubscribes x*", do: func() bool { return r.PSubscribe(b, []byte("x*")) }, want: true},
		{name: "b unsubscribes y", do: func() bool { return r.Unsubscribe(b, Channel, []byte("y")) }, want: false},
	}
	for _, st := range steps {
		if got := st.do(); got != st.want {
			t.Fatalf("step=%q: got %v, want %v", st.name, got, st.want)
		}
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{name: "a.Count", got: a.Count(), want: 2},
		{name: "a.ShardCount", got: a.ShardCount(), want: 1},
		{name: "b.Count", got: b.Count(), want: 2},
		{name: "NumSub x", got: r.NumSub(Channel, []byte("x")), want: 2},
		{name: "NumSub shard x", got: r.NumSub(Shard, []byte("x")), want: 1},
		{name: "NumChannels", got: r.NumChannels(Channel), want: 1},
		{name: "NumChannels shard", got: r.NumChannels(Shard), want: 1},
		{name: "NumPat", got: r.NumPat(), want: 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("check=%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	r.Drop(a)
	if a.Subscribed() || r.NumSub(Channel, []byte("x")) != 1 || r.NumChannels(Shard) != 0 || r.NumPat() != 1 {
		t.Errorf("after Drop(a): subscribed=%v numsub=%d shard=%d numpat=%d",
			a.Subscribed(), r.NumSub(Channel, []byte("x")), r.NumChannels(Shard), r.NumPat())
	}
	r.Drop(b)
	if r.NumChannels(Channel) != 0 || r.NumPat() != 0 {
		t.Errorf("after Drop(b): channels=%d numpat=%d", r.NumChannels(Channel), r.NumPat())
	}
}

func TestPublishFrames(t *testing.T) {
	r := New(db.Match)
	resp2, _ := testSub(r, 1, false)
	resp3, _ := testSub(r, 2, true)
	for _, s := range []*Subscriber{resp2, resp3} {
		r.Subscribe(s, Channel, []byte("news"))
		r.PSubscribe(s, []byte("n*"))
		r.Subscribe(s, Shard, []byte("news"))
	}
	cases := []struct {
		name      string
		kind      Kind
		channel   string
		receivers int
		frames2   string
	}{
		{name: "channel and pattern", kind: Channel, channel: "news", receivers: 4,
			frames2: "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"},
		{name: "pattern only", kind: Channel, channel: "nope", receivers: 2,
			frames2: "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnope\r\n$2\r\nhi\r\n"},
		{name: "shard channel, which patterns never see", kind: Shard, channel: "news", receivers: 2,
			frames2: "*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"},
		{name: "nobody", kind: Shard, channel: "other", receivers: 0},
	}
	for _, c := range cases {
		n := r.Publish(c.kind, []byte(c.channel), []byte("hi"), nil)
		if n != c.receivers {
			t.Errorf("case=%q: receivers %d, want %d", c.name, n, c.receivers)
		}
		if got := taken(resp2); got != c.frames2 {
			t.Errorf("case=%q protocol=2:\n got %q\nwant %q", c.name, got, c.frames2)
		}
		want3 := strings.ReplaceAll(c.frames2, "*3\r\n$", ">3\r\n$")
		want3 = strings.ReplaceAll(want3, "*4\r\n$", ">4\r\n$")
		if got := taken(resp3); got != want3 {
			t.Errorf("case=%q protocol=3:\n got %q\nwant %q", c.name, got, want3)
		}
	}
}

func TestPublishToSelf(t *testing.T) {
	r := New(db.Match)
	me, kicks := testSub(r, 1, true)
	r.Subscribe(me, Channel, []byte("c"))
	if n := r.Publish(Channel, []byte("c"), []byte("x"), me); n != 1 {
		t.Fatalf("receivers %d, want 1", n)
	}
	if me.Out.Size() != 0 || kicks.Load() != 0 {
		t.Fatalf("a message to oneself went through the outbox (size %d, kicks %d)", me.Out.Size(), kicks.Load())
	}
	if got, want := string(me.TakeSelf(nil)), ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n"; got != want {
		t.Fatalf("self frames %q, want %q", got, want)
	}
	if me.HasSelf() {
		t.Fatal("TakeSelf left frames behind")
	}
}

func TestChannelsAndPatterns(t *testing.T) {
	r := New(db.Match)
	s, _ := testSub(r, 1, false)
	for _, ch := range []string{"a1", "a2", "b1"} {
		r.Subscribe(s, Channel, []byte(ch))
	}
	for _, p := range []string{"p1", "p2", "p3"} {
		r.PSubscribe(s, []byte(p))
	}
	cases := []struct {
		pattern string
		want    string
	}{
		{pattern: "", want: "a1 a2 b1"},
		{pattern: "a*", want: "a1 a2"},
		{pattern: "[ab]1", want: "a1 b1"},
		{pattern: "z*", want: ""},
	}
	for _, c := range cases {
		var pat []byte
		if c.pattern != "" {
			pat = []byte(c.pattern)
		}
		got := r.Channels(Channel, pat)
		sortStrings(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("pattern=%q: got %q, want %q", c.pattern, got, c.want)
		}
	}
	r.PUnsubscribe(s, []byte("p2"))
	if got := strings.Join(s.Patterns(), " "); got != "p1 p3" {
		t.Errorf("patterns after removing p2: %q, want subscription order \"p1 p3\"", got)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestAppendSubscription(t *testing.T) {
	cases := []struct {
		name  string
		resp3 bool
		ch    []byte
		want  string
	}{
		{name: "resp2", ch: []byte("c"), want: "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:2\r\n"},
		{name: "resp3", resp3: true, ch: []byte("c"), want: ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:2\r\n"},
		{name: "resp2 null", want: "*3\r\n$9\r\nsubscribe\r\n$-1\r\n:2\r\n"},
		{name: "resp3 null", resp3: true, want: ">3\r\n$9\r\nsubscribe\r\n_\r\n:2\r\n"},
		{name: "empty channel", ch: []byte{}, want: "*3\r\n$9\r\nsubscribe\r\n$0\r\n\r\n:2\r\n"},
	}
	for _, c := range cases {
		if got := string(AppendSubscription(nil, c.resp3, FrameSubscribe, c.ch, 2)); got != c.want {
			t.Errorf("case=%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestPublishOrderUnderConcurrency has several publishers, each publishing
// numbered messages to channels shared with the others, while subscribers
// come and go; every subscriber must see each publisher's messages in the
// order they were published. Run it with -race.
func TestPublishOrderUnderConcurrency(t *testing.T) {
	const publishers, subscribers, messages = 4, 6, 600
	r := New(db.Match)
	subs := make([]*Subscriber, subscribers)
	for i := range subs {
		subs[i], _ = testSub(r, int64(i+1), i%2 == 1)
		r.Subscribe(subs[i], Channel, []byte("c"+strconv.Itoa(i%3)))
		r.PSubscribe(subs[i], []byte("c*"))
	}
	var received [subscribers]bytes.Buffer
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var drainers sync.WaitGroup
	for i := range subs {
		drainers.Add(1)
		go func(i int) {
			defer drainers.Done()
			for {
				got := taken(subs[i])
				received[i].WriteString(got)
				select {
				case <-stop:
					received[i].WriteString(taken(subs[i]))
					return
				default:
				}
				if got == "" {
					time.Sleep(50 * time.Microsecond)
				}
			}
		}(i)
	}
	for p := 0; p < publishers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for m := 0; m < messages; m++ {
				ch := []byte("c" + strconv.Itoa(m%3))
				r.Publish(Channel, ch, []byte(fmt.Sprintf("%d:%d", p, m)), nil)
			}
		}(p)
	}
	wg.Wait()
	close(stop)
	drainers.Wait()
	for i := range subs {
		last := map[string]int{}
		count := 0
		rd := bufio.NewReader(&received[i])
		for {
			payload, err := lastElement(rd)
			if err != nil {
				break
			}
			pub, num, _ := strings.Cut(payload, ":")
			n, _ := strconv.Atoi(num)
			// A message that reaches the subscriber through its channel
			// and its pattern comes twice, in a row.
			if prev, ok := last[pub]; ok && n < prev {
				t.Fatalf("subscriber=%d publisher=%s: message %d after %d", i, pub, n, prev)
			}
			last[pub] = n
			count++
		}
		// Each message reaches the subscriber through the pattern, and a
		// third of them through its channel as well.
		if want := publishers * (messages + messages/3); count < want-publishers || count > want+publishers {
			t.Errorf("subscriber=%d: %d messages, want about %d", i, count, want)
		}
	}
}

// lastElement reads one message frame and returns its payload.
func lastElement(r *bufio.Reader) (string, error) {
	header, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(header[1:]))
	var last string
	for i := 0; i < n; i++ {
		l, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		size, _ := strconv.Atoi(strings.TrimSpace(l[1:]))
		b := make([]byte, size+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		last = string(b[:size])
	}
	return last, nil
}

func TestPublishAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := New(db.Match)
	s, _ := testSub(r, 1, false)
	r.Subscribe(s, Channel, []byte("chan"))
	r.PSubscribe(s, []byte("ch*"))
	ch, payload := []byte("chan"), []byte("payload")
	publish := func() {
		r.Publish(Channel, ch, payload, nil)
		buf, _ := s.Out.Take()
		s.Out.Recycle(buf)
	}
	publish()
	if allocs := testing.AllocsPerRun(100, publish); allocs != 0 {
		t.Fatalf("publishing to a channel and a pattern allocates %.1f times, want 0", allocs)
	}
}
