// Package aof is the append-only file, in Redis 7's multi-part layout:
//
//	appenddirname/
//	    appendonly.aof.manifest        which files make up the AOF, in order
//	    appendonly.aof.3.base.rdb      the dataset at the last rewrite (or .aof)
//	    appendonly.aof.3.incr.aof      every change since, as RESP commands
//
// The manifest is a text file, one line per file:
//
//	file appendonly.aof.3.base.rdb seq 3 type b
//	file appendonly.aof.3.incr.aof seq 3 type i
//
// (type b: base, i: incremental, h: history, a file a rewrite replaced and
// that is about to be deleted).
//
// # Writing
//
// The server's write log (db.WriteLog) is the only producer: every change
// is appended to it, as the RESP commands that replay it, in an order that
// respects every key's order. One writer goroutine drains the log into the
// current incremental file; the reactors never touch the file. With
// appendfsync everysec it fsyncs once a second, with no it leaves that to
// the kernel, and with always it fsyncs after every write and publishes the
// log offset the fsync covers: the server holds each client's replies until
// that offset reaches the client's last change (group commit: one fsync
// serves every change logged before it, from every reactor).
//
// # Rewriting
//
// A rewrite opens the next incremental file at the exact log offset where a
// snapshot of the keyspace begins (db.Keyspace.BeginSnapshot), writes the
// snapshot as the new base, fsyncs it, and switches the manifest atomically
// (temporary file, fsync, rename, fsync of the directory). The old files are
// then removed. A crash at any moment leaves a manifest that names files
// that exist and together hold every acknowledged change.
//
// # Loading
//
// The base is loaded, then the incremental files in order, each command
// replayed through the caller's function (the server's own dispatch). A
// last command cut short by a crash is dropped, and the file truncated
// there, when aof-load-truncated is yes (Redis's default); anything else
// that does not parse stops the load with an error naming the file and the
// offset.
package aof
