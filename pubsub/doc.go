// Package pubsub is publish/subscribe across reactors: who is subscribed to
// what, how a message reaches every subscriber whatever reactor owns it,
// and how a subscriber that stops reading is kept from holding the
// server's memory hostage.
//
// # Subscriptions
//
// A Registry holds three namespaces. Channels and shard channels (SSUBSCRIBE,
// SPUBLISH: outside a cluster, plain channels of their own namespace, which
// patterns never see) live in tables of 64 shards, picked by the channel
// name's hash, each a map from channel to subscribers under its own
// RWMutex: publishers on different reactors publishing to different
// channels meet on no lock. Patterns cannot be sharded by channel, since a
// message must be matched against all of them, so they live in one list
// under one RWMutex, with an atomic count that lets a publish skip them all
// when there are none.
//
//	Registry
//	  channels  [64]{RWMutex; map[channel][]*Subscriber}
//	  shards    [64]{RWMutex; map[channel][]*Subscriber}
//	  patterns  {RWMutex; []{pattern, []*Subscriber}}   count (atomic)
//	  Limits    client-output-buffer-limit, per class (atomic)
//
// A Subscriber is one connection's side: the names it is subscribed to
// (kept, and changed, only by its own reactor: SUBSCRIBE and UNSUBSCRIBE run
// there) with atomic counts for CLIENT LIST and INFO, the protocol its
// messages are encoded in, and its Outbox.
//
// # Publishing
//
// Publish takes the channel's shard lock for reading, encodes the message
// once (a RESP3 push differs from the RESP2 array in its first byte only,
// so one encoding serves both), and pushes it into each subscriber's
// outbox. It never waits for a subscriber: a push is an append under the
// outbox's mutex. UNSUBSCRIBE takes the shard lock for writing, so once it
// returns no message for that channel is still on its way into the outbox;
// the server then moves what the outbox holds ahead of the confirmation,
// and no message follows an unsubscribe frame.
//
// A message a connection publishes to itself (a RESP3 client subscribed to
// its own channel, or to its own keyspace notifications) skips the outbox:
// Publish keeps it apart (TakeSelf) and the server places it in the
// connection's reply stream where Redis would.
//
// # Outboxes and output-buffer limits
//
// An Outbox is the output other goroutines hand a connection. The first
// push into an empty outbox calls kick, which schedules a flush on the
// connection's reactor; the reactor then takes everything gathered so far
// and writes it with one write. Several messages, from several publishers,
// cost the subscriber one system call, and a subscriber has at most one
// flush queued on its reactor at a time, whatever the publishers do.
//
// Order: a publisher's messages reach the outbox in the order it published
// them (it runs on one reactor and appends under the mutex), and only the
// owning reactor takes them out, in that order; so every subscriber sees
// each publisher's messages in order.
//
// The pending bytes of a connection are its outbox's plus gnet's outbound
// buffer, which only the owner may read. The owner checks them against its
// class's limit (Normal, Replica, PubSub) after each write; a producer
// checks the outbox alone against the hard limit, and rather than grow it
// past that marks it closing: pushes are dropped from then on and the
// owner, kicked, closes the connection. Memory per slow connection is thus
// bounded by about twice its hard limit, however slow it reads.
//
// # Locks
//
// A table shard's lock and the pattern lock are each taken alone, and an
// outbox's mutex inside them (a publish appends while it holds the shard's
// read lock); an outbox's mutex is a leaf. None of them is ever held while
// a keyspace shard is locked: keyspace notifications are published after
// the command's locks are released. See LOCKS.md.
package pubsub
