package loop

import (
	"strings"
	"time"

	"redis-fast/db"
)

// Reply texts of the dispatcher, byte for byte as Redis sends them.
const (
	msgNoAuth = "NOAUTH Authentication required."
)

// lookupCommand finds argv's command (or subcommand); a subcommand's name
// is lower-cased on the stack so the map lookup allocates nothing. badSub is true when
// argv[0] named a container command and argv[1] is not one of its
// subcommands.
func (s *Server) lookupCommand(argv [][]byte) (cmd *command, badSub bool) {
	cmd = s.index.get(argv[0])
	if cmd == nil || cmd.subs == nil || len(argv) < 2 {
		return cmd, false
	}
	var buf [32]byte
	sub := cmd.subs[string(lower(&buf, argv[1]))]
	return sub, sub == nil
}

// lower copies name into buf in lower case and returns the copy. A name
// longer than buf, longer than any command, is returned as it is: it can
// match nothing anyway.
func lower(buf *[32]byte, name []byte) []byte {
	if len(name) > len(buf) {
		return name
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(name)]
}

// batch is the clock of one OnTraffic pass. The wall clock is read once,
// at its start; after each command only the monotonic clock is read (half
// the cost of time.Now), and each command's start is the end of the one
// before, so timing a command costs one cheap read, not two full ones.
type batch struct {
	start    time.Time
	startMs  int64         // start in Unix ms
	elapsed  time.Duration // from start to the end of the last command
	commands int64
}

func newBatch() batch {
	now := time.Now()
	return batch{start: now, startMs: now.UnixMilli()}
}

// nowMs is the time in Unix ms at the end of the last command.
func (b *batch) nowMs() int64 { return b.startMs + int64(b.elapsed/time.Millisecond) }

// now is the wall time at the end of the last command.
func (b *batch) now() time.Time { return b.start.Add(b.elapsed) }

// dispatch runs one command for cl, in Redis's order of checks: known
// command, arity, authentication, client pause; then it locks the shards of
// the command's keys (sorted and deduplicated: the bits of a mask), runs the
// handler, which logs its changes while the locks are held, and unlocks.
//
// It returns false when the command was not run and must stay in the input
// buffer to be run later (the client is paused).
func (s *Server) dispatch(cl *client, argv [][]byte, b *batch) bool {
	cmd, badSub := s.lookupCommand(argv)
	if cmd == nil {
		cl.noteCommand(nil)
		s.rejectUnknown(cl, argv, badSub)
		cl.flagTransaction()
		return true
	}
	cl.noteCommand(&cmd.fullname)
	if cmd.Arity > 0 && len(argv) != cmd.Arity || len(argv) < -cmd.Arity {
		s.reject(cl, cmd, "ERR wrong number of arguments for '"+cmd.fullname+"' command")
		return true
	}
	if !cl.authed && cmd.Flags&db.NoAuth == 0 {
		s.reject(cl, cmd, msgNoAuth)
		return true
	}
	if s.gated.Load() && !cl.isMaster {
		if msg := s.refusal(cl, cmd); msg != "" {
			s.reject(cl, cmd, msg)
			return true
		}
	}
	if !cl.w.RESP3 && cl.sub.Subscribed() && !subscribedAllowed(cmd) {
		s.reject(cl, cmd, msgSubscribedContext(cmd))
		return true
	}
	if s.pause.active.Load() && !cl.isMaster && s.pause.holds(cl, cmd) {
		s.pause.wait(cl)
		return false
	}
	if cl.multi != nil && queues(cmd) {
		if cmd.Flags&db.NoMulti != 0 {
			cl.w.Error(msgNotInMulti)
			cl.flagTransaction()
			return true
		}
		cl.enqueue(cmd, argv)
		return true
	}
	mark := len(cl.w.Buf)
	began := b.elapsed
	s.run(cl, cmd, argv, b.nowMs())
	b.elapsed = time.Since(b.start)
	cl.afterCommand(mark)
	b.commands++
	if s.monitors.count.Load() > 0 && cmd.Flags&(db.Admin|db.SkipMonitor) == 0 {
		s.monitors.feed(cl, argv, b.start.Add(began))
	}
	if d := b.elapsed - began; d >= s.slowThreshold() && cmd.Flags&db.SkipSlowlog == 0 {
		s.slowlog.add(cl, argv, b.start.Add(began), d)
	}
	s.latency.observe(cmd, b.start.Add(began), b.elapsed-began)
	return true
}

// run executes the command: a server command directly, a data command on
// its locked shards.
func (s *Server) run(cl *client, cmd *command, argv [][]byte, now int64) {
	if cmd.exec != nil {
		cmd.exec(s, cl, argv)
		return
	}
	mask := s.shardMask(cl, cmd, argv)
	write := cmd.Flags&db.ReadOnly == 0
	d := cl.ctx.DB
	d.Lock(mask, write)
	s.runData(cl, cmd, argv, now)
	cl.ctx.FlushLog()
	d.Unlock(mask, write)
	if req, ok := cl.ctx.TakeBlock(); ok {
		s.block(cl, cmd, argv, req)
	}
	s.afterData(cl)
}

// runData runs a data command whose shards are locked, with its key
// indexes in cl.keys. When it changed data, the watchers of its keys are
// marked while the locks are still held, so an EXEC that watches them
// cannot miss the change. (A command that reads some keys and writes others,
// like SINTERSTORE, marks them all: a spurious EXEC failure, never a missed
// one.)
func (s *Server) runData(cl *client, cmd *command, argv [][]byte, now int64) {
	watching := s.ks.Watching.Load() > 0 && cmd.Flags&(db.Write|db.MultiDB) == db.Write
	var before int64
	if watching {
		before = cl.Dirty.Load()
	}
	if cmd.Flags&(db.Write|db.MultiDB) == db.Write {
		s.ks.Preserve(cl.ctx.DB, argv, cl.keys)
	}
	cl.ctx.Begin(argv, now)
	cmd.Run(&cl.ctx, argv)
	if watching && cl.Dirty.Load() != before {
		cl.ctx.DB.TouchKeys(argv, cl.keys)
	}
}

// clockNow is the time a command that is not timed by a batch runs at.
func (s *Server) clockNow() int64 { return time.Now().UnixMilli() }

// afterCommand applies CLIENT REPLY: drops the reply the command just wrote
// (from mark on) when replies are off or skipped, and arms the skip of the
// next command after CLIENT REPLY SKIP.
func (cl *client) afterCommand(mark int) {
	if cl.replyMode == replyOn && !cl.skipReply {
		return
	}
	if cl.replyMode == replyOff || cl.skipReply {
		cl.w.Buf = cl.w.Buf[:mark]
	}
	cl.skipReply = false
	if cl.replyMode == replySkipNext {
		cl.skipReply = true
		cl.replyMode = replyOn
	}
}

// shardMask returns the shards cmd must lock: those its keys hash to, every
// shard for a whole-database command, none for a command that locks for
// itself.
func (s *Server) shardMask(cl *client, cmd *command, argv [][]byte) uint64 {
	cl.keys = cmd.KeyIndexes(cl.keys[:0], argv)
	cl.ctx.SetKeyHash(nil, 0)
	switch {
	case cmd.Flags&db.AllShards != 0:
		return db.EveryShard
	case cmd.Flags&db.MultiDB != 0:
		return 0
	}
	var mask uint64
	for n, i := range cl.keys {
		h := db.KeyHash(argv[i])
		if n == 0 {
			cl.ctx.SetKeyHash(argv[i], h)
		}
		mask |= db.HashMask(h)
	}
	return mask
}

// reject refuses to run cmd, as Redis's rejectCommand does: the open
// transaction is marked failed, and a refused EXEC discards it and says why.
func (s *Server) reject(cl *client, cmd *command, msg string) {
	if cmd.Name == "exec" {
		cl.multi = nil
		s.unwatchAll(cl)
		cl.w.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR "))
		return
	}
	cl.w.Error(msg)
	cl.flagTransaction()
}

// rejectUnknown replies to a command or subcommand that does not exist, as
// Redis words it.
func (s *Server) rejectUnknown(cl *client, argv [][]byte, badSub bool) {
	if badSub {
		cl.w.Error("ERR unknown subcommand '" + cString(argv[1], 128) + "'. Try " +
			strings.ToUpper(cString(argv[0], len(argv[0]))) + " HELP.")
		return
	}
	var args strings.Builder
	for _, a := range argv[1:] {
		if args.Len() >= 128 {
			break
		}
		args.WriteString("'" + cString(a, 128-args.Len()) + "' ")
	}
	cl.w.Error("ERR unknown command '" + cString(argv[0], 128) + "', with args beginning with: " + args.String())
}

// cString returns b as C's "%.*s" prints it: at most max bytes, ending at
// the first NUL.
func cString(b []byte, max int) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(b)
}
