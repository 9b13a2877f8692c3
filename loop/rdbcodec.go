package loop

import (
	"io"

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
}

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
// its master will delete them, and its stream expects them.
func (s *Server) loadRDB(r io.Reader, ks *db.Keyspace, keepExpired bool) (rdb.Info, error) {
	return rdb.Load(r, ks, rdb.LoadOptions{Checksum: s.config().RDBChecksum, KeepExpired: keepExpired})
}
