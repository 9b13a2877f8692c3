package aof

import (
	"fmt"
	"io"
	"time"

	"redis-fast/db"
	"redis-fast/persistence"
)

// BaseWriter writes a snapshot as an AOF base file: WriteRESPBase, or the
// RDB encoder for aof-use-rdb-preamble yes.
type BaseWriter func(out io.Writer, snap *db.Snapshot) error

// Rewrite makes the AOF compact: it writes a new base from a snapshot of
// ks taken at now (rdb says whether base writes RDB) while writes go on
// into a new incremental file opened at the snapshot's exact log offset,
// then switches the manifest to the new base and removes the old files.
// It blocks until done; the server runs it on its own goroutine.
func (w *Writer) Rewrite(ks *db.Keyspace, now int64, rdb bool, base BaseWriter) error {
	_, err := w.rewrite(ks, now, rdb, base)
	return err
}

// Create writes the first base of an AOF opened without a manifest, as
// Rewrite does, and returns the names of the base and of the incremental
// file that follows it, which Redis logs when it creates the AOF of a
// server that starts with one.
func (w *Writer) Create(ks *db.Keyspace, now int64, rdb bool, base BaseWriter) (baseFile, incrFile string, err error) {
	next, err := w.rewrite(ks, now, rdb, base)
	if err != nil {
		return "", "", err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return next.name, w.incr.name, nil
}

// rewrite is Rewrite and Create: it returns the new base.
func (w *Writer) rewrite(ks *db.Keyspace, now int64, rdb bool, base BaseWriter) (fileInfo, error) {
	if !w.rewriting.CompareAndSwap(false, true) {
		return fileInfo{}, ErrRewriteRunning
	}
	defer w.rewriting.Store(false)
	var switched chan struct{}
	snap, err := ks.BeginSnapshot(now, func(offset int64) {
		w.mu.Lock()
		w.switchAt = offset
		w.switched = make(chan struct{})
		switched = w.switched
		if w.written == offset {
			w.openNextIncr() // nothing logged is waiting: switch now
		}
		w.mu.Unlock()
	})
	if err != nil {
		return fileInfo{}, fmt.Errorf("aof: rewrite: %w", err)
	}
	w.mu.Lock()
	seq, _ := w.man.nextSeqs()
	w.mu.Unlock()
	next := fileInfo{name: baseName(w.prefix, seq, rdb), seq: seq, kind: typeBase}
	if err := w.writeBase(next.name, snap, base); err != nil {
		return fileInfo{}, err
	}
	select {
	case <-switched:
	case <-time.After(time.Minute):
		return fileInfo{}, fmt.Errorf("aof: rewrite: the writer did not reach the snapshot's offset")
	}
	return next, w.installBase(next)
}

// writeBase writes the new base under a temporary name, fsyncs it and
// renames it into place.
func (w *Writer) writeBase(name string, snap *db.Snapshot, base BaseWriter) error {
	tmp := w.path(name + ".tmp")
	f, err := w.fsys.Create(tmp)
	if err != nil {
		snap.Abort()
		return fmt.Errorf("aof: rewrite: %w", err)
	}
	err = base(f, snap)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.fsys.Rename(tmp, w.path(name))
	}
	if err != nil {
		w.fsys.Remove(tmp)
		return fmt.Errorf("aof: rewrite: writing the base: %w", err)
	}
	return nil
}

// installBase makes next the base in the manifest, the incremental files
// before the current one history, and removes those.
func (w *Writer) installBase(next fileInfo) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	old := *w.man
	var history []fileInfo
	if old.base != nil {
		history = append(history, fileInfo{name: old.base.name, seq: old.base.seq, kind: typeHistory})
	}
	for _, fi := range old.incrs {
		if fi.seq < w.incr.seq {
			history = append(history, fileInfo{name: fi.name, seq: fi.seq, kind: typeHistory})
		}
	}
	w.man = &Manifest{base: &next, history: history, incrs: []fileInfo{w.incr}}
	provisional := w.provisional
	w.provisional = false
	if err := w.saveManifest(); err != nil {
		w.provisional = provisional
		w.man = &old
		return err
	}
	for _, fi := range history {
		w.fsys.Remove(w.path(fi.name))
	}
	w.man.history = nil
	err := w.saveManifest()
	w.baseSize, w.incrSize = w.sizes()
	w.sizeAtRew = w.baseSize + w.incrSize
	return err
}

// NeedsRewrite applies auto-aof-rewrite-percentage and -min-size: the AOF
// has grown past min bytes and by pct percent since the last rewrite.
func (w *Writer) NeedsRewrite(pct, min int64) bool {
	if pct <= 0 || w.rewriting.Load() {
		return false
	}
	w.mu.Lock()
	size, base := w.baseSize+w.incrSize, w.sizeAtRew
	w.mu.Unlock()
	if size < min {
		return false
	}
	if base == 0 {
		base = 1
	}
	return (size-base)*100/base >= pct
}

var _ persistence.FS = persistence.OS{}
