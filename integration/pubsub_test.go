package integration

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// subscriber is a raw connection in the pub/sub context, read by the test.
type subscriber struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialSubscriber connects and sends cmd (SUBSCRIBE ..., PSUBSCRIBE ...),
// reading the n confirmations it answers with.
func dialSubscriber(t testing.TB, addr string, n int, cmd ...string) *subscriber {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	s := &subscriber{conn: c, r: bufio.NewReaderSize(c, 64<<10)}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(encodeCommand(cmd...)); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	for i := 0; i < n; i++ {
		if _, err := s.next(); err != nil {
			t.Fatalf("subscribe confirmation: %v", err)
		}
	}
	return s
}

// next reads one frame and returns its elements (a message's last one is
// its payload).
func (s *subscriber) next() ([]string, error) {
	v, err := readValue(s.r)
	if err != nil {
		return nil, err
	}
	elems, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a frame: %v", v)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = fmt.Sprint(e)
	}
	return out, nil
}

// infoField returns one field of INFO.
func infoField(t testing.TB, c *rawConn, section, field string) string {
	t.Helper()
	for _, line := range strings.Split(c.Do("INFO", section), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}

// residentKB returns a process's resident set size in kB.
func residentKB(t testing.TB, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("reading the server's status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// One publisher, 500 subscribers spread over every reactor: each gets every
// message, in the order it was published.
func TestPubSubFanOutAcrossReactors(t *testing.T) {
	const subscribers, messages = 500, 200
	srv := startServer(t, "--loops", "4")
	subs := make([]*subscriber, subscribers)
	for i := range subs {
		subs[i] = dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "fan")
	}
	pub := dialRaw(t, srv.Addr())
	errs := make(chan error, subscribers)
	var wg sync.WaitGroup
	for i, s := range subs {
		wg.Add(1)
		go func(i int, s *subscriber) {
			defer wg.Done()
			s.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
			for m := 0; m < messages; m++ {
				f, err := s.next()
				if err != nil {
					errs <- fmt.Errorf("subscriber %d, message %d: %v", i, m, err)
					return
				}
				if len(f) != 3 || f[0] != "message" || f[1] != "fan" || f[2] != strconv.Itoa(m) {
					errs <- fmt.Errorf("subscriber %d, message %d: got %q", i, m, f)
					return
				}
			}
		}(i, s)
	}
	for m := 0; m < messages; m++ {
		if got := pub.Do("PUBLISH", "fan", strconv.Itoa(m)); got != ":"+strconv.Itoa(subscribers)+"\r\n" {
			t.Fatalf("PUBLISH %d = %q, want %d receivers", m, got, subscribers)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Several publishers at once, pipelining: every subscriber still sees each
// publisher's messages in that publisher's order.
func TestPubSubPerPublisherOrder(t *testing.T) {
	const publishers, subscribers, messages = 4, 20, 500
	srv := startServer(t, "--loops", "4")
	subs := make([]*subscriber, subscribers)
	for i := range subs {
		subs[i] = dialSubscriber(t, srv.Addr(), 2, "SUBSCRIBE", "ord", "other")
	}
	var pubs sync.WaitGroup
	for p := 0; p < publishers; p++ {
		c := dialRaw(t, srv.Addr())
		pubs.Add(1)
		go func(p int) {
			defer pubs.Done()
			var batch []byte
			for m := 0; m < messages; m++ {
				batch = append(batch, encodeCommand("PUBLISH", "ord", fmt.Sprintf("%d:%d", p, m))...)
			}
			c.conn.Write(batch)
		}(p)
	}
	pubs.Wait()
	for i, s := range subs {
		last := map[string]int{}
		s.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		for n := 0; n < publishers*messages; n++ {
			f, err := s.next()
			if err != nil {
				t.Fatalf("subscriber %d after %d messages: %v", i, n, err)
			}
			pub, num, _ := strings.Cut(f[2], ":")
			m, _ := strconv.Atoi(num)
			if prev, ok := last[pub]; ok && m != prev+1 || !ok && m != 0 {
				t.Fatalf("subscriber %d: publisher %s's message %d follows %d", i, pub, m, prev)
			}
			last[pub] = m
		}
	}
}

// A subscriber that never reads is disconnected once its pending output
// reaches the pubsub hard limit; the other subscribers keep receiving, the
// publisher never waits, and the server's memory stays bounded.
func TestSlowSubscriberDisconnected(t *testing.T) {
	srv := startServer(t, "--loops", "2")
	admin := dialRaw(t, srv.Addr())
	if got := admin.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 4mb 2mb 60"); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET = %q", got)
	}
	slow := dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "flood")
	fast := dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "flood")
	before := residentKB(t, srv.cmd.Process.Pid)
	payload := strings.Repeat("x", 64<<10)
	const messages = 1000 // 64 MB in all, sixteen times the limit
	// The fast subscriber reads each message before the next is
	// published, so its own pending output never nears the limit however
	// slowly the machine runs the test; only the slow one's grows.
	done := make(chan error, 1)
	received := make(chan struct{}, 1)
	go func() {
		fast.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		for m := 0; m < messages; m++ {
			f, err := fast.next()
			if err != nil || len(f[2]) != len(payload) {
				done <- fmt.Errorf("fast subscriber, message %d: %v", m, err)
				return
			}
			received <- struct{}{}
		}
		done <- nil
	}()
	pub := dialRaw(t, srv.Addr())
	for m := 0; m < messages; m++ {
		pub.Send(encodeCommand("PUBLISH", "flood", payload))
		if reply := pub.Read(); reply != ":2\r\n" && reply != ":1\r\n" {
			t.Fatalf("PUBLISH %d = %q", m, reply)
		}
		select {
		case <-received:
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			done <- nil // the last message's receipt raced its signal; keep the verdict
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually(t, "the slow subscriber is disconnected", func() bool {
		return infoField(t, admin, "stats", "client_output_buffer_limit_disconnections") == "1"
	})
	if got := admin.Do("PUBSUB", "NUMSUB", "flood"); got != "*2\r\n$5\r\nflood\r\n:1\r\n" {
		t.Fatalf("NUMSUB after the disconnection = %q", got)
	}
	if !strings.Contains(srv.Log(), "scheduled to be closed ASAP for overcoming of output buffer limits.") {
		t.Fatalf("no output-buffer-limit line in the log:\n%s", srv.Log())
	}
	// The slow subscriber reads what was sent before the close, then EOF.
	slow.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		if _, err := slow.next(); err != nil {
			break
		}
	}
	if grown := residentKB(t, srv.cmd.Process.Pid) - before; grown > 48<<10 {
		t.Fatalf("the server grew by %d kB while 64 MB went to a subscriber that did not read", grown)
	}
}

// The soft limit closes a subscriber that stays over it for longer than its
// seconds.
func TestSlowSubscriberSoftLimit(t *testing.T) {
	srv := startServer(t)
	admin := dialRaw(t, srv.Addr())
	admin.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1mb 1")
	dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "soft")
	pub := dialRaw(t, srv.Addr())
	payload := strings.Repeat("y", 256<<10)
	eventually(t, "the subscriber over its soft limit is disconnected", func() bool {
		pub.Do("PUBLISH", "soft", payload)
		return infoField(t, admin, "stats", "client_output_buffer_limit_disconnections") == "1"
	})
}

// The same mechanism serves the normal class: a client that pipelines big
// replies and never reads them is closed at its limit.
func TestNormalClassOutputLimit(t *testing.T) {
	srv := startServer(t)
	admin := dialRaw(t, srv.Addr())
	admin.Do("CONFIG", "SET", "client-output-buffer-limit", "normal 2mb 0 0")
	admin.Do("SET", "big", strings.Repeat("z", 512<<10))
	greedy := dialRaw(t, srv.Addr())
	var batch []byte
	for i := 0; i < 64; i++ {
		batch = append(batch, encodeCommand("GET", "big")...)
	}
	greedy.Send(batch)
	eventually(t, "the client that does not read its replies is disconnected", func() bool {
		return infoField(t, admin, "stats", "client_output_buffer_limit_disconnections") == "1"
	})
	if got := admin.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING = %q", got)
	}
}

// PUBLISH counts a subscriber once per subscription that matches: its
// channel and each matching pattern.
func TestPatternAndChannelOverlap(t *testing.T) {
	srv := startServer(t, "--loops", "2")
	both := dialSubscriber(t, srv.Addr(), 3, "PSUBSCRIBE", "news.*", "*", "news.[ab]")
	dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "news.a")
	other := dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "news.a")
	pub := dialRaw(t, srv.Addr())
	cases := []struct {
		channel string
		want    int
	}{
		{channel: "news.a", want: 5},
		{channel: "news.c", want: 2},
		{channel: "misc", want: 1},
	}
	for _, c := range cases {
		if got := pub.Do("PUBLISH", c.channel, "m"); got != ":"+strconv.Itoa(c.want)+"\r\n" {
			t.Errorf("PUBLISH %s = %q, want %d", c.channel, got, c.want)
		}
	}
	// news.a reaches "both" through three patterns, news.c through two,
	// misc through one: six pmessages.
	both.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		f, err := both.next()
		if err != nil || f[0] != "pmessage" {
			t.Fatalf("pattern subscriber, frame %d: %q %v", i, f, err)
		}
		seen[f[2]]++
	}
	if seen["news.a"] != 3 || seen["news.c"] != 2 || seen["misc"] != 1 {
		t.Fatalf("pmessages by channel: %v", seen)
	}
	if f, err := other.next(); err != nil || f[0] != "message" || f[1] != "news.a" {
		t.Fatalf("channel subscriber: %q %v", f, err)
	}
	if got := pub.Do("PUBSUB", "NUMPAT"); got != ":3\r\n" {
		t.Fatalf("NUMPAT = %q", got)
	}
}

// A RESP3 subscriber runs ordinary commands while messages keep arriving:
// each reply comes whole, between messages, and every message arrives once,
// in order.
func TestRESP3SubscriberRunsCommands(t *testing.T) {
	const messages = 2000
	srv := startServer(t, "--loops", "2")
	c, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	c.Write(append(encodeCommand("HELLO", "3"), encodeCommand("SUBSCRIBE", "live")...))
	readReply(r) // HELLO's map
	if f, _ := readReply(r); !strings.HasPrefix(string(f), ">3\r\n$9\r\nsubscribe") {
		t.Fatalf("SUBSCRIBE confirmation %q", f)
	}
	go func() {
		pub := dialRaw(t, srv.Addr())
		var batch []byte
		for m := 0; m < messages; m++ {
			batch = append(batch, encodeCommand("PUBLISH", "live", strconv.Itoa(m))...)
			if m%100 == 99 {
				pub.conn.Write(batch)
				batch = batch[:0]
				time.Sleep(time.Millisecond)
			}
		}
	}()
	next := 0
	// read returns the next frame that is not a message, checking the
	// messages it passes on the way.
	read := func(stopAtMessage bool) string {
		for {
			f, err := readReply(r)
			if err != nil {
				t.Fatalf("after %d messages: %v", next, err)
			}
			s := string(f)
			if !strings.HasPrefix(s, ">3\r\n$7\r\nmessage\r\n$4\r\nlive\r\n") {
				return s
			}
			want := strconv.Itoa(next)
			if !strings.HasSuffix(s, "$"+strconv.Itoa(len(want))+"\r\n"+want+"\r\n") {
				t.Fatalf("message %d: %q", next, s)
			}
			next++
			if stopAtMessage {
				return ""
			}
		}
	}
	for i := 0; i < 300; i++ {
		key := "k" + strconv.Itoa(i)
		c.Write(append(encodeCommand("SET", key, "v"), encodeCommand("GET", key)...))
		for _, want := range []string{"+OK\r\n", "$1\r\nv\r\n"} {
			if got := read(false); got != want {
				t.Fatalf("command %d: reply %q, want %q", i, got, want)
			}
		}
	}
	for next < messages {
		if got := read(true); got != "" {
			t.Fatalf("unexpected frame %q", got)
		}
	}
}

// UNSUBSCRIBE with no argument confirms each channel, counting down, and a
// client that closes is unsubscribed.
func TestUnsubscribeAllAndClose(t *testing.T) {
	srv := startServer(t)
	s := dialSubscriber(t, srv.Addr(), 3, "SUBSCRIBE", "u1", "u2", "u3")
	s.conn.Write(encodeCommand("UNSUBSCRIBE"))
	names := map[string]bool{}
	for want := 2; want >= 0; want-- {
		f, err := s.next()
		if err != nil || f[0] != "unsubscribe" || f[2] != strconv.Itoa(want) {
			t.Fatalf("confirmation with count %d: %q %v", want, f, err)
		}
		names[f[1]] = true
	}
	if len(names) != 3 {
		t.Fatalf("unsubscribed from %v", names)
	}
	admin := dialRaw(t, srv.Addr())
	gone := dialSubscriber(t, srv.Addr(), 1, "SUBSCRIBE", "u1")
	if got := admin.Do("PUBSUB", "NUMSUB", "u1"); got != "*2\r\n$2\r\nu1\r\n:1\r\n" {
		t.Fatalf("NUMSUB = %q", got)
	}
	gone.conn.Write(encodeCommand("QUIT"))
	eventually(t, "the closed subscriber is unsubscribed", func() bool {
		return admin.Do("PUBSUB", "NUMSUB", "u1") == "*2\r\n$2\r\nu1\r\n:0\r\n"
	})
	if got := infoField(t, admin, "stats", "pubsub_channels"); got != "0" {
		t.Fatalf("pubsub_channels = %s", got)
	}
}

// CLIENT LIST shows subscriptions; INFO counts channels and patterns.
func TestClientListAndInfoCounts(t *testing.T) {
	srv := startServer(t)
	dialSubscriber(t, srv.Addr(), 2, "SUBSCRIBE", "c1", "c2")
	s := dialSubscriber(t, srv.Addr(), 1, "PSUBSCRIBE", "p*")
	s.conn.Write(encodeCommand("SSUBSCRIBE", "s1"))
	s.next()
	admin := dialRaw(t, srv.Addr())
	list := admin.Do("CLIENT", "LIST", "TYPE", "pubsub")
	for _, want := range []string{"flags=P db=0 sub=2 psub=0 ssub=0", "flags=P db=0 sub=0 psub=1 ssub=1"} {
		if !strings.Contains(list, want) {
			t.Errorf("CLIENT LIST TYPE pubsub has no %q:\n%s", want, list)
		}
	}
	for field, want := range map[string]string{"pubsub_channels": "2", "pubsub_patterns": "1", "pubsubshard_channels": "1"} {
		if got := infoField(t, admin, "stats", field); got != want {
			t.Errorf("%s = %s, want %s", field, got, want)
		}
	}
}

// Keyspace notifications that no client command fires: the active expiry
// cycle's "expired", and the pops of a blocked client served by another
// client's push, after the push's own event.
func TestKeyspaceEventsOutsideCommands(t *testing.T) {
	srv := startServer(t, "--loops", "2")
	admin := dialRaw(t, srv.Addr())
	admin.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	events := dialSubscriber(t, srv.Addr(), 1, "PSUBSCRIBE", "__keyevent@0__:*")
	admin.Do("SET", "soon", "v", "PX", "50")
	want := []string{"set soon", "expire soon", "expired soon"}
	events.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, w := range want {
		f, err := events.next()
		if err != nil || strings.TrimPrefix(f[2], "__keyevent@0__:")+" "+f[3] != w {
			t.Fatalf("want %q, got %q %v", w, f, err)
		}
	}
	waiter := dialRaw(t, srv.Addr())
	waiter.Send(encodeCommand("BLPOP", "jobs", "0"))
	waitBlocked(t, admin, 1)
	admin.Do("RPUSH", "jobs", "j1")
	for _, w := range []string{"rpush jobs", "lpop jobs", "del jobs"} {
		f, err := events.next()
		if err != nil || strings.TrimPrefix(f[2], "__keyevent@0__:")+" "+f[3] != w {
			t.Fatalf("want %q, got %q %v", w, f, err)
		}
	}
	if got := waiter.Read(); got != "*2\r\n$4\r\njobs\r\n$2\r\nj1\r\n" {
		t.Fatalf("BLPOP = %q", got)
	}
}
