package loop

import (
	"context"
	"fmt"
	"runtime"
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

// TestInfoAddsUpProcsTime: INFO server's gomaxprocs_seconds grows with
// time, by at least the one P the server always has, so that a tool can
// divide its growth by the time between two reads.
func TestInfoAddsUpProcsTime(t *testing.T) {
	s := startTestServer(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr().String()})
	defer c.Close()
	read := func() float64 {
		t.Helper()
		info := c.Info(ctx, "server").Val()
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "gomaxprocs_seconds:"); ok {
				var f float64
				if _, err := fmt.Sscan(v, &f); err != nil {
					t.Fatalf("gomaxprocs_seconds:%s: %v", v, err)
				}
				return f
			}
		}
		t.Fatalf("no gomaxprocs_seconds in INFO server: %q", info)
		return 0
	}
	first, start := read(), time.Now()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		got := read()
		if got > first {
			// At least one P the whole time, give or take one tick of the
			// tuner at each end, and no more than all of them.
			if elapsed := time.Since(start).Seconds(); got-first > elapsed*float64(runtime.GOMAXPROCS(0)+1)+0.1 {
				t.Fatalf("gomaxprocs_seconds grew by %.3f in %.3f s", got-first, elapsed)
			}
			return
		}
	}
	t.Fatalf("gomaxprocs_seconds stayed at %.3f for 10 s", first)
}

// TestPortInUse: a second server on a port the first holds fails to start,
// rather than share the first one's clients, with the two lines
// redis-server 7.0 logs:
//
//	# Warning: Could not create server TCP listening socket 127.0.0.1:7431: bind: Address already in use
//	# Failed listening on port 7431 (TCP), aborting.
func TestPortInUse(t *testing.T) {
	first := startTestServer(t)
	cfg := DefaultConfig()
	cfg.Port = first.Addr().Port
	cfg.Dir = t.TempDir()
	var log strings.Builder
	second := New(cfg, NewLogger(&log, LevelWarning))
	serveRefused(t, second, &log, func() int { return cfg.Port })
}

// serveRefused runs s, which must fail to start on the port port gives
// (asked once Serve has returned), with the two lines redis-server 7.0
// logs for a port it cannot have, the second as Serve's error.
func serveRefused(t *testing.T, s *Server, log *strings.Builder, port func() int) {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	select {
	case err := <-served:
		warning := fmt.Sprintf("# Warning: Could not create server TCP listening socket 127.0.0.1:%d: bind: Address already in use\n", port())
		if !strings.HasSuffix(log.String(), warning) {
			t.Errorf("log %q does not end with %q", log.String(), warning)
		}
		if want := fmt.Sprintf("Failed listening on port %d (TCP), aborting.", port()); err == nil || err.Error() != want {
			t.Fatalf("Serve = %v; want %q", err, want)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown of a server that never served: %v", err)
		}
	case <-s.Ready():
		s.Shutdown(context.Background())
		t.Fatal("the server became ready on a port another one holds")
	case <-time.After(10 * time.Second):
		t.Fatal("Serve neither failed nor became ready")
	}
}
