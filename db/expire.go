package db

import (
	"math/rand/v2"
	"time"
)

// Active expiry, after Redis 7.0's activeExpireCycle: a key nobody reads
// again would never meet lazy expiry, so a background cycle samples keys
// that have an expiry and deletes the expired ones. A shard is sampled again
// at once while more than a tenth of its sample had expired (there is
// probably more to reclaim). The cycle stops when its time budget is spent
// and the next one resumes where it stopped, so no shard starves.

const (
	expireSample        = 20 // keys sampled per round
	expireAcceptedStale = 10 // percent of a sample that may be expired keys
)

// ActiveExpire runs one cycle at time now (Unix ms) for at most budget,
// taking each shard's lock in turn, logging every deletion as DEL and
// counting it in stats. Only one goroutine may run it at a time (the
// server's cron does).
func (ks *Keyspace) ActiveExpire(now int64, stats *Stats, budget time.Duration) {
	deadline := time.Now().Add(budget)
	c := &Ctx{KS: ks, Now: now, Stats: stats}
	total := len(ks.dbs) * NumShards
	for visited := 0; visited < total; visited++ {
		pos := ks.expireCursor % total
		ks.expireCursor = (pos + 1) % total
		d := ks.dbs[pos/NumShards]
		s := &d.shards[pos%NumShards]
		c.DB = d
		s.mu.Lock()
		s.dict.rehash(100)
		for len(s.ttl) > 0 {
			sampled, deleted := d.expireSample(c, s, &d.ttlSample)
			if deleted*100 <= sampled*expireAcceptedStale || time.Now().After(deadline) {
				break
			}
		}
		s.mu.Unlock()
		if ks.OnEvents != nil && c.HasEvents() {
			ks.OnEvents(c.TakeEvents())
		}
		if pos%NumShards == NumShards-1 {
			d.updateAvgTTL()
		}
		if time.Now().After(deadline) {
			return
		}
	}
}

// updateAvgTTL folds the TTLs sampled across d's shards into avg_ttl.
func (d *DB) updateAvgTTL() {
	switch {
	case d.Expires() == 0:
		d.avgTTL.v.Store(0)
	case d.ttlSample.n > 0:
		d.avgTTL.observe(d.ttlSample.sum / d.ttlSample.n)
	}
	d.ttlSample = ttlSample{}
}

// ttlSample adds up the remaining TTLs of the live keys a cycle sampled.
type ttlSample struct{ sum, n int64 }

// expireSample checks up to expireSample keys of s, a run of them from a
// random place in its ttl list (all of them when the list is that short),
// and deletes those that have expired; it returns how many it checked and
// how many it deleted.
func (d *DB) expireSample(c *Ctx, s *shard, ttls *ttlSample) (sampled, deleted int) {
	var batch [expireSample]*Object
	n := min(expireSample, len(s.ttl))
	start := rand.IntN(len(s.ttl))
	for k := 0; k < n; k++ {
		batch[k] = s.ttl[(start+k)%len(s.ttl)]
	}
	for _, o := range batch[:n] {
		exp := o.Expire()
		if pastExpiry(exp, c.Now) {
			d.expireNow(c, s, hashString(o.Key()), o)
			c.FlushLog() // each expired key is logged as a DEL of its own
			deleted++
			continue
		}
		ttls.sum += exp - c.Now
		ttls.n++
	}
	return n, deleted
}
