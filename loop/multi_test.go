package loop

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestWatchCounterAcrossReactors increments one counter from many clients
// with the WATCH/GET/MULTI/SET/EXEC pattern: every EXEC that succeeds must
// count exactly once, whatever reactor the clients landed on.
func TestWatchCounterAcrossReactors(t *testing.T) {
	s := startTestServer(t)
	ctx := context.Background()
	const clients, rounds = 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	succeeded := 0
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 1})
			defer c.Close()
			for r := 0; r < rounds; r++ {
				err := c.Watch(ctx, func(tx *redis.Tx) error {
					n, err := tx.Get(ctx, "counter").Int()
					if err != nil && err != redis.Nil {
						return err
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, "counter", n+1, 0)
						return nil
					})
					return err
				}, "counter")
				switch err {
				case nil:
					mu.Lock()
					succeeded++
					mu.Unlock()
				case redis.TxFailedErr:
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr().String()})
	defer c.Close()
	got, _ := c.Get(ctx, "counter").Int()
	if got != succeeded {
		t.Fatalf("counter = %d after %d successful transactions", got, succeeded)
	}
	if succeeded == 0 {
		t.Fatal("no transaction succeeded")
	}
}

// TestExecIsAtomic moves amounts between accounts in transactions while
// other clients read all accounts in transactions: every read must see the
// total unchanged, which it would not if another reactor's EXEC could
// interleave.
func TestExecIsAtomic(t *testing.T) {
	s := startTestServer(t)
	ctx := context.Background()
	const accounts, total = 16, 1600
	setup := redis.NewClient(&redis.Options{Addr: s.Addr().String()})
	defer setup.Close()
	for i := 0; i < accounts; i++ {
		setup.Set(ctx, fmt.Sprintf("acct:%d", i), total/accounts, 0)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 1})
			defer c.Close()
			for r := 0; r < 200; r++ {
				from, to := fmt.Sprintf("acct:%d", (w+r)%accounts), fmt.Sprintf("acct:%d", (w*7+r*3+1)%accounts)
				_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.DecrBy(ctx, from, 3)
					p.IncrBy(ctx, to, 3)
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), PoolSize: 1})
			defer c.Close()
			for r := 0; r < 200; r++ {
				var gets []*redis.StringCmd
				_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
					for i := 0; i < accounts; i++ {
						gets = append(gets, p.Get(ctx, fmt.Sprintf("acct:%d", i)))
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
				sum := 0
				for _, g := range gets {
					n, _ := strconv.Atoi(g.Val())
					sum += n
				}
				if sum != total {
					errs <- fmt.Errorf("a transaction saw a total of %d, want %d", sum, total)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
