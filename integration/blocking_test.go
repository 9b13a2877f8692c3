package integration

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// A blocked client's reply comes when another client pushes, and before
// the pusher's next command runs, as in Redis (LPUSH then LLEN sees the
// list already popped).
func TestBlpopServedBeforePushersNextCommand(t *testing.T) {
	srv := startServer(t)
	waiter, pusher := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	waiter.Send(encodeCommand("BLPOP", "q", "0"))
	waitBlocked(t, pusher, 1)
	if got := pusher.Do("LPUSH", "q", "job"); got != ":1\r\n" {
		t.Fatalf("LPUSH = %q", got)
	}
	if got := pusher.Do("LLEN", "q"); got != ":0\r\n" {
		t.Fatalf("LLEN after the push = %q, want 0: the waiter is served first", got)
	}
	if got := waiter.Read(); got != "*2\r\n$1\r\nq\r\n$3\r\njob\r\n" {
		t.Fatalf("BLPOP = %q", got)
	}
}

// waitBlocked polls INFO until n clients are blocked.
func waitBlocked(t *testing.T, c *rawConn, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d clients are blocked", n), func() bool {
		return strings.Contains(c.Do("INFO", "clients"), fmt.Sprintf("blocked_clients:%d\r\n", n))
	})
}

func TestBlockedClientsAreServedInOrder(t *testing.T) {
	srv := startServer(t)
	first, second, pusher := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	first.Send(encodeCommand("BRPOP", "q", "other", "0"))
	waitBlocked(t, pusher, 1)
	second.Send(encodeCommand("BRPOP", "q", "0"))
	waitBlocked(t, pusher, 2)
	pusher.Do("RPUSH", "q", "a")
	if got := first.Read(); got != "*2\r\n$1\r\nq\r\n$1\r\na\r\n" {
		t.Fatalf("first waiter got %q", got)
	}
	pusher.Do("RPUSH", "q", "b")
	if got := second.Read(); got != "*2\r\n$1\r\nq\r\n$1\r\nb\r\n" {
		t.Fatalf("second waiter got %q", got)
	}
}

// Replies pipelined after a blocking command wait for it and follow it.
func TestPipelineBehindBlockedCommand(t *testing.T) {
	srv := startServer(t)
	waiter, pusher := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	waiter.Send(append(encodeCommand("BLPOP", "q", "0"), encodeCommand("PING")...))
	waitBlocked(t, pusher, 1)
	pusher.Do("LPUSH", "q", "x")
	if got := waiter.Read(); got != "*2\r\n$1\r\nq\r\n$1\r\nx\r\n" {
		t.Fatalf("first reply %q", got)
	}
	if got := waiter.Read(); got != "+PONG\r\n" {
		t.Fatalf("second reply %q", got)
	}
}

func TestBlockingTimeoutAndUnblock(t *testing.T) {
	srv := startServer(t)
	c, admin := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	if got := c.Do("BLPOP", "q", "0.05"); got != "*-1\r\n" {
		t.Fatalf("BLPOP timed out = %q", got)
	}
	if got := c.Do("BLMOVE", "q", "d", "LEFT", "LEFT", "0.05"); got != "*-1\r\n" {
		t.Fatalf("BLMOVE timed out = %q", got)
	}
	id := strings.TrimSpace(strings.TrimPrefix(c.Do("CLIENT", "ID"), ":"))
	c.Send(encodeCommand("BLPOP", "q", "0"))
	waitBlocked(t, admin, 1)
	if got := admin.Do("CLIENT", "UNBLOCK", id, "ERROR"); got != ":1\r\n" {
		t.Fatalf("CLIENT UNBLOCK = %q", got)
	}
	if got := c.Read(); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("unblocked client got %q", got)
	}
	c.Send(encodeCommand("BLPOP", "q", "0"))
	waitBlocked(t, admin, 1)
	admin.Do("CLIENT", "UNBLOCK", id)
	if got := c.Read(); got != "*-1\r\n" {
		t.Fatalf("unblocked (timeout) client got %q", got)
	}
	if got := admin.Do("CLIENT", "UNBLOCK", id); got != ":0\r\n" {
		t.Fatalf("CLIENT UNBLOCK of a client not blocked = %q", got)
	}
}

// BLMOVE's push wakes a client blocked on its destination.
func TestBlmoveChainsToTheNextWaiter(t *testing.T) {
	srv := startServer(t)
	mover, waiter, pusher := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	mover.Send(encodeCommand("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"))
	waitBlocked(t, pusher, 1)
	waiter.Send(encodeCommand("BLPOP", "dst", "0"))
	waitBlocked(t, pusher, 2)
	pusher.Do("LPUSH", "src", "item")
	if got := mover.Read(); got != "$4\r\nitem\r\n" {
		t.Fatalf("BLMOVE = %q", got)
	}
	if got := waiter.Read(); got != "*2\r\n$3\r\ndst\r\n$4\r\nitem\r\n" {
		t.Fatalf("BLPOP on the destination = %q", got)
	}
}

// Many waiters on both reactors, many pushers: every element reaches
// exactly one waiter.
func TestBlockingManyWaitersNoLossNoDuplicate(t *testing.T) {
	srv := startServer(t)
	const n = 24
	admin := dialRaw(t, srv.Addr())
	waiters := make([]*rawConn, n)
	for i := range waiters {
		waiters[i] = dialRaw(t, srv.Addr())
		waiters[i].Send(encodeCommand("BLPOP", "jobs", "0"))
	}
	waitBlocked(t, admin, n)
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			c := dialRaw(t, srv.Addr())
			for i := 0; i < n/4; i++ {
				c.Do("RPUSH", "jobs", fmt.Sprintf("job-%d-%d", p, i))
			}
		}(p)
	}
	wg.Wait()
	var got []string
	for _, w := range waiters {
		reply := w.Read()
		v, err := parseValue(reply)
		if err != nil {
			t.Fatalf("reply %q: %v", reply, err)
		}
		got = append(got, v.([]any)[1].(string))
	}
	sort.Strings(got)
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("%s was served twice", got[i])
		}
	}
	if len(got) != n {
		t.Fatalf("%d of %d waiters served", len(got), n)
	}
	if left := admin.Do("LLEN", "jobs"); left != ":0\r\n" {
		t.Fatalf("elements left over: %q", left)
	}
}

func TestBzpopminServedOnZadd(t *testing.T) {
	srv := startServer(t)
	waiter, pusher := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	waiter.Send(encodeCommand("BZPOPMIN", "z", "0"))
	waitBlocked(t, pusher, 1)
	pusher.Do("ZADD", "z", "2", "b", "1", "a")
	if got := waiter.Read(); got != "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n" {
		t.Fatalf("BZPOPMIN = %q", got)
	}
	if got := pusher.Do("ZCARD", "z"); got != ":1\r\n" {
		t.Fatalf("ZCARD after = %q", got)
	}
}
