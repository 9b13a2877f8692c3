package pubsub

import "sync/atomic"

// Subscriber is one connection's side of pub/sub: the channels, shard
// channels and patterns it is subscribed to, the protocol its messages are
// encoded in, and its Outbox, where messages published on other reactors
// wait for its reactor to write them.
//
// The subscription sets belong to the connection's reactor, the only
// goroutine that subscribes and unsubscribes it; the counts are atomic
// copies that CLIENT LIST and INFO read from anywhere.
type Subscriber struct {
	ID  int64
	Out *Outbox

	resp3 atomic.Bool

	channels nameSet
	shard    nameSet
	patterns nameSet // in subscription order, as Redis 7.0 keeps them

	nChannels, nShard, nPatterns atomic.Int32

	// self gathers the frames the connection published to itself; see
	// TakeSelf.
	self []byte
	// batch, when set, gathers what the connection publishes to others
	// until FlushBatch (batch.go).
	batch *Batch
	// unsubs counts the connection's unsubscriptions, so a batch can tell
	// whether a deferred message may still be delivered (batch.go).
	unsubs atomic.Uint64
}

// NewSubscriber returns the pub/sub side of connection id, whose
// cross-reactor output goes through out.
func NewSubscriber(id int64, out *Outbox) *Subscriber {
	s := &Subscriber{ID: id, Out: out}
	s.patterns.ordered = true
	return s
}

// SetRESP3 sets the protocol the connection's messages are encoded in.
func (s *Subscriber) SetRESP3(v bool) { s.resp3.Store(v) }

// Count is the number Redis's (un)subscribe replies carry for channels and
// patterns: the channels plus the patterns the connection is subscribed to.
func (s *Subscriber) Count() int { return int(s.nChannels.Load() + s.nPatterns.Load()) }

// ShardCount is the number SSUBSCRIBE and SUNSUBSCRIBE replies carry.
func (s *Subscriber) ShardCount() int { return int(s.nShard.Load()) }

// Counts returns the channels, patterns and shard channels the connection
// is subscribed to (CLIENT LIST's sub, psub and ssub).
func (s *Subscriber) Counts() (channels, patterns, shard int) {
	return int(s.nChannels.Load()), int(s.nPatterns.Load()), int(s.nShard.Load())
}

// Subscribed reports whether the connection is subscribed to anything: it
// is then in Redis's pub/sub context (flag P, class pubsub).
func (s *Subscriber) Subscribed() bool {
	return s.nChannels.Load()+s.nShard.Load()+s.nPatterns.Load() > 0
}

// Names returns a copy of the channels (kind Channel or Shard) the
// connection is subscribed to; the reactor's UNSUBSCRIBE of everything
// walks it.
func (s *Subscriber) Names(kind Kind) []string {
	return s.set(kind).list()
}

// Patterns returns a copy of the patterns, in subscription order.
func (s *Subscriber) Patterns() []string { return s.patterns.list() }

// TakeSelf appends to dst the frames of messages the connection published
// to channels it is itself subscribed to, and forgets them. Those never go
// through the outbox: the publisher's reactor places them in the
// connection's reply stream where Redis would, ahead of the reply of the
// command that published them. Owner only.
func (s *Subscriber) TakeSelf(dst []byte) []byte {
	dst = append(dst, s.self...)
	s.self = s.self[:0]
	return dst
}

// HasSelf reports whether TakeSelf has frames to give. Owner only.
func (s *Subscriber) HasSelf() bool { return len(s.self) > 0 }

// deliver sends one message frame, in its RESP2 form, to s; from is the
// publishing connection, whose frames to itself are kept apart.
func (s *Subscriber) deliver(frame []byte, from *Subscriber) {
	var first byte
	if s.resp3.Load() {
		first = '>'
	}
	if s != from {
		s.Out.push(frame, first)
		return
	}
	start := len(s.self)
	s.self = append(s.self, frame...)
	if first != 0 {
		s.self[start] = first
	}
}

func (s *Subscriber) set(kind Kind) *nameSet {
	if kind == Shard {
		return &s.shard
	}
	return &s.channels
}

func (s *Subscriber) counter(kind Kind) *atomic.Int32 {
	if kind == Shard {
		return &s.nShard
	}
	return &s.nChannels
}

// nameSet is a set of names that also lists them. Removal keeps the order
// when ordered is set (patterns, which Redis 7.0 unsubscribes in
// subscription order) and swaps the last name in otherwise (channels, which
// Redis unsubscribes in hash order anyway), which is O(1).
type nameSet struct {
	names   []string
	idx     map[string]int
	ordered bool
}

func (n *nameSet) has(name []byte) bool {
	_, ok := n.idx[string(name)]
	return ok
}

// add inserts name, which must not be in the set, and returns the stored
// string.
func (n *nameSet) add(name []byte) string {
	if n.idx == nil {
		n.idx = make(map[string]int)
	}
	s := string(name)
	n.idx[s] = len(n.names)
	n.names = append(n.names, s)
	return s
}

// remove deletes name and reports whether it was in the set.
func (n *nameSet) remove(name []byte) bool {
	i, ok := n.idx[string(name)]
	if !ok {
		return false
	}
	delete(n.idx, string(name))
	last := len(n.names) - 1
	if n.ordered {
		copy(n.names[i:], n.names[i+1:])
		for j := i; j < last; j++ {
			n.idx[n.names[j]] = j
		}
	} else if i != last {
		n.names[i] = n.names[last]
		n.idx[n.names[i]] = i
	}
	n.names[last] = ""
	n.names = n.names[:last]
	return true
}

func (n *nameSet) list() []string { return append([]string(nil), n.names...) }

func (n *nameSet) len() int { return len(n.names) }
