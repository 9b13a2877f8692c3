package loop

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"redis-fast/db"
	"redis-fast/persistence"
	"redis-fast/persistence/aof"
)

// persistState is the server's side of persistence: the AOF writer (when
// appendonly is on), the clients whose replies wait for an fsync, and the
// figures INFO persistence reports.
type persistState struct {
	fs  persistence.FS
	aof atomic.Pointer[aof.Writer]

	mu             sync.Mutex // the fields below
	waiting        []*client  // replies held for appendfsync always
	lastRewriteOK  bool
	lastRewriteDur time.Duration
	rewriteStarted time.Time // of the latest rewrite begun
	rewriting      int       // rewrites begun and not ended
	rewriteFails   int64     // in a row: a rewrite that succeeds clears it
	// rewrites counts the rewrites begun, for the server's life: as Redis's
	// aof_rewrites, it goes on across appendonly turned off and on, and the
	// files an AOF starts with are not a rewrite.
	rewrites int64
}

// aofDir is where the AOF lives: dir/appenddirname.
func (c *Config) aofDir() string { return filepath.Join(c.Dir, c.AppendDirName) }

// aofWriter returns the AOF writer, or nil when appendonly is off.
func (s *Server) aofWriter() *aof.Writer { return s.persist.aof.Load() }

// loadData fills the keyspace from disk before the server accepts anyone:
// with appendonly yes the AOF is the truth, as in Redis, and is then
// opened for appending; otherwise the RDB dump, if there is one.
func (s *Server) loadData() error {
	cfg := s.config()
	if !cfg.AppendOnly {
		return s.loadRDBFile()
	}
	began := time.Now()
	loader := s.newClient(nil)
	man, err := aof.Load(aof.LoadConfig{
		FS:     s.persist.fs,
		Dir:    cfg.aofDir(),
		Prefix: cfg.AppendFilename,
		Exec:   func(argv [][]byte) error { return s.replay(loader, argv) },
		LoadRDB: func(r io.Reader) error {
			// The log that follows an RDB base expects the keys that have
			// expired since: they go in, and expire as the log replays.
			_, err := s.loadRDB(r, s.ks, true)
			return err
		},
		Truncated: cfg.AOFLoadTruncated,
		Logf:      s.log.Warningf,
	})
	if err != nil {
		return err
	}
	if man != nil {
		s.log.Noticef("DB loaded from append only file: %.3f seconds", time.Since(began).Seconds())
		return s.openAOF(man, 0)
	}
	return s.createAOFOnStart()
}

// replay runs one command read from the AOF through the dispatcher, as a
// client without a connection would send it. A command the server does not
// know, or with the wrong number of arguments, stops the load, as in Redis.
func (s *Server) replay(cl *client, argv [][]byte) error {
	cmd, badSub := s.lookupCommand(argv)
	switch {
	case cmd == nil || badSub:
		return fmt.Errorf("unknown command '%s' reading the append only file", cString(argv[0], 128))
	case cmd.Arity > 0 && len(argv) != cmd.Arity || len(argv) < -cmd.Arity:
		return fmt.Errorf("wrong number of arguments for '%s' reading the append only file", cmd.fullname)
	}
	b := newBatch()
	s.dispatch(cl, argv, &b)
	cl.w.Buf = cl.w.Buf[:0]
	return nil
}

// openAOF starts appending to the AOF that man describes, from log offset
// start, and enables the write log.
func (s *Server) openAOF(man *aof.Manifest, start int64) error {
	cfg := s.config()
	policy, _ := aof.ParseFsync(cfg.AppendFsync)
	// The writer drains the log from now on and passes it to replication;
	// the pump that did so stops first, having fed what it took.
	s.stopPump()
	w, err := aof.Open(aof.Config{
		FS:        s.persist.fs,
		Dir:       cfg.aofDir(),
		Prefix:    cfg.AppendFilename,
		Policy:    policy,
		OnSynced:  s.releaseSynced,
		OnData:    s.feedReplicas,
		Timestamp: cfg.AOFTimestampEnabled,
		Logf:      s.log.Warningf,
		OnHealth:  s.updateWriteGate,
	}, s.ks.Log, man, start)
	if err != nil {
		return err
	}
	s.ks.Log.Enable()
	s.persist.aof.Store(w)
	go w.Run()
	return nil
}

// createAOFOnStart makes the AOF of a server that starts with appendonly
// yes and none on disk: its first base and incremental file, logged as
// Redis logs them. Redis does not count that as a rewrite (aof_rewrites
// stays 0), so neither does this.
func (s *Server) createAOFOnStart() error {
	if err := s.openAOF(nil, s.ks.Log.Offset()); err != nil {
		return err
	}
	preamble := s.config().AOFUseRDBPreamble
	base, incr, err := s.aofWriter().Create(s.ks, s.snapshotNow(), preamble, s.aofBaseWriter(preamble))
	if err != nil {
		return err
	}
	s.log.Noticef("Creating AOF base file %s on server start", base)
	s.log.Noticef("Creating AOF incr file %s on server start", incr)
	return nil
}

// createAOF makes a new AOF from the dataset as it is, when appendonly is
// turned on at run time: a rewrite whose base is the snapshot.
func (s *Server) createAOF() error {
	if err := s.openAOF(nil, s.ks.Log.Offset()); err != nil {
		return err
	}
	return s.rewriteAOF(s.beginRewrite(true))
}

// aofBaseWriter writes an AOF base: with aof-use-rdb-preamble, an RDB
// file, smaller and faster to load than the commands that would rebuild
// the same data.
func (s *Server) aofBaseWriter(preamble bool) aof.BaseWriter {
	if !preamble {
		return aof.WriteRESPBase
	}
	return func(out io.Writer, snap *db.Snapshot) error {
		return s.writeRDB(out, snap, rdbAux{aofBase: true})
	}
}

// beginRewrite marks an AOF rewrite begun, as Redis does when it forks
// the rewrite's child, before BGREWRITEAOF answers: from here INFO counts
// it and shows it in progress. It returns when it began, or the zero time
// when another runs; but a new AOF needs its first base whatever runs
// (an earlier rewrite of the AOF appendonly no closed, which Redis would
// have killed), and force begins one anyway. A rewrite begun must be
// ended by rewriteAOF.
func (s *Server) beginRewrite(force bool) time.Time {
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	if s.persist.rewriting > 0 && !force {
		return time.Time{}
	}
	s.persist.rewriting++
	s.persist.rewrites++
	s.persist.rewriteStarted = time.Now()
	return s.persist.rewriteStarted
}

// rewriteAOF runs the rewrite begun at started, on the calling goroutine,
// and ends it.
func (s *Server) rewriteAOF(started time.Time) error {
	err := errors.New("aof: appendonly is off")
	if w := s.aofWriter(); w != nil {
		preamble := s.config().AOFUseRDBPreamble
		err = w.Rewrite(s.ks, s.snapshotNow(), preamble, s.aofBaseWriter(preamble))
	}
	s.persist.mu.Lock()
	s.persist.rewriting--
	s.persist.lastRewriteOK = err == nil
	s.persist.lastRewriteDur = time.Since(started)
	if err != nil {
		s.persist.rewriteFails++
	} else {
		s.persist.rewriteFails = 0
	}
	s.persist.mu.Unlock()
	if err != nil {
		s.log.Warningf("Background AOF rewrite failed: %v", err)
	} else {
		s.log.Noticef("Background AOF rewrite finished successfully")
	}
	return err
}

// stopAOF turns appendonly off: what is logged is written and fsynced, and
// the write log stops recording.
func (s *Server) stopAOF() error {
	w := s.persist.aof.Swap(nil)
	if w == nil {
		return nil
	}
	replicating := s.replicating()
	// Close drains the log first: disabling it before would drop what the
	// writer has not taken yet, changes already acknowledged.
	err := w.Close()
	if !replicating {
		s.ks.Log.Disable()
	}
	s.releaseSynced(1<<63 - 1)
	if replicating {
		s.repl.mu.Lock()
		s.startPumpLocked()
		s.repl.mu.Unlock()
	}
	return err
}

// applyPersistenceConfig acts on CONFIG SET appendonly and appendfsync:
// turning the AOF on writes a new one from the dataset (in the background,
// as Redis's rewrite), turning it off closes it.
func (s *Server) applyPersistenceConfig(prev, next *Config) {
	if policy, ok := aof.ParseFsync(next.AppendFsync); ok && next.AppendFsync != prev.AppendFsync {
		if w := s.aofWriter(); w != nil {
			w.SetPolicy(policy)
			s.releaseSynced(w.Synced())
			if policy != aof.FsyncAlways {
				s.releaseSynced(1<<63 - 1)
			}
		}
	}
	switch {
	case next.AppendOnly && !prev.AppendOnly:
		go func() {
			if err := s.createAOF(); err != nil {
				s.log.Warningf("Could not turn the AOF on: %v", err)
			}
		}()
	case !next.AppendOnly && prev.AppendOnly:
		if err := s.stopAOF(); err != nil {
			s.log.Warningf("Error closing the AOF: %v", err)
		}
	}
}

// holdForSync keeps cl's replies back until the AOF's fsync covers its
// last change (appendfsync always), and reports whether it did. The
// replies go out, in order, when the writer calls releaseSynced.
func (s *Server) holdForSync(cl *client) bool {
	w := s.aofWriter()
	off := cl.ctx.LogOffset
	if w == nil || w.Policy() != aof.FsyncAlways || off <= w.Synced() {
		return false
	}
	cl.held = append(cl.held, cl.w.Buf...)
	cl.w.Buf = cl.w.Buf[:0]
	// holdUntil is 0 exactly while the client is off the wait list:
	// releaseSynced zeroes it as it takes the client off, so a client
	// whose wake is still on its way is put back on here.
	if cl.holdUntil.Swap(off) == 0 {
		s.persist.mu.Lock()
		s.persist.waiting = append(s.persist.waiting, cl)
		s.persist.mu.Unlock()
	}
	if off <= w.Synced() {
		cl.conn.Wake(nil) // the fsync came in between: go at once
	}
	return true
}

// releaseSynced wakes the clients whose held replies an fsync up to offset
// now covers; their reactors write them. The AOF writer calls it.
func (s *Server) releaseSynced(offset int64) {
	s.persist.mu.Lock()
	keep := s.persist.waiting[:0]
	var wake []*client
	for _, cl := range s.persist.waiting {
		if u := cl.holdUntil.Load(); u <= offset && cl.holdUntil.CompareAndSwap(u, 0) {
			wake = append(wake, cl)
		} else {
			keep = append(keep, cl)
		}
	}
	clear(s.persist.waiting[len(keep):])
	s.persist.waiting = keep
	s.persist.mu.Unlock()
	for _, cl := range wake {
		cl.conn.Wake(nil)
	}
}

// BGREWRITEAOF
func cmdBgrewriteaof(s *Server, cl *client, argv [][]byte) {
	if s.aofWriter() == nil {
		// Redis writes a fresh AOF even with appendonly off; here the AOF
		// exists only while it is on.
		cl.w.Error("ERR Background append only file rewriting needs appendonly yes")
		return
	}
	started := s.beginRewrite(false)
	if started.IsZero() {
		cl.w.Error("ERR Background append only file rewriting already in progress")
		return
	}
	go s.rewriteAOF(started)
	cl.w.Simple("Background append only file rewriting started")
}

// maybeRewriteAOF applies auto-aof-rewrite-percentage and -min-size; the
// cron calls it.
func (s *Server) maybeRewriteAOF() {
	w := s.aofWriter()
	cfg := s.config()
	if w == nil || !w.NeedsRewrite(int64(cfg.AutoAOFRewritePercentage), cfg.AutoAOFRewriteMinSize) {
		return
	}
	if started := s.beginRewrite(false); !started.IsZero() {
		s.log.Noticef("Starting automatic rewriting of AOF on growth")
		go s.rewriteAOF(started)
	}
}

// closePersistence, once the engine has stopped, finishes the shutdown's
// persistence: a BGSAVE still running is ended; the dump is written if the
// shutdown wants one (save points set, or SHUTDOWN SAVE; not after SHUTDOWN
// NOSAVE) and terminate did not write it before the engine stopped, or
// writes slipped in after that save began; and what the AOF has not
// written is written and fsynced. Nothing runs any more: a failure here
// can only be logged.
func (s *Server) closePersistence() {
	s.stopBgsave()
	s.rdb.mu.Lock()
	final := s.rdb.final
	s.rdb.mu.Unlock()
	switch {
	case !s.wantsFinalSave(s.shutdownMode.Load()):
	case final.done && (!final.ok || final.dirty == s.dirty()):
		// Saved before the engine stopped (or failed, and FORCE exits).
	default:
		if _, err := s.finalRDBSave(); err != nil {
			s.log.Warningf("Error trying to save the DB. Exit anyway.")
		}
	}
	if err := s.stopAOF(); err != nil {
		s.log.Warningf("Error closing the AOF: %v", err)
	}
}

// infoPersistenceAOF adds the AOF's fields to INFO persistence.
func (s *Server) infoPersistenceAOF(b *infoWriter) {
	w := s.aofWriter()
	s.persist.mu.Lock()
	ok, dur, started, fails := s.persist.lastRewriteOK, s.persist.lastRewriteDur, s.persist.rewriteStarted, s.persist.rewriteFails
	rewrites, running := s.persist.rewrites, s.persist.rewriting > 0
	s.persist.mu.Unlock()
	enabled, rewriting := 0, 0
	if running {
		rewriting = 1
	}
	var st aof.Status
	st.WriteOK = true
	if w != nil {
		enabled = 1
		st = w.Status()
	}
	lastSec, curSec := int64(-1), int64(-1)
	if rewrites > 0 || fails > 0 {
		lastSec = int64(dur.Seconds())
	}
	if running {
		curSec = int64(time.Since(started).Seconds())
	}
	status := func(good bool) string {
		if good {
			return "ok"
		}
		return "err"
	}
	b.field("aof_enabled", enabled)
	b.field("aof_rewrite_in_progress", rewriting)
	b.field("aof_rewrite_scheduled", 0)
	b.field("aof_last_rewrite_time_sec", lastSec)
	b.field("aof_current_rewrite_time_sec", curSec)
	b.field("aof_last_bgrewrite_status", status(ok || rewrites+fails == 0))
	b.field("aof_rewrites", rewrites)
	b.field("aof_rewrites_consecutive_failures", fails)
	b.field("aof_last_write_status", status(st.WriteOK))
	b.field("aof_last_cow_size", 0)
	if w != nil {
		b.field("aof_current_size", st.CurrentSize)
		b.field("aof_base_size", st.BaseSize)
		b.field("aof_pending_rewrite", 0)
		b.field("aof_buffer_length", st.Buffered)
		b.field("aof_pending_bio_fsync", 0)
		b.field("aof_delayed_fsync", st.DelayedFsync)
	}
}
