package pubsub

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// Kind names a channel namespace. Shard channels (SSUBSCRIBE, SPUBLISH)
// behave, outside a cluster, as plain channels in a namespace of their own
// that patterns never match.
type Kind uint8

const (
	Channel Kind = iota
	Shard
)

// Matcher is the glob matcher patterns use: Redis's stringmatchlen, the
// one KEYS uses.
type Matcher func(pattern, s []byte, nocase bool) bool

// numShards is the number of shards of a channel table; a power of two.
const numShards = 64

// Registry is the server's subscriptions: channels and shard channels in
// tables sharded by the channel's hash, each shard under its own lock, so
// that publishers on different reactors meet on a lock only when they
// publish to channels of the same shard; and patterns in a structure of
// their own. It is safe for concurrent use.
//
// Publish holds the channel's shard lock (for reading) while it hands the
// message to every subscriber, and Unsubscribe takes it for writing: once
// Unsubscribe returns, no message on that channel is still on its way into
// the subscriber's outbox.
type Registry struct {
	channels table
	shards   table
	patterns patternTable
	match    Matcher
	seed     maphash.Seed
	// Limits are the client-output-buffer-limit classes every outbox of
	// the server reads.
	Limits Limits
	// bufs holds scratch buffers for encoding a message once per publish.
	bufs sync.Pool
}

// New returns an empty registry whose patterns match with match.
func New(match Matcher) *Registry {
	r := &Registry{match: match, seed: maphash.MakeSeed()}
	r.channels.init()
	r.shards.init()
	r.Limits.Store(DefaultLimits())
	r.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	return r
}

// table maps channel names to their subscribers.
type table struct {
	shards [numShards]tableShard
	count  atomic.Int64 // channels with at least one subscriber
}

type tableShard struct {
	mu   sync.RWMutex
	subs map[string][]*Subscriber
	// version counts the changes to subs, so that a Batch can remember a
	// subscriber list while it is unchanged.
	version uint64
	_       [88]byte // keeps neighbouring shards' locks off one cache line
}

func (t *table) init() {
	for i := range t.shards {
		t.shards[i].subs = make(map[string][]*Subscriber)
	}
}

func (r *Registry) table(kind Kind) *table {
	if kind == Shard {
		return &r.shards
	}
	return &r.channels
}

func (r *Registry) shardOf(t *table, name []byte) *tableShard {
	return &t.shards[maphash.Bytes(r.seed, name)&(numShards-1)]
}

// Subscribe subscribes s to channel of kind and reports whether it was not
// subscribed already. Owner only (s's reactor).
func (r *Registry) Subscribe(s *Subscriber, kind Kind, channel []byte) bool {
	set := s.set(kind)
	if set.has(channel) {
		return false
	}
	name := set.add(channel)
	s.counter(kind).Add(1)
	t := r.table(kind)
	sh := r.shardOf(t, channel)
	sh.mu.Lock()
	list, ok := sh.subs[name]
	if !ok {
		t.count.Add(1)
	}
	sh.subs[name] = append(list, s)
	sh.version++
	sh.mu.Unlock()
	return true
}

// Unsubscribe unsubscribes s from channel of kind and reports whether it
// was subscribed. Owner only.
func (r *Registry) Unsubscribe(s *Subscriber, kind Kind, channel []byte) bool {
	if !s.set(kind).remove(channel) {
		return false
	}
	s.counter(kind).Add(-1)
	t := r.table(kind)
	sh := r.shardOf(t, channel)
	sh.mu.Lock()
	list := removeSub(sh.subs[string(channel)], s)
	if len(list) == 0 {
		delete(sh.subs, string(channel))
		t.count.Add(-1)
	} else {
		sh.subs[string(channel)] = list
	}
	sh.version++
	sh.mu.Unlock()
	s.unsubs.Add(1)
	return true
}

// removeSub removes s from list, swapping the last subscriber into its
// place.
func removeSub(list []*Subscriber, s *Subscriber) []*Subscriber {
	for i, x := range list {
		if x == s {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			return list[:last]
		}
	}
	return list
}

// Drop removes every subscription of s, with no replies: the connection
// closed or sent RESET. Owner only.
func (r *Registry) Drop(s *Subscriber) {
	for _, kind := range [...]Kind{Channel, Shard} {
		for _, name := range s.Names(kind) {
			r.Unsubscribe(s, kind, []byte(name))
		}
	}
	for _, p := range s.Patterns() {
		r.PUnsubscribe(s, []byte(p))
	}
}

// Publish sends payload to every subscriber of channel of kind and, for a
// plain channel, to every subscriber of a pattern that matches it, and
// returns how many received it. It is safe for concurrent use and never
// waits for a subscriber: each gets the message in its outbox.
//
// The frame is encoded once per channel (and once per matching pattern);
// RESP3 subscribers get the same bytes with the push type byte. Frames
// for from, the publishing connection (nil: none), are kept for it to take
// with TakeSelf.
func (r *Registry) Publish(kind Kind, channel, payload []byte, from *Subscriber) int {
	bp := r.bufs.Get().(*[]byte)
	n := 0
	t := r.table(kind)
	sh := r.shardOf(t, channel)
	sh.mu.RLock()
	if subs := sh.subs[string(channel)]; len(subs) > 0 {
		kindName := frameMessage
		if kind == Shard {
			kindName = frameSMessage
		}
		*bp = appendMessage((*bp)[:0], kindName, nil, channel, payload)
		deliverAll(sh, sh.version, subs, *bp, from)
		n += len(subs)
	}
	sh.mu.RUnlock()
	if kind == Channel && r.patterns.count.Load() > 0 {
		n += r.publishPatterns(channel, payload, from, bp)
	}
	if cap(*bp) <= maxKeptOutbox {
		r.bufs.Put(bp)
	}
	return n
}

// deliverAll hands frame to every subscriber of subs, the list of table
// at version: into from's batch when from batches, else into each outbox.
// The caller holds the list's lock.
func deliverAll(table any, version uint64, subs []*Subscriber, frame []byte, from *Subscriber) {
	if from != nil && from.batch != nil {
		from.batch.addAll(table, version, subs, frame, from)
		return
	}
	for _, s := range subs {
		s.deliver(frame, from)
	}
}

// NumSub returns the number of subscribers of channel of kind.
func (r *Registry) NumSub(kind Kind, channel []byte) int {
	sh := r.shardOf(r.table(kind), channel)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return len(sh.subs[string(channel)])
}

// NumChannels returns the number of channels of kind that have
// subscribers (INFO's pubsub_channels and pubsubshard_channels).
func (r *Registry) NumChannels(kind Kind) int { return int(r.table(kind).count.Load()) }

// Channels returns the channels of kind that have subscribers and match
// pattern (nil: all of them), in no particular order, as PUBSUB CHANNELS
// lists them.
func (r *Registry) Channels(kind Kind, pattern []byte) []string {
	var out []string
	t := r.table(kind)
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		for name := range sh.subs {
			if pattern == nil || r.match(pattern, []byte(name), false) {
				out = append(out, name)
			}
		}
		sh.mu.RUnlock()
	}
	return out
}
