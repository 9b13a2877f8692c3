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
	"sync/atomic"
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
	scheduled bool      // BGSAVE SCHEDULE (or one in EXEC) waits for the cron
	started   time.Time // of the running BGSAVE
	lastSave  time.Time // of the last successful save (LASTSAVE)
	lastTry   time.Time // of the last BGSAVE attempt, for the retry delay
	// lastOK is rdb_last_bgsave_status: a failed BGSAVE clears it (and
	// then writes get MISCONF), any good save sets it. lastDur is the last
	// BGSAVE's duration, once bgDone says one has ended.
	lastOK  bool
	lastDur time.Duration
	bgDone  bool
	saves   int64 // rdb_saves: SAVEs and BGSAVEs started
	dirtyAt int64 // the dirty counter when the last good save began
	// loadedKeys and expiredKeys are the last load's counts.
	loadedKeys, expiredKeys int64
	// abort stops the running BGSAVE (see rdbAux.abort); bgEnd is closed
	// when it has ended.
	abort atomic.Bool
	bgEnd chan struct{}
	// closing is set while a shutdown saves, and after: the cron starts
	// no BGSAVE then. final is that save's outcome.
	closing bool
	final   finalSave
	// closeMu lets one shutdown attempt run at a time.
	closeMu sync.Mutex
}

// finalSave is what the save a shutdown made before the engine stopped
// left to do: nothing, unless writes came in after it began (dirty moved).
type finalSave struct {
	done, ok bool
	dirty    int64 // the dirty counter when it began
}

// Retry a failed background save after this long, as Redis's
// CONFIG_BGSAVE_RETRY_DELAY.
const bgsaveRetryDelay = 5 * time.Second

// savePoint is one "seconds changes" pair of the save directive.
type savePoint struct{ seconds, changes int64 }

// parseSavePoints reads the save directive's value as the directive
// stored it (see formatSavePoints): pairs of numbers, or "" for none. A
// changes count may be negative there, a C int's wrap-around, as in Redis.
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
// crash leaves the old dump or the new one, whole. It blocks until done,
// and returns the dirty counter as it was when the save began. As Redis's
// rdbSave, a failure leaves rdb_last_bgsave_status alone and a success
// sets it to ok.
func (s *Server) saveRDB() (int64, error) {
	dirty := s.dirty()
	snap, streamDB, err := s.beginReplSnapshot(s.snapshotNow(), nil)
	if err != nil {
		return dirty, err
	}
	err = s.writeRDBFile(snap, streamDB, nil)
	s.recordSave(err, dirty)
	return dirty, err
}

// writeRDBFile writes snap as the dump file; abort, if not nil, can stop
// it. A server with a replication history records it in the dump, so that
// after a restart it can continue that history with its replicas, or with
// its master (PSYNC).
func (s *Server) writeRDBFile(snap *db.Snapshot, streamDB int, abort *atomic.Bool) error {
	cfg := s.config()
	fsys := s.persist.fs
	path := cfg.rdbPath()
	tmp := filepath.Join(cfg.Dir, fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	f, err := fsys.Create(tmp)
	if err != nil {
		snap.Abort()
		return err
	}
	aux := rdbAux{abort: abort}
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

// recordSave notes the end of a foreground save (SAVE, DEBUG RELOAD, the
// one at shutdown) for LASTSAVE and INFO.
func (s *Server) recordSave(err error, dirty int64) {
	if err != nil {
		s.log.Warningf("Error saving DB on disk: %v", err)
		return
	}
	s.rdb.mu.Lock()
	s.rdb.savedLocked(dirty)
	s.rdb.mu.Unlock()
	s.updateWriteGate()
	s.log.Noticef("DB saved on disk")
}

// savedLocked records a good save that began at dirty. r.mu is held.
func (r *rdbState) savedLocked(dirty int64) {
	r.lastOK = true
	r.lastSave = time.Now()
	r.dirtyAt = dirty
}

// recordBgsave notes the end of a BGSAVE: a failure sets
// rdb_last_bgsave_status to err, unless a shutdown aborted the save (as
// Redis's SIGUSR1 to its child does not).
func (s *Server) recordBgsave(err error, dirty int64, took time.Duration) {
	r := &s.rdb
	aborted := errors.Is(err, errSaveAborted)
	r.mu.Lock()
	r.saving = false
	r.lastDur, r.bgDone = took, true
	switch {
	case err == nil:
		r.savedLocked(dirty)
	case !aborted:
		r.lastOK = false
	}
	close(r.bgEnd)
	r.mu.Unlock()
	s.updateWriteGate()
	switch {
	case err == nil:
		s.log.Noticef("Background saving terminated with success")
	case aborted:
		s.log.Warningf("Background saving terminated by the shutdown")
	default:
		s.log.Warningf("Background saving error: %v", err)
	}
}

// countSave counts a save in rdb_saves as it starts.
func (s *Server) countSave() {
	s.rdb.mu.Lock()
	s.rdb.saves++
	s.rdb.mu.Unlock()
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
	r.bgEnd = make(chan struct{})
	r.abort.Store(false)
	r.mu.Unlock()
	began := time.Now()
	dirty := s.dirty()
	snap, streamDB, err := s.beginReplSnapshot(s.snapshotNow(), nil)
	r.mu.Lock()
	if err != nil {
		r.saving = false
		close(r.bgEnd)
		r.mu.Unlock()
		return err
	}
	r.started, r.lastTry = began, began
	r.saves++
	r.mu.Unlock()
	s.log.Noticef("Background saving started")
	go func() {
		err := s.writeRDBFile(snap, streamDB, &r.abort)
		s.recordBgsave(err, dirty, time.Since(began))
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
	s.countSave()
	if _, err := s.saveRDB(); err != nil {
		cl.w.Error("ERR")
		return
	}
	cl.w.OK()
}

// BGSAVE [SCHEDULE]
//
// A BGSAVE that cannot start because another snapshot runs is scheduled
// for the cron with SCHEDULE; one inside EXEC always is, as in Redis.
func cmdBgsave(s *Server, cl *client, argv [][]byte) {
	schedule := false
	if len(argv) > 1 {
		if len(argv) != 2 || !proto.EqualFold(argv[1], "SCHEDULE") {
			cl.w.Error("ERR syntax error")
			return
		}
		schedule = true
	}
	s.rdb.mu.Lock()
	saving := s.rdb.saving
	s.rdb.mu.Unlock()
	var err error
	switch {
	case saving:
		err = errBgsaveRunning
	case cl.execing:
		err, schedule = db.ErrSnapshotRunning, true
	default:
		err = s.startBgsave()
	}
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
// bgsaveRetryDelay before trying again, as Redis does. It starts none
// while a shutdown saves.
func (s *Server) rdbCron() {
	r := &s.rdb
	r.mu.Lock()
	saving, scheduled, last, lastTry, ok, dirtyAt := r.saving, r.scheduled, r.lastSave, r.lastTry, r.lastOK, r.dirtyAt
	closing := r.closing
	r.mu.Unlock()
	if saving || closing || s.ks.Snapshotting() {
		return
	}
	now := time.Now()
	retry := ok || now.Sub(lastTry) > bgsaveRetryDelay
	if scheduled {
		if retry && s.startBgsave() == nil {
			r.mu.Lock()
			r.scheduled = false
			r.mu.Unlock()
		}
		return
	}
	changes := s.dirty() - dirtyAt
	for _, p := range parseSavePoints(s.config().Save) {
		if changes >= p.changes && now.Sub(last) > time.Duration(p.seconds)*time.Second && retry {
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

// SHUTDOWN's choices for the final save (Server.shutdownMode).
const (
	shutdownDefault int32 = 0  // save when save points are set
	shutdownSave    int32 = 1  // SHUTDOWN SAVE
	shutdownNoSave  int32 = -1 // SHUTDOWN NOSAVE
)

// infoPersistenceRDB writes INFO persistence's RDB fields.
func (s *Server) infoPersistenceRDB(b *infoWriter) {
	r := &s.rdb
	r.mu.Lock()
	saving, started, last, ok, dur, bgDone, saves, dirtyAt := r.saving, r.started, r.lastSave, r.lastOK, r.lastDur, r.bgDone, r.saves, r.dirtyAt
	loaded, expired := r.loadedKeys, r.expiredKeys
	r.mu.Unlock()
	inProgress, cur := 0, int64(-1)
	if saving {
		inProgress, cur = 1, int64(time.Since(started).Seconds())
	}
	lastSec := int64(-1)
	if bgDone {
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
	b.field("rdb_last_load_keys_expired", expired)
	b.field("rdb_last_load_keys_loaded", loaded)
}
