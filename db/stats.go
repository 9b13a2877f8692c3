package db

import "sync/atomic"

// Stats returns what INFO's keyspace section shows for d: the number of
// keys, of keys with an expiry, and the average time to live in ms of the
// keys with one, as the active expiry cycle last estimated it (Redis
// estimates it from its samples too). It takes no lock, so INFO never waits
// for a command and can run inside a transaction that holds the shards.
func (d *DB) Stats() (keys, expires int, avgTTL int64) {
	return d.Size(), d.Expires(), d.avgTTL.Load()
}

// ttlEstimate keeps a running average of the TTLs the expiry cycle samples,
// weighted as Redis's activeExpireCycle weights it (2% per cycle).
type ttlEstimate struct{ v atomic.Int64 }

func (e *ttlEstimate) Load() int64 { return e.v.Load() }

func (e *ttlEstimate) observe(sample int64) {
	old := e.v.Load()
	if old == 0 {
		e.v.Store(sample)
		return
	}
	e.v.Store(old/50*49 + sample/50)
}
