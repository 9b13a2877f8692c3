// Package db is the keyspace: sixteen (by default) numbered databases, each
// split into NumShards shards, each shard a hash table of keys (dict.go)
// plus the list of its keys that have an expiry; the value types; expiry;
// and the data commands, as rows of the command table with their handlers
// (cmd_*.go).
//
// # Locking
//
// A shard is the unit of locking. The dispatcher (package loop) locks the
// shards a command's keys hash to, for reading when the command is
// read-only and for writing otherwise, before it calls the handler, and
// unlocks them after. Handlers are therefore plain single-threaded code over
// their shards. Commands that span databases lock for themselves, in the
// global order LOCKS.md records. Functions that need a lock say so.
//
// # Ownership
//
// The arguments a handler gets alias the connection's read buffer and die
// when the command returns: everything stored is copied (keys by create,
// string values by setStr, members by each type). Bytes a handler gets from
// an Object (Object.Str) belong to the Object and stay valid only while the
// shard is locked.
//
// # The write log
//
// A handler that changed data calls Ctx.Changed (the command as it came)
// or Ctx.Propagate (a deterministic rewrite: SET ... EX becomes SET ... PXAT,
// EXPIRE becomes PEXPIREAT, ...). The entries of one command are appended
// to the WriteLog as one unit while its locks are held (Ctx.FlushLog), so
// the log's order respects every key's order; the AOF and replication read
// the log.
package db
