// Package loop is the server: gnet reactors in front of the keyspace.
//
// Each reactor (a gnet event loop, one per core by default) owns its
// connections and runs their commands itself: OnTraffic parses every
// complete frame in the inbound buffer, dispatches each (lookup in the
// command table, arity, authentication, client pause, MULTI queueing, shard
// locks, handler, write log), and writes all the replies with one write.
// There is no hand-off to another goroutine on the way.
//
// # Lifetime of the input
//
// The argument slices a command gets alias gnet's read buffer; they stop
// being valid when OnTraffic returns (and, under the invariants build tag,
// consumed input is overwritten before it is handed back). A command that
// must keep its arguments (a queued MULTI command, a blocked command) copies
// them.
//
// # Other goroutines
//
// A connection's state (client) is touched only by its reactor, except its
// atomic fields. Other goroutines reach a connection only through gnet's
// goroutine-safe calls: Wake (a blocked client's wait ended, a pause ended),
// Close (CLIENT KILL, an output-buffer limit), and the event loop's Execute,
// which runs a flush of the connection's outbox on its reactor. Output that
// other reactors produce for a connection (pub/sub messages, MONITOR lines)
// is pushed into that outbox (pubsub.Outbox), and the first push schedules
// the flush (output.go); the outbox's bytes and gnet's outbound buffer are
// what client-output-buffer-limit counts.
package loop
