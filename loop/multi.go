package loop

import (
	"redis-fast/db"
	"redis-fast/proto"
)

// multiCommands are MULTI, EXEC, DISCARD, WATCH and UNWATCH.
var multiCommands = []serverCommand{
	{Command: db.Command{Name: "discard", Arity: 1, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.AllowBusy, Group: "transactions", Since: "2.0.0"}, exec: cmdDiscard},
	{Command: db.Command{Name: "exec", Arity: 1, Flags: db.NoScript | db.Loading | db.Stale | db.SkipSlowlog, Group: "transactions", Since: "1.2.0"}, exec: cmdExec},
	{Command: db.Command{Name: "multi", Arity: 1, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.AllowBusy, Group: "transactions", Since: "1.2.0"}, exec: cmdMulti},
	{Command: db.Command{Name: "unwatch", Arity: 1, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.AllowBusy, Group: "transactions", Since: "2.2.0"}, exec: cmdUnwatch},
	{Command: db.Command{Name: "watch", Arity: -2, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.AllowBusy, FirstKey: 1, LastKey: -1, Step: 1, Group: "transactions", Since: "2.2.0"}, exec: cmdWatch},
}

const (
	msgExecAbort     = "EXECABORT Transaction discarded because of previous errors."
	msgNestedMulti   = "ERR MULTI calls can not be nested"
	msgExecNoMulti   = "ERR EXEC without MULTI"
	msgDiscardNoMult = "ERR DISCARD without MULTI"
	msgWatchInMulti  = "ERR WATCH inside MULTI is not allowed"
	msgNotInMulti    = "ERR Command not allowed inside a transaction"
)

// multiState is a client's open transaction: the commands queued since
// MULTI, each with its own copy of its arguments (they outlive the read
// buffer), and whether queueing one of them failed.
type multiState struct {
	cmds    []queued
	aborted bool
}

type queued struct {
	cmd  *command
	argv [][]byte
}

// watchedKey is a key the client WATCHes.
type watchedKey struct {
	db  *db.DB
	key string
	// expiredAtWatch: the key had already expired when watched, so its
	// expiring does not fail the EXEC.
	expiredAtWatch bool
}

// queues reports whether cmd, sent inside MULTI, is queued rather than run.
func queues(cmd *command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return false
	}
	return true
}

// enqueue adds a command to cl's transaction, copying its arguments.
func (cl *client) enqueue(cmd *command, argv [][]byte) {
	size := 0
	for _, a := range argv {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	copied := make([][]byte, len(argv))
	for i, a := range argv {
		buf = append(buf, a...)
		copied[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	cl.multi.cmds = append(cl.multi.cmds, queued{cmd: cmd, argv: copied})
	cl.w.Simple("QUEUED")
}

// flagTransaction records that a command failed to queue: EXEC will refuse
// the transaction, as Redis's flagTransaction makes it.
func (cl *client) flagTransaction() {
	if cl.multi != nil {
		cl.multi.aborted = true
	}
}

// MULTI
func cmdMulti(s *Server, cl *client, argv [][]byte) {
	if cl.multi != nil {
		cl.w.Error(msgNestedMulti)
		return
	}
	cl.multi = &multiState{}
	cl.w.OK()
}

// DISCARD
func cmdDiscard(s *Server, cl *client, argv [][]byte) {
	if cl.multi == nil {
		cl.w.Error(msgDiscardNoMult)
		return
	}
	cl.multi = nil
	s.unwatchAll(cl)
	cl.w.OK()
}

// WATCH key [key ...]
func cmdWatch(s *Server, cl *client, argv [][]byte) {
	if cl.multi != nil {
		cl.w.Error(msgWatchInMulti)
		return
	}
	now := s.clockNow()
	for _, key := range argv[1:] {
		if cl.watches(cl.ctx.DB, key) {
			continue
		}
		gone := cl.ctx.DB.Watch(s.ks, key, &cl.watcher, now)
		cl.watched = append(cl.watched, watchedKey{db: cl.ctx.DB, key: string(key), expiredAtWatch: gone})
	}
	cl.w.OK()
}

func (cl *client) watches(d *db.DB, key []byte) bool {
	for _, w := range cl.watched {
		if w.db == d && w.key == string(key) {
			return true
		}
	}
	return false
}

// UNWATCH
func cmdUnwatch(s *Server, cl *client, argv [][]byte) {
	s.unwatchAll(cl)
	cl.w.OK()
}

// unwatchAll forgets every key cl watches and clears its flag.
func (s *Server) unwatchAll(cl *client) {
	for _, w := range cl.watched {
		w.db.Unwatch(s.ks, w.key, &cl.watcher)
	}
	cl.watched = cl.watched[:0]
	cl.watcher.Reset()
}

// EXEC
//
// The transaction runs atomically for every other client on every reactor:
// EXEC locks, in the global order, every shard any of its commands (and any
// watched key) touches, and holds them all until the last command is done.
// Its changes reach the write log as one MULTI ... EXEC block.
func cmdExec(s *Server, cl *client, argv [][]byte) {
	if cl.multi == nil {
		cl.w.Error(msgExecNoMulti)
		return
	}
	tx := cl.multi
	cl.multi = nil
	if tx.aborted {
		cl.w.Error(msgExecAbort)
		s.unwatchAll(cl)
		return
	}
	locks := s.transactionLocks(cl, tx)
	locks.lock(s.ks)
	now := s.clockNow()
	if s.watchFailed(cl, now) {
		locks.unlock(s.ks)
		cl.w.NullArray()
		s.unwatchAll(cl)
		return
	}
	cl.w.ArrayLen(len(tx.cmds))
	cl.ctx.LocksHeld = true
	cl.ctx.BeginTx()
	cl.execing = true
	for _, q := range tx.cmds {
		s.runLocked(cl, q.cmd, q.argv, now)
	}
	cl.execing = false
	cl.ctx.EndTx()
	cl.ctx.LocksHeld = false
	locks.unlock(s.ks)
	s.unwatchAll(cl)
	s.afterData(cl)
}

// watchFailed reports whether a watched key was changed, or expired after
// it was watched. The keys' shards must be locked.
func (s *Server) watchFailed(cl *client, now int64) bool {
	if cl.watcher.Dirty() {
		return true
	}
	for _, w := range cl.watched {
		if !w.expiredAtWatch && w.db.ExpiredNow([]byte(w.key), now) {
			return true
		}
	}
	return false
}

// runLocked runs one command of a transaction whose locks are held.
func (s *Server) runLocked(cl *client, cmd *command, argv [][]byte, now int64) {
	if cmd.exec != nil {
		cmd.exec(s, cl, argv)
		return
	}
	cl.keys = cmd.KeyIndexes(cl.keys[:0], argv)
	cl.ctx.SetKeyHash(nil, 0)
	s.runData(cl, cmd, argv, now)
}

// lockSet is the shards a transaction locks: a mask per database, or every
// shard of every database when one of its commands spans databases.
type lockSet struct {
	masks []uint64
	all   bool
}

// transactionLocks works out the shards tx needs, following its SELECTs the
// way EXEC will run them.
func (s *Server) transactionLocks(cl *client, tx *multiState) lockSet {
	ls := lockSet{masks: make([]uint64, s.ks.Len())}
	for _, w := range cl.watched {
		ls.masks[w.db.ID] |= db.ShardMask([]byte(w.key))
	}
	cur := cl.ctx.DB.ID
	var keys []int
	for _, q := range tx.cmds {
		switch {
		case q.cmd.Name == "select":
			if i, ok := proto.ParseInt(q.argv[1]); ok && i >= 0 && i < int64(s.ks.Len()) {
				cur = int(i)
			}
		case q.cmd.exec != nil:
		case q.cmd.Flags&db.MultiDB != 0:
			ls.all = true
		case q.cmd.Flags&db.AllShards != 0:
			ls.masks[cur] = db.EveryShard
		default:
			keys = q.cmd.KeyIndexes(keys[:0], q.argv)
			for _, i := range keys {
				ls.masks[cur] |= db.ShardMask(q.argv[i])
			}
		}
	}
	return ls
}

// lock takes the set's shards for writing, databases in ascending order.
func (ls lockSet) lock(ks *db.Keyspace) {
	for i, m := range ls.masks {
		if ls.all {
			m = db.EveryShard
		}
		ks.DB(i).Lock(m, true)
	}
}

func (ls lockSet) unlock(ks *db.Keyspace) {
	for i, m := range ls.masks {
		if ls.all {
			m = db.EveryShard
		}
		ks.DB(i).Unlock(m, true)
	}
}
