package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

func newClient(t testing.TB, addr string, protocol int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: protocol})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedisBasics(t *testing.T) {
	srv := startServer(t)
	for _, protocol := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", protocol), func(t *testing.T) {
			ctx := context.Background()
			c := newClient(t, srv.Addr(), protocol)
			if err := c.Ping(ctx).Err(); err != nil {
				t.Fatalf("PING: %v", err)
			}
			if err := c.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			if got, err := c.Get(ctx, "greeting").Result(); err != nil || got != "hello" {
				t.Fatalf("GET = %q, %v; want hello", got, err)
			}
			if _, err := c.Get(ctx, "nothing").Result(); err != redis.Nil {
				t.Fatalf("GET of a missing key: err = %v, want redis.Nil", err)
			}
		})
	}
}

func TestPipelineAndManyClients(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	const clients, keys = 20, 200
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2 + i%2})
			defer c.Close()
			pipe := c.Pipeline()
			for k := 0; k < keys; k++ {
				pipe.Set(ctx, fmt.Sprintf("c%d:k%d", i, k), fmt.Sprintf("v%d-%d", i, k), 0)
			}
			gets := make([]*redis.StringCmd, keys)
			for k := 0; k < keys; k++ {
				gets[k] = pipe.Get(ctx, fmt.Sprintf("c%d:k%d", i, k))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				errs <- err
				return
			}
			for k, g := range gets {
				if want := fmt.Sprintf("v%d-%d", i, k); g.Val() != want {
					errs <- fmt.Errorf("client %d key %d = %q, want %q", i, k, g.Val(), want)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStoredValuesDoNotAliasTheReadBuffer: SET k1 a, SET k2 b, GET k1 in one
// pipeline must give a, also when the bytes arrive split at every offset: a
// server that stored a slice of its read buffer would return what the
// buffer holds next.
func TestStoredValuesDoNotAliasTheReadBuffer(t *testing.T) {
	srv := startServer(t)
	pipeline := string(encodeCommand("SET", "k1", "aaaa")) + string(encodeCommand("SET", "k2", "bbbb")) +
		string(encodeCommand("GET", "k1")) + "SET k3 cccc\r\nGET k1\r\nGET k3\r\n"
	want := "+OK\r\n+OK\r\n$4\r\naaaa\r\n+OK\r\n$4\r\naaaa\r\n$4\r\ncccc\r\n"
	for cut := 0; cut <= len(pipeline); cut++ {
		c := dialRaw(t, srv.Addr())
		c.Do("FLUSHALL")
		c.Send([]byte(pipeline[:cut]))
		if cut < len(pipeline) {
			// A second write (Go sets TCP_NODELAY) usually reaches the
			// server as a second read.
			c.Send([]byte(pipeline[cut:]))
		}
		var got strings.Builder
		for i := 0; i < 6; i++ {
			got.WriteString(c.Read())
		}
		if got.String() != want {
			t.Fatalf("split at %d: replies %q, want %q", cut, got.String(), want)
		}
		c.conn.Close()
	}
}
