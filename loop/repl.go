package loop

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redis-fast/db"
	"redis-fast/pubsub"
	"redis-fast/replication"
)

// replicationCommands are the commands of the replication protocol and of
// its administration.
var replicationCommands = []serverCommand{
	{Command: db.Command{Name: "psync", Arity: -3, Flags: db.Admin | db.NoScript | db.NoAsyncLoading | db.NoMulti, Group: "server", Since: "2.8.0"}, exec: cmdPsync},
	{Command: db.Command{Name: "replconf", Arity: -1, Flags: db.Admin | db.NoScript | db.Loading | db.Stale | db.AllowBusy, Group: "server", Since: "3.0.0"}, exec: cmdReplconf},
	{Command: db.Command{Name: "replicaof", Arity: 3, Flags: db.Admin | db.NoScript | db.Stale | db.NoAsyncLoading, Group: "server", Since: "5.0.0"}, exec: cmdReplicaof},
	{Command: db.Command{Name: "role", Arity: 1, Flags: db.NoScript | db.Loading | db.Stale | db.Fast, Group: "server", Since: "2.8.12"}, exec: cmdRole},
	{Command: db.Command{Name: "slaveof", Arity: 3, Flags: db.Admin | db.NoScript | db.Stale | db.NoAsyncLoading, Group: "server", Since: "1.0.0"}, exec: cmdReplicaof},
	{Command: db.Command{Name: "sync", Arity: 1, Flags: db.Admin | db.NoScript | db.NoAsyncLoading | db.NoMulti, Group: "server", Since: "1.0.0"}, exec: cmdSync},
	{Command: db.Command{Name: "wait", Arity: 3, Flags: db.NoScript, Group: "generic", Since: "3.0.0"}, exec: cmdWait},
}

// replState is the server's replication: its role, its replication ids,
// the backlog and the replicas attached to it (as a master), and the link
// to its master (as a replica).
type replState struct {
	ids     *replication.IDs
	replica atomic.Bool // true while this server follows a master
	// goodReplicas counts the online replicas whose last ACK is at most
	// min-replicas-max-lag seconds old; the cron refreshes it.
	goodReplicas atomic.Int32
	// (Applying a frame of the master's stream and logging it are one step
	// for snapshots: the replica holds db.Keyspace.StreamMu across both,
	// and across a MULTI ... EXEC, and every snapshot begins under it.)
	// streamDB is the database the master's stream last selected: where
	// the master client applies the stream's next command. It outlives a
	// session, as Redis's cached master client does: a partial resync
	// continues the stream mid-way, with no SELECT in front. A full sync
	// sets it from the dump's repl-stream-db; a full sync this replica
	// serves records it in its own dump for the same reason.
	streamDB atomic.Int32

	mu       sync.Mutex // the fields below
	backlog  *replication.Backlog
	replicas []*replicaLink
	link     *masterLink // nil unless a replica
	pumping  bool        // a log pump runs (no AOF writer to drain the log)
	stopPump chan struct{}
	pumpDone chan struct{}
	waits    []*waitReq // WAIT commands waiting for acknowledgements
	// replicas waiting for a full sync to begin, and whether the sync
	// scheduler runs
	pendingSync   []*replicaLink
	syncScheduled bool
	syncs         int64 // full syncs served (sync_full)
	partials      int64 // partial resyncs served (sync_partial_ok)
	partErrs      int64 // refused partial resyncs (sync_partial_err)
	lastPing      time.Time
}

// setRole records a change of role: the gate of the dispatcher's checks,
// and the replicaof setting CONFIG GET and CONFIG REWRITE report.
func (s *Server) setRole(replica bool, master string) {
	s.repl.replica.Store(replica)
	s.ks.Following.Store(replica)
	s.log.SetReplica(replica)
	s.cfgMu.Lock()
	s.cfg.ReplicaOf = master
	cfg := s.cfg
	s.cfgMu.Unlock()
	s.applyHotConfig(&cfg)
}

// replicationCron is the replication's share of the cron: PINGs to the
// replicas, the count of good replicas, and dropping replicas that have
// not acknowledged anything for repl-timeout seconds.
func (s *Server) replicationCron() {
	s.resizeBacklog()
	s.pingReplicas()
	s.countGoodReplicas()
	timeout := int64(s.config().ReplTimeout)
	now := time.Now().Unix()
	s.repl.mu.Lock()
	var late []*replicaLink
	for _, rep := range s.repl.replicas {
		if rep.state.Load() == replicaOnline && now-rep.ackTime.Load() > timeout {
			late = append(late, rep)
		}
	}
	s.repl.mu.Unlock()
	for _, rep := range late {
		s.log.Warningf("Disconnecting timedout replica (streaming sync): %s", rep.cl.addr)
		rep.conn.Close()
	}
}

// resizeBacklog gives the backlog the capacity repl-backlog-size now asks
// for (CONFIG SET changes it at run time), keeping its newest bytes. The
// cron calls it, and so do INFO and PSYNC before they look at the backlog,
// so a change shows at once to whoever can observe it.
func (s *Server) resizeBacklog() {
	want := replication.BacklogSize(s.config().ReplBacklogSize)
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if b := s.repl.backlog; b != nil && b.Size() != want {
		b.Resize(want)
	}
}

// countGoodReplicas refreshes repl.goodReplicas, as Redis's
// refreshGoodSlavesCount does.
func (s *Server) countGoodReplicas() {
	maxLag := int64(s.config().MinReplicasMaxLag)
	now := time.Now().Unix()
	n := 0
	s.repl.mu.Lock()
	for _, rep := range s.repl.replicas {
		if rep.state.Load() == replicaOnline && now-rep.ackTime.Load() <= maxLag {
			n++
		}
	}
	s.repl.mu.Unlock()
	s.repl.goodReplicas.Store(int32(n))
}

// isReplica reports whether the server follows a master.
func (s *Server) isReplica() bool { return s.repl.replica.Load() }

// replicating reports whether replication needs the write log: the server
// has a backlog (it had replicas) or follows a master.
func (s *Server) replicating() bool {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.repl.backlog != nil || s.repl.link != nil
}

// ensureBacklog creates the backlog (the first replica came) and makes sure
// the write log records and something drains it.
func (s *Server) ensureBacklog() *replication.Backlog {
	r := &s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.backlog == nil {
		s.ks.Log.Enable()
		r.backlog = replication.NewBacklog(replication.BacklogSize(s.config().ReplBacklogSize), s.ks.Log.Offset())
	}
	s.startPumpLocked()
	return r.backlog
}

// startPumpLocked starts draining the write log when no AOF writer does.
// r.mu must be held.
func (s *Server) startPumpLocked() {
	r := &s.repl
	if r.pumping || s.aofWriter() != nil {
		return
	}
	r.pumping = true
	r.stopPump = make(chan struct{})
	r.pumpDone = make(chan struct{})
	go s.pump(r.stopPump, r.pumpDone)
}

// stopPump stops the log pump (the AOF writer takes over draining).
func (s *Server) stopPump() {
	r := &s.repl
	r.mu.Lock()
	if !r.pumping {
		r.mu.Unlock()
		return
	}
	stop, done := r.stopPump, r.pumpDone
	r.pumping = false
	r.mu.Unlock()
	close(stop)
	<-done
}

// pump drains the write log and feeds replication, while the AOF is off.
func (s *Server) pump(stop, done chan struct{}) {
	defer close(done)
	var spare []byte
	for {
		data, end := s.ks.Log.Swap(spare)
		s.feedReplicas(data, end)
		spare = data
		select {
		case <-stop:
			data, end := s.ks.Log.Swap(spare)
			s.feedReplicas(data, end)
			return
		case <-s.ks.Log.Notify():
		}
	}
}

// feedReplicas passes a chunk of the write log, ending at offset end, to the
// backlog and to every replica: online ones get it now, ones still loading
// a full sync keep it for later. The AOF writer and the pump call it.
func (s *Server) feedReplicas(data []byte, end int64) {
	if len(data) == 0 {
		return
	}
	r := &s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.backlog == nil {
		return
	}
	r.backlog.Append(data, end)
	begin := end - int64(len(data))
	hard := s.pubsub.Limits.Get(pubsub.Replica).Hard
	for _, rep := range r.replicas {
		rep.feed(data, begin, hard)
	}
}

// replOffset is master_repl_offset: the write log's offset, once there is a
// backlog (as in Redis, it stays 0 until the first replica).
func (s *Server) replOffset() int64 {
	if !s.replicating() {
		return 0
	}
	return s.ks.Log.Offset()
}

// beginReplSnapshot begins a snapshot (see db.Keyspace.BeginSnapshot) that
// is exact for replication on a replica too: it never falls between a
// frame of the master's stream taking effect and being logged, nor inside
// a transaction of the stream (see db.Keyspace.StreamMu). It returns the
// repl-stream-db a dump of the snapshot must record. Anything that records
// a replication offset with a snapshot (a full sync, a dump with repl-id)
// should begin it here.
func (s *Server) beginReplSnapshot(now int64, atStart func(offset int64)) (*db.Snapshot, int, error) {
	snap, err := s.ks.BeginSnapshot(now, atStart) // under ks.StreamMu
	return snap, s.replStreamDB(), err
}

// replStreamDB is the repl-stream-db a dump of this server records: the
// database its master's stream is in (0 on a master, whose stream starts
// with a SELECT after every snapshot).
func (s *Server) replStreamDB() int {
	if !s.isReplica() {
		return 0
	}
	return int(s.repl.streamDB.Load())
}

// setReplStreamDB takes up the repl-stream-db of a dump this replica loads
// (a full sync, or its own dump at start-up): -1 or out of range means 0.
func (s *Server) setReplStreamDB(db int) {
	if db < 0 || db >= s.ks.Len() {
		db = 0
	}
	s.repl.streamDB.Store(int32(db))
}

// infoReplication writes INFO's replication section.
func (s *Server) infoReplication(b *infoWriter) {
	s.resizeBacklog()
	r := &s.repl
	id, id2, second := r.ids.Get()
	offset := s.replOffset()
	r.mu.Lock()
	link := r.link
	replicas := append([]*replicaLink(nil), r.replicas...)
	backlog := r.backlog
	r.mu.Unlock()
	if link != nil {
		b.field("role", "slave")
		link.info(b, offset)
	} else {
		b.field("role", "master")
	}
	online := 0
	for _, rep := range replicas {
		if rep.state.Load() == replicaOnline {
			online++
		}
	}
	b.field("connected_slaves", online)
	now := time.Now().Unix()
	n := 0
	for _, rep := range replicas {
		if rep.state.Load() != replicaOnline {
			continue
		}
		b.field("slave"+strconv.Itoa(n), "ip="+rep.ip+",port="+strconv.Itoa(rep.port)+
			",state=online,offset="+strconv.FormatInt(rep.ackOffset.Load(), 10)+
			",lag="+strconv.FormatInt(now-rep.ackTime.Load(), 10))
		n++
	}
	b.field("master_failover_state", "no-failover")
	b.field("master_replid", id)
	b.field("master_replid2", id2)
	b.field("master_repl_offset", offset)
	b.field("second_repl_offset", second)
	if backlog != nil {
		start, end := backlog.Range()
		b.field("repl_backlog_active", 1)
		b.field("repl_backlog_size", backlog.Size())
		b.field("repl_backlog_first_byte_offset", start+1)
		b.field("repl_backlog_histlen", end-start)
	} else {
		b.field("repl_backlog_active", 0)
		b.field("repl_backlog_size", replication.BacklogSize(s.config().ReplBacklogSize))
		b.field("repl_backlog_first_byte_offset", 0)
		b.field("repl_backlog_histlen", 0)
	}
}
