package aof

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redis-fast/db"
	"redis-fast/persistence"
)

// Fsync policies, as appendfsync names them.
const (
	FsyncAlways int32 = iota
	FsyncEverySec
	FsyncNo
)

// ParseFsync converts an appendfsync value; ok is false for an unknown one.
func ParseFsync(s string) (int32, bool) {
	switch s {
	case "always":
		return FsyncAlways, true
	case "everysec":
		return FsyncEverySec, true
	case "no":
		return FsyncNo, true
	}
	return 0, false
}

// delayedFsync is how long an fsync may take before the writer counts it as
// delayed (aof_delayed_fsync): Redis's 2 seconds.
const delayedFsync = 2 * time.Second

// Writer appends the write log to the AOF from one goroutine (Run) and
// fsyncs by policy. Its methods are safe for concurrent use.
type Writer struct {
	fsys   persistence.FS
	dir    string // the AOF directory
	prefix string // appendfilename
	log    *db.WriteLog
	policy atomic.Int32
	// onSynced, when set, is told each log offset an fsync has covered
	// (appendfsync always: the server releases the replies waiting for it).
	onSynced func(offset int64)
	// onData, when set, gets each chunk of the log after it is written, with
	// the offset just past it (replication's backlog).
	onData func(data []byte, end int64)
	logf   func(format string, args ...any)
	// onHealth and failing: see Config.OnHealth; failing is what Status
	// reports, set after onHealth has run.
	onHealth func()
	failing  atomic.Bool

	mu        sync.Mutex // the fields below, and the file switch
	man       *Manifest
	f         persistence.File
	incr      fileInfo // the file being appended to
	written   int64    // log offset written up to
	switchAt  int64    // a rewrite's switch offset; -1: none pending
	switched  chan struct{}
	lastSync  time.Time
	writeErr  error  // the last write failed; cleared when a retry succeeds
	syncErr   error  // the last fsync failed; cleared by the next good one
	pending   []byte // logged bytes a failed write left to retry, from written on
	fileSize  int64  // bytes in the file being appended to
	incrSize  int64  // bytes in the incremental files of the manifest
	baseSize  int64
	sizeAtRew int64 // aof size after the last rewrite (auto-rewrite base)

	// provisional: a new AOF whose first rewrite has not finished; its
	// manifest is not on disk yet.
	provisional bool
	timestamp   bool
	lastStamp   int64

	rewriting atomic.Bool
	synced    atomic.Int64 // log offset covered by an fsync
	delayed   atomic.Int64 // fsyncs slower than delayedFsync
	stop      chan struct{}
	done      chan struct{}
}

// Config is what a Writer needs to know of the configuration.
type Config struct {
	FS       persistence.FS
	Dir      string // dir/appenddirname
	Prefix   string // appendfilename
	Policy   int32
	OnSynced func(offset int64)
	OnData   func(data []byte, end int64)
	// Timestamp writes "#TS:<unix seconds>" annotations
	// (aof-timestamp-enabled), which Redis's tools understand.
	Timestamp bool
	// Logf reports write errors and their recovery, at warning level.
	Logf func(format string, args ...any)
	// OnHealth, when set, is called when writing starts or stops failing,
	// before Status reports it: the server refuses writes meanwhile.
	OnHealth func()
}

// Open prepares the AOF in cfg.Dir for appending after a load (man is what
// the load read; nil for a directory that has no AOF yet, which gets an
// empty base), starting at log offset start. The log must be enabled by
// the caller before Run.
func Open(cfg Config, log *db.WriteLog, man *Manifest, start int64) (*Writer, error) {
	w := &Writer{
		fsys: cfg.FS, dir: cfg.Dir, prefix: cfg.Prefix, log: log,
		onSynced: cfg.OnSynced, onData: cfg.OnData, logf: cfg.Logf,
		onHealth: cfg.OnHealth,
		written:  start, switchAt: -1,
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	w.policy.Store(cfg.Policy)
	w.timestamp = cfg.Timestamp
	if w.logf == nil {
		w.logf = func(string, ...any) {}
	}
	w.synced.Store(start)
	if err := w.fsys.MkdirAll(w.dir); err != nil {
		return nil, fmt.Errorf("aof: %w", err)
	}
	if man == nil {
		// A new AOF is not valid until its first rewrite has written a
		// base of the dataset: until then the manifest on disk is left as
		// it is, and a crash finds the AOF as it was, as in Redis. An old
		// AOF there (appendonly was on once) keeps its numbering, so no new
		// file takes an old one's name, and its files become history at
		// the first rewrite.
		man = &Manifest{}
		data, err := readAll(w.fsys, w.path(manifestName(w.prefix)))
		if err == nil {
			if old, err := parseManifest(data); err == nil {
				man = old
			}
		}
		w.provisional = true
	}
	w.man = man
	open := w.fsys.Append
	switch n := len(man.incrs); {
	case w.provisional:
		// What is logged before the first rewrite's snapshot is in the
		// base that rewrite writes, so this file only bridges the wait:
		// a temporary name outside the numbering, history once the base
		// is in (Redis names it the same way).
		_, seq := man.nextSeqs()
		w.incr = fileInfo{name: "temp-" + w.prefix + ".incr", seq: seq - 1, kind: typeIncr}
		man.incrs = append(man.incrs, w.incr)
		open = w.fsys.Create
	case n > 0:
		w.incr = man.incrs[n-1]
	default:
		_, seq := man.nextSeqs()
		w.incr = fileInfo{name: incrName(w.prefix, seq), seq: seq, kind: typeIncr}
		man.incrs = append(man.incrs, w.incr)
		if err := w.saveManifest(); err != nil {
			return nil, err
		}
	}
	f, err := open(w.path(w.incr.name))
	if err != nil {
		return nil, fmt.Errorf("aof: %w", err)
	}
	w.f = f
	w.fileSize, _ = w.fsys.Size(w.path(w.incr.name))
	w.baseSize, w.incrSize = w.sizes()
	w.sizeAtRew = w.baseSize + w.incrSize
	return w, nil
}

func (w *Writer) path(name string) string { return filepath.Join(w.dir, name) }

// sizes measures the base and the incremental files the manifest lists.
func (w *Writer) sizes() (base, incr int64) {
	if w.man.base != nil {
		base, _ = w.fsys.Size(w.path(w.man.base.name))
	}
	for _, fi := range w.man.incrs {
		n, _ := w.fsys.Size(w.path(fi.name))
		incr += n
	}
	return base, incr
}

// saveManifest writes the manifest atomically. w.mu must be held, or the
// writer not running yet.
func (w *Writer) saveManifest() error {
	if w.provisional {
		return nil
	}
	if err := persistence.WriteAtomic(w.fsys, w.path(manifestName(w.prefix)), w.man.bytes()); err != nil {
		return fmt.Errorf("aof: writing the manifest: %w", err)
	}
	return nil
}

// SetPolicy changes appendfsync.
func (w *Writer) SetPolicy(p int32) { w.policy.Store(p) }

// Policy returns appendfsync.
func (w *Writer) Policy() int32 { return w.policy.Load() }

// Synced returns the log offset the last fsync covered.
func (w *Writer) Synced() int64 { return w.synced.Load() }

// Run appends the log to the file until Close, fsyncing by policy.
func (w *Writer) Run() {
	defer close(w.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var spare []byte
	for {
		select {
		case <-w.stop:
			spare = w.drain(spare)
			w.sync(true)
			return
		case <-w.log.Notify():
			spare = w.drain(spare)
		case <-tick.C:
			spare = w.drain(spare)
		}
		w.sync(false)
		w.noteHealth()
	}
}

// noteHealth publishes a change between writing and failing: first to
// onHealth, then to Status.
func (w *Writer) noteHealth() {
	w.mu.Lock()
	failing := w.err() != nil
	w.mu.Unlock()
	if failing == w.failing.Load() {
		return
	}
	if w.onHealth != nil {
		w.onHealth()
	}
	w.failing.Store(failing)
}

// drain writes what the log holds, after what an earlier failed write left
// pending, and returns a buffer to give the log next.
func (w *Writer) drain(spare []byte) []byte {
	fresh, end := w.log.Swap(spare)
	w.mu.Lock()
	if len(fresh) == 0 && len(w.pending) == 0 {
		w.mu.Unlock()
		return fresh
	}
	data := fresh
	if len(w.pending) > 0 {
		data = append(w.pending, fresh...)
	}
	if w.timestamp && len(fresh) > 0 {
		if now := time.Now().Unix(); now != w.lastStamp {
			w.lastStamp = now
			w.writeStamp(now)
		}
	}
	pos := w.writeFrom(data)
	w.pending = append(w.pending[:0], data[pos:]...)
	if w.written+int64(len(w.pending)) != end {
		panic("aof: the writer lost its place in the log")
	}
	w.mu.Unlock()
	if w.onData != nil && len(fresh) > 0 {
		w.onData(fresh, end)
	}
	return fresh
}

// writeFrom appends data, which starts at log offset w.written, switching
// files where a rewrite asked, and returns how much of it is in the file.
// It stops at the first failed write; the caller keeps the rest.
func (w *Writer) writeFrom(data []byte) int {
	pos := 0
	for {
		if w.switchAt == w.written {
			w.openNextIncr()
		}
		if pos == len(data) {
			return pos
		}
		limit := len(data)
		if w.switchAt > w.written && w.switchAt-w.written < int64(limit-pos) {
			limit = pos + int(w.switchAt-w.written)
		}
		n, ok := w.write(data[pos:limit])
		pos += n
		w.written += int64(n)
		if !ok {
			return pos
		}
	}
}

// writeStamp writes an "#TS:" annotation, which is not part of the log.
func (w *Writer) writeStamp(now int64) {
	w.write([]byte("#TS:" + strconv.FormatInt(now, 10) + "\r\n"))
}

// write appends b to the current file and returns how many bytes of it
// are there for good. A partial write is cut off again, as Redis does, so
// the retry of the whole b leaves no half command in the middle of the
// file; when even that fails the part written stays and only the rest is
// retried. The error is remembered until a write succeeds (a full disk
// may empty).
func (w *Writer) write(b []byte) (int, bool) {
	n, err := w.f.Write(b)
	if err == nil {
		w.fileSize += int64(n)
		w.incrSize += int64(n)
		if w.writeErr != nil {
			w.logf("AOF write error looks solved, the server can write again.")
			w.writeErr = nil
		}
		return n, true
	}
	if n > 0 {
		if terr := w.fsys.Truncate(w.path(w.incr.name), w.fileSize); terr == nil {
			n = 0
		} else {
			w.logf("Could not remove short write from the append-only file. The file may be corrupted: %v", terr)
		}
	}
	w.fileSize += int64(n)
	w.incrSize += int64(n)
	if w.writeErr == nil {
		w.logf("Error writing to the AOF file: %v", err)
	}
	w.writeErr = fmt.Errorf("aof: writing %s: %w", w.incr.name, err)
	return n, false
}

// openNextIncr switches appending to a new incremental file at the
// rewrite's offset, after fsyncing the old one, and lists it in the
// manifest at once: a crash before the rewrite ends must still find the
// changes written there. w.mu must be held.
func (w *Writer) openNextIncr() {
	if err := w.f.Sync(); err != nil {
		w.syncErr = fmt.Errorf("aof: fsync: %w", err)
	}
	w.f.Close()
	_, seq := w.man.nextSeqs()
	next := fileInfo{name: incrName(w.prefix, seq), seq: seq, kind: typeIncr}
	f, err := w.fsys.Append(w.path(next.name))
	if err == nil {
		w.man.incrs = append(w.man.incrs, next)
		err = w.saveManifest()
	}
	if err != nil && w.writeErr == nil {
		w.writeErr = err
	}
	w.f, w.incr, w.fileSize = f, next, 0
	w.switchAt = -1
	close(w.switched)
}

// sync fsyncs when the policy asks for it (always: now; everysec: once a
// second; force: at shutdown).
func (w *Writer) sync(force bool) {
	policy := w.policy.Load()
	w.mu.Lock()
	due := force || policy == FsyncAlways ||
		policy == FsyncEverySec && time.Since(w.lastSync) >= time.Second
	if !due || w.synced.Load() == w.written {
		w.mu.Unlock()
		return
	}
	// A file just switched to holds nothing yet: openNextIncr fsynced the
	// old one, so what was written is on disk already, and fsyncing the
	// empty file could only fail on its own (a full device's fsync does).
	// Redis keeps its fsync offset per incremental file for the same end.
	f, upTo, empty := w.f, w.written, w.fileSize == 0
	w.mu.Unlock()
	began := time.Now()
	var err error
	if !empty {
		err = f.Sync()
	}
	if time.Since(began) > delayedFsync {
		w.delayed.Add(1)
	}
	w.mu.Lock()
	w.lastSync = began
	switch {
	case err != nil && f != w.f:
		// A rewrite switched files meanwhile (openNextIncr), fsyncing f
		// before closing it; its error, if any, is in syncErr.
	case err != nil:
		w.syncErr = fmt.Errorf("aof: fsync: %w", err)
	case !empty:
		w.syncErr = nil
	}
	ok := err == nil && w.syncErr == nil
	w.mu.Unlock()
	if ok {
		w.synced.Store(upTo)
		if w.onSynced != nil {
			w.onSynced(upTo)
		}
	}
}

// Close writes and fsyncs what is left, and closes the file: what the
// server does on SHUTDOWN and SIGTERM.
func (w *Writer) Close() error {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.f.Close()
	if w.writeErr != nil {
		return w.writeErr
	}
	if w.syncErr != nil {
		return w.syncErr
	}
	return err
}

// Status is what INFO persistence reports of the AOF.
type Status struct {
	CurrentSize, BaseSize int64
	WriteOK               bool
	WriteErr              error // why WriteOK is false
	DelayedFsync          int64
	Buffered              int64 // logged but not written yet
}

// ResetStats zeroes the counts CONFIG RESETSTAT clears: of the writer's
// own, only aof_delayed_fsync.
func (w *Writer) ResetStats() { w.delayed.Store(0) }

// Status returns the writer's figures.
func (w *Writer) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Status{
		CurrentSize:  w.baseSize + w.incrSize,
		BaseSize:     w.baseSize,
		WriteOK:      !w.failing.Load(),
		WriteErr:     w.err(),
		DelayedFsync: w.delayed.Load(),
		Buffered:     w.log.Offset() - w.written,
	}
}

// Err returns the error of the last write or fsync, nil once writing
// works again.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err()
}

// err is the error that makes the AOF unwritable now, if any. w.mu must
// be held.
func (w *Writer) err() error {
	if w.writeErr != nil {
		return w.writeErr
	}
	return w.syncErr
}

// ErrRewriteRunning is returned by Rewrite while another one runs.
var ErrRewriteRunning = errors.New("aof: a rewrite is already running")
