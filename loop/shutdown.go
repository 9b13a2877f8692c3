package loop

import (
	"context"
	"errors"
	"time"

	"redis-fast/db"
)

// Shutting down as Redis's prepareForShutdown does: a running BGSAVE is
// ended, the final dump is written while the server still serves (writes
// held), and only then does the engine stop; a save that fails leaves the
// server serving.

// shutdownTimeout bounds the engine's stop once the final save is done.
const shutdownTimeout = 10 * time.Second

// terminate is Redis's prepareForShutdown, for SHUTDOWN and the signals:
// it ends a running BGSAVE, then, unless mode is NOSAVE, writes the final
// dump (when save points are set, or mode is SAVE) while the server still
// runs, its writes held, and only then stops the engine; closePersistence
// flushes the AOF after. When the save fails the server goes on serving
// and terminate returns the error, unless force says to exit anyway.
func (s *Server) terminate(mode int32, force bool) error {
	r := &s.rdb
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	if s.shutdown.Load() {
		return nil // on its way down already
	}
	s.log.Warningf("User requested shutdown...")
	s.stopBgsave()
	if s.wantsFinalSave(mode) {
		if err := s.saveBeforeExit(force); err != nil {
			return err
		}
	}
	s.shutdownMode.Store(mode)
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		s.log.Warningf("Error stopping the server: %v", err)
	}
	return nil
}

// wantsFinalSave reports whether a shutdown in mode writes the dump: with
// save points set, or SHUTDOWN SAVE; never with NOSAVE, nor when the server
// never served (what is on disk is what it loaded, or more).
func (s *Server) wantsFinalSave(mode int32) bool {
	select {
	case <-s.ready:
	default:
		return false
	}
	return mode == shutdownSave || mode == shutdownDefault && s.config().Save != ""
}

// saveBeforeExit makes the final save of terminate, with writes held until
// the engine stops, and records it for closePersistence. On failure,
// unless force, the writes resume and the error is returned.
func (s *Server) saveBeforeExit(force bool) error {
	r := &s.rdb
	release := s.holdWrites()
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	dirty, err := s.finalRDBSave()
	r.mu.Lock()
	r.final = finalSave{done: true, ok: err == nil, dirty: dirty}
	r.mu.Unlock()
	switch {
	case err == nil:
		return nil
	case force:
		s.log.Warningf("Error trying to save the DB. Exit anyway.")
		return nil
	}
	s.log.Warningf("Error trying to save the DB, can't exit.")
	s.log.Warningf("Errors trying to shut down the server. Check the logs for more information.")
	r.mu.Lock()
	r.closing, r.final = false, finalSave{}
	r.mu.Unlock()
	release()
	return err
}

// finalRDBSave writes the dump at shutdown; a snapshot that runs (an AOF
// rewrite, a replica's sync) ends first. It returns the dirty counter as
// it was when the save began.
func (s *Server) finalRDBSave() (int64, error) {
	s.log.Noticef("Saving the final RDB snapshot before exiting.")
	for {
		dirty, err := s.saveRDB()
		if !errors.Is(err, db.ErrSnapshotRunning) {
			return dirty, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stopBgsave ends a running BGSAVE at shutdown, as Redis kills its child:
// the save stops between two keys and removes its temporary file.
func (s *Server) stopBgsave() {
	r := &s.rdb
	r.mu.Lock()
	saving, end := r.saving, r.bgEnd
	r.mu.Unlock()
	if !saving {
		return
	}
	s.log.Warningf("There is a child saving an .rdb. Killing it!")
	r.abort.Store(true)
	<-end
}

// holdWrites pauses writes for the final save, as Redis holds them while
// its shutdown waits, unless a CLIENT PAUSE holds them already. A write
// that lands anyway (it was past the check) is caught by closePersistence.
// release lifts the pause, unless a CLIENT PAUSE has taken it over since.
func (s *Server) holdWrites() (release func()) {
	p := &s.pause
	if p.active.Load() {
		return func() {}
	}
	p.start(s, shutdownHold, false /* writes only */)
	p.mu.Lock()
	ours := p.timer
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		still := p.timer == ours
		p.mu.Unlock()
		if still {
			p.stop()
		}
	}
}

// shutdownHold is how long writes may be held for a final save: longer
// than any save; the engine stops, or the save fails, well before.
const shutdownHold = 24 * time.Hour
