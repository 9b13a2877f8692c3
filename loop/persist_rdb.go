package loop

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"redis-fast/db"
	"redis-fast/proto"
	"redis-fast/replication"
)

// The RDB file: SAVE, BGSAVE, the save points of the cron, the dump
// written at shutdown and read at start-up. Redis forks a child that
// writes the parent's frozen memory; here a point-in-time snapshot of the
// keyspace (db/snapshot.go) plays the child, on a background goroutine,
// while the reactors go on serving.

// rdbState is what the server knows about its RDB saves, for LASTSAVE,
// INFO persistence and the save points.
type rdbState struct {
	mu        sync.Mutex
	saving    bool      // a BGSAVE runs
	scheduled bool      // BGSAVE SCHEDULE waits for the running snapshot
	started   time.Time // of the running BGSAVE
	lastSave  time.Time // of the last successful save (LASTSAVE)
	lastTry   time.Time // of the last BGSAVE attempt, for the retry delay
	lastOK    bool
	lastDur   time.Duration
	saves     int64
	dirtyAt   int64 // the dirty counter when the last good save began
}

// Retry a failed background save after this long, as Redis's
// CONFIG_BGSAVE_RETRY_DELAY.
const bgsaveRetryDelay = 5 * time.Second

// savePoint is one "seconds changes" pair of the save directive.
type savePoint struct{ seconds, changes int64 }

// parseSavePoints reads the save directive's value: pairs of numbers, or
// "" for none.
func parseSavePoints(v string) []savePoint {
	f := strings.Fields(v)
	var pts []savePoint
	for i := 0; i+1 < len(f); i += 2 {
		secs, err1 := strconv.ParseInt(f[i], 10, 64)
		n, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 == nil && err2 == nil {
			pts = append(pts, savePoint{secs, n})
		}
	}
	return pts
}

// rdbPath is where the dump lives: dir/dbfilename.
func (c *Config) rdbPath() string { return filepath.Join(c.Dir, c.DBFilename) }

// snapshotNow is the time a snapshot leaves expired keys out at: now on a
// master; 0 (none left out) on a replica, whose keys expire when its
// master says so, and whose dumps and syncs must hold them until then.
func (s *Server) snapshotNow() int64 {
	if s.isReplica() {
		return 0
	}
	return time.Now().UnixMilli()
}

// dirty is the number of changes made since start-up.
func (s *Server) dirty() int64 { return s.sumStats().Dirty.Load() }

// saveRDB writes the dataset to the dump file: into a temporary file,
// fsynced, then renamed over the old dump and the directory fsynced, so a
// crash leaves the old dump or the new one, whole. It blocks until done.
func (s *Server) saveRDB() error {
	dirty := s.dirty()
	began := time.Now()
	snap, streamDB, err := s.beginReplSnapshot(s.snapshotNow(), nil)
	if err != nil {
		return err
	}
	err = s.writeRDBFile(snap, streamDB)
	s.recordSave(err, dirty, time.Since(began))
	return err
}

// writeRDBFile writes snap as the dump file. A server with a replication
// history records it in the dump, so that after a restart it can continue
// that history with its replicas, or with its master (PSYNC).
func (s *Server) writeRDBFile(snap *db.Snapshot, streamDB int) error {
	cfg := s.config()
	fsys := s.persist.fs
	path := cfg.rdbPath()
	tmp := filepath.Join(cfg.Dir, fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	f, err := fsys.Create(tmp)
	if err != nil {
		snap.Abort()
		return err
	}
	var aux rdbAux
	if s.replicating() {
		aux.replID, _, _ = s.repl.ids.Get()
		aux.replOffset = snap.Offset()
		aux.streamDB = streamDB
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = s.writeRDB(bw, snap, aux)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, path)
	}
	if err != nil {
		fsys.Remove(tmp)
		return err
	}
	// The rename is durable once the directory is.
	return fsys.SyncDir(filepath.Dir(path))
}

// recordSave notes the end of a save for LASTSAVE and INFO.
func (s *Server) recordSave(err error, dirty int64, took time.Duration) {
	r := &s.rdb
	defer s.updateWriteGate()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastOK = err == nil
	r.lastDur = took
	if err == nil {
		r.lastSave = time.Now()
		r.dirtyAt = dirty
		r.saves++
		s.log.Noticef("DB saved on disk")
	} else {
		s.log.Warningf("Error saving DB on disk: %v", err)
	}
}

// startBgsave begins a background save, unless one (or another snapshot)
// runs. It reports why it could not start.
func (s *Server) startBgsave() error {
	r := &s.rdb
	r.mu.Lock()
	if r.saving {
		r.mu.Unlock()
		return errBgsaveRunning
	}
	// Claimed before the snapshot begins, which may wait (for a replica's
	// transaction to end, see db.Keyspace.StreamMu): r.mu is not held then.
	r.saving = true
	r.mu.Unlock()
	began := time.Now()
	dirty := s.dirty()
	snap, streamDB, err := s.beginReplSnapshot(s.snapshotNow(), nil)
	r.mu.Lock()
	if err != nil {
		r.saving = false
		r.mu.Unlock()
		return err
	}
	r.started, r.lastTry = began, began
	r.mu.Unlock()
	s.log.Noticef("Background saving started")
	go func() {
		err := s.writeRDBFile(snap, streamDB)
		r.mu.Lock()
		r.saving = false
		r.mu.Unlock()
		s.recordSave(err, dirty, time.Since(began))
		if err == nil {
			s.log.Noticef("Background saving terminated with success")
		}
	}()
	return nil
}

var errBgsaveRunning = errors.New("a background save runs")

// SAVE
func cmdSave(s *Server, cl *client, argv [][]byte) {
	s.rdb.mu.Lock()
	saving := s.rdb.saving
	s.rdb.mu.Unlock()
	if saving {
		cl.w.Error("ERR Background save already in progress")
		return
	}
	if err := s.saveRDB(); err != nil {
		cl.w.Error("ERR")
		return
	}
	cl.w.OK()
}

// BGSAVE [SCHEDULE]
func cmdBgsave(s *Server, cl *client, argv [][]byte) {
	schedule := false
	if len(argv) > 1 {
		if len(argv) != 2 || !proto.EqualFold(argv[1], "SCHEDULE") {
			cl.w.Error("ERR syntax error")
			return
		}
		schedule = true
	}
	err := s.startBgsave()
	switch {
	case err == nil:
		cl.w.Simple("Background saving started")
	case errors.Is(err, errBgsaveRunning):
		cl.w.Error("ERR Background save already in progress")
	case errors.Is(err, db.ErrSnapshotRunning) && schedule:
		s.rdb.mu.Lock()
		s.rdb.scheduled = true
		s.rdb.mu.Unlock()
		cl.w.Simple("Background saving scheduled")
	case errors.Is(err, db.ErrSnapshotRunning):
		cl.w.Error("ERR Another child process is active (AOF?): can't BGSAVE right now. " +
			"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	default:
		cl.w.Error("ERR " + err.Error())
	}
}

// LASTSAVE
func cmdLastsave(s *Server, cl *client, argv [][]byte) {
	s.rdb.mu.Lock()
	t := s.rdb.lastSave
	s.rdb.mu.Unlock()
	cl.w.Int(t.Unix())
}

// rdbCron starts a BGSAVE when a save point is reached (so many changes
// within so many seconds) or one was scheduled; after a failure it waits
// bgsaveRetryDelay before trying again, as Redis does.
func (s *Server) rdbCron() {
	r := &s.rdb
	r.mu.Lock()
	saving, scheduled, last, lastTry, ok, dirtyAt := r.saving, r.scheduled, r.lastSave, r.lastTry, r.lastOK, r.dirtyAt
	r.mu.Unlock()
	if saving || s.ks.Snapshotting() {
		return
	}
	if scheduled {
		if s.startBgsave() == nil {
			r.mu.Lock()
			r.scheduled = false
			r.mu.Unlock()
		}
		return
	}
	changes := s.dirty() - dirtyAt
	now := time.Now()
	for _, p := range parseSavePoints(s.config().Save) {
		if changes >= p.changes && now.Sub(last) > time.Duration(p.seconds)*time.Second &&
			(ok || now.Sub(lastTry) > bgsaveRetryDelay) {
			s.log.Noticef("%d changes in %d seconds. Saving...", p.changes, p.seconds)
			s.startBgsave()
			return
		}
	}
}

// loadRDBFile loads the dump at start-up (appendonly no). A dump that
// carries a replication history restores it: the server comes back as the
// same point of that history, so its replicas, or its master, can go on
// with a partial resync.
func (s *Server) loadRDBFile() error {
	cfg := s.config()
	f, err := s.persist.fs.Open(cfg.rdbPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	began := time.Now()
	info, err := s.loadRDB(bufio.NewReaderSize(f, 1<<16), s.ks, cfg.ReplicaOf != "")
	if err != nil {
		return fmt.Errorf("loading %s: %w", cfg.DBFilename, err)
	}
	s.log.Noticef("DB loaded from disk: %.3f seconds", time.Since(began).Seconds())
	if info.ReplID != "" && info.ReplOffset >= 0 {
		s.restoreReplication(info.ReplID, info.ReplOffset)
		s.setReplStreamDB(info.ReplStreamDB)
	}
	return nil
}

// restoreReplication takes up the replication history a dump recorded:
// its id and offset, and an empty backlog from that offset on. A replica
// goes on under that id, to ask its master to continue; a master starts
// a new history there, keeping the old id as replid2 up to that offset (as
// Redis 7.0 does): a replica that saw more under the old id than the dump
// holds must not be continued into this one.
func (s *Server) restoreReplication(id string, offset int64) {
	s.ks.Log.Reset(offset)
	s.repl.ids.Follow(id)
	if !s.isReplica() && s.config().ReplicaOf == "" {
		s.repl.ids.Shift(offset)
	}
	s.repl.mu.Lock()
	s.repl.backlog = replication.NewBacklog(replication.BacklogSize(s.config().ReplBacklogSize), offset)
	s.ks.Log.Enable()
	s.startPumpLocked()
	s.repl.mu.Unlock()
}

// shutdownSave writes the dump at shutdown, waiting for a running
// snapshot to end first.
func (s *Server) shutdownSave() {
	s.log.Noticef("Saving the final RDB snapshot before exiting.")
	for s.ks.Snapshotting() {
		time.Sleep(10 * time.Millisecond) // a BGSAVE or a sync finishes first
	}
	if err := s.saveRDB(); err != nil {
		s.log.Warningf("Error trying to save the DB, can't exit.")
	}
}

// infoPersistenceRDB writes INFO persistence's RDB fields.
func (s *Server) infoPersistenceRDB(b *infoWriter) {
	r := &s.rdb
	r.mu.Lock()
	saving, started, last, ok, dur, saves, dirtyAt := r.saving, r.started, r.lastSave, r.lastOK, r.lastDur, r.saves, r.dirtyAt
	r.mu.Unlock()
	inProgress, cur := 0, int64(-1)
	if saving {
		inProgress, cur = 1, int64(time.Since(started).Seconds())
	}
	lastSec := int64(-1)
	if saves > 0 || !ok {
		lastSec = int64(dur.Seconds())
	}
	status := "ok"
	if !ok {
		status = "err"
	}
	b.field("rdb_changes_since_last_save", s.dirty()-dirtyAt)
	b.field("rdb_bgsave_in_progress", inProgress)
	b.field("rdb_last_save_time", last.Unix())
	b.field("rdb_last_bgsave_status", status)
	b.field("rdb_last_bgsave_time_sec", lastSec)
	b.field("rdb_current_bgsave_time_sec", cur)
	b.field("rdb_saves", saves)
	b.field("rdb_last_cow_size", 0)
	b.field("rdb_last_load_keys_expired", 0)
	b.field("rdb_last_load_keys_loaded", 0)
}
