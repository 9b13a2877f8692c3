package db

import (
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"

	"redis-fast/proto"
)

// hashSeed keys the hash of every key. It is chosen once per process, as
// Redis seeds siphash at start-up, so that nobody can predict which keys
// collide; it is never written after initialisation.
var hashSeed = maphash.MakeSeed()

func hashKey(key []byte) uint64    { return maphash.Bytes(hashSeed, key) }
func hashString(key string) uint64 { return maphash.String(hashSeed, key) }

// shardOf picks a shard by the hash's top bits; the bucket inside the shard
// is picked by its bottom bits, so the two choices are independent.
func shardOf(h uint64) int { return int(h >> (64 - ShardBits)) }

// ShardMask returns the mask with the bit of key's shard set.
func ShardMask(key []byte) uint64 { return 1 << shardOf(hashKey(key)) }

// KeyHash returns key's hash, and HashMask the shard mask of a hash: the
// dispatcher hashes a command's first key once, for its lock and (through
// Ctx.SetKeyHash) for the handler's lookup.
func KeyHash(key []byte) uint64 { return hashKey(key) }

// HashMask returns the mask with the bit of the shard of hash h set.
func HashMask(h uint64) uint64 { return 1 << shardOf(h) }

// ShardBits sets the number of shards per database: 1<<ShardBits. 64 shards
// let a set of shards be a uint64 bitmask, so locking "the shards of these
// keys, sorted and deduplicated" is locking the set bits in order.
const ShardBits = 6

// NumShards is the number of shards in each database.
const NumShards = 1 << ShardBits

// DefaultDatabases is Redis's default for the databases directive.
const DefaultDatabases = 16

// Keyspace holds the databases and the write log. It is safe for concurrent
// use: every shard has its own lock.
type Keyspace struct {
	dbs []*DB
	Log *WriteLog
	// MaxBulkLen is proto-max-bulk-len: no string may grow past it
	// (APPEND, SETRANGE), as Redis's checkStringLength enforces.
	MaxBulkLen atomic.Int64
	// Limits are the compact-encoding thresholds of the collections.
	Limits EncodingLimits
	// Waiters counts the clients blocked on keys (see blocking.go).
	Waiters Waiters
	// Watching counts the WATCHed keys (see watch.go).
	Watching Watching
	// Notify is notify-keyspace-events (see notify.go).
	Notify Notifications
	// OnEvents, when set, receives the keyspace events of the active
	// expiry cycle (expired keys), each time the cycle has released a
	// shard's lock. It is set once, before the keyspace is shared.
	OnEvents func([]Event)
	// expireCursor is where the next active expiry cycle starts, counted in
	// shards across the databases; only the cycle's goroutine touches it.
	expireCursor int
	// StreamMu is held by whoever applies commands whose effects and log
	// entries are made apart, as a replica applies its master's stream
	// (the command runs, then its bytes go to the log as they came): a
	// snapshot begins only between two of them, so the data it sees is
	// exactly the data at its log offset.
	StreamMu sync.Mutex
	// snap is the snapshot being written, if any; epochs numbers them.
	snap atomic.Pointer[Snapshot]
	// Following is set on a replica: its write log carries its master's
	// stream alone, byte for byte, so that offsets agree along the chain;
	// the writes of its own clients (replica-read-only no) stay local, as
	// Redis keeps them.
	Following atomic.Bool
	// OnSnapshot, when set, is called as a snapshot begins (no lock held):
	// the server makes room on the CPU for the goroutine that walks it.
	OnSnapshot func()
	epochs     atomic.Uint32
}

// NewKeyspace returns n empty databases.
func NewKeyspace(n int) *Keyspace {
	ks := &Keyspace{Log: NewWriteLog()}
	ks.MaxBulkLen.Store(proto.DefaultMaxBulkLen)
	ks.Limits.setDefaults()
	for i := 0; i < n; i++ {
		ks.dbs = append(ks.dbs, newDB(i))
	}
	return ks
}

// DB returns database i; i must be in range (see Len).
func (ks *Keyspace) DB(i int) *DB { return ks.dbs[i] }

// Len returns the number of databases.
func (ks *Keyspace) Len() int { return len(ks.dbs) }

// DB is one numbered database: NumShards shards, each a hash table of keys
// plus the list of its keys that have an expiry.
type DB struct {
	ID     int
	shards [NumShards]shard
	avgTTL ttlEstimate // INFO's avg_ttl, kept by the expiry cycle
	// ttlSample gathers the TTLs the expiry cycle sees across d's shards;
	// only the cycle's goroutine touches it.
	ttlSample ttlSample
}

// shard is a slice of one database, the unit of locking. Everything in it is
// guarded by mu.
type shard struct {
	mu   sync.RWMutex
	dict dict
	// ttl lists the objects that have an expiry, for the active expiry
	// cycle to sample; each one's index is in its key header (keyBlock).
	ttl []*Object
	// expires is len(ttl), readable without the lock (INFO).
	expires atomic.Int64
	// watched holds the WATCHers of keys of this shard (see watch.go).
	watched map[string][]*Watcher
	// The running snapshot's state of this shard (see snapshot.go):
	// snapDone is the epoch of the last snapshot that finished it, saved
	// the keys a writer preserved before the snapshot reached them.
	snapDone uint32
	saved    map[string]savedKey
}

func newDB(id int) *DB {
	d := &DB{ID: id}
	for i := range d.shards {
		d.shards[i].dict = newDict()
	}
	return d
}

// Lock takes the shards in mask, in ascending order (the lock order that
// keeps two multi-key commands from deadlocking), for writing or reading.
func (d *DB) Lock(mask uint64, write bool) {
	for m := mask; m != 0; m &= m - 1 {
		s := &d.shards[bits.TrailingZeros64(m)]
		if write {
			s.mu.Lock()
		} else {
			s.mu.RLock()
		}
	}
}

// Unlock releases the shards Lock took.
func (d *DB) Unlock(mask uint64, write bool) {
	for m := mask; m != 0; m &= m - 1 {
		s := &d.shards[bits.TrailingZeros64(m)]
		if write {
			s.mu.Unlock()
		} else {
			s.mu.RUnlock()
		}
	}
}

// EveryShard is the mask of all the shards of a database.
const EveryShard = ^uint64(0)

// Size returns the number of keys, expired ones not yet reclaimed included,
// as Redis's DBSIZE counts. It needs no lock: the counts are atomic.
func (d *DB) Size() int {
	n := 0
	for i := range d.shards {
		n += d.shards[i].dict.len()
	}
	return n
}

// Expires returns the number of keys with an expiry. It needs no lock.
func (d *DB) Expires() int {
	n := 0
	for i := range d.shards {
		n += int(d.shards[i].expires.Load())
	}
	return n
}
