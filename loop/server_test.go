package loop

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testLog routes the server's log into the test's, shown on failure only.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startTestServer runs a server in-process on a free loopback port and
// shuts it down when the test ends.
func startTestServer(t testing.TB, mutate ...func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Port = 0
	cfg.Loops = 2
	cfg.Dir = t.TempDir() // the dump written at shutdown goes there
	for _, m := range mutate {
		m(&cfg)
	}
	s := New(cfg, NewLogger(testLog{t}, LevelWarning))
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	select {
	case <-s.Ready():
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not become ready")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s
}

func TestServeWithGoRedis(t *testing.T) {
	s := startTestServer(t)
	for _, protocol := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", protocol), func(t *testing.T) {
			ctx := context.Background()
			c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), Protocol: protocol})
			defer c.Close()
			if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if got := c.Get(ctx, "k").Val(); got != "v" {
				t.Fatalf("GET = %q", got)
			}
			if err := c.Do(ctx, "SELECT", 3).Err(); err != nil {
				t.Fatal(err)
			}
			info, err := c.Info(ctx, "server").Result()
			if err != nil || !strings.Contains(info, "redis_version:"+Version) {
				t.Fatalf("INFO server = %q, %v", info, err)
			}
		})
	}
}

// TestManyClientsPipelining drives both reactors at once; run under -race
// it checks that the shards, the stats and the registry are shared safely.
func TestManyClientsPipelining(t *testing.T) {
	s := startTestServer(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), Protocol: 2 + i%2})
			defer c.Close()
			for round := 0; round < 20; round++ {
				pipe := c.Pipeline()
				for k := 0; k < 50; k++ {
					pipe.Set(ctx, fmt.Sprintf("shared:%d", k), fmt.Sprintf("%d-%d", i, round), 0)
					pipe.Get(ctx, fmt.Sprintf("shared:%d", (k+i)%50))
				}
				// A GET of a key nobody has set yet is nil, not a failure.
				if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
					errs <- err
					return
				}
			}
			if _, err := c.Do(ctx, "CLIENT", "LIST").Result(); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr().String()})
	defer c.Close()
	info := c.Info(ctx, "stats").Val()
	if !strings.Contains(info, "total_commands_processed:") {
		t.Fatalf("INFO stats = %q", info)
	}
}
