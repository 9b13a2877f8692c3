package loop

import (
	"errors"
	"io"
	"sync/atomic"

	"redis-fast/db"
	"redis-fast/persistence/rdb"
)

// The RDB format, as the server uses it: writing a snapshot out as a dump
// (SAVE, BGSAVE, a replica's full sync, an AOF's RDB base) and loading a
// dump into a keyspace.

// rdbAux are the fields a dump carries beyond the keys.
type rdbAux struct {
	replID     string // with replOffset: the replication history it ends
	replOffset int64
	streamDB   int // repl-stream-db: the database the stream is in there
	aofBase    bool
	// abort, when set, stops the writing between two keys (a BGSAVE that a
	// shutdown ends, as Redis kills its child).
	abort *atomic.Bool
}

// errSaveAborted is the error of a save that abort stopped.
var errSaveAborted = errors.New("rdb: save aborted")

// rdbFormat is how values are written, from the current settings.
func (s *Server) rdbFormat() rdb.Format {
	cfg := s.config()
	return rdb.Format{Compression: cfg.RDBCompression, ListMaxListpackSize: int(cfg.ListMaxListpackSize)}
}

// writeRDB writes snap to w as an RDB file. The keys are encoded under
// their shard's lock into the encoder's buffer and written out between
// chunks, with no lock held, so a slow disk or replica stalls no writer.
func (s *Server) writeRDB(w io.Writer, snap *db.Snapshot, aux rdbAux) error {
	cfg := s.config()
	opts := rdb.Options{
		Format:   s.rdbFormat(),
		Checksum: cfg.RDBChecksum,
		CTime:    snap.Time() / 1000,
		UsedMem:  int64(s.usedMemory()),
		AOFBase:  aux.aofBase,
	}
	if aux.replID != "" {
		opts.Repl = &rdb.ReplInfo{ID: aux.replID, Offset: aux.replOffset, StreamDB: aux.streamDB}
	}
	enc := rdb.NewEncoder(w, opts)
	err := snap.Each(
		func(_ *db.DB, key string, o *db.Object, exp int64) error {
			if aux.abort != nil && aux.abort.Load() {
				return errSaveAborted
			}
			return enc.WriteKeyString(key, o, exp)
		},
		enc.Flush,
		func(d *db.DB, keys, expires int) error {
			return enc.SelectDB(d.ID, keys, expires)
		})
	if err != nil {
		return err
	}
	return enc.Finish()
}

// loadRDB loads the dump in r into ks, which should be fresh: a failed load
// leaves part of the file in it. A replica keeps the keys that have expired:
// its master will delete them, and its stream expects them. INFO's
// rdb_last_load_keys_loaded and _expired report what it did.
func (s *Server) loadRDB(r io.Reader, ks *db.Keyspace, keepExpired bool) (rdb.Info, error) {
	return s.loadRDBWith(r, ks, rdb.LoadOptions{KeepExpired: keepExpired})
}

// loadRDBWith is loadRDB with the options given (rdbchecksum is the
// server's), for DEBUG RELOAD MERGE.
func (s *Server) loadRDBWith(r io.Reader, ks *db.Keyspace, opts rdb.LoadOptions) (rdb.Info, error) {
	opts.Checksum = s.config().RDBChecksum
	info, err := rdb.Load(r, ks, opts)
	s.rdb.mu.Lock()
	s.rdb.loadedKeys, s.rdb.expiredKeys = info.Keys, info.Expired
	s.rdb.mu.Unlock()
	return info, err
}
