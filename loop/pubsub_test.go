package loop

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Subscribers on both reactors, through go-redis in RESP2 and RESP3, get
// every message of two concurrent publishers, each publisher's in order,
// through channel and pattern subscriptions alike.
func TestPubSubWithGoRedis(t *testing.T) {
	s := startTestServer(t)
	for _, protocol := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", protocol), func(t *testing.T) {
			const subscribers, publishers, messages = 8, 2, 200
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opts := &redis.Options{Addr: s.Addr().String(), Protocol: protocol}
			var subs []*redis.PubSub
			for i := 0; i < subscribers; i++ {
				c := redis.NewClient(opts)
				defer c.Close()
				var ps *redis.PubSub
				if i%2 == 0 {
					ps = c.Subscribe(ctx, "gr")
				} else {
					ps = c.PSubscribe(ctx, "g*")
				}
				if _, err := ps.Receive(ctx); err != nil {
					t.Fatalf("subscriber %d: %v", i, err)
				}
				defer ps.Close()
				subs = append(subs, ps)
			}
			var wg sync.WaitGroup
			for p := 0; p < publishers; p++ {
				wg.Add(1)
				go func(p int) {
					defer wg.Done()
					c := redis.NewClient(opts)
					defer c.Close()
					for m := 0; m < messages; m++ {
						if n, err := c.Publish(ctx, "gr", fmt.Sprintf("%d:%d", p, m)).Result(); err != nil || n != subscribers {
							t.Errorf("PUBLISH = %d, %v; want %d receivers", n, err, subscribers)
							return
						}
					}
				}(p)
			}
			for i, ps := range subs {
				next := make([]int, publishers)
				for n := 0; n < publishers*messages; n++ {
					msg, err := ps.ReceiveMessage(ctx)
					if err != nil {
						t.Fatalf("subscriber %d after %d messages: %v", i, n, err)
					}
					var p, m int
					fmt.Sscanf(msg.Payload, "%d:%d", &p, &m)
					if msg.Channel != "gr" || m != next[p] {
						t.Fatalf("subscriber %d: %+v, want publisher %d's message %d", i, msg, p, next[p])
					}
					next[p]++
				}
			}
			wg.Wait()
		})
	}
}

// Keyspace notifications reach a go-redis subscriber, and turning them off
// stops them.
func TestKeyspaceNotificationsWithGoRedis(t *testing.T) {
	s := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), Protocol: 3})
	defer c.Close()
	if err := c.ConfigSet(ctx, "notify-keyspace-events", "Kl").Err(); err != nil {
		t.Fatal(err)
	}
	ps := c.PSubscribe(ctx, "__keyspace@*__:*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "str", "v", 0) // class $ is off: no message
	for i := 0; i < 3; i++ {
		c.RPush(ctx, "list"+strconv.Itoa(i), "x")
	}
	c.LPop(ctx, "list0") // emptied: "del" is class g, which is off
	want := []string{"rpush list0", "rpush list1", "rpush list2", "lpop list0"}
	for _, w := range want {
		msg, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := msg.Payload + " " + msg.Channel[len("__keyspace@0__:"):]; got != w {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
}
