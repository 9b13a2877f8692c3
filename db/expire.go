package db

import (
	"math/rand/v2"
	"time"
)

// Active expiry, after Redis's activeExpireCycle: a key nobody reads again
// would never meet lazy expiry, so a background cycle samples keys that have
// an expiry and deletes the expired ones. A shard is sampled again at once
// while more than a quarter of its sample had expired (there is probably
// more to reclaim); the whole cycle stops when its time budget is spent.

const (
	expireSample     = 20                    // keys sampled per round
	expireCycleQuota = 25 * time.Millisecond // per cycle, as Redis's slow cycle at hz 10
)

// ActiveExpire runs one cycle at time now (Unix ms), taking each shard's
// lock in turn, logging every deletion as DEL and counting it in stats.
func (ks *Keyspace) ActiveExpire(now int64, stats *Stats) {
	deadline := time.Now().Add(expireCycleQuota)
	c := &Ctx{KS: ks, Now: now, Stats: stats}
	for _, d := range ks.dbs {
		c.DB = d
		var ttls ttlSample
		for i := range d.shards {
			s := &d.shards[i]
			s.mu.Lock()
			s.dict.rehash(100)
			for len(s.ttl) > 0 {
				if d.expireSample(c, s, &ttls) <= expireSample/4 || time.Now().After(deadline) {
					break
				}
			}
			s.mu.Unlock()
			if time.Now().After(deadline) {
				return
			}
		}
		switch {
		case d.Expires() == 0:
			d.avgTTL.v.Store(0)
		case ttls.n > 0:
			d.avgTTL.observe(ttls.sum / ttls.n)
		}
	}
}

// ttlSample adds up the remaining TTLs of the live keys a cycle sampled.
type ttlSample struct{ sum, n int64 }

// expireSample checks up to expireSample keys of s, a run of them from a
// random place in its ttl list (all of them when the list is that short),
// and deletes those that have expired; it returns how many it deleted.
func (d *DB) expireSample(c *Ctx, s *shard, ttls *ttlSample) int {
	var batch [expireSample]*Object
	n := min(expireSample, len(s.ttl))
	start := rand.IntN(len(s.ttl))
	for k := 0; k < n; k++ {
		batch[k] = s.ttl[(start+k)%len(s.ttl)]
	}
	deleted := 0
	for _, o := range batch[:n] {
		if o.exp <= c.Now {
			d.expireNow(c, s, hashString(o.key), o)
			c.FlushLog() // each expired key is logged as a DEL of its own
			deleted++
			continue
		}
		ttls.sum += o.exp - c.Now
		ttls.n++
	}
	return deleted
}
