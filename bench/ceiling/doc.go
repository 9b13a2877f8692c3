// Command ceiling is the bench's yardstick: a bare gnet server that does the
// least any server on redis-fast's event loop must do for a client, and no
// more.
//
//	ceiling -port 6390 [-loops N] [-d 3] [-cpuprofile file]
//
// It accepts connections on 127.0.0.1 with the same gnet options redis-fast
// uses, cuts commands out of each connection's inbound bytes with redis-fast's
// own parser (proto.Parser.Parse), and answers every command with a fixed,
// precomputed reply: +PONG for PING, +OK for SET and MSET, an integer for
// INCR-like commands, a bulk string of -d bytes for GET and the pops, and for
// LRANGE the elements an imaginary list of 1000 values of -d bytes would
// give, so its replies have the sizes real ones have. It stores nothing.
//
// OnTraffic has redis-fast's shape (loop/handler.go): Peek(-1), parse every
// complete frame, Discard only what was consumed (Discard(0) would drop the
// whole buffer), one Write. Whatever redis-fast spends beyond this, on the same
// machine and with the same client, is its own: the data structures, the
// locks, the allocations.
//
// The bench program builds this command into a temporary directory and runs
// it as a separate process, so the bench itself imports nothing of the
// server. One ceiling runs per value size. SIGTERM ends it, after writing the
// CPU profile when -cpuprofile asked for one: the bench profiles the ceiling
// beside redis-fast, so the two profiles show what redis-fast adds.
package main
