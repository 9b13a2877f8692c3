package db

// Stats returns what INFO's keyspace section shows for d: the number of
// keys, of keys with an expiry, and the average time to live in ms of a
// sample of the latter (Redis estimates it from samples too). It takes each
// shard's read lock in turn.
func (d *DB) Stats(now int64) (keys, expires int, avgTTL int64) {
	const samplePerShard = 16
	var sum, n int64
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.RLock()
		keys += s.dict.used
		expires += len(s.ttl)
		for _, o := range s.ttl[:min(len(s.ttl), samplePerShard)] {
			if ttl := o.exp - now; ttl > 0 {
				sum += ttl
				n++
			}
		}
		s.mu.RUnlock()
	}
	if n > 0 {
		avgTTL = sum / n
	}
	return keys, expires, avgTTL
}
